"""Staff actions on a complaint: respond, escalate, extend, close, pause and resume, mark a
complainant's message handled, reopen. Each checks the member's role, reads its body
(services/intake/bodies.py), runs one use case of services/intake/application.py and answers
the complaint's state: 201 when it appended an event, 200 when it was so already."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

import msgspec
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from services.intake import bodies, committee, domain, replies
from services.intake import openapi as docs
from services.intake.application import Intake
from services.intake.errors import guarded
from services.intake.http import (
    Action,
    Problem,
    cause_of,
    complaint_uuid,
    field_problem,
    json_body,
    language,
    require,
)
from services.intake.problems import field_error, message
from shared.config.policy import policy_in_force
from shared.rules.complaint import Complaint, IllegalTransition
from shared.runtime import observability as obs

router = APIRouter(prefix="/api/complaints/{complaint_id}")


@router.post("/responses", **docs.RESPOND)
async def respond(request: Request, complaint_id: str) -> JSONResponse:
    member = require(request, "respond")
    body: bodies.AnswerBody = await read_body(request, bodies.AnswerBody)
    cause = cause_of(member)

    def decide(c: Complaint, now: Any) -> None:
        committee.answer(c, body, now, cause)  # after a committee's advice: Awb 9:16

    cid = complaint_uuid(complaint_id)
    return await _write(request, cid, request.app.state.intake.act(cid, decide))


@router.post("/escalations", **docs.ESCALATE)
async def escalate(request: Request, complaint_id: str) -> JSONResponse:
    member = require(request, "escalate")
    body: bodies.EscalationBody = await read_body(request, bodies.EscalationBody)
    _known_target(request, body.target)
    from_message = domain.message_id(body)
    reason = body.reason
    if from_message is not None:
        found = await _message_in_body(request, complaint_id, from_message)
        reason = replies.escalation_reason(reason, found)
    cid = complaint_uuid(complaint_id)
    intake: Intake = request.app.state.intake
    write = intake.escalate(
        cid,
        reason=reason,  # type: ignore[arg-type]
        level=body.level,
        target=body.target,
        text=body.text,
        reaction_event_id=from_message,
        cause=cause_of(member, from_message),
    )
    response = await _write(request, cid, write)
    if response.status_code == 201:
        obs.ESCALATIONS.labels("request").inc()
    return response


def _known_target(request: Request, target: str | None) -> None:
    """A target is a reference, never free text outside the seal: a member or team of the
    organisation file or a role of the policy's ladder; else 422 naming the field."""
    org = request.app.state.organisation
    if target is not None and not domain.known_target(target, policy_in_force()[0], org):
        lang = language(request)
        raise Problem(422, [field_error("target", "unknown_target", lang, id=target)])


@router.post("/extensions", **docs.EXTEND)
async def extend(request: Request, complaint_id: str) -> JSONResponse:
    return await _command(request, complaint_id, "extend", bodies.ExtensionBody, Intake.extend)


@router.post("/closure", **docs.CLOSE)
async def close(request: Request, complaint_id: str) -> JSONResponse:
    return await _command(request, complaint_id, "close", bodies.ClosureBody, Intake.close)


@router.post("/pause", **docs.PAUSE_ACTION)
async def pause(request: Request, complaint_id: str) -> JSONResponse:
    return await _command(request, complaint_id, "pause", bodies.PauseBody, Intake.pause)


@router.post("/resume", **docs.RESUME)
async def resume(request: Request, complaint_id: str) -> JSONResponse:
    return await _command(request, complaint_id, "pause", bodies.ResumptionBody, Intake.resume)


@router.post("/reactions/{event_id}/handled", **docs.HANDLED)
async def handled(request: Request, complaint_id: str, event_id: str) -> JSONResponse:
    member = require(request, "handle")
    body: bodies.HandlingBody = await read_body(request, bodies.HandlingBody)
    intake: Intake = request.app.state.intake
    cid = complaint_uuid(complaint_id)
    message_id = _message_id(event_id)
    if message_id is None or await replies.message(intake, cid, message_id) is None:
        raise Problem(404, {"error": "not_found", "message": "no such message"})
    write = replies.handle(
        intake, cid, message_id, note=body.note, cause=cause_of(member, message_id)
    )
    return await _write(request, cid, write)


@router.post("/reopening", **docs.REOPEN)
async def reopen(request: Request, complaint_id: str) -> JSONResponse:
    member = require(request, "reopen")
    body: bodies.ReopeningBody = await read_body(request, bodies.ReopeningBody)
    from_message = domain.message_id(body)
    if from_message is not None:
        await _message_in_body(request, complaint_id, from_message)
    intake: Intake = request.app.state.intake
    cid = complaint_uuid(complaint_id)
    write = replies.reopen(
        intake, cid, reason=body.reason, event_id=from_message, cause=cause_of(member, from_message)
    )
    try:
        return await _write(request, cid, write)
    except IllegalTransition:
        text = message("not_reopenable", language(request))
        raise Problem(409, {"error": "illegal_transition", "message": text}) from None


async def read_body(request: Request, body: type[Any]) -> Any:
    """The action's body; 422 with every problem. A body that may be left out (resume,
    handled, take) is read as empty when there is none. Times are checked against the
    service's clock."""
    may_be_empty = body in domain.OPTIONAL_BODIES
    data = await json_body(request) if not may_be_empty or await request.body() else None
    now = request.app.state.clock()
    found, errors = domain.read_staff_action(body, data, language(request), now)
    if found is None:
        raise Problem(422, errors)
    return found


async def _command(
    request: Request,
    complaint_id: str,
    action: Action,
    body: type[Any],
    command: Callable[..., Awaitable[bool]],
) -> JSONResponse:
    """One staff command: may this member, is the body valid, then the command's own rules."""
    member = require(request, action)
    values = msgspec.structs.asdict(await read_body(request, body))
    cid = complaint_uuid(complaint_id)
    intake: Intake = request.app.state.intake
    return await _write(request, cid, command(intake, cid, **values, cause=cause_of(member)))


async def _write(request: Request, cid: UUID, work: Awaitable[bool]) -> JSONResponse:
    """Await one command (201 when it appended, 200 when it was done already): the state."""
    appended = await guarded(request, work)
    return JSONResponse(await request.app.state.intake.view(cid), 201 if appended else 200)


async def _message_in_body(request: Request, complaint_id: str, event_id: UUID) -> Any:
    """The message a body names (``reaction_event_id``); 422 when the complaint has none."""
    found = await replies.message(request.app.state.intake, complaint_uuid(complaint_id), event_id)
    if found is None:
        text = message("no_such_message", language(request))
        raise field_problem(422, "reaction_event_id", text)
    return found


def _message_id(text: str) -> UUID | None:
    try:
        return UUID(text)
    except ValueError:
        return None
