"""Staff actions of the procedure steps (issue 16, docs/procedure.md): assign and take, the
person complained about and their reaction, the hearing (invite, report, waive), informal
resolution, declining; the advisory committee (refer, its hearing and advice) and the Wkkgz
route (mediation by the klachtenfunctionaris, the judgement's measures): committee.py.

Each checks the member's role (shared/runtime/staff.py), reads its body (bodies.py), checks
the ids it names against the organisation file, runs one use case (procedure.py) and answers
the complaint's state with the ``warnings`` the step went ahead with: 201 when it appended an
event, 200 when it was so already. A refused step names its rule in the caller's language:
422 when an argument breaks it, 409 when the complaint's state forbids it (errors.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from services.intake import bodies, committee, procedure
from services.intake import openapi as docs
from services.intake.application import Intake
from services.intake.errors import guarded
from services.intake.http import Problem, cause_of, complaint_uuid, language, require
from services.intake.problems import field_error, message
from services.intake.staffapi import read_body
from shared.config.organisation import Organisation
from shared.rules.cause import Cause
from shared.rules.refusals import words

router = APIRouter(prefix="/api/complaints/{complaint_id}")
# A use case of a step (procedure.py, committee.py): the write to await, with its warnings.
Step = Callable[[Intake, UUID, Any, Cause], Awaitable["procedure.Outcome"]]


async def _step(
    request: Request, complaint_id: str, action: str, body_type: type[Any], step: Step
) -> JSONResponse:
    """The common shape of a step that needs no lookup: role, body, one use case, the answer."""
    member = require(request, action)
    body = await read_body(request, body_type)
    cid = complaint_uuid(complaint_id)
    return await _answer(request, cid, step(_intake(request), cid, body, cause_of(member)))


@router.post("/assignment", **docs.ASSIGN)
async def assign(request: Request, complaint_id: str) -> JSONResponse:
    member = require(request, "assign")
    body: bodies.AssignmentBody = await read_body(request, bodies.AssignmentBody)
    org = _known(request, handler=body.handler, team=body.team, department=body.department)
    cid = complaint_uuid(complaint_id)
    return await _answer(request, cid, procedure.assign(_intake(request), org, cid, body,
                                                        cause_of(member)))  # fmt: skip


@router.post("/take", **docs.TAKE)
async def take(request: Request, complaint_id: str) -> JSONResponse:
    member = require(request, "take")
    await read_body(request, bodies.TakingBody)
    cid = complaint_uuid(complaint_id)
    org: Organisation = request.app.state.organisation
    write = procedure.take(_intake(request), org, cid, member.name, cause_of(member))
    return await _answer(request, cid, write)


@router.post("/conduct-subjects", **docs.CONDUCT_SUBJECT)
async def conduct_subject(request: Request, complaint_id: str) -> JSONResponse:
    member = require(request, "investigate")
    body: bodies.ConductSubjectBody = await read_body(request, bodies.ConductSubjectBody)
    org = _known(request, employee=body.employee, unit=body.unit)
    cid = complaint_uuid(complaint_id)
    write = procedure.record_conduct_subject(_intake(request), org, cid, body, cause_of(member))
    return await _answer(request, cid, write)


@router.post("/conduct-subjects/{subject_id}/reaction", **docs.CONDUCT_REACTION)
async def conduct_reaction(request: Request, complaint_id: str, subject_id: str) -> JSONResponse:
    member = require(request, "investigate")
    body: bodies.ConductReactionBody = await read_body(request, bodies.ConductReactionBody)
    cid, intake = complaint_uuid(complaint_id), _intake(request)
    subject = _uuid(subject_id)
    if subject is None or not await procedure.has_conduct_subject(intake, cid, subject):
        text = message("no_such_conduct_subject", language(request))
        raise Problem(404, {"error": "not_found", "message": text})
    write = procedure.record_reaction(intake, cid, subject, body, cause_of(member))
    return await _answer(request, cid, write)


@router.post("/hearing/invitation", **docs.INVITE)
async def invite(request: Request, complaint_id: str) -> JSONResponse:
    step = procedure.invite
    return await _step(request, complaint_id, "investigate", bodies.HearingInvitationBody, step)


@router.post("/hearing/report", **docs.HEARD)
async def hearing_report(request: Request, complaint_id: str) -> JSONResponse:
    step = procedure.record_hearing
    return await _step(request, complaint_id, "investigate", bodies.HearingReportBody, step)


@router.post("/hearing/waiver", **docs.WAIVE)
async def waive(request: Request, complaint_id: str) -> JSONResponse:
    step = procedure.waive_hearing
    return await _step(request, complaint_id, "investigate", bodies.HearingWaiverBody, step)


@router.post("/informal-resolution", **docs.RESOLVE)
async def resolve(request: Request, complaint_id: str) -> JSONResponse:
    step = procedure.resolve_informally
    return await _step(request, complaint_id, "resolve", bodies.InformalResolutionBody, step)


@router.post("/declining", **docs.DECLINE)
async def decline(request: Request, complaint_id: str) -> JSONResponse:
    step = procedure.decline
    return await _step(request, complaint_id, "decline", bodies.DecliningBody, step)


@router.post("/committee/referral", **docs.REFER)
async def refer(request: Request, complaint_id: str) -> JSONResponse:
    step = committee.refer
    return await _step(request, complaint_id, "refer", bodies.CommitteeReferralBody, step)


@router.post("/committee/hearing", **docs.COMMITTEE_HEARD)
async def committee_hearing(request: Request, complaint_id: str) -> JSONResponse:
    step = committee.record_hearing
    return await _step(request, complaint_id, "investigate", bodies.CommitteeHearingBody, step)


@router.post("/committee/advice", **docs.COMMITTEE_ADVICE)
async def committee_advice(request: Request, complaint_id: str) -> JSONResponse:
    step = committee.record_advice
    return await _step(request, complaint_id, "investigate", bodies.CommitteeAdviceBody, step)


@router.post("/mediation", **docs.MEDIATION)
async def mediation(request: Request, complaint_id: str) -> JSONResponse:
    step = committee.record_mediation
    return await _step(request, complaint_id, "mediate", bodies.MediationBody, step)


@router.post("/measures", **docs.MEASURES)
async def measures(request: Request, complaint_id: str) -> JSONResponse:
    step = committee.promise_measures  # the measures are part of the judgement
    return await _step(request, complaint_id, "respond", bodies.MeasuresBody, step)


def _intake(request: Request) -> Intake:
    return request.app.state.intake


def _known(request: Request, **ids: str | None) -> Organisation:
    """The organisation, once every id the body names is in it; else 422 naming each."""
    org: Organisation = request.app.state.organisation
    unknown = procedure.unknown_ids(org, **ids)
    if unknown:
        lang = language(request)
        raise Problem(422, [field_error(f, key, lang, id=value) for f, key, value in unknown])
    return org


async def _answer(request: Request, cid: UUID, work: Awaitable[procedure.Outcome]) -> JSONResponse:
    appended, cautions = await guarded(request, work)
    lang = language(request)
    state = await _intake(request).view(cid)
    state["warnings"] = [
        {"reason": c.code, "rule": c.rule, "message": words(c, lang)} for c in cautions
    ]
    return JSONResponse(state, 201 if appended else 200)


def _uuid(text: str) -> UUID | None:
    try:
        return UUID(text)
    except ValueError:
        return None
