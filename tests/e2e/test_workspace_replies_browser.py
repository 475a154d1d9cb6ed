"""Replies in the workspace, in a real browser: intake and reporting run against a real
nats-server, headless Chromium signs in; the handler finds the complaints with a new reply,
reads one and marks it handled (it leaves the list), sees that another came from an address
that proved nothing, and reopens that closed complaint because of it."""

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
from tests.support.browser import chromium
from tests.support.intake import HEARING_WAIVED
from tests.support.polling import wait_until_sync
from tests.support.ports import free_port
from tests.support.workspace import record_reply, reporting_process

TOKEN = "replies-browser-token-0123456789"
STAFF = {"Authorization": f"Bearer {TOKEN}"}


def _complaint(intake: str, subject: str) -> str:
    body = {
        "channel": "web",
        "complainant": {"name": "Jan de Vries", "email": "jan@example.nl", "language": "nl"},
        "subject": subject,
        "description": "Ik heb drie uur gewacht aan de balie zonder uitleg.",
    }
    answer = httpx.post(f"{intake}/api/complaints", json=body, timeout=20)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["complaint_id"])


@pytest.fixture
def desk(provisioned_nats: EmbeddedNats, tmp_path: Path, data_dir: Path) -> Iterator[str]:
    settings = IntakeSettings(
        nats_url=provisioned_nats.url,
        data_dir=data_dir,  # the test's (conftest), never ./data: its high-water is another log's
        intake_port=free_port(),
        smtp_port=free_port(),
        staff_token=TOKEN,
        intake_rate_limit=10_000,
    )
    intake = BackgroundIntake(settings).start()
    try:
        with reporting_process(
            provisioned_nats.url, tmp_path, TOKEN, KLACHTEN_INTAKE_URL=intake.url
        ) as base:
            ids = _two_complaints_with_a_reply(intake.url, provisioned_nats.url)
            # Caught up: the last event of the log is the closed complaint's reply (version 5).
            wait_until_sync(
                lambda: (
                    httpx.get(f"{base}/api/complaints/{ids[1]}", headers=STAFF).json()["version"]
                    == 5
                ),
                timeout=60,
                interval=0.2,
                message="reporting caught up",
            )
            yield base
    finally:
        intake.stop()


def _two_complaints_with_a_reply(intake: str, nats_url: str) -> tuple[str, str]:
    """An open complaint with a verified reply; an answered and closed one with a reply from
    an address that proved nothing."""
    open_id = _complaint(intake, "Balie dicht")
    closed_id = _complaint(intake, "Parkeervergunning")
    answer = {"text": "Wij bieden excuses aan.", "resolution": "well_founded"}
    steps = (("hearing/waiver", HEARING_WAIVED), ("responses", answer),
             ("closure", {"outcome": "resolved"}))  # fmt: skip
    for path, body in steps:
        url = f"{intake}/api/complaints/{closed_id}/{path}"
        assert httpx.post(url, json=body, headers=STAFF).status_code == 201
    log = ComplaintsApplication(env={"NATS_URL": nats_url})
    try:
        record_reply(log, open_id, "Ik heb nog een foto van de dichte balie.",
                     verified=True, verified_by="reply_address")  # fmt: skip
        record_reply(log, closed_id, "Het probleem is terug: weer geen vergunning.",
                     verified=False, sender="iemand@elders.example")  # fmt: skip
    finally:
        log.close()
    return open_id, closed_id


def _reload_until(page: Any, ready: Any, message: str) -> None:
    def check() -> bool:
        page.reload()
        return bool(ready())

    wait_until_sync(check, timeout=60, interval=0.5, message=message)


def test_a_handler_marks_a_new_reply_handled_and_reopens_from_an_unverified_one(
    desk: str,
) -> None:
    base = desk
    with chromium() as browser:
        page = browser.new_context(locale="nl-NL").new_page()
        page.goto(f"{base}/workspace")
        page.fill("#token", TOKEN)
        page.click("button[type=submit]")
        page.wait_for_selector("#who")
        page.click("#view-replies")
        page.wait_for_url("**view=replies**")
        rows = page.locator("#worklist tbody tr")
        assert rows.count() == 2
        first = rows.nth(0)  # the oldest reply first
        assert "nieuw bericht" in first.inner_text()
        assert "niet geverifieerd" not in first.inner_text()
        assert "niet geverifieerd" in rows.nth(1).inner_text()

        # The verified reply: read it, mark it handled, and it leaves the list.
        first.locator("a").click()
        message = page.locator("article[data-event-id][data-new=yes]")
        assert "Ik heb nog een foto van de dichte balie." in message.inner_text()
        assert "geverifieerd" in message.inner_text()
        message.locator("input[name=note]").fill("Foto bij het dossier gevoegd.")
        message.get_by_role("button", name="Afgehandeld").click()
        assert "Het bericht is afgehandeld." in page.locator("#done").inner_text()
        assert page.locator("article[data-new=yes]").count() == 0
        assert "Afgehandeld door Klachtencoördinator" in page.locator("#messages").inner_text()
        page.goto(f"{base}/workspace?lang=nl&replies=1")
        _reload_until(
            page,
            lambda: page.locator("#worklist tbody tr").count() == 1,
            "the handled reply left the list",
        )

        # The unverified reply after closure: the sender is named, and the handler reopens.
        page.locator("#worklist tbody tr a").click()
        unverified = page.locator("article[data-new=yes]")
        assert "iemand@elders.example" in unverified.inner_text()
        assert "niet geverifieerd" in unverified.inner_text()
        assert unverified.locator(".escalate-from").count() == 0  # closed: reopen first
        page.fill("#reopen-reason", "De klager meldt dat het probleem terug is.")
        page.get_by_role("button", name="Klacht heropenen").click()
        assert "De klacht is heropend." in page.locator("#done").inner_text()
        assert page.locator("#status").inner_text() == "Beantwoord"
        assert page.locator("article[data-new=yes]").count() == 0  # handled by reopening
        page.goto(f"{base}/workspace?lang=en&replies=1")
        _reload_until(
            page,
            lambda: "No new replies are waiting." in page.locator("main").inner_text(),
            "the reopened complaint's reply left the list",
        )
