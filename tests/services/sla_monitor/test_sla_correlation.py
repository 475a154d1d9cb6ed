"""Correlation and causation ids as an analyst reads them from the log (real nats-server): every
event of a complaint carries the complaint id as `correlation_id`, whoever appended it; the SLA
monitor's escalation names the event that recorded the deadline it missed."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import nats
from jsonschema import Draft202012Validator

from klachten.stack.natsserver import EmbeddedNats
from services.sla_monitor.application import SlaApplication, utcnow
from shared.config.policy import PolicyHolder
from tests.support.sla import DAY, STAFF, new_complaint, policy_file


async def test_a_journeys_events_carry_the_complaint_as_correlation_and_their_cause(
    provisioned_nats: EmbeddedNats, tmp_path: Path
) -> None:
    app = SlaApplication(env={"NATS_URL": provisioned_nats.url})
    try:
        complaint = new_complaint(datetime.now(UTC) - 60 * DAY)  # from the web form
        app.save(complaint)
        escalation, _ = app.escalate_if_due(
            complaint.id, PolicyHolder(policy_file(tmp_path)), utcnow
        )
        assert escalation is not None
        again, _ = app.history(complaint.id)
        again.respond(text="Ons antwoord", resolution="unfounded", now=utcnow(), cause=STAFF)
        app.save(again)
    finally:
        app.close()

    nc = await nats.connect(provisioned_nats.url)
    js = nc.jetstream()
    last = (await js.stream_info("COMPLAINTS")).state.last_seq
    log = [
        json.loads((await js.get_msg("COMPLAINTS", s, direct=True)).data)
        for s in range(1, last + 1)
    ]
    await nc.close()

    assert [e["type"] for e in log] == [
        "complaint.submitted", "complaint.escalated", "complaint.responded"
    ]  # fmt: skip
    assert {e["correlation_id"] for e in log} == {str(complaint.id)}
    schema = json.loads((Path(__file__).parents[3] / "docs" / "events.schema.json").read_text())
    assert [
        e.message for event in log for e in Draft202012Validator(schema).iter_errors(event)
    ] == []
    submitted, escalated, responded = log
    assert escalated["causation_id"] == submitted["event_id"]  # it recorded the missed dates
    assert responded["causation_id"] is None  # a staff decision of its own
