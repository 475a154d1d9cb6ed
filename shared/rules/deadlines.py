"""Pure deadline logic of the SLA monitor: (history, policy, calendar, now) -> deadlines, breaches.

No I/O and no clock: `now` is an argument. `ClockState` is a plain summary of one complaint's
history so this module does not depend on the event classes; the caller folds events into it.

Semantics (see shared/rules/calendar.py for the deadline convention: first instant that is late):
- internal clocks count business days and stop while paused; the statutory term counts calendar
  weeks from receipt and never stops;
- a missed deadline escalates one level, once: a breach is reported only if no escalation was
  recorded at or after the deadline, and its `breach_id` is deterministic so the caller can
  dedupe. Several breaches at once are all listed, earliest first; record only the first
  (`next_escalation`): that escalation consumes the others. At the top level nothing breaches.
- a step counts as done for a deadline only when it was done before that deadline: a late
  acknowledgement or answer does not undo the breach, so the decision is the same whenever
  the monitor looks (at the deadline, or later after downtime or a late registration) and the
  what-if replay can reproduce it; closed complaints never breach.

Errors: wrong input raises `SlaInputError`; refused commands are returned as `Refusal` values.
(About 350 lines: both clocks, pauses and extensions are one calculation over one calendar,
kept whole so the statutory and internal terms cannot drift apart.)
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

import msgspec

from shared.rules.calendar import BusinessCalendar
from shared.rules.policy import Policy, StatutoryRule

Clock = Literal["acknowledge", "respond", "statutory"]


class SlaError(Exception):
    """Base of the SLA monitor's domain errors."""


class SlaInputError(SlaError, ValueError):
    """A `ClockState` that cannot describe a real complaint (naive times, bad level, ...)."""


class Pause(msgspec.Struct, frozen=True):
    start: datetime
    end: datetime | None = None  # None: still waiting


class Extension(msgspec.Struct, frozen=True):
    weeks: int
    notified_at: datetime


class ClockState(msgspec.Struct, frozen=True, kw_only=True):
    complaint_id: str
    received_at: datetime
    category: str | None = None
    channel: str | None = None
    priority: str | None = None
    acknowledged_at: datetime | None = None
    responded_at: datetime | None = None  # the latest response
    closed_at: datetime | None = None
    escalation_level: int = 0
    last_escalated_at: datetime | None = None
    extension: Extension | None = None
    consented_extension_weeks: int = 0  # further delay the complainant agreed to in writing
    pauses: tuple[Pause, ...] = ()
    committee: bool = False


class Deadlines(msgspec.Struct, frozen=True, kw_only=True):
    complaint_id: str
    level: int
    top_level: int
    acknowledge_by: datetime | None  # None while that clock is paused
    respond_by: datetime | None  # None while paused, or when the level has no term
    statutory_by: datetime
    unextended_statutory_by: datetime
    regime: str
    statutory_weeks: int
    extension_weeks: int  # the extension that counts (0 if none or given too late)
    max_extension_weeks: int
    paused_since: datetime | None
    policy_version: str
    calendar_version: str


class Breach(msgspec.Struct, frozen=True, kw_only=True):
    breach_id: str
    complaint_id: str
    clock: Clock
    level: int  # the level the complaint was at when the deadline passed
    escalates_to: int
    deadline: datetime
    reason: str


class Refusal(msgspec.Struct, frozen=True):
    code: str
    message: str


def deadlines(state: ClockState, policy: Policy, calendar: BusinessCalendar) -> Deadlines:
    _validate(state, policy)
    rule = policy.statutory_rule(state.category)
    weeks = rule.weeks_for(state.committee)
    consented = weeks + state.consented_extension_weeks
    ext = _valid_extension_weeks(state, rule, _statutory_end(state, consented, rule, calendar))
    return Deadlines(
        complaint_id=state.complaint_id,
        level=state.escalation_level,
        top_level=policy.top_level,
        acknowledge_by=_acknowledge_by(state, policy, calendar),
        respond_by=_respond_by(state, policy, calendar),
        statutory_by=_statutory_end(state, consented + ext, rule, calendar),
        unextended_statutory_by=_statutory_end(state, weeks, rule, calendar),
        regime=rule.regime,
        statutory_weeks=weeks,
        extension_weeks=ext,
        max_extension_weeks=rule.max_extension_weeks,
        paused_since=_open_pause(state.pauses) if policy.pausing.clocks else None,
        policy_version=policy.version_id,
        calendar_version=calendar.version_id,  # the policy's calendar + the legal calendar
    )


def breaches(state: ClockState, deadlines: Deadlines, now: datetime) -> list[Breach]:
    """Missed deadlines that call for an escalation, earliest first."""
    _aware("now", now)
    if _done(state.closed_at, now) or state.escalation_level >= deadlines.top_level:
        return []
    found = [
        _breach(state, deadlines, clock, deadline)
        for clock, deadline, done in _clocks(state, deadlines, now)
        if deadline is not None
        and now >= deadline
        and not (done is not None and done < deadline)
        and _unconsumed(state, deadline)
    ]
    return sorted(found, key=lambda b: (b.deadline, _CLOCK_ORDER[b.clock]))


def next_escalation(state: ClockState, deadlines: Deadlines, now: datetime) -> Breach | None:
    """The one breach to record now (its escalation consumes any others)."""
    return next(iter(breaches(state, deadlines, now)), None)


def next_check_at(state: ClockState, deadlines: Deadlines, now: datetime) -> datetime | None:
    """The earliest future deadline still open: when a timer should wake the monitor."""
    if _done(state.closed_at, now) or state.escalation_level >= deadlines.top_level:
        return None
    pending = [d for _, d, done in _clocks(state, deadlines, now) if d and d > now and done is None]
    return min(pending, default=None)


def can_extend(
    state: ClockState, deadlines: Deadlines, weeks: int, now: datetime
) -> Refusal | None:
    """None if the statutory term may be extended by `weeks` with a notice sent at `now`."""
    _aware("now", now)
    if _done(state.closed_at, now) or _done(state.responded_at, now):
        return Refusal("already_handled", "the complaint has been handled; nothing to extend")
    if state.extension is not None:
        return Refusal(
            "already_extended",
            "the term can be extended only once; further delay "
            "needs the complainant's written consent",
        )
    if not 1 <= weeks <= deadlines.max_extension_weeks:
        return Refusal(
            "too_long", f"an extension is 1 to {deadlines.max_extension_weeks} weeks, not {weeks}"
        )
    if now >= deadlines.statutory_by:
        return Refusal(
            "too_late",
            f"the notice must be sent before the term ends ({deadlines.statutory_by.isoformat()})",
        )
    return None


# -- clocks ----------------------------------------------------------------------------------

_CLOCK_ORDER: dict[str, int] = {"statutory": 0, "respond": 1, "acknowledge": 2}


def _clocks(
    state: ClockState, d: Deadlines, now: datetime
) -> list[tuple[Clock, datetime | None, datetime | None]]:
    """Each clock's deadline and when its step was done by `now` (None: not done)."""
    responded = _done_at(state.responded_at, now)
    done = [t for t in (_done_at(state.acknowledged_at, now), responded) if t is not None]
    return [
        ("acknowledge", d.acknowledge_by, min(done, default=None)),
        ("respond", d.respond_by, _responded_at_level(state, responded)),
        ("statutory", d.statutory_by, responded),
    ]


def _responded_at_level(state: ClockState, responded: datetime | None) -> datetime | None:
    # After an escalation the level owes a new response; an earlier one does not count.
    last = state.last_escalated_at
    if responded is None or state.escalation_level == 0 or last is None or responded >= last:
        return responded
    return None


def _done_at(at: datetime | None, now: datetime) -> datetime | None:
    return at if _done(at, now) else None


def _unconsumed(state: ClockState, deadline: datetime) -> bool:
    last = state.last_escalated_at
    return last is None or last < deadline


def _breach(state: ClockState, d: Deadlines, clock: Clock, deadline: datetime) -> Breach:
    level = state.escalation_level
    return Breach(
        breach_id=f"{state.complaint_id}:{clock}:{level}",
        complaint_id=state.complaint_id,
        clock=clock,
        level=level,
        escalates_to=min(level + 1, d.top_level),
        deadline=deadline,
        reason=_REASONS[clock].format(deadline=deadline.isoformat(), level=level),
    )


_REASONS = {
    "acknowledge": "no acknowledgement before {deadline}",
    "respond": "no response at level {level} before {deadline}",
    "statutory": "statutory term ended at {deadline} without a response",
}


def _done(at: datetime | None, now: datetime) -> bool:
    return at is not None and at <= now


# -- internal norm -----------------------------------------------------------------------------


def _acknowledge_by(state: ClockState, p: Policy, cal: BusinessCalendar) -> datetime | None:
    days = p.norm(state.category, state.channel, state.priority).acknowledge_business_days
    return _internal(state.received_at, days, _pauses_for("acknowledge", state, p), p, cal)


def _respond_by(state: ClockState, p: Policy, cal: BusinessCalendar) -> datetime | None:
    level, start = state.escalation_level, state.received_at
    if level == 0:
        days = p.norm(state.category, state.channel, state.priority).respond_business_days
    else:
        ladder = p.level(level)
        days = ladder.term_business_days if ladder else None
        start = state.last_escalated_at or start
    if days is None:
        return None
    return _internal(start, days, _pauses_for("respond", state, p), p, cal)


def _pauses_for(clock: str, state: ClockState, p: Policy) -> tuple[Pause, ...]:
    return state.pauses if clock in p.pausing.clocks else ()


def _internal(
    start: datetime, days: int, pauses: tuple[Pause, ...], p: Policy, cal: BusinessCalendar
) -> datetime | None:
    """`days` business days from `start`, plus every business day paused before the deadline.

    A business day counts as paused when the clock is paused at its end (local midnight).
    """
    if p.count_from == "next_business_day":
        start = cal.next_business_moment(start)
    first_counted = cal.local_date(start) + timedelta(days=1)
    lost, deadline = 0, cal.add_business_days(start, days)
    for pause in _merged(pauses):
        if pause.start >= deadline or (pause.end is not None and pause.end <= start):
            continue
        if pause.end is None:
            return None
        begin = max(cal.local_date(pause.start), first_counted)
        lost += cal.business_days_in(begin, cal.local_date(pause.end))
        deadline = cal.add_business_days(start, days + lost)
    return deadline


def _merged(pauses: tuple[Pause, ...]) -> list[Pause]:
    merged: list[Pause] = []
    for pause in sorted(pauses, key=lambda p: p.start):
        last = merged[-1] if merged else None
        if last is not None and (last.end is None or pause.start <= last.end):
            end = None if last.end is None or pause.end is None else max(last.end, pause.end)
            merged[-1] = Pause(last.start, end)
        else:
            merged.append(pause)
    return merged


def _open_pause(pauses: tuple[Pause, ...]) -> datetime | None:
    return next((p.start for p in _merged(pauses) if p.end is None), None)


# -- statutory term ----------------------------------------------------------------------------


def _statutory_end(
    state: ClockState, weeks: int, rule: StatutoryRule, cal: BusinessCalendar
) -> datetime:
    day = cal.local_date(state.received_at) + timedelta(weeks=weeks)
    if rule.roll_to_business_day:
        day = cal.statutory_term_end(day)  # Algemene termijnenwet, not the closing days
    return cal.end_of_day(day)


def _valid_extension_weeks(state: ClockState, rule: StatutoryRule, term_end: datetime) -> int:
    # An extension notified too late or longer than allowed is void in law: it moves nothing.
    ext = state.extension
    if ext is None or ext.notified_at >= term_end:
        return 0
    return ext.weeks if 1 <= ext.weeks <= rule.max_extension_weeks else 0


def _validate(state: ClockState, policy: Policy) -> None:
    for name in (
        "received_at",
        "acknowledged_at",
        "responded_at",
        "closed_at",
        "last_escalated_at",
    ):
        value = getattr(state, name)
        if value is not None:
            _aware(name, value)
    for pause in state.pauses:
        _aware("pauses.start", pause.start)
        if pause.end is not None and _aware("pauses.end", pause.end) < pause.start:
            raise SlaInputError(f"pause ends before it starts: {pause}")
    if not 0 <= state.escalation_level <= policy.top_level:
        raise SlaInputError(
            f"escalation_level {state.escalation_level} outside 0..{policy.top_level}"
        )
    if state.escalation_level > 0 and state.last_escalated_at is None:
        raise SlaInputError("an escalated complaint needs last_escalated_at")


def _aware(name: str, value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise SlaInputError(f"{name} must be an aware datetime, got {value.isoformat()}")
    return value
