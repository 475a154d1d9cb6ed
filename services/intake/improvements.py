"""The improvement actions register (issue 18 item 3, docs/learning.md) as intake's use cases:
open an action on its lead complaint, change it there, join it from another complaint and
leave it again.

The rules are shared/rules/improvements.py; the vocabulary in force (a theme) and the policy's
calendar (a due day becomes the end of that day) are handed to the command. Joining reads the
lead's history for the action as it is now and appends on the joining complaint. The bodies
live here, registered in bodies.BODIES (the OpenAPI document) and domain.STAFF_RULES (a due day
is a date) like bodies.py's own: title and outcome are staff text about the organisation, never
personal, and are stored unsealed.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID, uuid4

from msgspec import Meta

from services.intake import bodies, domain
from services.intake.application import Intake
from services.intake.procedure import Outcome, _act
from services.intake.reading import Problem, Rules
from shared.config.organisation import Organisation
from shared.config.policy import policy_in_force
from shared.contract import events as ev
from shared.rules import improvements as rules
from shared.rules.complaint import Cause, Complaint
from shared.rules.learning import Vocabulary

NOT_PERSONAL = "staff text about the organisation, no personal data: stored unsealed"
Day = Annotated[
    str,
    Meta(
        description="the day it is done by (YYYY-MM-DD), not before today",
        extra_json_schema={"format": "date"},
        extra={"invalid": "date"},
    ),
]
Status = bodies.Choice(rules.STATUSES, "open, in_progress, done (needs an outcome) or dropped")


def Id(description: str) -> Any:
    meta = Meta(
        pattern=bodies.UUID_TEXT.pattern, description=description, extra={"invalid": "uuid"}
    )
    return Annotated[str, meta]


class ImprovementBody(bodies.Body):
    """An improvement action opened on this complaint, its lead (ISO 10002 §8.7-9)."""

    title: bodies.Text(200, required=True, description=f"what is to be improved ({NOT_PERSONAL})")
    owner: bodies.Text(100, required=True, description="a staff id, team or department")
    due: Day
    theme: bodies.Text(60, description="a theme of the vocabulary in force") | None = None


class ImprovementChangeBody(bodies.Body):
    """A change to an action opened on this complaint; what is left out stays as it is."""

    title: bodies.Text(200, required=True, description=NOT_PERSONAL) | None = None
    owner: bodies.Text(100, required=True, description="a staff id, team or department") | None = (
        None
    )
    due: Day | None = None
    status: Status | None = None
    outcome: (
        bodies.Text(2_000, lines=True, description=f"what was done or why not ({NOT_PERSONAL})")
        | None
    ) = None
    theme: bodies.Text(60, description="a theme of the vocabulary in force") | None = None


class ImprovementLinkBody(bodies.Body):
    """This complaint joins an action opened on another one: the same systemic issue."""

    lead_complaint_id: Id("the complaint the action was opened on (its lead)")
    action_id: Id("the action (improvement_opened's action_id)")


class ImprovementUnlinkBody(bodies.Body):
    """This complaint leaves an action it joined (the action is named in the path)."""


NAMES = {
    "Improvement": ImprovementBody,
    "ImprovementChange": ImprovementChangeBody,
    "ImprovementLink": ImprovementLinkBody,
    "ImprovementUnlink": ImprovementUnlinkBody,
}
bodies.BODIES.update(NAMES)


def _day(value: Any, _: dict[str, Any]) -> Problem | None:
    try:
        date.fromisoformat(value if isinstance(value, str) and len(value) == 10 else "")
    except ValueError:
        return "date", {}
    return None


DAY_RULES = Rules(values={"due": _day})
domain.STAFF_RULES.update({ImprovementBody: DAY_RULES, ImprovementChangeBody: DAY_RULES})


def unknown_owner(org: Organisation, owner: str | None) -> bool:
    """An owner the organisation file does not know (a member, team or department)."""
    return owner is not None and owner not in org.members and not org.is_unit(owner)


async def open_action(
    intake: Intake, vocabulary: Vocabulary, cid: UUID, body: ImprovementBody, cause: Cause
) -> tuple[UUID, Outcome]:
    _, calendar = policy_in_force()
    action_id = uuid4()

    def command(c: Complaint, now: datetime) -> None:
        c.open_improvement(
            action_id=action_id, title=body.title, owner=body.owner,
            due=date.fromisoformat(body.due), theme=body.theme or None, vocabulary=vocabulary,
            calendar=calendar, now=now, cause=cause,
        )  # fmt: skip

    return action_id, await _act(intake, cid, command)


async def change_action(
    intake: Intake, vocabulary: Vocabulary, cid: UUID, action_id: UUID,
    body: ImprovementChangeBody, cause: Cause,
) -> Outcome:  # fmt: skip
    _, calendar = policy_in_force()

    def command(c: Complaint, now: datetime) -> None:
        c.update_improvement(
            action_id=action_id, title=body.title, owner=body.owner, status=body.status,
            due=date.fromisoformat(body.due) if body.due else None, outcome=body.outcome,
            theme=body.theme or None, vocabulary=vocabulary, calendar=calendar, now=now,
            cause=cause,
        )  # fmt: skip

    return await _act(intake, cid, command)


async def link(intake: Intake, lead: UUID, action_id: UUID, joining: UUID, cause: Cause) -> Outcome:
    """``joining`` joins the action as its lead's history holds it now."""
    _, facts = await asyncio.to_thread(intake.app.complaint_and_facts, lead)
    action = rules.actions_led(facts).get(action_id)

    def command(c: Complaint, now: datetime) -> None:
        c.link_improvement(action=action, now=now, cause=cause)

    return await _act(intake, joining, command)


async def unlink(intake: Intake, joined: UUID, action_id: UUID, cause: Cause) -> Outcome:
    """``joined`` leaves the action; whether it ended is read from its lead's history."""
    _, own = await asyncio.to_thread(intake.app.complaint_and_facts, joined)
    lead = rules.linked_to(own).get(action_id)
    action = None
    if lead is not None:
        _, facts = await asyncio.to_thread(intake.app.complaint_and_facts, lead)
        action = rules.actions_led(facts).get(action_id)

    def command(c: Complaint, now: datetime) -> None:
        c.unlink_improvement(action_id=action_id, action=action, now=now, cause=cause)

    return await _act(intake, joined, command)


def action_json(a: rules.Action) -> dict[str, Any]:
    return {
        "action_id": str(a.action_id),
        "lead_complaint_id": str(a.lead_complaint_id),
        "title": a.title,
        "owner": a.owner,
        "due_by": a.due_by.isoformat(),
        "status": a.status,
        "outcome": a.outcome,
        "theme": a.theme,
    }


def improvements_state(facts: list[ev.Event]) -> dict[str, Any]:
    """The actions led by this complaint (as after their latest change) and those it joined."""
    return {
        "led": [action_json(a) for a in rules.actions_led(facts).values()],
        "linked": [
            {"action_id": str(a), "lead_complaint_id": str(lead)}
            for a, lead in rules.linked_to(facts).items()
        ],
    }
