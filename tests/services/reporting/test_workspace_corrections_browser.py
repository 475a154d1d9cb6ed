"""The corrections box in a real browser (Debian's Chromium) against intake and reporting on a
real nats-server (issue 17): by keyboard alone a handler corrects the priority and answers a
message sent after the answer; axe-core finds no violation in the box (with its three forms),
in Dutch and English, at 1280 and 390 px, and the page does not scroll sideways."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from klachten.stack.natsserver import EmbeddedNats
from services.intake.server import BackgroundIntake
from services.intake.settings import IntakeSettings
from shared.eventstore.application import ComplaintsApplication
from tests.support.axe import axe_source
from tests.support.intake import HEARING_WAIVED
from tests.support.polling import wait_until_sync
from tests.support.ports import free_port
from tests.support.workspace import record_reply, reporting_process

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
TOKEN = "corrections-browser-token-0123456789"
STAFF = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def desk(
    provisioned_nats: EmbeddedNats, tmp_path: Path, data_dir: Path
) -> Iterator[dict[str, str]]:
    settings = IntakeSettings(
        nats_url=provisioned_nats.url, data_dir=data_dir, intake_port=free_port(),
        smtp_port=free_port(), staff_token=TOKEN, intake_rate_limit=10_000,
    )  # fmt: skip
    intake = BackgroundIntake(settings).start()
    log = ComplaintsApplication(env={"NATS_URL": provisioned_nats.url})
    try:
        body = {
            "channel": "web",
            "complainant": {"name": "Mary Jones", "email": "mary@example.org", "language": "en"},
            "subject": "Second reminder",
            "description": "I received a second reminder for a paid invoice.",
        }
        made = httpx.post(f"{intake.url}/api/complaints", json=body, timeout=20).json()
        on = f"{intake.url}/api/complaints/{made['complaint_id']}"
        assert httpx.post(f"{on}/hearing/waiver", json=HEARING_WAIVED, headers=STAFF).is_success
        answer = {"text": "We cancelled the reminder.", "resolution": "well_founded"}
        assert httpx.post(f"{on}/responses", json=answer, headers=STAFF).is_success
        record_reply(log, made["complaint_id"], "And the fee?", verified_by="reply_address")
        with reporting_process(
            provisioned_nats.url, tmp_path, TOKEN, KLACHTEN_INTAKE_URL=intake.url
        ) as base:
            wait_until_sync(lambda: _answers(f"{base}/health/live"), 60, 0.2, "reporting")
            yield {"base": base, "cid": made["complaint_id"]}
    finally:
        log.close()
        intake.stop()


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _tab_to(page: Any, selector: str, limit: int = 200) -> None:
    """Press Tab until the element has focus: it is reachable by keyboard alone."""
    for _ in range(limit):
        if page.evaluate(f"document.activeElement === document.querySelector('{selector}')"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} is not reachable with Tab")


def _box_violations(page: Any) -> list[Any]:
    page.evaluate(axe_source())
    return page.evaluate(  # type: ignore[no-any-return]
        """async () => (await axe.run('#corrections')).violations
            .map(v => ({id: v.id, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))"""
    )


WIDEST = """w => [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > w)
    .slice(-4).map(e => e.tagName + '#' + e.id + ' ' + e.textContent.slice(0, 40))"""


def _accessible(page: Any, name: str, problems: dict[str, Any]) -> None:
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        problems[f"{name}-{width}"] = _box_violations(page)
        wide = page.evaluate(WIDEST, width)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, width, wide)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_a_handler_corrects_and_answers_a_follow_up_by_keyboard(desk: dict[str, str]) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    url = f"{desk['base']}/workspace/complaints/{desk['cid']}"
    problems: dict[str, Any] = {}
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            context = browser.new_context(locale="nl-NL", extra_http_headers=STAFF)
            page = context.new_page()
            page.set_viewport_size({"width": 1280, "height": 900})
            page.goto(f"{url}?lang=nl")
            assert "Correcties" in page.locator("#corrections").inner_text()
            _accessible(page, "box-nl", problems)

            _tab_to(page, "#follow_up-text")
            page.keyboard.type("Wij betalen de kosten terug.")
            page.keyboard.press("Tab")  # to "Antwoord versturen"
            page.keyboard.press("Enter")
            page.wait_for_selector("#done")
            assert "Uw antwoord is vastgelegd" in page.locator("#done").inner_text()
            assert page.locator("#follow_up").count() == 0  # the message is handled

            page.goto(f"{url}?lang=en")
            assert "Corrections" in page.locator("#corrections").inner_text()
            _accessible(page, "box-en", problems)
        finally:
            browser.close()
    assert all(not found for found in problems.values()), problems
