"""The complaint API's public side and reading: submit a complaint (the public, or staff
registering one), read a complaint's state and messages (staff), and the status lookup that
sends a fresh link (the public; the same answer whatever the input)."""

from __future__ import annotations

from typing import Any

import msgspec
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from services.intake import bodies, domain, replies
from services.intake import openapi as docs
from services.intake.application import IdempotencyConflict, Intake
from services.intake.errors import guarded
from services.intake.http import (
    Problem,
    complaint_uuid,
    field_problem,
    fingerprint,
    idempotency_key,
    in_flight,
    json_body,
    language,
    rate_limit,
    require,
    staff_member,
)
from services.intake.limits import letters_allowed
from services.intake.problems import message
from services.intake.texts import TEXTS
from shared.config.policy import policy_in_force
from shared.rules.learning import staff_categories
from shared.runtime.staff import forbidden

router = APIRouter()
PERSONAL_ROLES = frozenset({"handler", "supervisor", "privacy"})


@router.post("/api/complaints", status_code=201, **docs.SUBMIT)
async def submit(request: Request) -> JSONResponse:
    async with in_flight(request):  # overload: 503 + Retry-After, not an unbounded queue
        return await _submit(request)


async def _submit(request: Request) -> JSONResponse:
    member = staff_member(request)
    if member is None:
        await rate_limit(request)
    elif not member.may("register"):
        words = forbidden(member, "register", language(request))
        raise Problem(403, {"error": "forbidden", "message": words})
    lang = language(request)
    key = idempotency_key(request)
    data = await json_body(request)
    intake: Intake = request.app.state.intake
    policy = policy_in_force()[0]
    priorities = tuple(policy.norms.priority)
    submission, errors = domain.validate_submission(
        data,
        staff=member is not None,
        now=intake.clock(),
        lang=lang,
        priorities=priorities,
        departments=frozenset(request.app.state.organisation.departments),
        themes=tuple(request.app.state.vocabulary.offered("themes")),
        staff_categories=tuple(
            c["code"] for c in staff_categories(request.app.state.vocabulary, policy)
        ),
    )
    if submission is None:
        raise Problem(422, errors)
    letters = request.app.state.letter_limiter
    if member is None and not await letters_allowed(letters, submission.personal):
        raise Problem(429, {"error": "too_many_letters", "message": message("letters", lang)})
    actor = f"staff:{member.name}" if member else "complainant"
    write = intake.submit(
        submission, actor=actor, idempotency_key=key, fingerprint=fingerprint(data)
    )
    try:
        receipt = await guarded(request, write)
    except IdempotencyConflict:
        raise field_problem(422, "Idempotency-Key", message("key_reused", lang)) from None
    body = {
        "complaint_id": str(receipt.complaint_id),
        "reference": receipt.reference,
        "status": receipt.status,
        "links": {"self": f"/api/complaints/{receipt.complaint_id}", "status": "/status"},
    }
    location = {"Location": body["links"]["self"]}
    return JSONResponse(body, 201 if receipt.created else 200, headers=location)


@router.get("/api/complaints/{complaint_id}")
async def view(request: Request, complaint_id: str) -> dict[str, Any]:
    member = require(request, "read")
    personal = bool(member.roles & PERSONAL_ROLES)
    return await request.app.state.intake.view(complaint_uuid(complaint_id), personal=personal)


@router.get("/api/complaints/{complaint_id}/messages", **docs.MESSAGES_READ)
async def messages(request: Request, complaint_id: str) -> dict[str, Any]:
    member = require(request, "read")
    personal = bool(member.roles & PERSONAL_ROLES)
    intake: Intake = request.app.state.intake
    found = await replies.messages(intake, complaint_uuid(complaint_id), personal=personal)
    return {"messages": found}


@router.post("/api/status", **docs.STATUS)
async def status(request: Request) -> JSONResponse:
    """Public: a fresh status link to the address on file when reference and e-mail belong
    together; the same 202 answer whatever the input (no oracle)."""
    await rate_limit(request)
    try:
        lookup = msgspec.convert(await json_body(request), bodies.StatusLookupBody)
    except msgspec.ValidationError:
        raise field_problem(422, "body", "send reference and email as strings") from None
    await request.app.state.intake.request_status_link(lookup.reference, lookup.email)
    return JSONResponse({"message": TEXTS[language(request)]["link_sent"]}, 202)
