"""Pure decisions of the SLA monitor: history → clock state → when to wake up, whether to
escalate, which reminders of passed due dates to append. No faststream, nats or clock here:
`now` is an argument. The deadline and reminder rules themselves live in shared/rules/; the
monitor watches the dates RECORDED in the log (shared/rules/terms.py `current_terms`, the due
dates of measures and remedies) and decides only the new level's date when it escalates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid5

import msgspec

from shared.config.calendar import BusinessCalendar
from shared.config.policy_file import Policy
from shared.contract import events as ev
from shared.contract import subjects
from shared.rules.deadlines import (
    Breach,
    ClockState,
    Deadlines,
    SlaInputError,
    deadlines,
    next_check_at,
    next_escalation,
)
from shared.rules.reminders import Reminder, next_reminder_at, reminders_due
from shared.rules.terms import escalation_terms, terms_fold, terms_of

ACTOR = "system:sla_monitor"
# Event ids of escalations are uuid5(BREACH_NAMESPACE, breach_id): a second append of the same
# breach (two instances, a redelivery after a lost ack) is caught by JetStream's dedupe as well.
BREACH_NAMESPACE = UUID("0b6f7c1e-5a3d-4e0a-9a43-2f1d8c9b7e51")
TIMER = "check"  # one timer per complaint (see timers.py), named as a clock token


def watched(
    facts: list[ev.Event], policy: Policy, calendar: BusinessCalendar
) -> tuple[ClockState, Deadlines]:
    """The complaint's clocks and the dates it enforces: the RECORDED ones (current_terms),
    never recomputed; the policy gives only the ladder's top and versions beside them."""
    fold = terms_fold(facts, policy, calendar)  # the clocks come with it: one pass
    terms = terms_of(fold)  # SlaInputError when the history does not start with submitted
    state = fold.clocks
    assert state is not None  # there are terms, so there was a submission
    d = msgspec.structs.replace(
        deadlines(state, policy, calendar),
        acknowledge_by=terms.acknowledge_by,
        respond_by=terms.respond_by,
        statutory_by=terms.statutory_by,
        policy_version=terms.policy_version,
        calendar_version=terms.calendar_version,
    )
    return state, d


def wake_at(state: ClockState, d: Deadlines, now: datetime) -> datetime | None:
    """When the timer of this complaint should fire: the deadline of a breach not yet
    escalated (in the past: the timer fires at once), else the next open deadline."""
    breach = next_escalation(state, d, now)
    return breach.deadline if breach is not None else next_check_at(state, d, now)


def next_wake(
    facts: list[ev.Event], state: ClockState, d: Deadlines, now: datetime
) -> datetime | None:
    """The one timer's moment: the earlier of the clocks' (`wake_at`) and the next reminder of
    a recorded due date (shared/rules/reminders.py), which runs on after the answer and the
    closure (measures are carried out after the judgement)."""
    times = [t for t in (wake_at(state, d, now), next_reminder_at(facts)) if t is not None]
    return min(times, default=None)


def reminders_for(facts: list[ev.Event], now: datetime) -> list[Reminder]:
    """The reminders to append now (due dates passed, not reminded yet), earliest first."""
    return reminders_due(facts, now)


@dataclass(frozen=True)
class Escalation:
    """The arguments of `Complaint.escalate` for one breach."""

    breach: Breach
    level: int
    target: str
    top_level: int
    terms: ev.Terms  # the new level's respond_by (capped at the statutory end), recorded
    event_id: UUID


def escalation_for(
    facts: list[ev.Event], policy: Policy, calendar: BusinessCalendar, now: datetime
) -> Escalation | None:
    """The escalation to record now, or None (answered in time, closed, top level, not due).
    Breaches are of the recorded dates; only the new level's date is decided here."""
    state, d = watched(facts, policy, calendar)
    breach = next_escalation(state, d, now)
    if breach is None:
        return None
    level = breach.escalates_to
    ladder = policy.level(level)
    return Escalation(
        breach=breach,
        level=level,
        target=ladder.role if ladder else f"level_{level}",
        top_level=policy.top_level,
        terms=escalation_terms(facts, level, now, policy, calendar),
        event_id=breach_event_id(breach.breach_id),
    )


def breach_event_id(breach_id: str) -> UUID:
    return uuid5(BREACH_NAMESPACE, breach_id)


def complaint_id_of_subject(subject: str) -> UUID:
    """`complaints.<id>.<version>.<type>` or `timers.fired.<id>.<timer>` → the complaint id."""
    complaint_id = subjects.complaint_of(subject)
    if complaint_id is None:
        raise SlaInputError(f"no complaint id in {subject}")
    return complaint_id
