"""Learning from complaints (issue 18 items 1 and 2) as intake's use cases: classify by themes,
record root causes, record remedies given (docs/learning.md).

The vocabulary in force (config/vocabularies.toml, read at start: ``app.state.vocabulary``) and
the policy's calendar are handed to the command; the rules decide (shared/rules/learning.py)
and the event records the vocabulary's version. ``learning_state`` is what the staff API shows
of it, read from recorded facts; ``offered`` is the vocabulary as forms and the workspace need
it (codes that may be chosen now, with their words in Dutch and English).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from services.intake import bodies
from services.intake.application import Intake
from services.intake.procedure import Outcome, _act
from shared.config.policy import policy_in_force
from shared.contract import events as ev
from shared.rules.complaint import Cause, Complaint
from shared.rules.learning import Kind, RemedyGiven, Vocabulary

KINDS: tuple[Kind, ...] = ("themes", "root_causes", "remedy_kinds")


async def classify(
    intake: Intake, vocabulary: Vocabulary, cid: UUID, body: bodies.ClassificationBody, cause: Cause
) -> Outcome:
    def command(c: Complaint, now: datetime) -> None:
        c.classify(themes=body.themes, vocabulary=vocabulary, now=now, cause=cause)

    return await _act(intake, cid, command)


async def record_root_causes(
    intake: Intake, vocabulary: Vocabulary, cid: UUID, body: bodies.RootCausesBody, cause: Cause
) -> Outcome:
    def command(c: Complaint, now: datetime) -> None:
        c.record_root_causes(
            root_causes=body.root_causes, vocabulary=vocabulary, note=body.note, now=now,
            cause=cause,
        )  # fmt: skip

    return await _act(intake, cid, command)


async def record_remedies(
    intake: Intake, vocabulary: Vocabulary, cid: UUID, body: bodies.RemediesBody, cause: Cause
) -> Outcome:
    """A follow-up's day becomes the end of that day on the policy's calendar."""
    _, calendar = policy_in_force()
    given = [
        RemedyGiven(
            r.kind, amount_cents=r.amount_cents, owner=r.owner, description=r.description or "",
            due=date.fromisoformat(r.due) if r.due else None,
        )
        for r in body.remedies
    ]  # fmt: skip

    def command(c: Complaint, now: datetime) -> None:
        c.record_remedies(
            remedies=given, vocabulary=vocabulary, calendar=calendar, now=now, cause=cause
        )

    return await _act(intake, cid, command)


def learning_state(facts: list[ev.Event]) -> dict[str, Any]:
    """The latest themes and root causes (each with the vocabulary version they came from) and
    every remedy recorded, as the log holds them (no sealed words)."""
    themes = next((f for f in reversed(facts) if isinstance(f, ev.Classified)), None)
    causes = next((f for f in reversed(facts) if isinstance(f, ev.RootCausesRecorded)), None)
    remedies = [
        {"kind": r.kind, "amount_cents": r.amount_cents, "owner": r.owner,
         "due_by": r.due_by.isoformat() if r.due_by else None,
         "vocabulary_version": f.vocabulary_version}
        for f in facts if isinstance(f, ev.RemediesRecorded) for r in f.remedies
    ]  # fmt: skip
    return {
        "themes": themes.themes if themes else [],
        "themes_version": themes.vocabulary_version if themes else None,
        "root_causes": causes.root_causes if causes else [],
        "root_causes_version": causes.vocabulary_version if causes else None,
        "remedies": remedies,
    }


def offered(vocabulary: Vocabulary) -> dict[str, Any]:
    """The codes that may be chosen now, in the file's order, with their words; a remedy kind
    also says what it needs (an amount, a follow-up)."""
    found: dict[str, Any] = {"version": vocabulary.version_id}
    for kind in KINDS:
        terms = vocabulary.terms(kind)
        found[kind] = [
            {"code": code, "nl": terms[code].nl, "en": terms[code].en}
            | ({"amount": terms[code].amount, "follow_up": terms[code].follow_up}
               if kind == "remedy_kinds" else {})
            for code in vocabulary.offered(kind)
        ]  # fmt: skip
    return found
