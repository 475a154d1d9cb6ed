"""The corrections box of the case page (issue 17) on a real stack (nats-server, intake, the
notifier with its mail sink, reporting): a handler corrects the priority (the response date
recorded again and shown), links a complaint by e-mail to the same one by form as its
duplicate (closed without a letter; both pages show the link),
and answers a message sent after the answer (the letter follow_up_answer in the complaint's
language; the procedure is not reopened); refusals in words on their field, nl and en."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from klachten.stack.natsserver import EmbeddedNats
from shared.eventstore.application import ComplaintsApplication
from tests.support.polling import wait_until
from tests.support.workspace import Desk, desk_with_letters, letters_to, record_reply

TOKEN = "corrections-workspace-token-0123456789"
STAFF = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def log(provisioned_nats: EmbeddedNats) -> Iterator[ComplaintsApplication]:
    app = ComplaintsApplication(env={"NATS_URL": provisioned_nats.url})
    yield app
    app.close()


async def test_a_handler_corrects_links_and_answers_from_the_case_page(
    provisioned_nats: EmbeddedNats, tmp_path: Path, log: ComplaintsApplication
) -> None:
    async with (
        desk_with_letters(provisioned_nats.url, tmp_path, TOKEN) as desk,
        httpx.AsyncClient(timeout=30, headers=STAFF) as http,
    ):
        form_one = await _complaint(http, desk, "web", "nl")
        mail_one = await _complaint(http, desk, "email", "nl")
        await _recategorise(http, desk, form_one)
        await _duplicate(http, desk, form_one, mail_one)
        await _follow_up(http, desk, log, await _complaint(http, desk, "web", "en"))


async def _complaint(http: httpx.AsyncClient, desk: Desk, channel: str, lang: str) -> dict:
    body = {
        "channel": channel,
        "complainant": {"name": "Els de Boer", "email": "els@example.nl", "language": lang},
        "subject": "Dubbele aanmaning",
        "description": "Ik kreeg twee aanmaningen voor een betaalde rekening.",
    }
    made = await http.post(f"{desk.intake.url}/api/complaints", json=body)
    assert made.status_code == 201, made.text
    cid = made.json()["complaint_id"]
    return await wait_until(lambda: _acknowledged(http, desk, cid), 30, 0.2, "acknowledged")


async def _state(http: httpx.AsyncClient, desk: Desk, cid: str) -> dict[str, Any]:
    return (await http.get(f"{desk.intake.url}/api/complaints/{cid}")).json()  # type: ignore[no-any-return]


async def _acknowledged(http: httpx.AsyncClient, desk: Desk, cid: str) -> dict | None:
    state = await _state(http, desk, cid)
    return state if state["status"] == "acknowledged" else None


async def _recategorise(http: httpx.AsyncClient, desk: Desk, c: dict) -> None:
    page_url = f"{desk.reporting}/workspace/complaints/{c['complaint_id']}"
    page = await http.get(page_url, params={"lang": "nl"})
    box = page.text.split('id="corrections"')[1].split("</section>")[0]
    assert "Correcties" in box and 'id="recategorise-priority"' in box and "spoed" in box
    action = f"{page_url}/corrections/recategorise"
    empty = await http.post(action, params={"lang": "en"},
                            data={"version": str(c["version"]), "priority": "urgent"})  # fmt: skip
    assert empty.status_code == 422, empty.text
    assert '<a href="#recategorise-reason">' in empty.text
    form = {"version": str(c["version"]), "priority": "urgent", "reason": "Uitkering gestopt."}
    done = await http.post(action, params={"lang": "nl"}, data=form)
    assert done.status_code == 303, done.text
    after = await _state(http, desk, c["complaint_id"])
    assert after["deadlines"]["response"] < c["deadlines"]["response"]  # urgent: sooner
    page = await http.get(page_url, params={"lang": "nl", "done": "recategorise"})
    assert "De correctie is vastgelegd" in page.text
    assert 'id="corrections-priority">spoed' in page.text
    assert "categorie of prioriteit gecorrigeerd" in page.text  # the timeline, in words


async def _duplicate(http: httpx.AsyncClient, desk: Desk, primary: dict, dup: dict) -> None:
    page_url = f"{desk.reporting}/workspace/complaints/{dup['complaint_id']}"
    action = f"{page_url}/corrections/duplicate"
    itself = {"version": str(dup["version"]), "primary": dup["reference"], "reason": "x"}
    refused = await http.post(action, params={"lang": "nl"}, data=itself)
    assert refused.status_code == 422
    assert "Een klacht kan geen dubbel van zichzelf zijn (Awb 9:8 lid 1 a)." in refused.text
    form = {"version": str(dup["version"]), "primary": primary["reference"],
            "reason": "Zelfde klacht per e-mail."}  # fmt: skip
    linked = await http.post(action, params={"lang": "nl"}, data=form)
    assert linked.status_code == 303, linked.text
    state = await _state(http, desk, dup["complaint_id"])
    assert (state["status"], state["outcome"]) == ("closed", "duplicate")
    page = await http.get(page_url, params={"lang": "en"})
    assert f'id="duplicate-of"><a href="/workspace/complaints/{primary["complaint_id"]}' in (
        page.text
    )
    other = f"{desk.reporting}/workspace/complaints/{primary['complaint_id']}"
    shown = await wait_until(lambda: _listing(http, other, dup["reference"]), 30, 0.2, "folded")
    assert 'id="duplicates"' in shown
    assert [k for k, _ in letters_to(desk.maildir, dup["complaint_id"])] == ["acknowledgement"]


async def _listing(http: httpx.AsyncClient, url: str, reference: str) -> str | None:
    page = await http.get(url, params={"lang": "en"})
    return page.text if f">{reference}</a>" in page.text else None


async def _follow_up(
    http: httpx.AsyncClient, desk: Desk, log: ComplaintsApplication, c: dict
) -> None:
    cid, intake = c["complaint_id"], desk.intake.url
    waived = {"ground": "complainant_waived", "explanation": "Wil niet gehoord worden."}
    await http.post(f"{intake}/api/complaints/{cid}/hearing/waiver", json=waived)
    answer = {"text": "The second reminder is withdrawn.", "resolution": "well_founded"}
    assert (await http.post(f"{intake}/api/complaints/{cid}/responses", json=answer)).is_success
    reply = record_reply(log, cid, "Thanks. And the fee?", verified_by="reply_address")
    state = await _state(http, desk, cid)
    page_url = f"{desk.reporting}/workspace/complaints/{cid}"
    page = await http.get(page_url, params={"lang": "en"})
    assert f'<option value="{reply}"' in page.text and "Answer a message after the response" in (
        page.text
    )
    form = {"version": str(state["version"]), "reaction_event_id": reply,
            "text": "We refund the fee this week."}  # fmt: skip
    sent = await http.post(f"{page_url}/corrections/follow_up", params={"lang": "en"}, data=form)
    assert sent.status_code == 303, sent.text
    assert (await _state(http, desk, cid))["status"] == "responded"  # not reopened
    letters = await wait_until(lambda: _answered(desk, cid), 30, 0.2, "follow-up letter sent")
    [text] = [t for kind, t in letters if kind == "follow_up_answer"]
    assert "We refund the fee this week." in text and "does not start the handling" in text


def _answered(desk: Desk, cid: str) -> list[tuple[str, str]] | None:
    letters = letters_to(desk.maildir, cid)
    return letters if any(kind == "follow_up_answer" for kind, _ in letters) else None
