"""The improvement actions register (issue 18 item 3) through intake's staff API on a real
nats-server: a handler opens an action on a lead complaint, another complaint joins it, the
action is changed and closed with its outcome; a reader may read and not write; refusals name
their rule in the caller's language; the title is plain in the log (not sealed)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import nats

from klachten.stack.natsserver import EmbeddedNats
from shared.contract import subjects
from tests.support.intake import READER, STAFF, new_complaint

EN = {**STAFF, "Accept-Language": "en"}
DUE = (datetime.now(UTC) + timedelta(days=60)).date().isoformat()
TITLE = "Standaardbrief parkeervergunning in begrijpelijke taal"


async def test_open_join_change_and_close_an_action(
    client: httpx.AsyncClient, provisioned_nats: EmbeddedNats
) -> None:
    lead, other = await new_complaint(client), await new_complaint(client)
    body = {"title": TITLE, "owner": "klachten", "due": DUE, "theme": "informatie"}
    opened = await client.post(f"/api/complaints/{lead}/improvements", json=body, headers=STAFF)
    assert opened.status_code == 201, opened.text
    action_id = opened.json()["action_id"]
    [action] = opened.json()["led"]
    assert (action["title"], action["owner"], action["status"], action["theme"]) == (
        TITLE, "klachten", "open", "informatie")  # fmt: skip
    assert action["due_by"].startswith(DUE) or action["due_by"] > DUE

    on = f"/api/complaints/{lead}/improvements/{action_id}"
    joins = {"lead_complaint_id": lead, "action_id": action_id}
    joining = f"/api/complaints/{other}/improvement-links"
    joined = await client.post(joining, json=joins, headers=STAFF)
    assert joined.status_code == 201, joined.text
    assert joined.json()["linked"] == [{"action_id": action_id, "lead_complaint_id": lead}]
    again = await client.post(joining, json=joins, headers=STAFF)
    assert again.status_code == 200, again.text

    started = await client.post(on, json={"status": "in_progress"}, headers=STAFF)
    assert started.status_code == 201 and started.json()["led"][0]["status"] == "in_progress"
    unended = await client.post(on, json={"status": "done"}, headers=EN)
    assert unended.status_code == 422, unended.text
    [problem] = unended.json()
    assert problem["field"] == "outcome" and "ISO 10002" in problem["message"]
    done = await client.post(
        on, json={"status": "done", "outcome": "Brief herschreven en getest."}, headers=STAFF
    )
    assert done.status_code == 201, done.text
    assert done.json()["led"][0]["outcome"] == "Brief herschreven en getest."
    ended = await client.post(on, json={"status": "open"}, headers=EN)
    assert ended.status_code == 409 and "closed (done or dropped)" in ended.text, ended.text

    read = await client.get(f"/api/complaints/{lead}/improvements", headers=READER)
    assert read.status_code == 200 and read.json()["led"][0]["status"] == "done"

    # the title and outcome are plain in the log: a reader without keys lists them
    nc = await nats.connect(provisioned_nats.url)
    try:
        js = nc.jetstream()
        last = await js.get_last_msg(
            subjects.COMPLAINTS_STREAM, f"complaints.{lead}.*.improvement_updated"
        )
        assert b"Brief herschreven en getest." in last.data and TITLE.encode() in last.data
    finally:
        await nc.close()


async def test_who_may_and_what_is_refused(client: httpx.AsyncClient) -> None:
    lead = await new_complaint(client)
    at = f"/api/complaints/{lead}/improvements"
    body = {"title": TITLE, "owner": "klachten", "due": DUE}
    assert (await client.post(at, json=body, headers=READER)).status_code == 403
    unknown = await client.post(at, json={**body, "owner": "niemand"}, headers=EN)
    assert unknown.status_code == 422 and unknown.json()[0]["field"] == "owner", unknown.text
    yesterday = (datetime.now(UTC) - timedelta(days=2)).date().isoformat()
    past = await client.post(at, json={**body, "due": yesterday}, headers=EN)
    assert past.status_code == 422 and past.json()[0]["field"] == "due", past.text
    assert "past" in past.json()[0]["message"]
    malformed = await client.post(at, json={**body, "due": "31-12-2027", "title": " "}, headers=EN)
    assert {p["field"] for p in malformed.json()} == {"due", "title"}, malformed.text
    theme = await client.post(at, json={**body, "theme": "weer"}, headers=EN)
    assert theme.status_code == 422 and theme.json()[0]["field"] == "theme", theme.text
    opened = await client.post(at, json=body, headers=STAFF)
    action_id = opened.json()["action_id"]
    joins = {"lead_complaint_id": lead, "action_id": action_id}
    to_lead = await client.post(f"/api/complaints/{lead}/improvement-links", json=joins, headers=EN)
    assert to_lead.status_code == 409 and "another complaint" in to_lead.text, to_lead.text
    nowhere = await client.post(f"{at}/{lead}", json={"status": "done"}, headers=EN)
    assert nowhere.status_code == 409 and "not opened on this complaint" in nowhere.text
