"""What the letters of the advisory committee and the Wkkgz route may say (issue 16 items 6 and 7),
beside letter_context.py: the committee's name and its recorded ten-week end (Awb 9:11 lid 1,
afdeling 9.1.3), the answer's departure from the advice with its reasons and the advice sent
along, the klachtenfunctionaris's help or mediation (Wkkgz art. 15) and who that officer is, and
the judgement's measures with the day each is done by (Wkkgz art. 17). Pure: every date is one
recorded in the log, said as the day it is due (never recomputed); the policy is an argument."""

from __future__ import annotations

from datetime import date, datetime
from typing import TypeVar

from services.notifier.letter_kinds import LetterKind, MeasureLine
from services.notifier.letter_words import committee_name
from shared.contract import events as ev
from shared.rules.calendar import BusinessCalendar
from shared.rules.policy import Policy

_E = TypeVar("_E", bound=ev.Event)

# The letters that need what the event's sealed part says (no letter after erasure).
NEEDS_PERSONAL = (LetterKind.MEASURES,)


def procedure_fields(
    kind: LetterKind,
    event: ev.Event,
    facts: list[ev.Event],
    policy: Policy,
    language: str,
    calendar: BusinessCalendar,
    complaints_officer: str = "",
) -> dict[str, object]:
    """The context fields of the committee's and the Wkkgz route's letters, and of the answer
    after a committee's advice or with a judgement's measures. ``facts``: the history up to and
    including ``event``."""
    before = facts[: event.version - 1]
    match event:
        case ev.ReferredToCommittee():
            end = event.terms.statutory_by if event.terms else event.statutory_by
            return {"statutory_by": _day(end, calendar)}  # the ten-week end, as recorded
        case ev.MediationRecorded():
            return {
                "mediation_kind": event.kind,
                "mediation_held_at": event.held_at,
                "mediation_agreed": event.agreed,
                "complaints_officer": complaints_officer.strip() or None,
                "awaiting_judgement": awaiting_judgement(before),
            }
        case ev.MeasuresPromised():
            return {
                "measures": measure_lines(event, calendar),
                "awaiting_judgement": awaiting_judgement(before),
            }
        case ev.Responded() if kind is LetterKind.RESPONSE:
            return _answer_fields(event, before, policy, language, calendar)
    return {}


def _answer_fields(
    event: ev.Responded,
    before: list[ev.Event],
    policy: Policy,
    language: str,
    calendar: BusinessCalendar,
) -> dict[str, object]:
    """The answer says whether it departs from the committee's advice at its level and, if it
    does, why, with the advice sent along; and the measures promised at its level (a Wkkgz
    judgement states them, art. 17)."""
    at_level = [f for f in before if getattr(f, "level", None) == event.level]
    referral = _last(at_level, ev.ReferredToCommittee)
    advice = _last(at_level, ev.CommitteeAdvised)
    promised = [f for f in at_level if isinstance(f, ev.MeasuresPromised)]
    fields: dict[str, object] = {
        "measures": [line for f in promised for line in measure_lines(f, calendar)]
    }
    if event.departs_from_advice is None:
        return fields
    reasons = event.personal.departure_reasons if event.personal else None
    advice_text = advice.personal.text if advice and advice.personal else None
    return fields | {
        "committee_name": committee_name(referral.committee, policy, language)
        if referral
        else None,
        "departs_from_advice": event.departs_from_advice,
        "departure_reasons": reasons if event.departs_from_advice else None,
        "committee_advice": advice_text if event.departs_from_advice else None,
    }


def measure_lines(event: ev.MeasuresPromised, calendar: BusinessCalendar) -> list[MeasureLine]:
    """Each measure's words (sealed; none after erasure) with the day it is done by."""
    words = event.personal.descriptions if event.personal else []
    return [
        MeasureLine(description=text, due=calendar.due_date(m.due_by))
        for m, text in zip(event.measures, words, strict=False)
    ]


def awaiting_judgement(before: list[ev.Event]) -> bool:
    """No answer at the current level yet: the last of answer, escalation and reopening is
    not an answer (a new level or a reopening asks for a new one)."""
    turns = (ev.Responded, ev.Escalated, ev.Reopened, ev.Closed)
    last = next((f for f in reversed(before) if isinstance(f, turns)), None)
    return last is None or isinstance(last, (ev.Escalated, ev.Reopened))


def _last(facts: list[ev.Event], kind: type[_E]) -> _E | None:
    return next((f for f in reversed(facts) if isinstance(f, kind)), None)


def _day(deadline: datetime | None, calendar: BusinessCalendar) -> date | None:
    return None if deadline is None else calendar.due_date(deadline)
