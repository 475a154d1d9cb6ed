"""Notes and the letter preview in the workspace, in a real browser (Debian's Chromium) against
intake, the notifier and reporting on a real nats-server: by keyboard alone a handler writes an
internal note (it shows under "Interne notities" and in the timeline), previews the answer's
letter (the exact text the notifier will send, in the complaint's language, the draft kept in
the form) and sends it. axe-core finds no violation on the case page with a note and with a
preview, in Dutch and English, at 1280 and 390 px."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import nats
import pytest

from klachten.stack.natsserver import EmbeddedNats
from services.intake.server import BackgroundIntake
from services.intake.settings import IntakeSettings
from shared.eventstore.buckets import provision_buckets
from tests.support.axe import violations
from tests.support.intake import HEARING_WAIVED
from tests.support.notifier import notifier_env, notifier_settings
from tests.support.polling import wait_until_sync
from tests.support.ports import free_port
from tests.support.processes import ServiceProcess
from tests.support.workspace import reporting_process

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
TOKEN = "notes-browser-token-0123456789"
STAFF = {"Authorization": f"Bearer {TOKEN}"}
NOTE = "Mevrouw gebeld: ze is vrijdag thuis voor een gesprek."
ANSWER = "We have checked the invoice and cancelled the second reminder."


async def _buckets(url: str) -> None:
    nc = await nats.connect(url)
    try:
        await provision_buckets(nc)  # the notifier's outbox among them
    finally:
        await nc.close()


@pytest.fixture
def desk(
    provisioned_nats: EmbeddedNats, tmp_path: Path, data_dir: Path
) -> Iterator[dict[str, str]]:
    asyncio.run(_buckets(provisioned_nats.url))
    settings = IntakeSettings(
        nats_url=provisioned_nats.url,
        data_dir=data_dir,
        intake_port=free_port(),
        smtp_port=free_port(),
        staff_token=TOKEN,
        intake_rate_limit=10_000,
    )
    # No relay: letters wait for one, the preview does not need it.
    letters = notifier_settings(provisioned_nats.url, free_port(), tmp_path / "notifier")
    env = {**os.environ, **notifier_env(letters), "KLACHTEN_DATA_DIR": str(data_dir)}
    notifier = ServiceProcess("notifier", env, tmp_path).start()
    intake = BackgroundIntake(settings).start()
    try:
        body = {
            "channel": "web",
            "complainant": {"name": "Mary Jones", "email": "mary@example.org", "language": "en"},
            "subject": "Second reminder",
            "description": "I received a second reminder for a paid invoice.",
        }
        made = httpx.post(f"{intake.url}/api/complaints", json=body, timeout=20).json()
        waiver = f"{intake.url}/api/complaints/{made['complaint_id']}/hearing/waiver"
        assert httpx.post(waiver, json=HEARING_WAIVED, headers=STAFF).status_code == 201
        with reporting_process(
            provisioned_nats.url, tmp_path, TOKEN, KLACHTEN_INTAKE_URL=intake.url
        ) as base:
            wait_until_sync(lambda: _answers(f"{base}/health/live"), 60, 0.2, "reporting")
            yield {"base": base, "cid": made["complaint_id"], "intake": intake.url}
    finally:
        intake.stop()
        notifier.stop()


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _tab_to(page: Any, selector: str, limit: int = 120) -> None:
    """Press Tab until the element has focus: it is reachable by keyboard alone."""
    for _ in range(limit):
        if page.evaluate(f"document.activeElement === document.querySelector('{selector}')"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} is not reachable with Tab")


def _accessible(page: Any, name: str, problems: dict[str, Any]) -> None:
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        problems[f"{name}-{width}"] = violations(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, width)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_a_handler_writes_a_note_and_previews_the_letter_by_keyboard(
    desk: dict[str, str],
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    base, cid = desk["base"], desk["cid"]
    problems: dict[str, Any] = {}
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            page = browser.new_context(locale="nl-NL").new_page()
            page.set_viewport_size({"width": 1280, "height": 900})
            page.goto(f"{base}/workspace")
            page.fill("#token", TOKEN)
            page.click("button[type=submit]")
            page.wait_for_selector("#who")
            page.goto(f"{base}/workspace/complaints/{cid}?lang=nl")

            _tab_to(page, "#note-text")
            page.keyboard.type(NOTE)
            page.keyboard.press("Tab")  # to "Notitie vastleggen"
            page.keyboard.press("Enter")
            page.wait_for_selector("#done")
            assert NOTE in page.locator("#notes").inner_text()
            assert NOTE in page.locator("#timeline tr[data-type=note_added]").inner_text()
            _accessible(page, "note-nl", problems)
            page.goto(f"{base}/workspace/complaints/{cid}?lang=en")
            assert "Internal notes" in page.locator("#notes").inner_text()
            _accessible(page, "note-en", problems)

            for lang in ("en", "nl"):
                page.goto(f"{base}/workspace/complaints/{cid}?lang={lang}")
                _tab_to(page, "#respond-text")
                page.keyboard.type(ANSWER)
                page.select_option("#respond-resolution", "well_founded")
                _tab_to(page, "#preview-button")
                page.keyboard.press("Enter")
                page.wait_for_selector("#letter-preview")
                letter = page.locator("#preview-text")
                assert letter.get_attribute("lang") == "en"  # the complaint's language
                assert ANSWER in letter.inner_text() and "Dear Mary Jones" in letter.inner_text()
                assert NOTE not in letter.inner_text()
                assert page.locator("#respond-text").input_value() == ANSWER  # kept
                _accessible(page, f"preview-{lang}", problems)

            page.locator("#respond button.primary").press("Enter")
            page.wait_for_selector("#done")
            assert page.locator("#status").inner_text() == "Beantwoord"
        finally:
            browser.close()
    assert not any(problems.values()), problems
