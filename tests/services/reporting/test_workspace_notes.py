"""Internal notes from the case page (issue 17): the form records note_added through intake's
staff API, the note shows under "Interne notities" and in the timeline with who and when, an
empty one is refused in words on its field, and the note never reaches the complainant: not
on the status page, not in any letter (the answer sent after it included), not in
reporting's export. Real nats-server, intake, notifier with its mail sink, reporting."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx

from klachten.stack.natsserver import EmbeddedNats
from shared.privacy import statuslink
from tests.support.polling import wait_until
from tests.support.workspace import Desk, desk_with_letters, letters_to

TOKEN = "notes-workspace-token-0123456789"
STAFF = {"Authorization": f"Bearer {TOKEN}"}
NOTE = "Teruggebeld op 06-12345678; mevrouw is boos over de tweede aanmaning."


async def _state(http: httpx.AsyncClient, intake: str, cid: str) -> dict[str, Any]:
    return (await http.get(f"{intake}/api/complaints/{cid}", headers=STAFF)).json()  # type: ignore[no-any-return]


async def test_a_note_is_for_colleagues_only(
    provisioned_nats: EmbeddedNats, tmp_path: Path
) -> None:
    async with (
        desk_with_letters(provisioned_nats.url, tmp_path, TOKEN) as desk,
        httpx.AsyncClient(timeout=30) as http,
    ):
        await _notes(http, desk)


async def _notes(http: httpx.AsyncClient, desk: Desk) -> None:
    intake, base = desk.intake.url, desk.reporting
    body = {
        "channel": "web",
        "complainant": {"name": "Els de Boer", "email": "els@example.nl", "language": "nl"},
        "subject": "Dubbele aanmaning",
        "description": "Ik kreeg twee aanmaningen voor een betaalde rekening.",
    }
    cid = (await http.post(f"{intake}/api/complaints", json=body)).json()["complaint_id"]
    state = await wait_until(lambda: _acknowledged(http, intake, cid), 30, 0.2, "acknowledged")

    http.headers["Authorization"] = f"Bearer {TOKEN}"  # signed in to the workspace
    page_url = f"{base}/workspace/complaints/{cid}"
    empty = await http.post(f"{page_url}/note", params={"lang": "nl"}, data={"text": " "})
    assert empty.status_code == 422
    assert '<a href="#note-text">Dit veld mag niet leeg zijn.</a>' in empty.text
    form = {"version": str(state["version"]), "text": NOTE}
    added = await http.post(f"{page_url}/note", params={"lang": "nl"}, data=form)
    assert added.status_code == 303, added.text
    page = await http.get(page_url, params={"lang": "nl", "done": "note"})
    notes = page.text.split('id="notes"')[1].split("</section>")[0]
    assert NOTE in notes and "Alleen voor collega&#39;s" in notes
    assert '<tr data-type="note_added">' in page.text  # and in the timeline
    english = await http.get(page_url, params={"lang": "en"})
    assert "Internal notes" in english.text and "internal note" in english.text

    # Not on the complainant's status page.
    secret = statuslink.link_secret(Path(desk.intake.settings.data_dir))
    own = statuslink.status_path(secret, UUID(cid), datetime.now(UTC))
    status_page = await http.get(f"{intake}{own}")
    assert status_page.status_code == 200 and "Dubbele aanmaning" in status_page.text
    assert NOTE not in status_page.text and "06-12345678" not in status_page.text

    # Not in any letter: the note sends none, and the answer after it does not quote it.
    waived = {"ground": "complainant_waived", "explanation": "Wil niet gehoord worden."}
    await http.post(f"{intake}/api/complaints/{cid}/hearing/waiver", json=waived, headers=STAFF)
    answer = {"text": "De tweede aanmaning is ingetrokken.", "resolution": "well_founded"}
    sent = await http.post(f"{intake}/api/complaints/{cid}/responses", json=answer, headers=STAFF)
    assert sent.status_code == 201, sent.text
    letters = await wait_until(lambda: _with_response(desk.maildir, cid), 30, 0.2, "answer sent")
    assert [kind for kind, _ in letters] == ["acknowledgement", "response"]
    assert all(NOTE not in text and "06-12345678" not in text for _, text in letters)

    # Not in reporting's export of the log (no personal text is kept there).
    export = await wait_until(lambda: _exported_with_note(http, base), 30, 0.2, "folded")
    assert NOTE not in export and "06-12345678" not in export


async def _acknowledged(http: httpx.AsyncClient, intake: str, cid: str) -> dict[str, Any] | None:
    state = await _state(http, intake, cid)
    return state if state["status"] == "acknowledged" else None


def _with_response(maildir: Path, cid: str) -> list[tuple[str, str]] | None:
    letters = letters_to(maildir, cid)
    return letters if any(kind == "response" for kind, _ in letters) else None


async def _exported_with_note(http: httpx.AsyncClient, base: str) -> str | None:
    export = await http.get(f"{base}/api/export/events.jsonl", headers=STAFF)
    return export.text if "note_added" in export.text else None
