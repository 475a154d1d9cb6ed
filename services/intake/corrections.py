"""Corrections of a case (issue 17) as intake's use cases: correct the category and priority,
link a duplicate to the complaint it repeats, answer a complainant's message after the answer.

The rules are the aggregate's (shared/rules/correctionsteps.py); what the organisation knows
is looked up here and handed to the command: the categories (the vocabulary's themes and the
policy's own categories) and priorities (the policy's), and the dates the corrected category
and priority give, decided once with the policy in force (shared/rules/terms.py
``recategorisation_terms``) and recorded in the event. ``corrections_state`` is what the
workspace's corrections box reads (services/reporting/workspace_corrections.py).
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any
from uuid import UUID

from services.intake import bodies
from services.intake.application import Intake
from services.intake.http import Problem
from services.intake.procedure import Outcome, _act
from shared.config.policy import policy_in_force
from shared.contract import events as ev
from shared.eventstore.application import ComplaintNotFound
from shared.rules import learning
from shared.rules.complaint import Cause, Complaint
from shared.rules.correctionsteps import Primary
from shared.rules.learning import Vocabulary
from shared.rules.policy import Policy
from shared.rules.terms import current_terms, recategorisation_terms

NO_PRIMARY = {
    "nl": "Er is geen klacht met dit kenmerk of nummer.",
    "en": "There is no complaint with this reference or id.",
}


categories = learning.staff_categories  # the one list (shared/rules/learning.py)


def priorities(policy: Policy) -> list[str]:
    return list(policy.norms.priority)


async def recategorise(
    intake: Intake, vocabulary: Vocabulary, cid: UUID, body: bodies.RecategorisationBody,
    cause: Cause,
) -> Outcome:  # fmt: skip
    def command(c: Complaint, now: datetime) -> None:
        policy, calendar = policy_in_force()
        facts: list[ev.Event] = list(c.facts)  # type: ignore[attr-defined]
        c.recategorise(
            category=body.category or None, priority=body.priority or None, reason=body.reason,
            terms=recategorisation_terms(
                facts, body.category or None, body.priority or None, now, policy, calendar
            ),
            before=current_terms(facts, policy, calendar),
            # the current ones stay allowed (a correction of the other one keeps them)
            categories=[*(k["code"] for k in categories(vocabulary, policy)), c.category],
            priorities=[*priorities(policy), c.priority], now=now, cause=cause,
        )  # fmt: skip

    return await _act(intake, cid, command)


async def link_duplicate(
    intake: Intake, cid: UUID, body: bodies.DuplicateBody, cause: Cause, lang: str
) -> Outcome:
    """``body.primary``: the other complaint's reference (KL-…) or id."""
    primary_id = await _primary_id(intake, body.primary)
    if primary_id is None:
        raise Problem(422, [{"field": "primary", "message": NO_PRIMARY[lang]}])
    try:
        other, facts = await asyncio.to_thread(intake.app.complaint_and_facts, primary_id)
    except ComplaintNotFound:
        raise Problem(422, [{"field": "primary", "message": NO_PRIMARY[lang]}]) from None
    links = [f.primary_reference for f in facts if isinstance(f, ev.LinkedAsDuplicate)]
    # (a reopened duplicate has no primary: other.duplicate_of is None then)
    primary = Primary(other.id, other.reference, other.erased, other.duplicate_of,
                      links[-1] if links else None)  # fmt: skip

    def command(c: Complaint, now: datetime) -> None:
        c.link_as_duplicate(primary=primary, reason=body.reason, now=now, cause=cause)

    return await _act(intake, cid, command)


async def answer_follow_up(
    intake: Intake, cid: UUID, body: bodies.FollowUpBody, cause: Cause
) -> Outcome:
    def command(c: Complaint, now: datetime) -> None:
        c.answer_follow_up(
            reaction_event_id=UUID(body.reaction_event_id), text=body.text, now=now, cause=cause
        )

    return await _act(intake, cid, command)


async def _primary_id(intake: Intake, text: str) -> UUID | None:
    try:
        return UUID(text.strip())
    except ValueError:
        return await intake.by_reference(text)


def corrections_state(
    complaint: Complaint, facts: list[ev.Event], vocabulary: Vocabulary
) -> dict[str, Any]:
    """What the corrections box shows: the category and priority with the choices, the
    complaint this one duplicates, and the messages a follow-up answer may answer (ids and
    times only: the texts are on the case page already)."""
    policy, _ = policy_in_force()
    links = (
        [f for f in facts if isinstance(f, ev.LinkedAsDuplicate)] if complaint.duplicate_of else []
    )
    received = {f.event_id: f for f in facts if isinstance(f, ev.ReactionReceived)}
    new = [received[i] for i in complaint.new_reactions if i in received]
    return {
        "category": complaint.category,
        "priority": complaint.priority,
        "categories": categories(vocabulary, policy),
        "priorities": priorities(policy),
        "open": complaint.is_open,
        "erased": complaint.erased,
        "duplicate_of": {
            "complaint_id": str(links[-1].primary_complaint_id),
            "reference": links[-1].primary_reference,
        }
        if links
        else None,
        "follow_up_possible": bool(complaint.responded_levels)
        and complaint.status in ("responded", "closed")
        and not complaint.erased,
        "messages": [
            {"event_id": str(m.event_id), "received_at": m.occurred_at.isoformat()}
            for m in sorted(new, key=lambda m: m.occurred_at)
        ],
        "follow_ups": [
            {
                "reaction_event_id": str(f.reaction_event_id),
                "at": f.occurred_at.isoformat(),
                "actor": f.actor,
            }
            for f in facts
            if isinstance(f, ev.FollowUpAnswered)
        ],
    }
