"""What-if: replay the real history under a candidate policy and compare with the current one.

Pure: histories (contract events per complaint) and policies in, figures out; nothing is
written anywhere. Each complaint is replayed the way the monitor would have handled it:
everything people did (acknowledgements, responses, pauses, extensions, closures, escalations
on request) happens when it happened, and every deadline escalation the log records is
dropped and re-decided under the policy being tried, at the moment its deadline passed (or at
registration, for a complaint registered after its deadline). Escalations requested by people
keep their moment and take the next level. History after `until` (now) is not known yet.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import msgspec

from services.sla_monitor import domain
from shared import events as ev
from shared.calendar import BusinessCalendar
from shared.policy import Policy
from shared.rules import clocks
from shared.rules.deadlines import deadlines, next_escalation


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
    at: datetime


@dataclass(frozen=True)
class Outcome:
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

    def add(self, outcome: Outcome) -> None:
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
    changed: list[tuple[Outcome, Outcome]]  # (current, candidate) where they differ


def replay(facts: Sequence[ev.Event], rules: Rules, until: datetime) -> Outcome:
    """The deadline escalations one complaint gets under `rules`, up to `until`."""
    first = facts[0]
    assert isinstance(first, ev.Submitted)
    inputs = [f for f in facts[1:] if not _automatic(f) and f.occurred_at <= until]
    applied: list[ev.Event] = [first]
    steps: list[Step] = []
    t, i = first.occurred_at, 0
    while True:
        state = clocks.clock_state(applied)
        d = deadlines(state, rules.policy, rules.calendar)
        wake = domain.wake_at(state, d, t)
        nxt = inputs[i].occurred_at if i < len(inputs) else None
        if wake is not None:
            at = max(wake, t)
            # A deadline is the first instant late: at a tie the escalation comes first.
            breach = (
                next_escalation(state, d, at)
                if at <= until and (nxt is None or at <= nxt)
                else None
            )
            if breach is not None:
                applied.append(_escalated(first, breach.escalates_to, breach.clock, at))
                steps.append(Step(breach.escalates_to, breach.clock, at))
                t = at
                continue
        if nxt is None:
            break
        fact, i = inputs[i], i + 1
        if isinstance(fact, ev.Escalated):  # by request: the next level, if there is one
            if state.escalation_level >= d.top_level:
                continue
            fact = msgspec.structs.replace(fact, level=state.escalation_level + 1)
        applied.append(fact)
        t = max(t, fact.occurred_at)
    return Outcome(str(first.complaint_id), first.reference, first.category or "-", tuple(steps))


def recorded(facts: Sequence[ev.Event], until: datetime) -> Outcome:
    first = facts[0]
    assert isinstance(first, ev.Submitted)
    steps = tuple(
        Step(f.level, f.clock or "?", f.occurred_at)
        for f in facts
        if isinstance(f, ev.Escalated) and _automatic(f) and f.occurred_at <= until
    )
    return Outcome(str(first.complaint_id), first.reference, first.category or "-", steps)


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
        now, then = replay(facts, current, until), replay(facts, candidate, until)
        result.current.add(now)
        result.candidate.add(then)
        result.recorded.add(recorded(facts, until))
        if _shape(now) != _shape(then):
            result.changed.append((now, then))
    return result


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


def _shape(outcome: Outcome) -> tuple[tuple[int, str], ...]:
    return tuple((s.level, s.clock) for s in outcome.steps)


def _automatic(fact: ev.Event) -> bool:
    return isinstance(fact, ev.Escalated) and fact.reason == "deadline_missed"


def _escalated(first: ev.Submitted, level: int, clock: str, at: datetime) -> ev.Escalated:
    return ev.Escalated(
        event_id=domain.breach_event_id(f"sim:{first.complaint_id}:{level}"),
        complaint_id=first.complaint_id,
        version=0,
        occurred_at=at,
        actor=domain.ACTOR,
        level=level,
        target=f"level_{level}",
        reason="deadline_missed",
        clock=clock,  # type: ignore[arg-type]
    )
