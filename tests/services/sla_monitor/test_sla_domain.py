"""Pure decisions of the SLA monitor: history → clock state → wake-up and escalation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from services.sla_monitor import domain
from services.sla_monitor.settings import DEFAULT_POLICY_FILE
from services.sla_monitor.timers import at_expression
from shared.config.policy_file import build_calendar, load_policy
from shared.contract import events as ev
from shared.rules import clocks
from shared.rules.complaint import Cause, Complaint
from shared.rules.deadlines import SlaInputError, deadlines
from tests.support.domain import letter, personal

POLICY = load_policy(DEFAULT_POLICY_FILE)
CALENDAR = build_calendar(POLICY.calendar)
STAFF = Cause(actor="staff:ann")
RECEIVED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday


def complaint(received: datetime = RECEIVED) -> Complaint:
    return Complaint.submit(
        complaint_id=uuid4(),
        reference="KL-2026-000001",
        channel="web",
        language="nl",
        personal=personal(),
        received_at=received,
        now=received,
        cause=Cause(actor="complainant"),
    )


def facts(c: Complaint) -> list[ev.Event]:
    return [e.fact for e in c.pending_events]  # type: ignore[attr-defined]


def test_history_folds_into_clock_state() -> None:
    c = complaint()
    day = timedelta(days=1)
    term = RECEIVED + 42 * day
    c.acknowledge(letter=letter(), respond_by=term, statutory_by=term, now=RECEIVED + day,
                  cause=STAFF)  # fmt: skip
    c.pause(reason="Waiting for documents", now=RECEIVED + 2 * day, cause=STAFF)
    c.resume(now=RECEIVED + 4 * day, cause=STAFF)
    c.extend(weeks=3, reason="Advice needed", statutory_by=term,
             now=RECEIVED + 5 * day, cause=STAFF)  # fmt: skip
    c.respond(text="Answer", resolution="unfounded", now=RECEIVED + 6 * day, cause=STAFF)
    state = clocks.clock_state(facts(c))
    assert state.received_at == RECEIVED
    assert state.acknowledged_at is not None
    assert [(p.start, p.end) for p in state.pauses] == [(RECEIVED + 2 * day, RECEIVED + 4 * day)]
    assert state.extension is not None and state.extension.weeks == 3
    assert state.responded_at == RECEIVED + 6 * day


def test_a_history_must_start_with_the_submission() -> None:
    with pytest.raises(SlaInputError):
        clocks.clock_state([])


def test_backdated_complaint_escalates_once_for_its_first_missed_deadline() -> None:
    c = complaint()
    now = RECEIVED + timedelta(days=60)
    esc = domain.escalation_for(facts(c), POLICY, CALENDAR, now)
    assert esc is not None
    assert (esc.level, esc.target, esc.breach.clock) == (1, "supervisor", "acknowledge")
    assert esc.event_id == domain.breach_event_id(esc.breach.breach_id)
    respond_by = esc.terms.respond_by
    assert respond_by is not None and respond_by > now  # the new level's own term
    assert not esc.terms.capped  # the statutory term ended already: nothing to cap at
    c.escalate(level=esc.level, target=esc.target, reason="deadline_missed", now=now,
               breach_id=esc.breach.breach_id, cause=STAFF, terms=esc.terms)  # fmt: skip
    # The escalation consumed every deadline missed so far: nothing more is due now ...
    assert domain.escalation_for(facts(c), POLICY, CALENDAR, now) is None
    # ... and the next wake-up is the new level's recorded response term.
    after, d = domain.watched(facts(c), POLICY, CALENDAR)
    assert domain.wake_at(after, d, now) == respond_by


def test_a_complaint_answered_in_time_needs_no_timer_and_no_escalation() -> None:
    c = complaint()
    c.acknowledge(letter=letter(), respond_by=RECEIVED, statutory_by=RECEIVED,
                  now=RECEIVED + timedelta(hours=2), cause=STAFF)  # fmt: skip
    c.respond(text="Answer", resolution="unfounded", now=RECEIVED + timedelta(days=3), cause=STAFF)
    later = RECEIVED + timedelta(days=90)
    assert domain.escalation_for(facts(c), POLICY, CALENDAR, later) is None
    assert domain.wake_at(*domain.watched(facts(c), POLICY, CALENDAR), later) is None


def test_the_wake_up_of_a_fresh_complaint_is_its_first_deadline() -> None:
    state = clocks.clock_state(facts(complaint()))
    d = deadlines(state, POLICY, CALENDAR)
    assert domain.wake_at(state, d, RECEIVED) == d.acknowledge_by


def test_subjects_name_the_complaint() -> None:
    cid = uuid4()
    assert domain.complaint_id_of_subject(f"complaints.{cid}.3.responded") == cid
    assert domain.complaint_id_of_subject(f"timers.fired.{cid}.check") == cid
    with pytest.raises(SlaInputError):
        domain.complaint_id_of_subject("timers.fired.not-a-uuid.check")


def test_timers_fire_at_whole_seconds_never_early() -> None:
    at = datetime(2026, 3, 2, 23, 0, 0, 1, tzinfo=UTC)
    assert at_expression(at) == "@at 2026-03-02T23:00:01Z"
    assert at_expression(at.replace(microsecond=0)) == "@at 2026-03-02T23:00:00Z"
