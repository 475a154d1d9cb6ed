"""Given events → when command → then events (or error), for the Complaint aggregate."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from shared.contract import events as ev
from shared.rules.complaint import AlreadyDone, Cause, Complaint, IllegalTransition, InvalidCommand
from tests.support.domain import NOW, letter, submitted

STAFF = Cause(actor="staff:handler")


def new_events(c: Complaint) -> list[ev.Event]:
    return [e.fact for e in c.collect_events()]


def test_submit_records_the_facts_and_starts_the_lifecycle() -> None:
    c = submitted()
    [fact] = new_events(c)
    assert isinstance(fact, ev.Submitted)
    assert (fact.version, fact.complaint_id, fact.reference) == (1, c.id, "KL-2026-000001")
    assert c.status == "submitted" and c.level == 0


def test_received_in_the_future_is_refused() -> None:
    with pytest.raises(InvalidCommand, match="future"):
        submitted(received_at=NOW + timedelta(days=1))


def test_acknowledge_once_then_already_done() -> None:
    c = submitted()
    c.acknowledge(letter=letter(), respond_by=NOW, statutory_by=NOW, now=NOW, cause=STAFF)
    with pytest.raises(AlreadyDone):
        c.acknowledge(letter=letter(), respond_by=NOW, statutory_by=NOW, now=NOW, cause=STAFF)
    assert [type(f) for f in new_events(c)] == [ev.Submitted, ev.Acknowledged]
    assert c.status == "acknowledged"


def test_respond_then_close_then_nothing_more() -> None:
    c = submitted()
    c.respond(text="Sorry", resolution="well_founded", now=NOW, cause=STAFF)
    with pytest.raises(IllegalTransition, match="already answered"):
        c.respond(text="Again", resolution="unfounded", now=NOW, cause=STAFF)
    c.close(outcome="resolved", now=NOW, cause=STAFF)
    for command in (
        lambda: c.respond(text="x", resolution="unfounded", now=NOW, cause=STAFF),
        lambda: c.escalate(level=1, target="x", reason="staff_decision", now=NOW, cause=STAFF),
        lambda: c.close(outcome="withdrawn", now=NOW, cause=STAFF),
        lambda: c.pause(reason="x", now=NOW, cause=STAFF),
    ):
        with pytest.raises(IllegalTransition, match="closed"):
            command()


def test_letters_and_erasure_are_still_recorded_after_closing() -> None:
    c = submitted()
    c.close(outcome="withdrawn", now=NOW, cause=STAFF)
    c.record_letter(letter=letter("closure"), cause_event_id=uuid4(), now=NOW, cause=STAFF)
    c.erase(key_id="k", legal_basis="GDPR art. 17", now=NOW, cause=STAFF)
    assert c.erased


def test_resolved_needs_a_response_and_not_handled_needs_a_reason() -> None:
    c = submitted()
    with pytest.raises(IllegalTransition):
        c.close(outcome="resolved", now=NOW, cause=STAFF)
    with pytest.raises(InvalidCommand, match="9:8"):
        c.close(outcome="not_handled", now=NOW, cause=STAFF)
    c.close(outcome="not_handled", note="anonymous and older than a year", now=NOW, cause=STAFF)


def test_escalation_climbs_one_level_at_a_time_up_to_the_top() -> None:
    c = submitted()
    with pytest.raises(IllegalTransition, match="next escalation level is 1"):
        c.escalate(level=2, target="management", reason="staff_decision", now=NOW, cause=STAFF)
    for level in (1, 2, 3):
        c.escalate(
            level=level, target=f"l{level}", reason="complainant_request", now=NOW, cause=STAFF
        )
    with pytest.raises(IllegalTransition, match="top"):
        c.escalate(level=4, target="x", reason="complainant_request", now=NOW, cause=STAFF)
    assert c.level == 3 and c.status == "escalated"


def test_a_breach_escalates_once() -> None:
    c = submitted()
    c.escalate(level=1, target="s", reason="deadline_missed", breach_id="b1", now=NOW, cause=STAFF)
    with pytest.raises(AlreadyDone):
        c.escalate(
            level=2, target="m", reason="deadline_missed", breach_id="b1", now=NOW, cause=STAFF
        )


def test_one_extension_of_at_most_four_weeks_before_the_deadline() -> None:
    deadline = NOW + timedelta(weeks=6)
    c = submitted()
    with pytest.raises(InvalidCommand, match="at most 4 weeks"):
        c.extend(weeks=5, reason="r", statutory_by=deadline, now=NOW, cause=STAFF)
    with pytest.raises(IllegalTransition, match="already ended"):
        c.extend(weeks=2, reason="r", statutory_by=deadline, now=deadline, cause=STAFF)
    c.extend(weeks=4, reason="advice needed", statutory_by=deadline, now=NOW, cause=STAFF)
    assert c.statutory_by == deadline + timedelta(weeks=4)
    with pytest.raises(IllegalTransition, match="consent"):
        c.extend(weeks=1, reason="r", statutory_by=deadline, now=NOW, cause=STAFF)
    c.extend(
        weeks=2, reason="agreed", statutory_by=deadline, now=NOW, cause=STAFF, with_consent=True
    )
    assert c.statutory_by == deadline + timedelta(weeks=6)


def test_pause_and_resume_alternate() -> None:
    c = submitted()
    with pytest.raises(IllegalTransition):
        c.resume(now=NOW, cause=STAFF)
    c.pause(reason="waiting for documents", now=NOW, cause=STAFF)
    with pytest.raises(IllegalTransition):
        c.pause(reason="again", now=NOW, cause=STAFF)
    c.resume(now=NOW, cause=STAFF)
    assert not c.paused


def test_replay_rebuilds_the_same_state() -> None:
    c = submitted()
    c.acknowledge(letter=letter(), respond_by=NOW, statutory_by=NOW, now=NOW, cause=STAFF)
    c.escalate(level=1, target="s", reason="deadline_missed", breach_id="b", now=NOW, cause=STAFF)
    c.respond(text="t", resolution="unfounded", now=NOW, cause=STAFF)
    events = c.collect_events()
    copy = None
    for e in events:
        copy = e.mutate(copy)
    assert copy == c


def test_deterministic_event_id_from_the_cause() -> None:
    eid = uuid4()
    c = submitted()
    c.escalate(
        level=1,
        target="s",
        reason="deadline_missed",
        now=NOW,
        cause=Cause(actor="system", event_id=eid),
    )
    assert new_events(c)[-1].event_id == eid


def test_times_are_what_the_caller_passed() -> None:
    later = datetime(2027, 1, 4, 9, tzinfo=UTC)
    c = submitted()
    c.respond(text="t", resolution="unfounded", now=later, cause=STAFF)
    assert new_events(c)[-1].occurred_at == later


def test_a_message_after_closing_is_kept_for_a_handler_who_may_reopen() -> None:
    c = submitted()
    c.close(outcome="referred", now=NOW, cause=STAFF)
    c.record_reaction(
        text="Ik ben het er niet mee eens.",
        disagrees=False,
        channel="email",
        now=NOW,
        cause=STAFF,
        message_id="<r1@mail>",
        verified_by="reply_address",
    )
    reaction = c.collect_events()[-1].fact
    assert c.status == "closed" and c.new_reactions == {reaction.event_id}
    with pytest.raises(AlreadyDone):  # the same mail delivered twice
        c.record_reaction(
            text="x", disagrees=False, channel="email", now=NOW, cause=STAFF, message_id="<r1@mail>"
        )
    c.reopen(reason="De klager brengt nieuwe feiten aan.", now=NOW, cause=STAFF)
    assert c.status == "submitted" and c.is_open
    c.handle_reaction(reaction_event_id=reaction.event_id, now=NOW, cause=STAFF)
    assert not c.new_reactions
    with pytest.raises(AlreadyDone):
        c.handle_reaction(reaction_event_id=reaction.event_id, now=NOW, cause=STAFF)
    with pytest.raises(IllegalTransition):
        c.reopen(reason="again", now=NOW, cause=STAFF)


def test_an_unverified_message_or_an_auto_reply_never_asks_for_review() -> None:
    c = submitted()
    for verified, auto in ((False, False), (True, True)):
        with pytest.raises(InvalidCommand):
            c.record_reaction(
                text="escaleer",
                disagrees=True,
                channel="email",
                now=NOW,
                cause=STAFF,
                verified=verified,
                auto_reply=auto,
            )
    c.record_reaction(
        text="Out of office",
        disagrees=False,
        channel="email",
        now=NOW,
        cause=STAFF,
        auto_reply=True,
    )
    assert not c.new_reactions  # an auto-reply needs no one


def test_an_event_id_is_named_after_the_fact_outside_its_personal_part() -> None:
    """No random ids in the rules: the same fact at the same place has the same id (a retry is
    a duplicate to JetStream), any other fact another one; personal text does not enter it."""

    def answered(text: str, at: datetime, actor: str = "staff:handler") -> ev.Event:
        c = submitted(complaint_id=cid)
        c.respond(text=text, resolution="unfounded", now=at, cause=Cause(actor=actor))
        return new_events(c)[-1]

    cid = uuid4()
    first = answered("Sorry", NOW)
    assert first.event_id.version == 5
    assert answered("Sorry", NOW).event_id == first.event_id
    assert answered("Other words", NOW).event_id == first.event_id  # personal part left out
    assert answered("Sorry", NOW + timedelta(microseconds=1)).event_id != first.event_id
    assert answered("Sorry", NOW, actor="staff:other").event_id != first.event_id
    assert submitted().collect_events()[0].fact.event_id != first.event_id
