"""Corrections of a case through intake's staff API on a real nats-server (issue 17): the
category and priority corrected with the dates decided again and recorded; a duplicate linked
and closed without a letter event, both refused in words (nl/en) where the rules forbid; a
follow-up answered after the answer without reopening, the message handled."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

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
    app = ComplaintsApplication(env={"NATS_URL": provisioned_nats.url})
    yield app
    app.close()


async def new(client: httpx.AsyncClient, **overrides: object) -> tuple[str, str]:
    answer = await client.post("/api/complaints", json=complaint_body(**overrides), headers=STAFF)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["complaint_id"]), str(answer.json()["reference"])


async def events(client: httpx.AsyncClient, cid: str) -> list[dict]:
    answer = await client.get(f"/api/complaints/{cid}/timeline", headers=STAFF)
    return list(answer.json()["events"])


async def test_a_corrected_priority_records_the_dates_decided_again(
    client: httpx.AsyncClient,
) -> None:
    cid, _ = await new(client)
    base = f"/api/complaints/{cid}"
    before = (await client.get(base, headers=STAFF)).json()["deadlines"]
    body = {"priority": "urgent", "category": "bejegening", "reason": "Het gaat om een uitkering."}
    corrected = await client.post(f"{base}/recategorisation", json=body, headers=STAFF)
    assert corrected.status_code == 201, corrected.text
    state = corrected.json()
    assert state["category"] == "bejegening"
    after = state["deadlines"]
    assert datetime.fromisoformat(after["response"]) < datetime.fromisoformat(before["response"])
    assert after["statutory"] == before["statutory"]  # the category has no term of its own
    [fact] = [e for e in await events(client, cid) if e["type"] == "recategorised"]
    assert fact["fields"]["priority"] == "urgent"
    assert fact["fields"].get("previous_priority") is None
    box = (await client.get(f"{base}/corrections", headers=STAFF)).json()
    assert (box["category"], box["priority"]) == ("bejegening", "urgent")
    assert (
        "urgent" in box["priorities"]
        and {"code": "zorg", "nl": "Zorg", "en": "Care"} in (box["categories"])
    )
    again = await client.post(f"{base}/recategorisation", json=body, headers=STAFF)
    assert again.status_code == 200, again.text


async def test_a_correction_is_refused_in_words(client: httpx.AsyncClient) -> None:
    cid, _ = await new(client)
    base = f"/api/complaints/{cid}/recategorisation"
    unknown = await client.post(base, json={"category": "nergens", "reason": "x"}, headers=EN)
    assert unknown.status_code == 422, unknown.text
    [problem] = unknown.json()
    assert problem["field"] == "category" and "no category 'nergens'" in problem["message"]
    empty = await client.post(base, json={"priority": "urgent", "reason": " "}, headers=NL)
    assert empty.status_code == 422 and empty.json()[0]["field"] == "reason"
    reader = await client.post(base, json={"priority": "urgent", "reason": "x"}, headers=READER)
    assert reader.status_code == 403


async def test_a_duplicate_is_linked_closed_and_refused_where_it_must_be(
    client: httpx.AsyncClient,
) -> None:
    primary, reference = await new(client)
    dup, _ = await new(client, channel="email")
    link = f"/api/complaints/{dup}/duplicate"
    itself = await client.post(link, json={"primary": dup, "reason": "x"}, headers=EN)
    assert itself.status_code == 422 and "itself" in itself.json()[0]["message"]
    nowhere = await client.post(link, json={"primary": "KL-1999-999999", "reason": "x"},
                                headers=NL)  # fmt: skip
    assert nowhere.status_code == 422 and "geen klacht" in nowhere.json()[0]["message"]
    body = {"primary": reference, "reason": "Dezelfde klacht, ook per e-mail."}
    linked = await client.post(link, json=body, headers=STAFF)
    assert linked.status_code == 201, linked.text
    assert (linked.json()["status"], linked.json()["outcome"]) == ("closed", "duplicate")
    types = [e["type"] for e in await events(client, dup)]
    assert types[-2:] == ["linked_as_duplicate", "closed"]
    box = (await client.get(f"/api/complaints/{dup}/corrections", headers=STAFF)).json()
    assert box["duplicate_of"] == {"complaint_id": primary, "reference": reference}
    back = f"/api/complaints/{primary}/duplicate"
    cycle = await client.post(back, json={"primary": dup, "reason": "x"}, headers=EN)
    assert cycle.status_code == 422, cycle.text
    assert "itself linked as a duplicate of this one" in cycle.json()[0]["message"]
    third, _ = await new(client)
    chain = await client.post(f"/api/complaints/{third}/duplicate",
                              json={"primary": dup, "reason": "x"}, headers=EN)  # fmt: skip
    assert chain.status_code == 422 and reference in chain.json()[0]["message"]


async def test_a_follow_up_is_answered_after_the_answer_without_reopening(
    client: httpx.AsyncClient, log: ComplaintsApplication
) -> None:
    cid, _ = await new(client)
    base = f"/api/complaints/{cid}"
    early = record_reply(log, cid, "Is er al nieuws?", verified_by="reply_address")
    before = await client.post(f"{base}/follow-up", json={"reaction_event_id": early, "text": "x"},
                               headers=EN)  # fmt: skip
    assert before.status_code == 409, before.text
    assert "not been answered yet" in before.json()["message"]
    assert before.json()["rule"] == "Awb 9:12"
    await waive_hearing(client, base)
    answer = {"text": "Wij bieden excuses aan.", "resolution": "well_founded"}
    assert (await client.post(f"{base}/responses", json=answer, headers=STAFF)).status_code == 201
    later = record_reply(log, cid, "Dank, maar hoe zit het met de kosten?",
                         verified_by="reply_address")  # fmt: skip
    body = {"reaction_event_id": later, "text": "De kosten vergoeden wij."}
    answered = await client.post(f"{base}/follow-up", json=body, headers=STAFF)
    assert answered.status_code == 201, answered.text
    assert answered.json()["status"] == "responded"  # the procedure is not reopened
    last = (await events(client, cid))[-2:]
    assert [e["type"] for e in last] == ["follow_up_answered", "reaction_handled"]
    assert last[0]["fields"]["reaction_event_id"] == later
    box = (await client.get(f"{base}/corrections", headers=STAFF)).json()
    assert [m["event_id"] for m in box["messages"]] == [early]  # the later one is handled
    twice = await client.post(f"{base}/follow-up", json=body, headers=NL)
    assert twice.status_code == 422 and "al afgehandeld" in twice.json()[0]["message"]
