"""Two handlers on one complaint, in a real browser (Debian's Chromium) against intake and
reporting on a real nats-server (issue 17): the second handler to open the case page sees that
the first has it open (and the first's page learns of the second at its heartbeat); the
second pauses the complaint while the first writes an answer; the
first's send comes back refused with the draft still in the form and what changed since the
page was opened (paused, by whom), in Dutch and, after a resume, in English. The worklist's
bulk form, the bulk confirmation and result pages and the notifications page are used too.
axe-core finds no violation on any of these pages in Dutch and English at 1280 and 390 px."""

from __future__ import annotations

import asyncio
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
from tests.support.polling import wait_until_sync
from tests.support.ports import free_port
from tests.support.workspace import reporting_process

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
ANNA = "anna-desk-browser-token-0123456789"
BRAM = "bram-desk-browser-token-0123456789"
TOKENS = f"anna:{ANNA}:handler+supervisor;bram:{BRAM}:handler+supervisor"
ALL = "desk-browser-all-roles-token-0123456789"
DRAFT = "Beste mevrouw De Boer, wij hebben de tweede aanmaning ingetrokken."
DRAFT_EN = "Dear Ms De Boer, we have withdrawn the second reminder."


async def _buckets(url: str) -> None:
    nc = await nats.connect(url)
    try:
        await provision_buckets(nc)  # the workspace's presence and seen buckets among them
    finally:
        await nc.close()


@pytest.fixture
def desk(provisioned_nats: EmbeddedNats, tmp_path: Path) -> Iterator[dict[str, str]]:
    asyncio.run(_buckets(provisioned_nats.url))
    settings = IntakeSettings(
        nats_url=provisioned_nats.url,
        data_dir=tmp_path / "intake",
        intake_port=free_port(),
        smtp_port=free_port(),
        staff_token=ALL,
        staff_tokens=TOKENS,
        intake_rate_limit=10_000,
    )
    intake = BackgroundIntake(settings).start()
    try:
        body = {
            "channel": "web",
            "complainant": {"name": "Els de Boer", "email": "els@example.nl", "language": "nl"},
            "subject": "Dubbele aanmaning",
            "description": "Ik kreeg twee aanmaningen voor een betaalde rekening.",
        }
        made = httpx.post(f"{intake.url}/api/complaints", json=body, timeout=20).json()
        env = {"KLACHTEN_INTAKE_URL": intake.url, "KLACHTEN_STAFF_TOKENS": TOKENS}
        with reporting_process(provisioned_nats.url, tmp_path, ALL, **env) as base:
            wait_until_sync(lambda: _listed(base, made["complaint_id"]), 60, 0.2, "reporting")
            yield {"base": base, "cid": made["complaint_id"]}
    finally:
        intake.stop()


def _listed(base: str, cid: str) -> bool:
    try:
        found = httpx.get(
            f"{base}/api/complaints/{cid}", headers={"Authorization": f"Bearer {ALL}"}
        )
    except httpx.HTTPError:
        return False
    return found.status_code == 200


def _sign_in(page: Any, base: str, token: str) -> None:
    page.goto(f"{base}/workspace")
    page.fill("#token", token)
    page.click("button[type=submit]")
    page.wait_for_selector("#who")


def _tab_to(page: Any, selector: str, limit: int = 150) -> None:
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


def _write_answer(page: Any, text: str) -> None:
    _tab_to(page, "#respond-text")
    page.keyboard.type(text)
    page.select_option("#respond-resolution", "well_founded")


def _send_refused(page: Any) -> None:
    _tab_to(page, "#respond button.primary")
    page.keyboard.press("Enter")
    page.wait_for_selector("#changes")


def test_the_second_handler_sees_the_first_and_the_first_keeps_her_draft(
    desk: dict[str, str],
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    base, cid = desk["base"], desk["cid"]
    case = f"{base}/workspace/complaints/{cid}"
    problems: dict[str, Any] = {}
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            anna = browser.new_context(locale="nl-NL").new_page()
            bram = browser.new_context(locale="nl-NL").new_page()
            for page, token in ((anna, ANNA), (bram, BRAM)):
                page.set_viewport_size({"width": 1280, "height": 900})
                _sign_in(page, base, token)

            anna.goto(f"{case}?lang=nl")
            assert anna.locator("#presence-others").count() == 0
            _write_answer(anna, DRAFT)

            bram.goto(f"{case}?lang=nl")
            others = bram.locator("#presence-others")
            assert "Deze klacht is nu ook geopend door: anna" in others.inner_text()
            _accessible(bram, "presence-nl", problems)
            # Anna's page learns of Bram at its next heartbeat (workspace.js; one now).
            anna.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
            anna.wait_for_selector("#presence-others[data-members=bram]")
            assert anna.locator("#respond-text").input_value() == DRAFT  # untouched by it
            bram.goto(f"{case}?lang=en")
            assert "This complaint is also open by: anna" in bram.locator("#presence").inner_text()
            _accessible(bram, "presence-en", problems)

            bram.goto(f"{case}?lang=nl")
            bram.fill("#pause-reason", "Wacht op de bankafschriften.")
            bram.locator("#pause button").click()
            bram.wait_for_selector("#done")

            _send_refused(anna)  # her version is from before the pause
            assert anna.locator("#respond-text").input_value() == DRAFT  # kept
            changed = anna.locator("#changes").inner_text()
            assert "Wat er veranderde sinds u deze pagina opende" in changed
            assert "door bram" in changed
            assert anna.locator("#changes li[data-type=paused]").count() == 1
            _accessible(anna, "conflict-nl", problems)

            anna.goto(f"{case}?lang=en")
            _write_answer(anna, DRAFT_EN)
            bram.goto(f"{case}?lang=nl")
            bram.locator("#pause button.primary").click()  # resume
            bram.wait_for_selector("#done")
            _send_refused(anna)
            assert anna.locator("#respond-text").input_value() == DRAFT_EN
            changed = anna.locator("#changes").inner_text()
            assert "What changed since you opened this page" in changed and "by bram" in changed
            assert anna.locator("#changes li[data-type=resumed]").count() == 1
            _accessible(anna, "conflict-en", problems)

            for lang in ("nl", "en"):  # the worklist with its bulk form, then a batch
                anna.goto(f"{base}/workspace?lang={lang}")
                _accessible(anna, f"worklist-{lang}", problems)
                anna.check(f"#worklist input[value='{cid}']")
                anna.select_option("#bulk-do", "assign:team:klachten")
                anna.locator("#bulk button.primary").click()
                anna.wait_for_selector("#bulk-list")
                _accessible(anna, f"bulk-confirm-{lang}", problems)
                anna.locator("#bulk-confirm-button").click()
                anna.wait_for_selector("#bulk-results")
                assert (
                    anna.locator(f"#bulk-results tr[data-complaint='{cid}']").get_attribute(
                        "data-done"
                    )
                    == "yes"
                )
                _accessible(anna, f"bulk-result-{lang}", problems)
                anna.goto(f"{base}/workspace/notifications?lang={lang}")
                _accessible(anna, f"notifications-{lang}", problems)
        finally:
            browser.close()
    assert not any(problems.values()), problems
