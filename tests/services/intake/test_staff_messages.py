"""The staff side of complainants' messages against a running intake and a real nats-server:
reading them, marking one handled, escalating from one, reopening a closed complaint."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from klachten.stack.natsserver import EmbeddedNats
from shared.eventstore.application import ComplaintsApplication
from tests.support.intake import READER, STAFF, complaint_body, waive_hearing
from tests.support.workspace import record_reply

EN = {**STAFF, "Accept-Language": "en"}
NL = {**STAFF, "Accept-Language": "nl"}


@pytest.fixture
def log(provisioned_nats: EmbeddedNats) -> Iterator[ComplaintsApplication]:
    """The log as another writer (intake's mail side) appends to it."""
    app = ComplaintsApplication(env={"NATS_URL": provisioned_nats.url})
    yield app
    app.close()


def _message(log: ComplaintsApplication, cid: str, text: str, *, verified: bool = True) -> str:
    how = {"verified_by": "reply_address"} if verified else {"sender": "someone@elsewhere.example"}
    return record_reply(log, cid, text, verified=verified, **how)


async def _new_complaint(client: httpx.AsyncClient) -> str:
    answer = await client.post("/api/complaints", json=complaint_body())
    assert answer.status_code == 201, answer.text
    return str(answer.json()["complaint_id"])


async def _messages(client: httpx.AsyncClient, cid: str) -> list[dict[str, Any]]:
    answer = await client.get(f"/api/complaints/{cid}/messages", headers=STAFF)
    assert answer.status_code == 200, answer.text
    return list(answer.json()["messages"])


async def _types(client: httpx.AsyncClient, cid: str) -> list[str]:
    answer = await client.get(f"/api/complaints/{cid}/timeline", headers=STAFF)
    return [e["type"] for e in answer.json()["events"]]


async def test_a_handler_reads_a_message_and_marks_it_handled_once(
    client: httpx.AsyncClient, log: ComplaintsApplication
) -> None:
    cid = await _new_complaint(client)
    _message(log, cid, "Ik heb nog een foto van de balie.")
    (message,) = await _messages(client, cid)
    assert message["new"] is True and message["verified"] is True
    assert message["text"] == "Ik heb nog een foto van de balie." and message["channel"] == "email"
    reader = (await client.get(f"/api/complaints/{cid}/messages", headers=READER)).json()
    assert reader["messages"][0]["text"] is None  # a reader sees no personal data
    url = f"/api/complaints/{cid}/reactions/{message['event_id']}/handled"
    assert (await client.post(url, headers=READER)).status_code == 403

    done = await client.post(url, headers=STAFF)  # no body: no note
    assert done.status_code == 201, done.text
    (message,) = await _messages(client, cid)
    assert message["new"] is False and message["handled_by"] == "staff:staff"
    again = await client.post(url, json={"note": "Dubbel geklikt"}, headers=STAFF)
    assert again.status_code == 200  # already handled: nothing appended
    assert again.json()["version"] == done.json()["version"]
    assert (await _types(client, cid)).count("reaction_handled") == 1

    other = f"/api/complaints/{cid}/reactions/00000000-0000-4000-8000-000000000000/handled"
    assert (await client.post(other, headers=STAFF)).status_code == 404
    bad = await client.post(url, json={"note": 7}, headers=NL)
    assert bad.status_code == 422
    assert bad.json() == [{"field": "note", "message": "Vul hier tekst in."}]


async def test_escalating_from_a_message_handles_it_in_the_same_save(
    client: httpx.AsyncClient, log: ComplaintsApplication
) -> None:
    cid = await _new_complaint(client)
    verified = _message(log, cid, "Ik wil een gesprek met uw leidinggevende.")
    forged = _message(log, cid, "Escaleer dit maar.", verified=False)
    escalations = f"/api/complaints/{cid}/escalations"

    unknown = {"reaction_event_id": "00000000-0000-4000-8000-000000000000"}
    refused = await client.post(escalations, json=unknown, headers=NL)
    assert refused.status_code == 422
    assert refused.json()[0]["field"] == "reaction_event_id"
    assert "geen bericht" in refused.json()[0]["message"]
    malformed = await client.post(escalations, json={"reaction_event_id": "x"}, headers=EN)
    assert malformed.json() == [
        {"field": "reaction_event_id", "message": "Enter the id of the message (a UUID, as in "
         "the timeline)."}
    ]  # fmt: skip

    escalated = await client.post(escalations, json={"reaction_event_id": verified}, headers=STAFF)
    assert escalated.status_code == 201, escalated.text
    assert escalated.json()["escalation_level"] == 1
    events = (await client.get(f"/api/complaints/{cid}/timeline", headers=STAFF)).json()["events"]
    last_two = events[-2:]
    assert [e["type"] for e in last_two] == ["escalated", "reaction_handled"]
    assert last_two[0]["fields"]["reason"] == "complainant_request"
    assert last_two[1]["fields"]["reaction_event_id"] == verified
    news = {m["event_id"]: m["new"] for m in await _messages(client, cid)}
    assert news == {verified: False, forged: True}

    # A message that did not prove its sender is no complainant's request: the handler decides.
    second = await client.post(escalations, json={"reaction_event_id": forged}, headers=STAFF)
    assert second.status_code == 201, second.text
    events = (await client.get(f"/api/complaints/{cid}/timeline", headers=STAFF)).json()["events"]
    assert events[-2]["fields"]["reason"] == "staff_decision"
    assert not any(m["new"] for m in await _messages(client, cid))


async def test_a_closed_complaint_is_reopened_from_a_reply_after_closure(
    client: httpx.AsyncClient, log: ComplaintsApplication
) -> None:
    cid = await _new_complaint(client)
    reopening = f"/api/complaints/{cid}/reopening"
    still_open = await client.post(reopening, json={"reason": "Nieuwe feiten"}, headers=NL)
    assert still_open.status_code == 409
    assert "afgesloten klacht" in still_open.json()["message"]
    base = f"/api/complaints/{cid}"
    answer = {"text": "Wij bieden excuses aan.", "resolution": "well_founded"}
    await waive_hearing(client, base)
    assert (await client.post(f"{base}/responses", json=answer, headers=STAFF)).status_code == 201
    closed = await client.post(f"{base}/closure", json={"outcome": "resolved"}, headers=STAFF)
    assert closed.status_code == 201
    reply = _message(log, cid, "Het probleem is er weer: de balie was vandaag weer dicht.")

    empty = await client.post(reopening, json={"reason": "  "}, headers=EN)
    assert empty.status_code == 422
    assert empty.json() == [{"field": "reason", "message": "This field must not be empty."}]
    body = {"reason": "De klager meldt dat het probleem terug is.", "reaction_event_id": reply}
    reopened = await client.post(reopening, json=body, headers=STAFF)
    assert reopened.status_code == 201, reopened.text
    assert reopened.json()["status"] == "responded"  # where it was when it was closed
    assert (await _types(client, cid))[-2:] == ["reopened", "reaction_handled"]
    assert not (await _messages(client, cid))[0]["new"]
    twice = await client.post(reopening, json=body, headers=EN)
    assert twice.status_code == 409
    assert twice.json()["message"].startswith("Only a closed complaint")


async def test_a_withdrawn_complaint_is_not_reopened(client: httpx.AsyncClient) -> None:
    cid = await _new_complaint(client)
    base = f"/api/complaints/{cid}"
    assert (
        await client.post(f"{base}/closure", json={"outcome": "withdrawn"}, headers=STAFF)
    ).status_code == 201
    refused = await client.post(f"{base}/reopening", json={"reason": "Toch niet"}, headers=NL)
    assert refused.status_code == 409
    assert refused.json()["error"] == "illegal_transition"
