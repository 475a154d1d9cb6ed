"""Correlation and causation ids of staff actions as an analyst reads them from the log (a running
intake on a real nats-server, issue 21): every event of a complaint carries the complaint id as
`correlation_id`; a staff action that acts on a complainant's message (marking it handled,
escalating or reopening from it) names that message as `causation_id`; a staff action of its own
names none (docs/events.md, docs/analysts.md). The events as written (sealed) are valid under
the published schema."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import nats
import pytest
from jsonschema import Draft202012Validator

from klachten.stack.natsserver import EmbeddedNats
from shared.eventstore.application import ComplaintsApplication
from tests.support.intake import STAFF, complaint_body, waive_hearing
from tests.support.workspace import record_reply

SCHEMA = Path(__file__).parents[3] / "docs" / "events.schema.json"


@pytest.fixture
def log(provisioned_nats: EmbeddedNats) -> Iterator[ComplaintsApplication]:
    app = ComplaintsApplication(env={"NATS_URL": provisioned_nats.url})
    yield app
    app.close()


async def _events(url: str, complaint_id: str) -> list[dict[str, Any]]:
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        sub = await js.subscribe(f"complaints.{complaint_id}.>", ordered_consumer=True)
        info = await js.stream_info("COMPLAINTS", subjects_filter=f"complaints.{complaint_id}.>")
        count = sum((info.state.subjects or {}).values())
        return [json.loads((await sub.next_msg(timeout=5)).data) for _ in range(count)]
    finally:
        await nc.close()


async def test_staff_actions_carry_the_complaint_and_the_message_they_act_on(
    client: httpx.AsyncClient, log: ComplaintsApplication, provisioned_nats: EmbeddedNats
) -> None:
    created = await client.post("/api/complaints", json=complaint_body(), headers=STAFF)
    assert created.status_code == 201, created.text
    cid = str(created.json()["complaint_id"])
    first = record_reply(log, cid, "Nog een foto.", verified=True, verified_by="reply_address")
    handled = await client.post(f"/api/complaints/{cid}/reactions/{first}/handled", headers=STAFF)
    assert handled.status_code == 201, handled.text
    await waive_hearing(client, cid)
    answer = {"text": "Ons antwoord.", "resolution": "unfounded"}
    responded = await client.post(f"/api/complaints/{cid}/responses", json=answer, headers=STAFF)
    assert responded.status_code == 201, responded.text
    second = record_reply(log, cid, "Ik wil naar de volgende trap.", verified=True,
                          verified_by="reply_address")  # fmt: skip
    request = {"reason": "complainant_request", "reaction_event_id": second}
    escalated = await client.post(f"/api/complaints/{cid}/escalations", json=request,
                                  headers=STAFF)  # fmt: skip
    assert escalated.status_code == 201, escalated.text

    events = await _events(provisioned_nats.url, cid)
    published = Draft202012Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))
    assert [e.message for event in events for e in published.iter_errors(event)] == []
    assert {e["correlation_id"] for e in events} == {cid}, [e["type"] for e in events]
    caused: dict[str, list[str | None]] = {}
    for e in events:
        caused.setdefault(e["type"].removeprefix("complaint."), []).append(e["causation_id"])
    assert caused["submitted"] == caused["hearing_waived"] == [None]
    assert caused["responded"] == [None]  # a staff decision of its own
    assert caused["escalated"] == [second]
    assert caused["reaction_handled"] == [first, second]  # escalating handles the message too
