"""Editing and leaving an improvement action through intake's staff API on a real nats-server
(issue 18 item 3): the lead's title and owner are edited (``improvement_updated`` naming what
changed, an owner the organisation file does not know refused on its field); a joined
complaint leaves the action (``improvement_unlinked`` on its own subject), may join again;
the lead and a stranger cannot leave it and nothing leaves a closed action; a reader may not;
refusals name their rule in the caller's language."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx
import nats

from klachten.stack.natsserver import EmbeddedNats
from shared.contract import subjects
from tests.support.intake import READER, STAFF, new_complaint

EN = {**STAFF, "Accept-Language": "en"}
NL = {**STAFF, "Accept-Language": "nl"}
DUE = (datetime.now(UTC) + timedelta(days=60)).date().isoformat()


async def last_event(url: str, complaint_id: str, token: str) -> dict:
    nc = await nats.connect(url)
    try:
        found = await nc.jetstream().get_last_msg(
            subjects.COMPLAINTS_STREAM, f"complaints.{complaint_id}.*.{token}"
        )
        return {"subject": found.subject, **json.loads(found.data)}
    finally:
        await nc.close()


async def test_edit_title_and_owner_then_leave_and_join_again(
    client: httpx.AsyncClient, provisioned_nats: EmbeddedNats
) -> None:
    lead, other = await new_complaint(client), await new_complaint(client)
    body = {"title": "Brief herschrijven", "owner": "klachten", "due": DUE}
    opened = await client.post(f"/api/complaints/{lead}/improvements", json=body, headers=STAFF)
    action_id = opened.json()["action_id"]
    on = f"/api/complaints/{lead}/improvements/{action_id}"

    edit = {"title": "Standaardbrief herschrijven", "owner": "klantcontact"}
    edited = await client.post(on, json=edit, headers=STAFF)
    assert edited.status_code == 201, edited.text
    [action] = edited.json()["led"]
    assert (action["title"], action["owner"]) == ("Standaardbrief herschrijven", "klantcontact")
    updated = await last_event(provisioned_nats.url, lead, "improvement_updated")
    assert updated["changed"] == ["title", "owner"] and updated["owner"] == "klantcontact"
    unknown = await client.post(on, json={"owner": "niemand"}, headers=EN)
    assert unknown.status_code == 422 and unknown.json()[0]["field"] == "owner", unknown.text
    empty = await client.post(on, json={"title": " "}, headers=EN)
    assert empty.status_code == 422 and empty.json()[0]["field"] == "title", empty.text
    same = await client.post(on, json=edit, headers=STAFF)
    assert same.status_code == 200, same.text

    joins = {"lead_complaint_id": lead, "action_id": action_id}
    joined = await client.post(
        f"/api/complaints/{other}/improvement-links", json=joins, headers=STAFF
    )
    assert joined.status_code == 201, joined.text
    leave = f"/api/complaints/{other}/improvement-links/{action_id}/unlink"
    assert (await client.post(leave, json={}, headers=READER)).status_code == 403
    left = await client.post(leave, json={}, headers=STAFF)
    assert left.status_code == 201, left.text
    assert left.json()["linked"] == []
    event = await last_event(provisioned_nats.url, other, "improvement_unlinked")
    assert event["type"] == "complaint.improvement_unlinked"
    assert (event["action_id"], event["lead_complaint_id"]) == (action_id, lead)
    assert event["subject"].startswith(f"complaints.{other}.")
    again = await client.post(leave, headers=STAFF)  # no body: the same as {}
    assert again.status_code == 200, again.text
    rejoined = await client.post(
        f"/api/complaints/{other}/improvement-links", json=joins, headers=STAFF
    )
    assert rejoined.status_code == 201 and rejoined.json()["linked"] != [], rejoined.text


async def test_who_cannot_leave_and_the_words_of_the_refusals(client: httpx.AsyncClient) -> None:
    lead, other, stranger = [await new_complaint(client) for _ in range(3)]
    body = {"title": "Wachttijd", "owner": "klachten", "due": DUE}
    opened = await client.post(f"/api/complaints/{lead}/improvements", json=body, headers=STAFF)
    action_id = opened.json()["action_id"]
    joins = {"lead_complaint_id": lead, "action_id": action_id}
    await client.post(f"/api/complaints/{other}/improvement-links", json=joins, headers=STAFF)

    for who in (lead, stranger):
        leave = f"/api/complaints/{who}/improvement-links/{action_id}/unlink"
        refused = await client.post(leave, json={}, headers=EN)
        assert refused.status_code == 409 and "not the complaint the action was opened on" in (
            refused.text
        ), refused.text
    dutch = await client.post(
        f"/api/complaints/{lead}/improvement-links/{action_id}/unlink", json={}, headers=NL
    )
    assert dutch.status_code == 409 and "ontkoppeld" in dutch.text, dutch.text
    extra = await client.post(
        f"/api/complaints/{other}/improvement-links/{action_id}/unlink",
        json={"reason": "x"}, headers=EN,
    )  # fmt: skip
    assert extra.status_code == 422, extra.text
    done = {"status": "done", "outcome": "Extra bezetting."}
    ended = await client.post(f"/api/complaints/{lead}/improvements/{action_id}", json=done,
                              headers=STAFF)  # fmt: skip
    assert ended.status_code == 201, ended.text
    closed = await client.post(
        f"/api/complaints/{other}/improvement-links/{action_id}/unlink", json={}, headers=EN
    )
    assert closed.status_code == 409 and "closed (done or dropped)" in closed.text, closed.text
    nothing = await client.post(
        f"/api/complaints/{other}/improvement-links/not-a-uuid/unlink", json={}, headers=EN
    )
    assert nothing.status_code in (404, 422), nothing.text
