"""Pure decisions of the SLA monitor: history → clock state → when to wake up, whether to
escalate. No faststream, nats or clock here: `now` is an argument. The deadline rules
themselves live in shared/rules/deadlines.py; this module only folds contract events into a
`ClockState` (shared/rules/clocks.py) and turns a breach into the escalation command's arguments.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid5

import msgspec

from shared.calendar import BusinessCalendar
from shared.policy import Policy
from shared.rules.deadlines import (
    Breach,
    ClockState,
    Deadlines,
    SlaInputError,
    deadlines,
    next_check_at,
    next_escalation,
)

ACTOR = "system:sla_monitor"
# Event ids of escalations are uuid5(BREACH_NAMESPACE, breach_id): a second append of the same
# breach (two instances, a redelivery after a lost ack) is caught by JetStream's dedupe as well.
BREACH_NAMESPACE = UUID("0b6f7c1e-5a3d-4e0a-9a43-2f1d8c9b7e51")
TIMER = "check"  # one timer per complaint (see timers.py), named as a clock token


def wake_at(state: ClockState, d: Deadlines, now: datetime) -> datetime | None:
    """When the timer of this complaint should fire: the deadline of a breach not yet
    escalated (in the past: the timer fires at once), else the next open deadline."""
    breach = next_escalation(state, d, now)
    return breach.deadline if breach is not None else next_check_at(state, d, now)


@dataclass(frozen=True)
class Escalation:
    """The arguments of `Complaint.escalate` for one breach."""

    breach: Breach
    level: int
    target: str
    top_level: int
    respond_by: datetime | None
    policy_version: str
    event_id: UUID


def escalation_for(
    state: ClockState, policy: Policy, calendar: BusinessCalendar, now: datetime
) -> Escalation | None:
    """The escalation to record now, or None (answered in time, closed, top level, not due)."""
    d = deadlines(state, policy, calendar)
    breach = next_escalation(state, d, now)
    if breach is None:
        return None
    level = breach.escalates_to
    # The new level owes a response within its own ladder term, counted from now.
    after = msgspec.structs.replace(state, escalation_level=level, last_escalated_at=now)
    ladder = policy.level(level)
    return Escalation(
        breach=breach,
        level=level,
        target=ladder.role if ladder else f"level_{level}",
        top_level=policy.top_level,
        respond_by=deadlines(after, policy, calendar).respond_by,
        policy_version=d.policy_version,
        event_id=breach_event_id(breach.breach_id),
    )


def breach_event_id(breach_id: str) -> UUID:
    return uuid5(BREACH_NAMESPACE, breach_id)


def complaint_id_of_subject(subject: str) -> UUID:
    """`complaints.<id>.<version>.<type>` or `timers.fired.<id>.<timer>` → the complaint id."""
    parts = subject.split(".")
    if len(parts) != 4 or parts[0] not in ("complaints", "timers"):
        raise SlaInputError(f"not a complaint or timer subject: {subject}")
    try:
        return UUID(parts[1] if parts[0] == "complaints" else parts[2])
    except ValueError as error:
        raise SlaInputError(f"no complaint id in {subject}") from error
