"""Staff actions of learning from complaints (issue 18, docs/learning.md): classify by themes,
record root causes, record remedies; and the vocabulary in force for forms and the workspace.

Each checks the member's role (shared/runtime/staff.py), reads its body (bodies.py), checks a
remedy's owner against the organisation file, runs one use case (learning.py) and answers the
complaint's state with what it learned (``learning``): 201 when it appended an event, 200 when
it was so already. A refused step names its rule in the caller's language: 422 when an
argument breaks it (a code not in the vocabulary, a compensation without an amount).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from services.intake import bodies, learning, procedure
from services.intake import openapi as docs
from services.intake.application import Intake
from services.intake.errors import guarded
from services.intake.http import Problem, cause_of, complaint_uuid, language, require
from services.intake.problems import field_error
from services.intake.staffapi import read_body
from shared.rules.learning import Vocabulary

router = APIRouter()
ON = "/api/complaints/{complaint_id}"

CLASSIFY = docs._staff_action("Classification", "classified")
ROOT_CAUSES = docs._staff_action("RootCauses", "recorded the root causes")
REMEDIES = docs._staff_action("Remedies", "recorded the remedies given")
LEARNING = {
    "responses": {
        200: {"description": "the latest themes and root causes, and every remedy"},
        **docs.STAFF,
        404: docs._json("no such complaint", "Error"),
    }
}
VOCABULARY = {
    "responses": {200: {"description": "the codes that may be chosen now, with their words"}}
}


@router.get("/api/vocabulary", **VOCABULARY)
async def vocabulary(request: Request) -> JSONResponse:
    """Public: the themes a complainant may suggest are the ones offered here."""
    return JSONResponse(learning.offered(_vocabulary(request)))


@router.get(ON + "/learning", **LEARNING)
async def learned(request: Request, complaint_id: str) -> JSONResponse:
    """What was learned so far: themes, root causes, remedies (codes; no sealed words)."""
    require(request, "read")
    cid = complaint_uuid(complaint_id)
    _, facts = await asyncio.to_thread(_intake(request).app.complaint_and_facts, cid)
    return JSONResponse(learning.learning_state(facts))


@router.post(ON + "/classification", **CLASSIFY)
async def classify(request: Request, complaint_id: str) -> JSONResponse:
    member = require(request, "investigate")
    body: bodies.ClassificationBody = await read_body(request, bodies.ClassificationBody)
    cid = complaint_uuid(complaint_id)
    write = learning.classify(_intake(request), _vocabulary(request), cid, body, cause_of(member))
    return await _answer(request, cid, write)


@router.post(ON + "/root-causes", **ROOT_CAUSES)
async def root_causes(request: Request, complaint_id: str) -> JSONResponse:
    member = require(request, "respond")
    body: bodies.RootCausesBody = await read_body(request, bodies.RootCausesBody)
    cid = complaint_uuid(complaint_id)
    write = learning.record_root_causes(
        _intake(request), _vocabulary(request), cid, body, cause_of(member)
    )
    return await _answer(request, cid, write)


@router.post(ON + "/remedies", **REMEDIES)
async def remedies(request: Request, complaint_id: str) -> JSONResponse:
    member = require(request, "respond")
    body: bodies.RemediesBody = await read_body(request, bodies.RemediesBody)
    org = request.app.state.organisation
    unknown = [
        (f"remedies[{i}].owner", r.owner)
        for i, r in enumerate(body.remedies)
        if r.owner is not None and r.owner not in org.members and not org.is_unit(r.owner)
    ]
    if unknown:
        lang = language(request)
        raise Problem(422, [field_error(f, "unknown_owner", lang, id=v) for f, v in unknown])
    cid = complaint_uuid(complaint_id)
    write = learning.record_remedies(
        _intake(request), _vocabulary(request), cid, body, cause_of(member)
    )
    return await _answer(request, cid, write)


def _intake(request: Request) -> Intake:
    return request.app.state.intake


def _vocabulary(request: Request) -> Vocabulary:
    return request.app.state.vocabulary


async def _answer(request: Request, cid: UUID, work: Awaitable[procedure.Outcome]) -> JSONResponse:
    appended, _ = await guarded(request, work)
    intake = _intake(request)
    state = await intake.view(cid)
    _, facts = await asyncio.to_thread(intake.app.complaint_and_facts, cid)
    state["learning"] = learning.learning_state(facts)
    return JSONResponse(state, 201 if appended else 200)
