"""The yearly report's page in a real browser (issue 18 item 6): reporting runs as a process
against a real nats-server with a generated year; headless Chromium opens the report in Dutch
and English, on a desktop and a phone width; axe-core finds nothing, nothing scrolls sideways,
and the page's PDF link gives the PDF."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from klachten.stack.natsserver import EmbeddedNats
from shared.eventstore.application import ComplaintsApplication
from tests.support.axe import violations
from tests.support.browser import chromium
from tests.support.polling import wait_until_sync
from tests.support.reporting_history import generate
from tests.support.workspace import reporting_process

TOKEN = "browser-token-0123456789"
TITLES = (("nl", "Jaarverslag klachten 2025"), ("en", "Complaints annual report 2025"))


@pytest.fixture
def reporting(provisioned_nats: EmbeddedNats, tmp_path: Path) -> Iterator[str]:
    app = ComplaintsApplication(env={"NATS_URL": provisioned_nats.url})
    generate(app, 40, seed=3)
    last = app.recorder.max_notification_id()
    app.close()
    with reporting_process(provisioned_nats.url, tmp_path, TOKEN) as base:
        wait_until_sync(
            lambda: httpx.get(f"{base}/health").json()["position"] >= last,
            timeout=30,
            message="reporting caught up",
        )
        yield base


def test_the_yearly_report_reads_well_in_both_languages_and_widths(reporting: str) -> None:
    with chromium() as browser:
        for width, height in ((1280, 900), (390, 844)):
            context = browser.new_context(
                viewport={"width": width, "height": height},
                extra_http_headers={"Authorization": f"Bearer {TOKEN}"},
            )
            page = context.new_page()
            for lang, title in TITLES:
                page.goto(f"{reporting}/reports/yearly/2025?lang={lang}")
                assert page.locator("h1").inner_text() == title
                assert page.locator("html").get_attribute("lang") == lang
                bars = page.locator("svg[data-chart=yearly-channels] rect")
                assert bars.count() == 5  # web, e-mail, phone, letter, API
                assert violations(page) == [], (lang, width)
                wide = page.evaluate("document.documentElement.scrollWidth")
                assert wide <= width, (lang, width, wide)  # WCAG 1.4.10: no sideways scroll
                href = page.locator("nav a").first.get_attribute("href")
                pdf = page.request.get(f"{reporting}{href}")
                assert pdf.headers["content-type"] == "application/pdf"
                assert pdf.body().startswith(b"%PDF")
            context.close()
