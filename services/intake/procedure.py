"""The procedure steps of issue 16 as intake's use cases: assign, take, record the person
complained about and their reaction, invite to / record / waive the hearing, resolve
informally, decline (docs/procedure.md).

Each runs one command of the Complaint (shared/rules/steps.py) through ``Intake.act`` (get →
decide → save) and gives back whether it appended and the warnings the command went ahead with
(a handler of the unit complained about, Awb 9:7). What the organisation file knows (who is in
which team and department) is looked up here and handed to the command as arguments; whether
the ids a body names exist there is checked first (``unknown_ids``), so a typo is a 422 naming
the field, not a complaint assigned to nobody.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

from services.intake import bodies
from services.intake.application import Intake
from services.intake.domain import parse_rfc3339
from shared.config.organisation import Organisation
from shared.config.policy import policy_in_force
from shared.rules.complaint import Cause, Complaint
from shared.rules.procedure import Caution

Outcome = tuple[bool, tuple[Caution, ...]]


def unknown_ids(
    organisation: Organisation,
    *,
    handler: str | None = None,
    team: str | None = None,
    department: str | None = None,
    employee: str | None = None,
    unit: str | None = None,
) -> list[tuple[str, str, str]]:
    """(field, problem key, the id) for every id a body names that the organisation lacks."""
    o = organisation
    checks = (
        ("handler", handler, "unknown_member", o.members),
        ("employee", employee, "unknown_member", o.members),
        ("team", team, "unknown_team", o.teams),
        ("department", department, "unknown_department", o.departments),
        ("unit", unit, "unknown_unit", {**o.teams, **o.departments}),
    )
    return [(field, key, v) for field, v, key, known in checks if v is not None and v not in known]


def default_team(current: str | None, handler_teams: tuple[str, ...]) -> str | None:
    """A handler named without a team: the complaint stays in its team when the handler is a
    member of it (an assignment within the team, no reason needed), else it goes to the
    handler's first team."""
    if current is not None and current in handler_teams:
        return current
    return handler_teams[0] if handler_teams else None


async def _act(intake: Intake, cid: UUID, command: Callable[[Complaint, datetime], Any]) -> Outcome:
    """Run one command; its warnings (a tuple of Caution, or None) come back with the answer."""
    cautions: tuple[Caution, ...] = ()

    def decide(c: Complaint, now: datetime) -> None:
        nonlocal cautions
        cautions = command(c, now) or ()

    appended = await intake.act(cid, decide)
    return appended, cautions


async def _call(
    intake: Intake, cid: UUID, cause: Cause, command: Callable[..., Any], **arguments: Any
) -> Outcome:
    """Run a command of the Complaint with the body's ``arguments``, at the moment, for cause."""
    return await _act(intake, cid, lambda c, now: command(c, **arguments, now=now, cause=cause))


async def assign(
    intake: Intake, org: Organisation, cid: UUID, body: bodies.AssignmentBody, cause: Cause
) -> Outcome:
    handler = body.handler
    teams = org.teams_of(handler) if handler else ()

    def command(c: Complaint, now: datetime) -> tuple[Caution, ...]:
        team = body.team or (default_team(c.team, teams) if handler else None)
        department = body.department or (
            org.teams[team].department if team else org.department_of(handler or "")
        )
        return c.assign(
            handler=handler,
            team=team,
            department=department,
            reason=body.reason,
            handler_units=org.units_of(handler) if handler else (),
            now=now,
            cause=cause,
        )

    return await _act(intake, cid, command)


async def take(intake: Intake, org: Organisation, cid: UUID, member: str, cause: Cause) -> Outcome:
    """ "Pak op": the member takes the complaint from the queue of one of their teams."""
    return await _call(
        intake, cid, cause, Complaint.take,
        handler=member, teams=org.teams_of(member), handler_units=org.units_of(member),
    )  # fmt: skip


async def record_conduct_subject(
    intake: Intake, org: Organisation, cid: UUID, body: bodies.ConductSubjectBody, cause: Cause
) -> Outcome:
    """The employee by staff id (their name and address from the organisation file unless
    given: the copy of Awb 9:9 needs them), and the unit: given, else the employee's team
    (else department), so a handler of that unit is warned about."""
    who = org.member(body.employee) if body.employee else None
    unit = body.unit
    if unit is None and body.employee:
        unit = next(iter(org.teams_of(body.employee)), None) or org.department_of(body.employee)
    return await _call(
        intake, cid, cause, Complaint.record_conduct_subject,
        employee=body.employee, unit=unit, name=body.name or (who.name if who else None),
        email=body.email or (who.email if who and who.email else None), role=body.role,
    )  # fmt: skip


async def has_conduct_subject(intake: Intake, cid: UUID, subject_id: UUID) -> bool:
    complaint, _ = await asyncio.to_thread(intake._load, cid)
    return subject_id in complaint.conduct_subjects


async def record_reaction(
    intake: Intake, cid: UUID, subject_id: UUID, body: bodies.ConductReactionBody, cause: Cause
) -> Outcome:
    return await _call(
        intake, cid, cause, Complaint.record_conduct_subject_reaction,
        subject_event_id=subject_id, text=body.text,
    )  # fmt: skip


async def invite(
    intake: Intake, cid: UUID, body: bodies.HearingInvitationBody, cause: Cause
) -> Outcome:
    return await _call(
        intake, cid, cause, Complaint.invite_to_hearing,
        at=_moment(body.at), mode=body.mode, place=body.place, note=body.note,
        conduct_subject_invited=body.conduct_subject_invited,
    )  # fmt: skip


async def record_hearing(
    intake: Intake, cid: UUID, body: bodies.HearingReportBody, cause: Cause
) -> Outcome:
    return await _call(intake, cid, cause, Complaint.record_hearing, **heard(body))


async def waive_hearing(
    intake: Intake, cid: UUID, body: bodies.HearingWaiverBody, cause: Cause
) -> Outcome:
    return await _call(
        intake, cid, cause, Complaint.waive_hearing,
        ground=body.ground, explanation=body.explanation,
    )  # fmt: skip


async def resolve_informally(
    intake: Intake, cid: UUID, body: bodies.InformalResolutionBody, cause: Cause
) -> Outcome:
    return await _call(
        intake, cid, cause, Complaint.resolve_informally,
        means=body.means, confirmed_by=body.confirmed_by,
        confirmed_at=_moment(body.confirmed_at), text=body.text,
    )  # fmt: skip


async def decline(intake: Intake, cid: UUID, body: bodies.DecliningBody, cause: Cause) -> Outcome:
    """Awb 9:8: the end of the four weeks is placed on the policy's calendar."""
    return await _call(
        intake, cid, cause, Complaint.decline,
        grounds=body.grounds, explanation=body.explanation, calendar=policy_in_force()[1],
    )  # fmt: skip


def heard(body: bodies.HearingReportBody | bodies.CommitteeHearingBody) -> dict[str, Any]:
    """A hearing's report as both hearings record it (Awb 9:10, the committee's 9:15)."""
    return {
        "held_at": _moment(body.held_at), "mode": body.mode, "report": body.report,
        "conduct_subject_heard": body.conduct_subject_heard,
    }  # fmt: skip


def _moment(text: str) -> datetime:
    moment = parse_rfc3339(text)
    assert moment is not None, text  # the body was read with domain.read_staff_action
    return moment
