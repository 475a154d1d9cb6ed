"""The letter an answer would send, seen before sending (issue 17): intake decides the answer
without storing it, the notifier renders it (core NATS request) exactly as it renders the
stored one, and the workspace shows it under the answer's form with the text kept. Real
nats-server, intake, notifier with its mail sink, and reporting as a process."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from klachten.stack.natsserver import EmbeddedNats
from tests.support.polling import wait_until
from tests.support.workspace import desk_with_letters, letters_to

TOKEN = "preview-workspace-token-0123456789"
STAFF = {"Authorization": f"Bearer {TOKEN}"}
ANSWER = "We checked both payments. The second one is refunded within five working days."


async def _state(http: httpx.AsyncClient, intake: str, cid: str) -> dict[str, Any]:
    answer = await http.get(f"{intake}/api/complaints/{cid}", headers=STAFF)
    return answer.json()  # type: ignore[no-any-return]


async def _acknowledged(http: httpx.AsyncClient, intake: str, cid: str) -> dict[str, Any] | None:
    state = await _state(http, intake, cid)
    return state if state["status"] == "acknowledged" else None


def _response_letter(maildir: Path, cid: str) -> str | None:
    return next((text for kind, text in letters_to(maildir, cid) if kind == "response"), None)


async def test_the_handler_sees_the_exact_letter_in_the_complaints_language_before_sending(
    provisioned_nats: EmbeddedNats, tmp_path: Path
) -> None:
    async with (
        desk_with_letters(provisioned_nats.url, tmp_path, TOKEN) as desk,
        httpx.AsyncClient(timeout=30) as http,
    ):
        await _journey(http, desk.intake.url, desk.reporting, desk.maildir)


async def _journey(http: httpx.AsyncClient, intake: str, base: str, maildir: Path) -> None:
    body = {
        "channel": "web",
        "complainant": {"name": "Ann Smith", "email": "ann@example.org", "language": "en"},
        "subject": "Charged twice",
        "description": "I paid the same invoice twice.",
    }
    made = await http.post(f"{intake}/api/complaints", json=body)
    cid, reference = made.json()["complaint_id"], made.json()["reference"]
    waived = await http.post(
        f"{intake}/api/complaints/{cid}/hearing/waiver",
        json={"ground": "complainant_waived", "explanation": "Said so on the phone."},
        headers=STAFF,
    )
    assert waived.status_code == 201, waived.text  # Awb 9:10: an answer waits for it
    before = await wait_until(lambda: _acknowledged(http, intake, cid), 30, 0.2, "acknowledged")

    # intake's route: the letter, in the complaint's language; nothing appended.
    draft = {"text": ANSWER, "resolution": "well_founded"}
    shown = await http.post(
        f"{intake}/api/complaints/{cid}/responses/preview", json=draft, headers=STAFF
    )
    assert shown.status_code == 200, shown.text
    letter = shown.json()
    assert letter["kind"] == "response" and letter["language"] == "en"
    assert reference in letter["subject"] and "Dear Ann Smith" in letter["text"]
    assert ANSWER in letter["text"] and "…" not in letter["text"]
    after = await _state(http, intake, cid)
    assert (after["version"], after["status"]) == (before["version"], before["status"])
    refused = await http.post(
        f"{intake}/api/complaints/{cid}/responses/preview",
        json={"text": ANSWER, "resolution": "no_such_judgement"},
        headers={**STAFF, "Accept-Language": "nl"},
    )
    assert refused.status_code == 422  # the same body rules as sending
    anonymous = await http.post(f"{intake}/api/complaints/{cid}/responses/preview", json=draft)
    assert anonymous.status_code == 401

    # The workspace in Dutch shows the English letter under the form, the text kept.
    page_url = f"{base}/workspace/complaints/{cid}"
    form = {"version": str(before["version"]), **draft}
    http.headers["Authorization"] = f"Bearer {TOKEN}"  # signed in to the workspace
    page = await http.post(f"{page_url}/preview", params={"lang": "nl"}, data=form)
    assert page.status_code == 200, page.text
    assert 'id="preview-text" lang="en"' in page.text
    assert "Zo krijgt de klager de brief" in page.text and "in het Engels" in page.text
    assert ANSWER in page.text.split('id="respond-text"')[1]  # the draft stays in the form
    gaps = await http.post(
        f"{page_url}/preview",
        params={"lang": "en"},
        data={**form, "text": "We found … and will …"},
    )
    assert gaps.status_code == 422 and 'href="#respond-text"' in gaps.text

    # Sent for real: the mail the complainant gets says what the preview said.
    sent = await http.post(f"{page_url}/respond", params={"lang": "nl"}, data=form)
    assert sent.status_code == 303, sent.text
    mailed = await wait_until(lambda: _response_letter(maildir, cid), 30, 0.2, "response mail")
    assert mailed.strip() == letter["text"].strip()
