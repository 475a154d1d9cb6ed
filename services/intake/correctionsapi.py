"""Staff routes of the corrections of a case (issue 17; use cases: corrections.py, rules:
shared/rules/correctionsteps.py), each answering the complaint's state, 201 when it appended
and 200 when it was so already; a refusal names its rule in the caller's language (422 when
an argument breaks it, 409 when the complaint's state forbids it):

- ``GET …/corrections``: what the workspace's corrections box shows;
- ``POST …/recategorisation`` ``{category, priority, reason}`` (the "investigate" action):
  the dates they decide are decided again and recorded;
- ``POST …/duplicate`` ``{primary, reason}`` (the "close" action: the duplicate is closed);
- ``POST …/follow-up`` ``{reaction_event_id, text}`` (the "respond" action): the letter
  ``follow_up_answer`` goes to the complainant and the message is handled.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from services.intake import bodies, corrections
from services.intake import openapi as docs
from services.intake.application import Intake
from services.intake.errors import guarded
from services.intake.http import cause_of, complaint_uuid, language, require
from services.intake.procedure import Outcome
from services.intake.staffapi import read_body

router = APIRouter(prefix="/api/complaints/{complaint_id}")
_BOX = {"application/json": {"schema": {"type": "object"}}}
STATE = {"responses": {200: {"description": "the corrections box's facts", "content": _BOX},
                       **docs.STAFF}}  # fmt: skip


@router.get("/corrections", **STATE)
async def state(request: Request, complaint_id: str) -> JSONResponse:
    require(request, "read")
    cid = complaint_uuid(complaint_id)
    c, facts = await asyncio.to_thread(_intake(request).app.complaint_and_facts, cid)
    return JSONResponse(corrections.corrections_state(c, facts, request.app.state.vocabulary))


@router.post("/recategorisation", **docs._staff_action("Recategorisation", "recategorised"))
async def recategorise(request: Request, complaint_id: str) -> JSONResponse:
    member = require(request, "investigate")
    body = await read_body(request, bodies.RecategorisationBody)
    cid = complaint_uuid(complaint_id)
    vocabulary = request.app.state.vocabulary
    work = corrections.recategorise(_intake(request), vocabulary, cid, body, cause_of(member))
    return await _answer(request, cid, work)


@router.post("/duplicate", **docs._staff_action("Duplicate", "linked_as_duplicate and closed"))
async def link_duplicate(request: Request, complaint_id: str) -> JSONResponse:
    member = require(request, "close")
    body = await read_body(request, bodies.DuplicateBody)
    cid = complaint_uuid(complaint_id)
    work = corrections.link_duplicate(
        _intake(request), cid, body, cause_of(member), language(request)
    )
    return await _answer(request, cid, work)


@router.post(
    "/follow-up", **docs._staff_action("FollowUp", "follow_up_answered and reaction_handled")
)
async def answer_follow_up(request: Request, complaint_id: str) -> JSONResponse:
    member = require(request, "respond")
    body = await read_body(request, bodies.FollowUpBody)
    cid = complaint_uuid(complaint_id)
    acts_on = UUID(body.reaction_event_id)
    work = corrections.answer_follow_up(_intake(request), cid, body, cause_of(member, acts_on))
    return await _answer(request, cid, work)


def _intake(request: Request) -> Intake:
    return request.app.state.intake


async def _answer(request: Request, cid: UUID, work: Awaitable[Outcome]) -> JSONResponse:
    appended, _ = await guarded(request, work)
    return JSONResponse(await _intake(request).view(cid), 201 if appended else 200)
