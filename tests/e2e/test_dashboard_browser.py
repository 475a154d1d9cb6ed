"""The dashboard in a real browser: reporting runs as a process against a real nats-server,
headless Chromium signs in with the staff token and sees the charts with the expected numbers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import httpx
import pytest

from klachten.stack.natsserver import EmbeddedNats
from shared.contract import events as ev
from shared.eventstore.application import ComplaintsApplication
from shared.rules.complaint import Cause, Complaint
from tests.support.browser import chromium
from tests.support.polling import wait_until_sync
from tests.support.workspace import reporting_process

TOKEN = "browser-token-0123456789"


def _history(url: str) -> int:
    """Three web complaints and one by e-mail in March 2025; one escalated, one closed."""
    app = ComplaintsApplication(env={"NATS_URL": url})
    base = datetime(2025, 3, 3, 9, tzinfo=UTC)
    staff = Cause(actor="staff:test")
    for i, channel in enumerate(["web", "web", "web", "email"]):
        at = base + timedelta(days=i)
        c = Complaint.submit(
            complaint_id=uuid4(),
            reference=f"K-B{i}",
            channel=channel,
            language="nl",  # type: ignore[arg-type]
            personal=ev.SubmittedPersonal(
                complainant=ev.Complainant(name="N", email="n@example.org"),
                subject="s",
                description="d",
            ),
            received_at=at,
            now=at,
            cause=Cause(actor="web"),
            category="service",
        )
        if i == 0:
            c.escalate(
                level=1,
                target="lead",
                reason="complainant_request",
                now=at + timedelta(days=1),
                cause=staff,
            )
        if i == 1:
            c.close(outcome="withdrawn", now=at + timedelta(days=1), cause=staff)
        app.save(c)
    last = app.recorder.max_notification_id()
    app.close()
    return last


@pytest.fixture
def reporting(provisioned_nats: EmbeddedNats, tmp_path: Path) -> Iterator[str]:
    last = _history(provisioned_nats.url)
    with reporting_process(provisioned_nats.url, tmp_path, TOKEN) as base:
        wait_until_sync(
            lambda: httpx.get(f"{base}/health").json()["position"] >= last,
            timeout=30,
            message="reporting caught up",
        )
        yield base


def test_dashboard_renders_charts_with_expected_numbers(reporting: str) -> None:
    with chromium() as browser:
        page = browser.new_page()
        page.goto(f"{reporting}/dashboard")
        page.fill("#token", TOKEN)
        page.click("button[type=submit]")
        page.wait_for_selector("svg[data-chart=inflow]")
        assert page.locator("h1").inner_text() == "Klachten — dashboard"
        assert page.locator("[data-kpi=total]").inner_text().startswith("4")
        assert page.locator("[data-kpi=open]").inner_text().startswith("3")
        inflow = page.locator("svg[data-chart=inflow]")
        assert inflow.locator('rect[data-label="2025-03 web"]').get_attribute("data-value") == "3"
        assert inflow.locator('rect[data-label="2025-03 email"]').get_attribute("data-value") == "1"
        box = inflow.locator('rect[data-label="2025-03 web"]').bounding_box()
        assert box is not None and box["height"] > 10  # drawn, not just present
        esc = page.locator(
            "svg[data-chart=escalation-reasons] rect[data-label='op verzoek van de klager']"
        )
        assert esc.get_attribute("data-value") == "1"
        ageing = page.locator('svg[data-chart=ageing] rect[data-label=">8w"]')
        assert ageing.get_attribute("data-value") == "3"
        rows = page.locator("#worklist tbody tr")
        assert rows.count() == 3
        assert page.locator("#worklist tbody tr").first.get_attribute("data-reference") == "K-B0"
        page.goto(f"{reporting}/dashboard?lang=en")
        assert page.locator("h1").inner_text() == "Complaints — dashboard"
