"""Replay and re-decide (shared/integrity/redecide.py): a history the commands made passes; an event
the rules would have refused is named with the rule."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import msgspec

from shared.contract import events as ev
from shared.integrity.redecide import Replay
from shared.rules.complaint import Cause, Complaint
from tests.support.domain import NOW, letter, submitted

STAFF = Cause(actor="staff:handler")


def journey() -> tuple[Complaint, list[ev.Event]]:
    c = submitted()
    later = NOW + timedelta(days=1)
    c.acknowledge(letter=letter(), respond_by=later, statutory_by=NOW + timedelta(weeks=6),
                  now=NOW, cause=STAFF)  # fmt: skip
    c.escalate(level=1, target="team", reason="staff_decision", now=later, cause=STAFF)
    c.extend(weeks=2, reason="busy", statutory_by=NOW, now=later, cause=STAFF)
    c.respond(text="Sorry", resolution="well_founded", now=later, cause=STAFF)
    c.close(outcome="resolved", now=later, cause=STAFF)
    c.record_reaction(text="thanks", disagrees=False, channel="email", now=later, cause=STAFF)
    c.record_letter(letter=letter(), cause_event_id=uuid4(), now=later, cause=STAFF)
    return c, [e.fact for e in c.collect_events()]


def refused(facts: list[ev.Event]) -> list[tuple[int, str]]:
    replay = Replay()
    return [(f.version, why) for f in facts if (why := replay.feed(f))]


def test_a_history_made_by_the_commands_is_allowed() -> None:
    _, facts = journey()
    assert refused(facts) == []


def forged(facts: list[ev.Event], fact: ev.Event) -> list[ev.Event]:
    return [*facts, msgspec.structs.replace(fact, version=len(facts) + 1, event_id=uuid4())]


def test_events_the_rules_refuse_are_named_with_the_rule() -> None:
    _, facts = journey()
    escalated = next(f for f in facts if isinstance(f, ev.Escalated))
    skip = msgspec.structs.replace(escalated, level=3, actor="staff:alice")
    assert refused(forged(facts, skip)) == [
        (len(facts) + 1, "cannot escalate: the complaint is closed")
    ]
    open_part = facts[:3]  # submitted, acknowledged, escalated to 1
    assert refused(forged(open_part, skip)) == [(4, "the next escalation level is 2, not 3")]
    ack = next(f for f in facts if isinstance(f, ev.Acknowledged))
    assert refused(forged(open_part, ack)) == [(4, "the complaint was already acknowledged")]
    extended = next(f for f in facts if isinstance(f, ev.Extended))
    twice = forged(facts[:4], extended)
    assert refused(twice) == [
        (
            5,
            "The term has already been extended once. A further "
            "extension needs the complainant's written consent (Awb 9:11 lid 2).",
        )
    ]
    responded = next(f for f in facts if isinstance(f, ev.Responded))
    assert refused(forged(facts[:6], responded)) == [(7, "cannot respond: the complaint is closed")]
