"""The letter an answer would send, shown before it is sent (issue 17: the workspace's preview).

``POST /api/complaints/{id}/responses/preview`` takes the body ``/responses`` takes, from a
member who may respond. It runs the answer's command on the complaint as read now (the same
rules: a hearing not held, a committee's advice not answered, a closed complaint → the same
409/422 as sending), appends nothing, and asks the notifier (core NATS request on
``LETTER_PREVIEW_SUBJECT``) to build the letter from that fact exactly as it will when the fact
is stored: services/notifier/preview.py. Answer: ``{kind, language, subject, text, html,
delivery}``; 409 when the complaint moved on meanwhile, 503 when no notifier answers.

The draft travels unsealed on that request (it is never stored); only intake may publish the
subject and only intake's inbox receives the reply (shared/config/permissions.py).
"""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import UUID

import msgspec
import nats.errors
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from services.intake import bodies, committee
from services.intake import openapi as docs
from services.intake.application import Intake
from services.intake.http import Problem, cause_of, complaint_uuid, language, require
from services.intake.staffapi import read_body
from shared.contract import events as ev
from shared.contract.subjects import LETTER_PREVIEW_SUBJECT
from shared.rules.cause import Cause

router = APIRouter(prefix="/api/complaints/{complaint_id}")
TIMEOUT = 10.0  # rendering reads the complaint's history first
_LETTER = {
    "type": "object",
    "properties": {
        k: {"type": "string"} for k in ("kind", "language", "subject", "text", "html", "delivery")
    },
    "required": ["kind", "language", "subject", "text", "html", "delivery"],
}
_ERROR = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
# The route's document: the answer's body in, the letter out (intake's OpenAPI document).
DOCS: dict[str, Any] = {
    "summary": "The letter an answer would send; nothing is appended or sent",
    "openapi_extra": {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Answer"}}},
        },
    },
    "responses": {
        200: {"description": "the letter", "content": {"application/json": {"schema": _LETTER}}},
        **docs.STAFF,
        404: {"description": "no such complaint", "content": _ERROR},
        409: {"description": "the rules refuse the answer now, or no letter", "content": _ERROR},
        **docs.COMMON,
    },
}
# Why there is no letter to show, in the caller's language (Accept-Language).
WORDS = {
    "nl": {
        "unavailable": "de brief kan nu niet worden getoond (de notifier antwoordt niet)",
        "stale": "de klacht is intussen gewijzigd; open haar opnieuw",
        "erased": "de persoonsgegevens van deze klacht zijn gewist",
        "other": "bij dit antwoord hoort geen brief",
    },
    "en": {
        "unavailable": "the letter cannot be shown now (the notifier does not answer)",
        "stale": "the complaint changed meanwhile; open it again",
        "erased": "the personal data of this complaint were erased",
        "other": "this answer sends no letter",
    },
}


@router.post("/responses/preview", **DOCS)
async def preview_response(request: Request, complaint_id: str) -> JSONResponse:
    member = require(request, "respond")
    body: bodies.AnswerBody = await read_body(request, bodies.AnswerBody)
    cid = complaint_uuid(complaint_id)
    intake: Intake = request.app.state.intake
    fact = await asyncio.to_thread(_answer, intake, cid, body, cause_of(member))
    try:
        reply = await request.app.state.nc.request(
            LETTER_PREVIEW_SUBJECT, msgspec.json.encode(fact), timeout=TIMEOUT
        )
    except (nats.errors.NoRespondersError, nats.errors.TimeoutError):
        raise Problem(503, _said(request, "preview_unavailable", "unavailable")) from None
    letter: dict[str, Any] = msgspec.json.decode(reply.data)
    problem = letter.get("problem")
    if problem:
        raise Problem(409, _said(request, problem, problem if problem in WORDS["en"] else "other"))
    return JSONResponse(letter)


def _said(request: Request, error: str, key: str) -> dict[str, str]:
    return {"error": error, "message": WORDS[language(request)][key]}


def _answer(intake: Intake, cid: UUID, body: bodies.AnswerBody, cause: Cause) -> ev.Event:
    """The ``responded`` fact the answer would append now; nothing is saved."""
    complaint = intake.app.complaint(cid)
    committee.answer(complaint, body, intake.clock(), cause)
    return complaint.collect_events()[-1].fact  # type: ignore[attr-defined,no-any-return]
