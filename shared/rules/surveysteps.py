"""The satisfaction survey after closure (issue 18 item 4): the complainant rates the handling
and the outcome from 1 to 5 and may add words.

A mixin of the Complaint aggregate (shared/rules/complaint.py), like learningsteps.py. One
answer per complaint, only once it is closed, never after erasure (nobody can show that the
answer comes from the complainant any more). ``survey_refusal`` is the rule, pure, so the page
can say why before it tries; the command checks it again against the stored state.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from shared.contract import events as ev
from shared.rules.cause import Cause
from shared.rules.errors import IllegalTransition, InvalidCommand

SCORES = range(1, 6)
SurveyRefusal = Literal["open", "answered", "erased"]


def survey_refusal(*, closed: bool, answered: bool, erased: bool) -> SurveyRefusal | None:
    """Why the survey cannot be answered now, or None: erasure first, then an earlier answer,
    then a complaint that is (again) open."""
    if erased:
        return "erased"
    if answered:
        return "answered"
    return None if closed else "open"


class SurveySteps:
    """The survey's command; ``satisfaction_answered`` is set by the event's ``apply``."""

    satisfaction_answered: bool = False

    def record_satisfaction(
        self, *, handling: int, outcome: int, now: datetime, cause: Cause, text: str | None = None
    ) -> None:
        s: Any = self
        why = survey_refusal(
            closed=not s.is_open, answered=s.satisfaction_answered, erased=s.erased
        )
        if why == "erased":
            raise IllegalTransition("the survey cannot be answered: the personal data was erased")
        if why == "answered":
            raise IllegalTransition("the survey of this complaint was already answered")
        if why == "open":
            raise IllegalTransition("the survey can be answered once the complaint is closed")
        for name, score in (("handling", handling), ("outcome", outcome)):
            if score not in SCORES:
                raise InvalidCommand(f"{name} must be a score from 1 to 5")
        words = (text or "").strip()
        s._trigger(
            ev.SatisfactionRecorded, now, cause,
            handling=handling, outcome=outcome,
            personal=ev.TextPersonal(text=words) if words else None,
        )  # fmt: skip
