"""Staff routes of the improvement actions register (issue 18 item 3, docs/learning.md; use
cases: improvements.py, rules: shared/rules/improvements.py). An action lives on its lead
complaint, so its routes are under it:

- ``GET …/improvements`` (every role): the actions this complaint leads and those it joined;
- ``POST …/improvements`` ``{title, owner, due, theme}`` (handler, supervisor): open one;
- ``POST …/improvements/{action_id}`` ``{title, owner, due, status, outcome, theme}``: change it;
- ``POST …/improvement-links`` ``{lead_complaint_id, action_id}``: this complaint joins an
  action opened on another complaint (the event is appended here);
- ``POST …/improvement-links/{action_id}/unlink`` ``{}``: it leaves that action again.

Each write answers the improvements of the complaint it appended to: 201 when it appended, 200
when it was so already. An owner unknown to the organisation file is a 422 on its field; a
refused step names its rule in the caller's language (422: an argument, 409: the state).
"""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from services.intake import improvements
from services.intake import openapi as docs
from services.intake.application import Intake
from services.intake.errors import guarded
from services.intake.http import Problem, cause_of, complaint_uuid, language, require
from services.intake.problems import field_error
from services.intake.staffapi import read_body

router = APIRouter()
AT = "/api/complaints/{complaint_id}/improvements"
# The bodies (improvements.py, registered in bodies.BODIES) named in the document like the rest.
docs.SCHEMAS.update({k: v for k, v in docs.request_bodies().items() if k in improvements.NAMES})
_STATE = {"application/json": {"schema": {"type": "object"}}}


def _action(body: str, appended: str) -> dict[str, Any]:
    spec = docs._staff_action(body, appended, missing="no such complaint or action")
    for status in (200, 201):
        spec["responses"][status] = {
            "description": spec["responses"][status]["description"].replace(
                "the complaint's state", "the complaint's improvement actions"
            ),
            "content": _STATE,
        }
    return spec


READ = {
    "responses": {
        200: {"description": "the actions it leads and those it joined", "content": _STATE},
        **docs.STAFF,
        404: docs._json("no such complaint", "Error"),
    }
}


@router.get(AT, **READ)
async def state(request: Request, complaint_id: str) -> JSONResponse:
    require(request, "read")
    cid = complaint_uuid(complaint_id)
    return JSONResponse(await _state(_intake(request), cid))


@router.post(AT, **_action("Improvement", "improvement_opened"))
async def open_action(request: Request, complaint_id: str) -> JSONResponse:
    member = require(request, "investigate")
    body = await _body(request, improvements.ImprovementBody)
    cid = complaint_uuid(complaint_id)
    work = improvements.open_action(
        _intake(request), request.app.state.vocabulary, cid, body, cause_of(member)
    )
    action_id, (appended, _) = await guarded(request, work)
    answer = {"action_id": str(action_id), **await _state(_intake(request), cid)}
    return JSONResponse(answer, 201 if appended else 200)


@router.post(AT + "/{action_id}", **_action("ImprovementChange", "improvement_updated"))
async def change_action(request: Request, complaint_id: str, action_id: str) -> JSONResponse:
    member = require(request, "investigate")
    body = await _body(request, improvements.ImprovementChangeBody)
    cid, aid = complaint_uuid(complaint_id), complaint_uuid(action_id)
    work = improvements.change_action(
        _intake(request), request.app.state.vocabulary, cid, aid, body, cause_of(member)
    )
    appended, _ = await guarded(request, work)
    return JSONResponse(await _state(_intake(request), cid), 201 if appended else 200)


@router.post(
    "/api/complaints/{complaint_id}/improvement-links",
    **_action("ImprovementLink", "improvement_linked"),
)
async def link(request: Request, complaint_id: str) -> JSONResponse:
    """This complaint joins an action opened on another (its lead)."""
    member = require(request, "investigate")
    body = await _body(request, improvements.ImprovementLinkBody)
    joining = complaint_uuid(complaint_id)
    lead, aid = UUID(body.lead_complaint_id), UUID(body.action_id)
    work = improvements.link(_intake(request), lead, aid, joining, cause_of(member))
    appended, _ = await guarded(request, work)
    return JSONResponse(await _state(_intake(request), joining), 201 if appended else 200)


@router.post(
    "/api/complaints/{complaint_id}/improvement-links/{action_id}/unlink",
    **_action("ImprovementUnlink", "improvement_unlinked"),
)
async def unlink(request: Request, complaint_id: str, action_id: str) -> JSONResponse:
    """This complaint leaves an action it joined (the event is appended here)."""
    member = require(request, "investigate")
    if await request.body():  # ``{}``; a request without a body is taken as that
        await read_body(request, improvements.ImprovementUnlinkBody)
    joined, aid = complaint_uuid(complaint_id), complaint_uuid(action_id)
    work = improvements.unlink(_intake(request), joined, aid, cause_of(member))
    appended, _ = await guarded(request, work)
    return JSONResponse(await _state(_intake(request), joined), 201 if appended else 200)


async def _body(request: Request, body: type[Any]) -> Any:
    """The body with every problem at once (422), the owner checked against the organisation."""
    found = await read_body(request, body)
    owner = getattr(found, "owner", None)
    if improvements.unknown_owner(request.app.state.organisation, owner):
        raise Problem(422, [field_error("owner", "unknown_owner", language(request), id=owner)])
    return found


async def _state(intake: Intake, cid: UUID) -> dict[str, Any]:
    _, facts = await asyncio.to_thread(intake.app.complaint_and_facts, cid)
    return improvements.improvements_state(facts)


def _intake(request: Request) -> Intake:
    return request.app.state.intake
