"""Agreement (issue #15, Deliver 6): for generated histories, the letter the notifier renders,
intake's API view, the reporting fold's worklist row and the SLA monitor's dates are the same.

Histories are real contract events made by the aggregate with the deciders intake and the SLA
monitor use (shared/rules/terms.py): receipts around ATW holidays and the DST changes, late
registered paper letters, escalations (capped or not), extensions whose notice goes out in time
or too late, pauses and resumptions. After every event the four readers are compared; each
letter is rendered with services/notifier code and its stated days must be the readers' days
and appear, written out, in its text. Size: KLACHTEN_AGREEMENT_EXAMPLES (default 60).
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import msgspec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.intake.application import state_of
from services.notifier import domain as notifier
from services.notifier.letters import format_date, render
from services.reporting import domain as reporting
from services.reporting import fold
from services.sla_monitor.domain import watched
from shared.contract import events as ev
from shared.rules import terms as rules
from shared.rules.complaint import Cause, Complaint, ComplaintError
from shared.rules.deadlines import ClockState
from tests.shared.rules.test_terms import CAL, POLICY
from tests.support.domain import letter, personal

STAFF = Cause(actor="staff:anna")
HEAD = notifier.Letterhead(organisation_name="Gemeente Voorbeeld")
EXAMPLES = int(os.environ.get("KLACHTEN_AGREEMENT_EXAMPLES", "60"))
# Receipts near Good Friday, King's Day, 5 May, Ascension, Christmas/New Year and the DST
# changes (last Sundays of March and October), 2026-2028.
ANCHORS = (
    date(2026, 3, 27), date(2026, 4, 3), date(2026, 4, 24), date(2026, 5, 4),
    date(2026, 10, 23), date(2026, 12, 22), date(2027, 3, 26), date(2027, 4, 26),
    date(2027, 10, 29), date(2027, 12, 30), date(2028, 4, 13), date(2028, 5, 24),
)  # fmt: skip

action = st.one_of(
    st.tuples(st.just("escalate"), st.integers(0, 25)),
    st.tuples(st.just("extend"), st.integers(0, 45), st.integers(1, 5), st.integers(0, 400)),
    st.tuples(st.just("pause"), st.integers(0, 10)),
    st.tuples(st.just("resume"), st.integers(0, 10)),
)
history = st.fixed_dictionaries(
    {
        "anchor": st.sampled_from(ANCHORS),
        "shift": st.integers(-3, 3),
        "hour": st.integers(0, 23),
        "channel": st.sampled_from(["web", "letter"]),
        "late_days": st.sampled_from([0, 1, 12, 30]),
        "actions": st.lists(action, max_size=6),
    }
)


def _read(c: Complaint, now: datetime) -> ev.Terms:
    """The four readers agree; the dates in force are returned."""
    facts = list(c.facts)  # type: ignore[attr-defined]
    in_force = rules.current_terms(facts, POLICY, CAL)
    api = state_of(c, facts, personal=False)["deadlines"]
    assert (api["response"], api["statutory"]) == (
        _iso(in_force.respond_by),
        _iso(in_force.statutory_by),
    )
    model = fold.ReadModel(rules=(POLICY, CAL))
    for seq, fact in enumerate(facts, start=1):
        assert fold.apply(model, seq, fact) is None
    row = model.complaints[str(c.id)]
    assert (row["respond_by"], row["statutory_by"]) == (
        fold.ts(in_force.respond_by),
        fold.ts(in_force.statutory_by),
    )
    [work] = reporting.worklist([row], now)
    due = [d for d in (in_force.respond_by, in_force.statutory_by) if d is not None]
    if c.status in reporting.UNANSWERED and c.acknowledged:
        assert work["next_deadline"] == fold.ts(min(due))
        assert work["overdue"] == (min(due) < now)
    _, sla = watched(facts, POLICY, CAL)
    assert (sla.respond_by, sla.statutory_by) == (in_force.respond_by, in_force.statutory_by)
    return in_force


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _letter(c: Complaint, event: ev.Event) -> dict[str, date]:
    """The letter `event` obliges, rendered as the notifier does (the dates up to it)."""
    facts = list(c.facts)[: event.version]  # type: ignore[attr-defined]
    kind = notifier.letter_for(event, c)
    assert kind is not None
    terms = rules.current_terms(facts, POLICY, CAL)
    submitted = facts[0]
    assert isinstance(submitted, ev.Submitted)
    ctx = notifier.letter_context(kind, event, submitted, c, terms, CAL, HEAD)
    assert ctx is not None
    rendered = render(kind, ctx, letter_key=notifier.letter_key(event))
    for day in rendered.stated_dates.values():
        assert format_date(day, "nl") in rendered.text
    return rendered.stated_dates


def _day(moment: datetime | None) -> date | None:
    return None if moment is None else CAL.due_date(moment)


def _submit(h: dict) -> tuple[Complaint, datetime]:
    received = datetime.combine(h["anchor"] + timedelta(days=h["shift"]), datetime.min.time())
    received = received.replace(hour=h["hour"], tzinfo=UTC)
    late = h["late_days"] if h["channel"] == "letter" else 0
    now = received + timedelta(days=late)
    state = ClockState(complaint_id="-", received_at=received, channel=h["channel"])
    terms = rules.registration_terms(state, POLICY, CAL, now)
    c = Complaint.submit(complaint_id=uuid4(), reference="KL-2026-000001", channel=h["channel"],
                         language="nl", personal=personal(), received_at=received, now=now,
                         cause=STAFF, terms=terms)  # fmt: skip
    first = next(iter(c.facts))  # type: ignore[attr-defined]
    stated = _letter(c, first)  # the acknowledgement
    in_force = _read(c, now)
    promised = None if in_force.registered_late else _day(in_force.respond_by)
    assert stated.get("respond_by") == promised
    assert stated["statutory_by"] == _day(in_force.statutory_by)
    sent = msgspec.structs.replace(letter(), sent_at=now + timedelta(hours=1))
    c.acknowledge(letter=sent, respond_by=terms.respond_by, statutory_by=terms.statutory_by,  # type: ignore[arg-type]
                  now=sent.sent_at, cause=Cause(actor="notifier"), terms=terms)  # fmt: skip
    return c, sent.sent_at


def _act(c: Complaint, step: tuple, now: datetime) -> datetime:
    facts = list(c.facts)  # type: ignore[attr-defined]
    kind, gap = step[0], step[1]
    now += timedelta(days=gap, minutes=7)
    if kind == "escalate":
        level = c.level + 1
        if level > POLICY.top_level:
            return now  # the writers ask nothing above the top of the ladder
        ladder = POLICY.level(level)
        terms = rules.escalation_terms(facts, level, now, POLICY, CAL)
        c.escalate(level=level, target=ladder.role if ladder else "x", reason="staff_decision",
                   now=now, cause=STAFF, top_level=POLICY.top_level, terms=terms)  # fmt: skip
        stated = _letter(c, list(c.facts)[-1])  # type: ignore[attr-defined]
        in_force = _read(c, now)
        assert stated.get("escalation_respond_by") == _day(in_force.respond_by)
        assert stated["statutory_by"] == _day(in_force.statutory_by)
        return now
    if kind == "extend":
        weeks, notice_after = step[2], timedelta(hours=step[3])
        before = rules.current_terms(facts, POLICY, CAL)
        terms = rules.extension_terms(facts, weeks, POLICY, CAL)
        c.extend(weeks=weeks, reason="Advies nodig.", statutory_by=before.statutory_by, now=now,
                 cause=STAFF, terms=terms,
                 max_weeks=POLICY.statutory_rule(None).max_extension_weeks)  # fmt: skip
        decided = list(c.facts)[-1]  # type: ignore[attr-defined]
        stated = _letter(c, decided)
        assert _read(c, now).statutory_by == before.statutory_by  # pending until the notice
        assert stated["statutory_by"] == _day(before.statutory_by)
        assert stated["new_statutory_by"] == _day(terms.statutory_by)
        sent_at = now + notice_after
        sent = msgspec.structs.replace(letter("extension_notice"), sent_at=sent_at)
        c.record_letter(letter=sent, cause_event_id=decided.event_id, now=sent_at,
                        cause=Cause(actor="notifier"))  # fmt: skip
        in_time = sent_at < before.statutory_by
        expected = terms.statutory_by if in_time else before.statutory_by
        assert _read(c, sent_at).statutory_by == expected
        return sent_at
    if kind == "pause":
        terms = rules.pause_terms(facts, now, POLICY, CAL)
        c.pause(reason="Wacht op stukken.", now=now, cause=STAFF, terms=terms,
                clocks=POLICY.pausing.clocks)  # fmt: skip
    else:
        c.resume(now=now, cause=STAFF, terms=rules.resume_terms(facts, now, POLICY, CAL))
    _read(c, now)
    return now


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)
@given(history)
def test_letters_api_worklist_and_monitor_state_the_same_dates(h: dict) -> None:
    c, now = _submit(h)
    _read(c, now)
    for step in h["actions"]:
        try:
            now = _act(c, step, now)
        except ComplaintError:
            continue  # refused by the rules (a second extension, top of the ladder, ...)
