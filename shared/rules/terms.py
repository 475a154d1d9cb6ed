"""The dates of a complaint: decided once by the writer of the event that changes them, recorded
in that event (`shared.contract.events.Terms`), and read by everyone through `current_terms`.

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

from shared.contract import events as ev
from shared.rules.calendar import BusinessCalendar
from shared.rules.clocks import clock_state, clock_step
from shared.rules.deadlines import ClockState, Pause, SlaInputError, deadlines
from shared.rules.policy import Policy

_replace = msgspec.structs.replace


class PendingExtension(msgspec.Struct, frozen=True):
    """An extension decided (`complaint.extended`) whose notice has not been sent yet."""

    extension_id: str  # the Extended event's id
    statutory_by: datetime  # the end once the notice is sent in time


class TermsFold(msgspec.Struct, frozen=True, kw_only=True):
    """`current_terms`'s running state, storable as JSON (the reporting read model keeps it
    per complaint, so its rows hold the same dates without re-reading the history)."""

    clocks: ClockState | None = None
    terms: ev.Terms | None = None
    pending: tuple[PendingExtension, ...] = ()


def current_terms(
    facts: Iterable[ev.Event], policy: Policy, calendar: BusinessCalendar
) -> ev.Terms:
    """The dates in force after `facts` (one complaint's events in version order)."""
    return terms_of(terms_fold(facts, policy, calendar))


def terms_fold(facts: Iterable[ev.Event], policy: Policy, calendar: BusinessCalendar) -> TermsFold:
    state = TermsFold()
    for fact in facts:
        state = next_terms(state, fact, policy, calendar)
    return state


def terms_of(state: TermsFold) -> ev.Terms:
    if state.terms is None:
        raise SlaInputError("a complaint's history starts with complaint.submitted")
    return state.terms


def pending_statutory_by(state: TermsFold) -> datetime | None:
    """The end an extension will set once its notice is sent (None: none waits)."""
    return state.pending[-1].statutory_by if state.pending else None


def next_terms(
    state: TermsFold, fact: ev.Event, policy: Policy, calendar: BusinessCalendar
) -> TermsFold:
    """One event more. An extension takes effect when its notice (the notifier's
    `letter_sent` of kind extension_notice caused by it) is sent before the term it extends
    ends; a later notice moves nothing. Consented further delay (Awb 9:11 lid 2, second
    sentence) rests on the complainant's own writing and counts when recorded. The
    acknowledgement only copies the dates of its cause, so it changes none."""
    clocks = clock_step(state.clocks, fact)
    terms, pending = state.terms, state.pending
    match fact:
        case ev.Extended(with_consent=False) if terms is not None:
            end = fact.terms.statutory_by if fact.terms else fact.statutory_by
            pending = (*pending, PendingExtension(str(fact.event_id), end))
        case ev.LetterSent(letter=ev.LetterRecord(kind="extension_notice")) if terms:
            cause = str(fact.cause_event_id)
            waiting = [p for p in pending if p.extension_id == cause]
            pending = tuple(p for p in pending if p.extension_id != cause)
            if waiting and fact.letter.sent_at < terms.statutory_by:
                terms = _replace(terms, statutory_by=waiting[0].statutory_by)
        case ev.Acknowledged() if terms is not None:
            pass
        case _:
            recorded = getattr(fact, "terms", None)
            terms = recorded or _completed(fact, clocks, terms, policy, calendar)
    return TermsFold(clocks=clocks, terms=terms, pending=pending)


def registration_terms(
    state: ClockState, policy: Policy, calendar: BusinessCalendar, now: datetime
) -> ev.Terms:
    """Every date of a complaint registered at `now` (received at `state.received_at`). When
    the policy sends its category to the advisory committee from the start, the statutory term
    is the committee's (Awb 9:11 lid 1) and the terms name the committee (9:15 lid 1: the
    acknowledgement says who will advise); every later decider carries both as recorded."""
    committee = policy.committee_for(state.category, 0)
    terms = _computed(_replace(state, committee=committee is not None), policy, calendar)
    late = terms.respond_by is not None and terms.respond_by <= now
    return _replace(terms, registered_late=late, committee=committee.name if committee else None)


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


def recategorisation_terms(
    facts: list[ev.Event],
    category: str | None,
    priority: str | None,
    now: datetime,
    policy: Policy,
    calendar: BusinessCalendar,
) -> ev.Terms:
    """The dates for a corrected category and priority (issue 17): the internal norms the new
    ones give, counted from receipt as at registration (pauses kept; the acknowledgement's
    date only while it is still due; at an escalation level its own term stays); the statutory
    end only when the category brings another statutory rule, counted from receipt with the
    consented weeks and an extension that took effect carried over. Whether the new end may be
    recorded is the aggregate's rule (shared/rules/correctionsteps.py)."""
    previous = current_terms(facts, policy, calendar)
    before = clock_state(facts)  # its `committee`: the recorded facts say (clocks.clock_step)
    after = _replace(before, category=category, priority=priority)
    d = deadlines(after, policy, calendar)
    terms = previous
    if policy.statutory_rule(category) != policy.statutory_rule(before.category):
        unextended = deadlines(_replace(before, extension=None), policy, calendar).statutory_by
        if previous.statutory_by <= unextended:  # no extension took effect: none carries over
            d = deadlines(_replace(after, extension=None), policy, calendar)
        terms = _replace(terms, statutory_by=d.statutory_by)
    if before.acknowledged_at is None:
        terms = _replace(terms, acknowledge_by=d.acknowledge_by)
    if before.escalation_level == 0:
        terms = _replace(terms, respond_by=d.respond_by)
    else:
        terms = _capped(terms, now)
    return _stamped(terms, policy, calendar)


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
    clocks: ClockState,
    terms: ev.Terms | None,
    policy: Policy,
    calendar: BusinessCalendar,
) -> ev.Terms | None:
    """An event that recorded no terms, read as the SLA monitor computed its dates before."""
    match fact:
        case ev.Submitted():
            return _computed(clocks, policy, calendar)
        case _ if terms is None:
            return None  # no submission first: current_terms refuses the history
        case ev.Extended():
            return _replace(terms, statutory_by=fact.statutory_by)
        case ev.Escalated():
            computed = _computed(clocks, policy, calendar).respond_by
            return _replace(terms, respond_by=fact.respond_by or computed, capped=False)
        case ev.Paused() | ev.Resumed():
            return _moved_by_pauses(terms, _computed(clocks, policy, calendar), policy)
    return terms


def terms_as_decided(
    fact: ev.Event, before: list[ev.Event], policy: Policy, calendar: BusinessCalendar
) -> ev.Terms | None:
    """The terms the writer of `fact` records with `policy` (the what-if replay re-decides a
    history with it): the same deciders intake and the notifier call, at the event's moment.
    None for events that record no dates."""
    now = fact.occurred_at
    match fact:
        case ev.Submitted():
            return registration_terms(clock_state([fact]), policy, calendar, now)
        case ev.Acknowledged():
            return current_terms(before, policy, calendar)  # the notifier copies them
        case ev.Extended():
            return extension_terms(before, fact.weeks, policy, calendar)
        case ev.Escalated():
            return escalation_terms(before, fact.level, now, policy, calendar)
        case ev.Paused():
            return pause_terms(before, now, policy, calendar)
        case ev.Resumed():
            return resume_terms(before, now, policy, calendar)
        case ev.Recategorised():
            return recategorisation_terms(
                before, fact.category, fact.priority, now, policy, calendar
            )
    return None
