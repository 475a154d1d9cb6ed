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


def _step(action: str, body_type: type[Any], step: Step) -> Callable[..., Awaitable[JSONResponse]]:
    """The route of a step that needs no lookup: role, body, one use case, the answer."""

    async def route(request: Request, complaint_id: str) -> JSONResponse:
        member = require(request, action)
        body = await read_body(request, body_type)
        cid = complaint_uuid(complaint_id)
        return await _answer(request, cid, step(_intake(request), cid, body, cause_of(member)))

    return route


# The steps that need no lookup: the route's name and path, its document, the role it needs,
# its body and its use case.
STEPS: tuple[tuple[str, str, dict[str, Any], str, type[Any], Step], ...] = (
    ("invite", "/hearing/invitation", docs.INVITE,
     "investigate", bodies.HearingInvitationBody, procedure.invite),
    ("hearing_report", "/hearing/report", docs.HEARD,
     "investigate", bodies.HearingReportBody, procedure.record_hearing),
    ("waive", "/hearing/waiver", docs.WAIVE,
     "investigate", bodies.HearingWaiverBody, procedure.waive_hearing),
    ("resolve", "/informal-resolution", docs.RESOLVE,
     "resolve", bodies.InformalResolutionBody, procedure.resolve_informally),
    ("decline", "/declining", docs.DECLINE,
     "decline", bodies.DecliningBody, procedure.decline),
    ("refer", "/committee/referral", docs.REFER,
     "refer", bodies.CommitteeReferralBody, committee.refer),
    ("committee_hearing", "/committee/hearing", docs.COMMITTEE_HEARD,
     "investigate", bodies.CommitteeHearingBody, committee.record_hearing),
    ("committee_advice", "/committee/advice", docs.COMMITTEE_ADVICE,
     "investigate", bodies.CommitteeAdviceBody, committee.record_advice),
    ("mediation", "/mediation", docs.MEDIATION,
     "mediate", bodies.MediationBody, committee.record_mediation),
    # the measures are part of the judgement
    ("measures", "/measures", docs.MEASURES,
     "respond", bodies.MeasuresBody, committee.promise_measures),
)  # fmt: skip
for name, path, document, action, body_type, use_case in STEPS:
    router.post(path, name=name, **document)(_step(action, body_type, use_case))


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
