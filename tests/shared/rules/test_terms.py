"""Dates decided once and recorded (shared/rules/terms.py), read back by `current_terms`.

Expected days are written out by hand from the ATW list and the shipped policy
(config/policy.toml: 6 weeks Awb, 10 business days to respond, ladder level 1: 5 days).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import msgspec

from shared.config.policy import DEFAULT_POLICY_FILE
from shared.config.policy_file import build_calendar, load_policy
from shared.contract import events as ev
from shared.rules import terms as rules
from shared.rules.complaint import Cause, Complaint
from shared.rules.deadlines import ClockState
from tests.support.domain import letter, personal, submitted

POLICY = load_policy(DEFAULT_POLICY_FILE)
CAL = build_calendar(POLICY.calendar)
STAFF = Cause(actor="staff:anna")


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def facts(c: object) -> list[ev.Event]:
    return list(c.facts)  # type: ignore[attr-defined]


def registered(received: datetime, now: datetime | None = None) -> tuple[Complaint, ev.Terms]:
    """A letter complaint registered at `now` with the dates intake decides."""
    now = now or received
    state = ClockState(complaint_id="-", received_at=received, channel="letter")
    t = rules.registration_terms(state, POLICY, CAL, now)
    c = Complaint.submit(
        complaint_id=uuid4(),
        reference="KL-2026-000001",
        channel="letter",
        language="nl",
        personal=personal(),
        received_at=received,
        now=now,
        cause=STAFF,
        terms=t,
    )
    return c, t


def test_the_first_date_shown_is_the_one_that_stays_kings_day() -> None:
    # Received Monday 16 March 2026: six weeks end on King's Day (27 April), a Monday holiday.
    c, t = registered(at(date(2026, 3, 16)))
    assert CAL.due_date(t.statutory_by) == date(2026, 4, 28)
    assert t.policy_version == POLICY.version_id and t.calendar_version == CAL.version_id
    assert rules.current_terms(facts(c), POLICY, CAL) == t
    c.acknowledge(letter=letter(), respond_by=t.respond_by, statutory_by=t.statutory_by,
                  now=at(date(2026, 3, 16), 11), cause=STAFF, terms=t)  # fmt: skip
    assert rules.current_terms(facts(c), POLICY, CAL).statutory_by == t.statutory_by


def test_an_extension_counts_from_the_recorded_end_and_never_ends_on_new_years_day() -> None:
    # Received Friday 23 October 2026: the term ends Friday 4 December; four more weeks end on
    # New Year's Day 2027 (a Friday), so the ATW moves the end to Monday 4 January.
    c, t = registered(at(date(2026, 10, 23)))
    assert CAL.due_date(t.statutory_by) == date(2026, 12, 4)
    extended = rules.extension_terms(facts(c), 4, POLICY, CAL)
    assert CAL.due_date(extended.statutory_by) == date(2027, 1, 4)
    assert extended.respond_by == t.respond_by  # an extension moves only the statutory end
    c.extend(weeks=4, reason="Advies nodig.", statutory_by=t.statutory_by,
             now=at(date(2026, 11, 20)), cause=STAFF, terms=extended)  # fmt: skip
    last = facts(c)[-1]
    assert isinstance(last, ev.Extended) and last.statutory_by == extended.statutory_by
    notice(c, last, at(date(2026, 11, 20), 15))
    assert rules.current_terms(facts(c), POLICY, CAL) == extended


def notice(c: Complaint, extended: ev.Event, sent_at: datetime) -> None:
    """The notifier's record of the extension notice, sent at `sent_at`."""
    sent = msgspec.structs.replace(letter("extension_notice"), sent_at=sent_at)
    c.record_letter(letter=sent, cause_event_id=extended.event_id, now=sent_at, cause=STAFF)


def test_an_extension_is_pending_until_its_notice_is_sent_and_void_when_sent_too_late() -> None:
    # Received Friday 23 October 2026: the term ends with Friday 4 December.
    c, t = registered(at(date(2026, 10, 23)))
    extended = rules.extension_terms(facts(c), 2, POLICY, CAL)
    c.extend(weeks=2, reason="Advies nodig.", statutory_by=t.statutory_by,
             now=at(date(2026, 12, 3)), cause=STAFF, terms=extended)  # fmt: skip
    decided = facts(c)[-1]
    fold = rules.terms_fold(facts(c), POLICY, CAL)
    assert rules.terms_of(fold).statutory_by == t.statutory_by  # decided, not yet in force
    assert rules.pending_statutory_by(fold) == extended.statutory_by
    notice(c, decided, at(date(2026, 12, 4), 20))  # 21:00 in Amsterdam, still 4 December
    assert rules.current_terms(facts(c), POLICY, CAL).statutory_by == extended.statutory_by
    assert rules.pending_statutory_by(rules.terms_fold(facts(c), POLICY, CAL)) is None
    d, u = registered(at(date(2026, 10, 23)))
    d.extend(weeks=2, reason="Advies nodig.", statutory_by=u.statutory_by,
             now=at(date(2026, 12, 3)), cause=STAFF, terms=extended)  # fmt: skip
    notice(d, facts(d)[-1], at(date(2026, 12, 4), 23))  # 00:00 on 5 December: too late
    assert rules.current_terms(facts(d), POLICY, CAL).statutory_by == u.statutory_by


def test_the_acknowledgement_keeps_an_extension_noticed_before_it() -> None:
    c, t = registered(at(date(2026, 10, 23)))
    extended = rules.extension_terms(facts(c), 4, POLICY, CAL)
    c.extend(weeks=4, reason="Advies.", statutory_by=t.statutory_by,
             now=at(date(2026, 10, 23), 11), cause=STAFF, terms=extended)  # fmt: skip
    notice(c, facts(c)[-1], at(date(2026, 10, 23), 12))
    # The notifier copies the dates of the acknowledgement's cause (the submission).
    c.acknowledge(letter=letter(), respond_by=t.respond_by, statutory_by=t.statutory_by,
                  now=at(date(2026, 10, 23), 13), cause=STAFF, terms=t)  # fmt: skip
    assert rules.current_terms(facts(c), POLICY, CAL).statutory_by == extended.statutory_by


def test_an_escalation_term_is_capped_at_the_statutory_end() -> None:
    # Escalated on Monday 30 November: level 1's five business days would end 7 December,
    # after the legal end (4 December): the letter may not promise more than the law allows.
    c, _ = registered(at(date(2026, 10, 23)))
    escalated = rules.escalation_terms(facts(c), 1, at(date(2026, 11, 30)), POLICY, CAL)
    assert escalated.capped
    assert escalated.respond_by == escalated.statutory_by
    assert CAL.due_date(escalated.statutory_by) == date(2026, 12, 4)
    early = rules.escalation_terms(facts(c), 1, at(date(2026, 11, 2)), POLICY, CAL)
    assert not early.capped and CAL.due_date(early.respond_by) == date(2026, 11, 9)


def test_a_late_paper_letter_is_flagged_and_keeps_its_legal_clock() -> None:
    received, now = at(date(2026, 3, 2)), at(date(2026, 3, 30))
    _, t = registered(received, now)
    assert t.registered_late and t.respond_by is not None and t.respond_by < now
    assert CAL.due_date(t.statutory_by) == date(2026, 4, 13)  # from receipt, not registration


def test_a_pause_stops_the_response_clock_and_the_resume_moves_it() -> None:
    c, t = registered(at(date(2026, 10, 5)))
    paused = rules.pause_terms(facts(c), at(date(2026, 10, 6)), POLICY, CAL)
    assert paused.respond_by is None and paused.statutory_by == t.statutory_by
    assert paused.acknowledge_by == t.acknowledge_by  # the policy pauses only "respond"
    c.pause(reason="Wacht op stukken.", now=at(date(2026, 10, 6)), cause=STAFF, terms=paused)
    resumed = rules.resume_terms(facts(c), at(date(2026, 10, 13)), POLICY, CAL)
    assert resumed.respond_by is not None and resumed.respond_by > t.respond_by  # type: ignore[operator]
    assert rules.current_terms(facts(c), POLICY, CAL) == paused


def test_old_events_without_terms_are_completed_as_the_monitor_computed_them() -> None:
    c = submitted(received_at=at(date(2026, 10, 23)), now=at(date(2026, 10, 23)))
    old = rules.current_terms(facts(c), POLICY, CAL)
    assert CAL.due_date(old.statutory_by) == date(2026, 12, 4)
    told = old.statutory_by + timedelta(weeks=4)  # what an old extension letter said
    c.extend(weeks=4, reason="Advies.", statutory_by=old.statutory_by,
             now=at(date(2026, 11, 2)), cause=STAFF)  # fmt: skip
    notice(c, facts(c)[-1], at(date(2026, 11, 2), 12))  # old ones count from the notice too
    got = rules.current_terms(facts(c), POLICY, CAL)
    assert got.statutory_by == told  # recorded dates are read, never recomputed


def test_recorded_terms_win_over_a_changed_policy() -> None:
    c, t = registered(at(date(2026, 10, 23)))
    other = msgspec.structs.replace(POLICY, version="2099.1")
    assert rules.current_terms(facts(c), other, CAL) == t
