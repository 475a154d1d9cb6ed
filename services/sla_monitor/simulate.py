"""What-if: replay the real history under a candidate policy and compare with the current one.

Pure: histories (contract events per complaint) and policies in, figures out; nothing is
written anywhere. Each complaint is replayed the way the monitor handles it, with the monitor's
own decide functions (`domain.watched`, `domain.wake_at`, `domain.escalation_for`, in turn the
rules package): everything people did happens when it happened, and every deadline escalation
the log records is dropped and re-decided under the policy being tried.

The moment of a decision: the deadline itself (or the moment the history made it due: a
complaint registered after its deadline). A breach the log records (the same breach id) is
decided where and when the monitor decided it: on the events it had and at its `occurred_at`
(the new level's term runs from there). The baseline replays the dates recorded in the log
(what the monitor enforced); the candidate re-decides them with the same deciders the writers
call (`terms_as_decided`). History after `until` (now) is not known yet. Complaints whose
baseline is not what the log recorded are listed with the reason (`Comparison.not_reproduced`).
(Just over 300 lines: the replay and its comparison are one procedure.)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import msgspec

from services.sla_monitor import domain
from shared.config.calendar import BusinessCalendar
from shared.config.policy_file import Policy
from shared.contract import events as ev
from shared.rules.terms import terms_as_decided


@dataclass(frozen=True)
class Rules:
    policy: Policy
    calendar: BusinessCalendar

    @property
    def version(self) -> str:
        return self.policy.version_id


@dataclass(frozen=True)
class Step:
    level: int
    clock: str
    at: datetime  # when the escalation was (or would be) recorded
    deadline: datetime | None = None  # the deadline missed
    respond_by: datetime | None = None  # the new level's term, as recorded

    def key(self) -> tuple[object, ...]:
        return (self.level, self.clock, self.at, self.deadline, self.respond_by)


@dataclass(frozen=True)
class Escalations:
    """The deadline escalations of one complaint: as the log recorded them, or as a policy
    replayed over its history decides them."""

    complaint_id: str
    reference: str
    category: str
    steps: tuple[Step, ...]

    @property
    def label(self) -> str:
        return ", ".join(f"L{s.level} {s.clock}" for s in self.steps) or "—"


@dataclass
class Summary:
    version: str
    complaints: int = 0
    breached: int = 0  # complaints with at least one deadline escalation
    by_level: Counter[int] = field(default_factory=Counter)
    by_clock: Counter[str] = field(default_factory=Counter)
    by_category: dict[str, tuple[int, int]] = field(default_factory=dict)  # (complaints, breached)

    def add(self, outcome: Escalations) -> None:
        self.complaints += 1
        breached = bool(outcome.steps)
        self.breached += breached
        self.by_level.update(s.level for s in outcome.steps)
        self.by_clock.update(s.clock for s in outcome.steps)
        n, b = self.by_category.get(outcome.category, (0, 0))
        self.by_category[outcome.category] = (n + 1, b + breached)


@dataclass
class Comparison:
    current: Summary
    candidate: Summary
    recorded: Summary  # the deadline escalations the log actually holds
    changed: list[tuple[Escalations, Escalations]]  # (current, candidate) where they differ
    # (recorded, current): complaints whose baseline is not what the monitor recorded, and why
    not_reproduced: list[tuple[Escalations, Escalations, str]] = field(default_factory=list)
    outcomes: list[tuple[Escalations, Escalations, Escalations]] = field(default_factory=list)


def replay(
    facts: Sequence[ev.Event], rules: Rules, until: datetime, *, redecide: bool = False
) -> Escalations:
    """The deadline escalations one complaint gets under `rules`, up to `until`; `redecide`:
    the dates people's events recorded are decided again under `rules` (a candidate policy)."""
    first = facts[0]
    assert isinstance(first, ev.Submitted)
    people = [first, *(f for f in facts[1:] if not _automatic(f) and f.occurred_at <= until)]
    decided_by_monitor = _monitor_moments(facts, until)
    policy, calendar = rules.policy, rules.calendar
    applied: list[ev.Event] = []
    steps: list[Step] = []

    def apply(fact: ev.Event) -> None:
        if isinstance(fact, ev.Escalated):  # by request: the next level, if there is one
            level = domain.watched(applied, policy, calendar)[0].escalation_level
            if level >= policy.top_level:
                return
            fact = msgspec.structs.replace(fact, level=level + 1)
        if redecide:
            terms = terms_as_decided(fact, applied, policy, calendar)
            fact = msgspec.structs.replace(fact, terms=terms) if terms else fact
        applied.append(fact)

    apply(people[0])
    t, i = first.occurred_at, 1
    while True:
        nxt = people[i].occurred_at if i < len(people) else None
        state, d = domain.watched(applied, policy, calendar)
        wake = domain.wake_at(state, d, t)
        at = max(wake, t) if wake is not None else None
        # A deadline is the first instant late: at a tie the escalation comes first.
        if at is not None and at <= until and (nxt is None or at <= nxt):
            esc = domain.escalation_for(applied, policy, calendar, at)
            seen = decided_by_monitor.get(esc.breach.breach_id) if esc else None
            if seen is not None and seen[0] >= i and seen[1] >= at:
                while i < min(seen[0], len(people)):  # what the monitor had when it decided
                    apply(people[i])
                    i += 1
                at = seen[1]
                esc = domain.escalation_for(applied, policy, calendar, at)
            t = at
            if esc is not None:
                applied.append(_escalated(first, esc, at))
                b = esc.breach
                steps.append(Step(esc.level, b.clock, at, b.deadline, esc.terms.respond_by))
            continue
        if nxt is None:
            break
        apply(people[i])
        i, t = i + 1, max(t, nxt)
    return Escalations(
        str(first.complaint_id), first.reference, first.category or "-", tuple(steps)
    )


def _monitor_moments(facts: Sequence[ev.Event], until: datetime) -> dict[str, tuple[int, datetime]]:
    """breach id → (how many of people's events the monitor had, when it recorded it)."""
    out, known = {}, 0
    for f in facts:
        if not _automatic(f):
            known += 1
        elif f.breach_id and f.occurred_at <= until:  # type: ignore[attr-defined]
            out[f.breach_id] = (known, f.occurred_at)  # type: ignore[attr-defined]
    return out


def recorded(facts: Sequence[ev.Event], until: datetime) -> Escalations:
    first = facts[0]
    assert isinstance(first, ev.Submitted)
    steps = tuple(
        Step(f.level, f.clock or "?", f.occurred_at, f.deadline_missed, _respond_by(f))
        for f in facts
        if isinstance(f, ev.Escalated) and _automatic(f) and f.occurred_at <= until
    )
    return Escalations(str(first.complaint_id), first.reference, first.category or "-", steps)


def compare(
    histories: Mapping[str, Sequence[ev.Event]],
    current: Rules,
    candidate: Rules,
    *,
    until: datetime,
    received_from: datetime | None = None,
    received_to: datetime | None = None,
) -> Comparison:
    """Both policies over every complaint received in [received_from, received_to)."""
    result = Comparison(Summary(current.version), Summary(candidate.version), Summary("log"), [])
    for facts in _selected(histories.values(), received_from, received_to):
        now = replay(facts, current, until)
        then = replay(facts, candidate, until, redecide=True)
        log = recorded(facts, until)
        result.current.add(now)
        result.candidate.add(then)
        result.recorded.add(log)
        result.outcomes.append((log, now, then))
        if _shape(now) != _shape(then):
            result.changed.append((now, then))
        if _exact(log) != _exact(now):
            result.not_reproduced.append((log, now, why_not(facts, current, log, now, until)))
    return result


def why_not(
    facts: Sequence[ev.Event], rules: Rules, log: Escalations, now: Escalations, until: datetime
) -> str:
    """Why replaying the policy in force does not give what the monitor recorded."""
    for f in facts:
        if _automatic(f) and f.occurred_at <= until:
            version = f.policy_version  # type: ignore[attr-defined]
            if version not in (None, rules.version):
                return (
                    f"escalated at {f.occurred_at.isoformat()} under policy {version}, "
                    f"not the policy replayed ({rules.version})"
                )
    if getattr(facts[0], "terms", None) is None:
        return "its events predate recorded dates (contract 2026-11); replayed with dates completed"
    recorded_keys = {(s.level, s.clock) for s in log.steps}
    for step in now.steps:
        if (step.level, step.clock) not in recorded_keys:
            return (
                f"the monitor has not recorded the missed {step.clock} deadline "
                f"({step.deadline.isoformat() if step.deadline else '?'}) by "
                f"{until.isoformat()}: not caught up yet, or it was not running"
            )
    replayed = {(s.level, s.clock): s for s in now.steps}
    for step in log.steps:
        other = replayed.get((step.level, step.clock))
        if other is None:
            return (
                f"the monitor escalated to level {step.level} ({step.clock}) at "
                f"{step.at.isoformat()}; the policy replayed does not call for it"
            )
        if other.key() != step.key():
            return (
                f"level {step.level} ({step.clock}) recorded at {step.at.isoformat()} "
                f"with term {_iso(step.respond_by)}, replayed at {other.at.isoformat()} "
                f"with term {_iso(other.respond_by)}"
            )
    return f"recorded {log.label}, replayed {now.label}"


def group(events: Iterable[ev.Event]) -> dict[str, list[ev.Event]]:
    """Contract events (any order) → each complaint's history in version order; complaints
    whose submission is missing are left out."""
    out: dict[str, list[ev.Event]] = {}
    for e in events:
        out.setdefault(str(e.complaint_id), []).append(e)
    for facts in out.values():
        facts.sort(key=lambda e: e.version)
    return {k: v for k, v in out.items() if isinstance(v[0], ev.Submitted)}


def _selected(
    histories: Iterable[Sequence[ev.Event]], start: datetime | None, end: datetime | None
) -> Iterable[Sequence[ev.Event]]:
    for facts in histories:
        received = facts[0].received_at  # type: ignore[attr-defined]
        if (start is None or received >= start) and (end is None or received < end):
            yield facts


def _shape(outcome: Escalations) -> tuple[tuple[int, str], ...]:
    return tuple((s.level, s.clock) for s in outcome.steps)


def _exact(outcome: Escalations) -> tuple[tuple[object, ...], ...]:
    return tuple(s.key() for s in outcome.steps)


def _iso(moment: datetime | None) -> str:
    return moment.isoformat() if moment else "none"


def _respond_by(fact: ev.Escalated) -> datetime | None:
    return fact.terms.respond_by if fact.terms else fact.respond_by


def _automatic(fact: ev.Event) -> bool:
    return isinstance(fact, ev.Escalated) and fact.reason == "deadline_missed"


def _escalated(first: ev.Submitted, esc: domain.Escalation, at: datetime) -> ev.Escalated:
    """The event the monitor appends for `esc` (application.py passes the same values)."""
    return ev.Escalated(
        event_id=esc.event_id,
        complaint_id=first.complaint_id,
        version=0,
        occurred_at=at,
        actor=domain.ACTOR,
        level=esc.level,
        target=esc.target,
        reason="deadline_missed",
        clock=esc.breach.clock,
        deadline_missed=esc.breach.deadline,
        breach_id=esc.breach.breach_id,
        policy_version=esc.terms.policy_version,
        respond_by=esc.terms.respond_by,
        terms=esc.terms,
    )
