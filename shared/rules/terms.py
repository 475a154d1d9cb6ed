"""The dates of a complaint: decided once by the writer of the event that changes them, recorded
in that event (`shared.events.Terms`), and read by everyone through `current_terms`.

Writers (intake, the SLA monitor) call the `*_terms` deciders with the complaint's facts so far,
the command's arguments, the policy in force and `now`; the result goes into the event. Each
decider changes only the dates its command moves and carries the others as recorded:
- registration: every date, counted from receipt (a late paper letter's internal dates may lie
  in the past: `registered_late`, and letters then promise only the statutory date);
- extension: the new statutory end, counted from the recorded end by the ATW (never again);
- escalation: the new level's respond_by from the escalation, capped at the statutory end
  (`capped`: prompt the handler to extend);
- pause/resume: the pausable internal clocks (None while paused; moved by the days paused).

`current_terms` is the ONE reader, and the only place that completes old events that recorded
no terms, by computing them as the SLA monitor did before (dates an old event did record, an
extension's `statutory_by` or an escalation's `respond_by`, are kept as recorded).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

import msgspec

from shared import events as ev
from shared.calendar import BusinessCalendar
from shared.policy import Policy
from shared.rules.clocks import clock_state
from shared.rules.deadlines import ClockState, Pause, SlaInputError, deadlines

_replace = msgspec.structs.replace


def current_terms(
    facts: Iterable[ev.Event], policy: Policy, calendar: BusinessCalendar
) -> ev.Terms:
    """The dates in force after `facts` (one complaint's events in version order)."""
    seen: list[ev.Event] = []
    terms: ev.Terms | None = None
    for fact in facts:
        seen.append(fact)
        recorded = getattr(fact, "terms", None)
        if recorded is None:
            recorded = _completed(fact, seen, terms, policy, calendar)
        terms = recorded
    if terms is None:
        raise SlaInputError("a complaint's history starts with complaint.submitted")
    return terms


def registration_terms(
    state: ClockState, policy: Policy, calendar: BusinessCalendar, now: datetime
) -> ev.Terms:
    """Every date of a complaint registered at `now` (received at `state.received_at`)."""
    terms = _computed(state, policy, calendar)
    late = terms.respond_by is not None and terms.respond_by <= now
    return _replace(terms, registered_late=late)


def extension_terms(
    facts: list[ev.Event], weeks: int, policy: Policy, calendar: BusinessCalendar
) -> ev.Terms:
    """The statutory end `weeks` after the recorded one, on to the next ATW working day."""
    previous = current_terms(facts, policy, calendar)
    day = calendar.due_date(previous.statutory_by) + timedelta(weeks=weeks)
    end = calendar.end_of_day(calendar.statutory_term_end(day))
    return _stamped(_replace(previous, statutory_by=end), policy, calendar)


def escalation_terms(
    facts: list[ev.Event], level: int, now: datetime, policy: Policy, calendar: BusinessCalendar
) -> ev.Terms:
    """The new level's respond_by (its ladder term from `now`), at most the statutory end."""
    previous = current_terms(facts, policy, calendar)
    state = _replace(clock_state(facts), escalation_level=level, last_escalated_at=now)
    respond_by = deadlines(state, policy, calendar).respond_by
    return _stamped(_capped(_replace(previous, respond_by=respond_by), now), policy, calendar)


def pause_terms(
    facts: list[ev.Event], now: datetime, policy: Policy, calendar: BusinessCalendar
) -> ev.Terms:
    """While waiting for the complainant the pausable clocks have no date."""
    state = clock_state(facts)
    paused = _replace(state, pauses=(*state.pauses, Pause(now)))
    return _clocks(facts, paused, policy, calendar, now)


def resume_terms(
    facts: list[ev.Event], now: datetime, policy: Policy, calendar: BusinessCalendar
) -> ev.Terms:
    """The pausable clocks run on, later by the business days paused."""
    state = clock_state(facts)
    pauses = state.pauses
    if pauses and pauses[-1].end is None:
        pauses = (*pauses[:-1], Pause(pauses[-1].start, max(now, pauses[-1].start)))
    return _clocks(facts, _replace(state, pauses=pauses), policy, calendar, now)


# -- helpers ---------------------------------------------------------------------------------


def _clocks(
    facts: list[ev.Event],
    state: ClockState,
    policy: Policy,
    calendar: BusinessCalendar,
    now: datetime,
) -> ev.Terms:
    previous = current_terms(facts, policy, calendar)
    moved = _moved_by_pauses(previous, _computed(state, policy, calendar), policy)
    if state.escalation_level > 0:
        moved = _capped(moved, now)
    return _stamped(moved, policy, calendar)


def _capped(terms: ev.Terms, now: datetime) -> ev.Terms:
    """A level's term ends at the latest with the statutory term, while that still runs (once
    it has ended, cutting the level's term would only promise a day already past)."""
    capped = terms.respond_by is not None and now < terms.statutory_by < terms.respond_by
    return _replace(
        terms, respond_by=terms.statutory_by if capped else terms.respond_by, capped=capped
    )


def _moved_by_pauses(previous: ev.Terms, computed: ev.Terms, policy: Policy) -> ev.Terms:
    moved = {f"{clock}_by": getattr(computed, f"{clock}_by") for clock in policy.pausing.clocks}
    return _replace(previous, **moved)


def _computed(state: ClockState, policy: Policy, calendar: BusinessCalendar) -> ev.Terms:
    d = deadlines(state, policy, calendar)
    return ev.Terms(
        acknowledge_by=d.acknowledge_by,
        respond_by=d.respond_by,
        statutory_by=d.statutory_by,
        policy_version=d.policy_version,
        calendar_version=d.calendar_version,
    )


def _stamped(terms: ev.Terms, policy: Policy, calendar: BusinessCalendar) -> ev.Terms:
    return _replace(terms, policy_version=policy.version_id, calendar_version=calendar.version_id)


def _completed(
    fact: ev.Event,
    seen: list[ev.Event],
    terms: ev.Terms | None,
    policy: Policy,
    calendar: BusinessCalendar,
) -> ev.Terms | None:
    """An event that recorded no terms, read as the SLA monitor computed its dates before."""
    match fact:
        case ev.Submitted():
            return _computed(clock_state(seen), policy, calendar)
        case _ if terms is None:
            return None  # no submission first: current_terms refuses the history
        case ev.Extended():
            return _replace(terms, statutory_by=fact.statutory_by)
        case ev.Escalated():
            computed = _computed(clock_state(seen), policy, calendar).respond_by
            return _replace(terms, respond_by=fact.respond_by or computed, capped=False)
        case ev.Paused() | ev.Resumed():
            return _moved_by_pauses(terms, _computed(clock_state(seen), policy, calendar), policy)
    return terms
