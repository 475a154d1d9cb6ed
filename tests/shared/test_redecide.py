"""Replay and re-decide (shared/integrity/redecide.py): a history the commands made passes; an event
the rules would have refused is named with the rule."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import msgspec

from shared.contract import events as ev
from shared.integrity.redecide import Replay
from shared.rules import procedure
from shared.rules.complaint import Cause, Complaint
from tests.support.domain import NOW, letter, personal, submitted

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


def procedure_journey() -> list[ev.Event]:
    """Issue 16's steps as a handler takes them; the personal parts then hidden, as an auditor
    without the keys reads them."""
    c = Complaint.submit(
        complaint_id=uuid4(), reference="KL-2026-000002", channel="web", language="nl",
        personal=personal(), received_at=NOW, now=NOW, cause=Cause("complainant"),
        procedure=procedure.CURRENT,
    )  # fmt: skip
    later = NOW + timedelta(days=2)
    c.assign(handler=None, team="balie", department="d", now=NOW, cause=STAFF)
    c.take(handler="staff:alice", teams=["balie"], now=NOW, cause=STAFF)
    c.assign(handler="staff:carol", team="balie", reason="verlof", now=NOW, cause=STAFF)
    c.record_conduct_subject(employee="staff:bob", unit="balie", now=NOW, cause=STAFF)
    events = c.collect_events()
    subject = events[-1].fact
    c.record_conduct_subject_reaction(subject_event_id=subject.event_id, text="mijn kant",
                                      now=NOW, cause=STAFF)  # fmt: skip
    c.invite_to_hearing(at=later, mode="in_person", place="kamer 2", now=NOW, cause=STAFF)
    c.record_hearing(held_at=later, mode="in_person", report="verslag", now=later, cause=STAFF)
    c.respond(text="Antwoord", resolution="unfounded", now=later, cause=STAFF)
    c.escalate(level=1, target="directie", reason="complainant_request", now=later, cause=STAFF)
    c.waive_hearing(ground="heard_at_another_level", now=later, cause=STAFF)
    c.resolve_informally(means="conversation", confirmed_by="phone", confirmed_at=later,
                         text="opgelost", now=later, cause=STAFF)  # fmt: skip
    return [e.fact for e in [*events, *c.collect_events()]]


def keyless(fact: ev.Event) -> ev.Event:
    if getattr(fact, "personal", None) is None:
        return fact
    sealed = ev.Sealed(key_id="k", nonce="n", ciphertext="c")
    return msgspec.structs.replace(fact, personal=None, sealed=sealed)  # type: ignore[call-arg]


def test_the_procedure_steps_re_decide_clean_also_without_the_keys() -> None:
    facts = procedure_journey()
    assert [type(f) for f in facts][-3:] == [ev.Escalated, ev.HearingWaived, ev.ResolvedInformally]
    assert refused(facts) == []
    assert refused([keyless(f) for f in facts]) == []


def test_an_answer_without_a_hearing_is_refused_only_under_the_procedure() -> None:
    facts = procedure_journey()
    held = next(i for i, f in enumerate(facts) if isinstance(f, ev.HearingHeld))
    answer = next(f for f in facts if isinstance(f, ev.Responded))
    skipped = [*facts[:held], msgspec.structs.replace(answer, version=held + 1)]
    assert refused(skipped) == [
        (
            held + 1,
            "The complaint cannot be answered yet: the complainant has not been heard and no "
            "ground for waiving the hearing has been recorded (Awb 9:10).",
        )
    ]
    # The same history recorded before the procedure existed (no `procedure`) was decided then.
    old = [msgspec.structs.replace(skipped[0], procedure=None), *skipped[1:]]
    assert refused(old) == []


def test_the_person_complained_about_handling_it_is_found_with_the_keys() -> None:
    facts = procedure_journey()
    recorded = next(i for i, f in enumerate(facts) if isinstance(f, ev.ConductSubjectRecorded))
    assign = next(f for f in facts if isinstance(f, ev.Assigned) and f.kind == "reassign")
    to_bob = msgspec.structs.replace(
        assign, version=recorded + 2, handler="staff:bob", previous_handler="staff:carol"
    )
    found = refused([*facts[: recorded + 1], to_bob])
    assert [v for v, _ in found] == [recorded + 2] and "(Awb 9:7)" in found[0][1]
