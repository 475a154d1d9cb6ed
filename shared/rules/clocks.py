"""A complaint's history as the deadline rules see it.

`clock_state` folds contract events into `shared.rules.deadlines.ClockState`: the input of the
rules that decide new dates (shared/rules/terms.py records them; readers read those).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import msgspec

from shared.contract import events as ev
from shared.rules.deadlines import ClockState, Extension, Pause, SlaInputError


def clock_state(facts: Iterable[ev.Event]) -> ClockState:
    """Fold one complaint's events (in version order) into the summary the deadline rules read."""
    state: ClockState | None = None
    for fact in facts:
        state = clock_step(state, fact)
    if state is None:
        raise SlaInputError("a complaint's history starts with complaint.submitted")
    return state


def clock_step(state: ClockState | None, fact: ev.Event) -> ClockState:
    """One event more (`state` None: `fact` must be the submission)."""
    if state is not None:
        return _apply(state, fact)
    if not isinstance(fact, ev.Submitted):
        raise SlaInputError("a complaint's history starts with complaint.submitted")
    return ClockState(
        complaint_id=str(fact.complaint_id),
        received_at=fact.received_at,
        category=fact.category,
        channel=fact.channel,
        priority=fact.priority,
        # A committee from the start (issue 16) is decided at registration and recorded.
        committee=fact.terms is not None and fact.terms.committee is not None,
    )


def _apply(s: ClockState, f: ev.Event) -> ClockState:
    replace = msgspec.structs.replace
    match f:
        case ev.Acknowledged():
            # The letter's send time is when the complainant was told, not when it was recorded.
            told = min(f.letter.sent_at, f.occurred_at)
            return replace(s, acknowledged_at=s.acknowledged_at or told)
        case ev.Responded():
            return replace(s, responded_at=f.occurred_at)
        case ev.Escalated():
            return replace(s, escalation_level=f.level, last_escalated_at=f.occurred_at)
        case ev.Extended() if f.with_consent:
            return replace(s, consented_extension_weeks=s.consented_extension_weeks + f.weeks)
        case ev.Extended():
            if s.extension is not None:
                return s  # only the first notified extension counts in law (Awb 9:11 lid 2)
            return replace(s, extension=Extension(weeks=f.weeks, notified_at=f.occurred_at))
        case ev.Paused():
            return replace(s, pauses=(*s.pauses, Pause(start=f.occurred_at)))
        case ev.Resumed():
            return replace(s, pauses=_close_pause(s.pauses, f.occurred_at))
        case ev.Closed():
            return replace(s, closed_at=f.occurred_at)
        case ev.Recategorised():  # the norms and statutory rule of the corrected ones
            return replace(s, category=f.category, priority=f.priority)
        case ev.ReferredToCommittee():  # ten weeks from receipt (Awb 9:11 lid 1), any level
            return replace(s, committee=True)
        case ev.Reopened():  # handled again: its clocks run on where they stood (no new term)
            return replace(s, closed_at=None)
    return s  # letters, reactions, erasure: no clock moves


def _close_pause(pauses: tuple[Pause, ...], at: datetime) -> tuple[Pause, ...]:
    if not pauses or pauses[-1].end is not None:
        return pauses
    return (*pauses[:-1], Pause(start=pauses[-1].start, end=max(at, pauses[-1].start)))
