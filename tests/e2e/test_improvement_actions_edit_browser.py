"""Editing and leaving improvement actions in the workspace, in a real browser (Debian's
Chromium) against intake and reporting on a real nats-server (issue 18): on the lead's case
page a handler edits an action's title and owner (an owner the organisation file does not know
is refused in words on its field, the typed title kept), handing it to a department; on a
joined complaint's page the complaint is unlinked from the action; the register page shows the
action's history (opened, changed with the new title and owner, joined, unlinked); the staff
member of that department finds it among their notifications. axe-core finds no violation on
these pages, in Dutch and English, at 1280 and 390 px."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from klachten.stack.natsserver import EmbeddedNats
from services.intake.server import BackgroundIntake
from services.intake.settings import IntakeSettings
from tests.support.axe import violations
from tests.support.browser import chromium
from tests.support.polling import wait_until_sync
from tests.support.ports import free_port
from tests.support.workspace import reporting_process

TOKEN = "improvement-edit-browser-token-0123456789"
STAFF = {"Authorization": f"Bearer {TOKEN}"}  # the holder of the staff token is "staff":
# in the shipped organisation file a member of team klachten, department klantcontact
TITLE = "Standaardbrief herschrijven"
EDITED = "Standaardbrief over de parkeervergunning herschrijven"
DUE = (datetime.now(UTC) + timedelta(days=45)).date().isoformat()


def _complaint(intake: str, subject: str) -> tuple[str, str]:
    body = {
        "channel": "web",
        "complainant": {"name": "Els de Boer", "email": "els@example.nl", "language": "nl"},
        "subject": subject,
        "description": "De brief over mijn parkeervergunning was niet te begrijpen.",
    }
    made = httpx.post(f"{intake}/api/complaints", json=body, headers=STAFF, timeout=20)
    assert made.status_code == 201, made.text
    return str(made.json()["complaint_id"]), str(made.json()["reference"])


@pytest.fixture
def desk(
    provisioned_nats: EmbeddedNats, tmp_path: Path, data_dir: Path
) -> Iterator[dict[str, str]]:
    settings = IntakeSettings(
        nats_url=provisioned_nats.url,
        data_dir=data_dir,
        intake_port=free_port(),
        smtp_port=free_port(),
        staff_token=TOKEN,
        intake_rate_limit=10_000,
    )
    intake = BackgroundIntake(settings).start()
    try:
        lead, _ = _complaint(intake.url, "Onbegrijpelijke brief")
        joined, joined_ref = _complaint(intake.url, "Weer die brief")
        opened = httpx.post(
            f"{intake.url}/api/complaints/{lead}/improvements",
            json={"title": TITLE, "owner": "klachten", "due": DUE}, headers=STAFF, timeout=20,
        )  # fmt: skip
        assert opened.status_code == 201, opened.text
        action_id = opened.json()["action_id"]
        linked = httpx.post(
            f"{intake.url}/api/complaints/{joined}/improvement-links",
            json={"lead_complaint_id": lead, "action_id": action_id}, headers=STAFF, timeout=20,
        )  # fmt: skip
        assert linked.status_code == 201, linked.text
        with reporting_process(
            provisioned_nats.url, tmp_path, TOKEN, KLACHTEN_INTAKE_URL=intake.url
        ) as base:
            wait_until_sync(lambda: _answers(f"{base}/health/live"), 60, 0.2, "reporting")
            yield {"base": base, "lead": lead, "joined": joined, "joined_ref": joined_ref,
                   "action": action_id}  # fmt: skip
    finally:
        intake.stop()


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _accessible(page: Any, name: str, problems: dict[str, Any]) -> None:
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        problems[f"{name}-{width}"] = violations(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, width)
    page.set_viewport_size({"width": 1280, "height": 900})


def _shows(page: Any, url: str, selector: str, text: str = "") -> bool:
    """Reload until reporting's projection has caught up: `selector` is there (with `text`)."""
    page.goto(url)
    found = page.locator(selector)
    return found.count() > 0 and (not text or text in found.first.inner_text())


def test_edit_title_and_owner_unlink_and_the_actions_history(desk: dict[str, str]) -> None:
    base, lead, joined = desk["base"], desk["lead"], desk["joined"]
    problems: dict[str, Any] = {}
    with chromium() as browser:
        page = browser.new_context(locale="nl-NL").new_page()
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(f"{base}/workspace")
        page.fill("#token", TOKEN)
        page.click("button[type=submit]")
        page.wait_for_selector("#who")

        # the lead's page: the change form shows the title and owner as they are
        case = f"{base}/workspace/complaints/{lead}?lang=nl"
        wait_until_sync(lambda: _shows(page, case, "#ic1"), 30, 0.3, "folded")
        assert page.locator("#ic1-title").input_value() == TITLE
        assert page.locator("#ic1-owner").input_value() == "klachten"
        _accessible(page, "case-nl", problems)

        # an owner the organisation does not know: refused on its field, the title kept
        page.fill("#ic1-title", EDITED)
        page.fill("#ic1-owner", "niemand")
        page.locator("#ic1 button[type=submit]").click()
        page.wait_for_selector("#error-summary")
        summary = page.locator('#error-summary a[href="#improvement_change-owner"]')
        assert summary.count() == 1
        owner = page.locator("#improvement_change-owner")
        assert owner.get_attribute("aria-invalid") == "true"
        assert page.locator("#improvement_change-title").input_value() == EDITED  # kept

        # handed to the department klantcontact
        owner.fill("klantcontact")
        page.locator("#improvement_change button[type=submit]").click()
        page.wait_for_selector("#done")
        assert "bijgewerkt" in page.locator("#done").inner_text()
        wait_until_sync(lambda: _shows(page, case, "#part-of li", EDITED), 30, 0.3, "edited")
        assert "Klantcontact" in page.locator("#part-of li").first.inner_text()

        # the joined complaint's page (English): unlink it
        other = f"{base}/workspace/complaints/{joined}?lang=en"
        wait_until_sync(lambda: _shows(page, other, "#iu1"), 30, 0.3, "joined")
        assert "Unlink from this improvement action" in page.locator("#iu1").inner_text()
        _accessible(page, "joined-en", problems)
        page.locator("#iu1 button[type=submit]").click()
        page.wait_for_selector("#done")
        assert "unlinked from the improvement action" in page.locator("#done").inner_text()
        wait_until_sync(
            lambda: _shows(page, other, "p#part-of"), 30, 0.3, "unlinked"
        )  # "not part of an improvement action yet"
        assert page.locator("#improvement_link").count() == 1  # it may join again

        # the register page: the action's history, and only the lead is part of it now
        page.goto(f"{base}/workspace/improvements?lang=nl")
        row = page.locator("#improvements tr[data-action]")
        assert row.count() == 1 and EDITED in row.inner_text()
        assert row.locator("td a").count() == 1  # the lead only
        row.locator("details summary").click()
        history = [li.inner_text() for li in row.locator("ol.history li").all()]
        ref = desk["joined_ref"]
        assert [h.split(": ", 1)[1] for h in history] == [
            "geopend",
            f"{ref} gekoppeld",
            f"gewijzigd: titel ‘{EDITED}’; eigenaar Klantcontact",
            f"{ref} losgekoppeld",
        ], history
        _accessible(page, "register-nl", problems)
        page.goto(f"{base}/workspace/improvements?lang=en")
        row = page.locator("#improvements tr[data-action]")
        row.locator("details summary").click()
        assert f"{ref} unlinked" in row.locator("ol.history").inner_text()
        assert "changed: title" in row.locator("ol.history").inner_text()
        _accessible(page, "register-en", problems)

        # the department's member hears of it
        page.goto(f"{base}/workspace/notifications?lang=nl")
        notice = page.locator("#notifications tr[data-kind=improvement]")
        assert notice.count() == 1
        assert f"Verbeteractie ‘{EDITED}’ voor Klantcontact" in notice.inner_text()
        _accessible(page, "notifications-nl", problems)
        page.goto(f"{base}/workspace/notifications?lang=en")
        assert "Improvement action for you" in page.locator("#notifications").inner_text()
        _accessible(page, "notifications-en", problems)
    assert problems == {name: [] for name in problems}, problems
