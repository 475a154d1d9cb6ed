"""The intake service's HTTP side: complaint API, staff API, public status lookup, web form.

Wiring only: the lifespan opens one NATS connection (KV buckets, object store) and the
eventsourcing application (its own connection, synchronous, called in threads); routes turn
requests into use cases of services.intake.application and domain errors into 404/409/422.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID

import nats
from eventsourcing.persistence import OperationalError
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from nats.errors import Error as NatsError

from services.intake import domain, privacy, web, webform
from services.intake import messages as replies
from services.intake import openapi as docs
from services.intake.application import Clock, IdempotencyConflict, Intake, utcnow
from services.intake.http import (
    Problem,
    field_problem,
    fingerprint,
    idempotency_key,
    json_body,
    language,
    rate_limit,
    require,
    staff_member,
)
from services.intake.limits import BodySizeLimit, RateLimiter
from services.intake.settings import IntakeSettings
from services.intake.staff import Action, StaffMember, parse_tokens
from services.intake.texts import TEXTS
from shared.config.policy import policy_in_force, reload_on_sighup
from shared.eventstore.application import ComplaintNotFound, ComplaintsApplication
from shared.eventstore.link import Unavailable
from shared.rules.complaint import Cause, Complaint, IllegalTransition, InvalidCommand
from shared.rules.refusals import words
from shared.rules.terms import escalation_terms
from shared.runtime import failures, tracing, webheaders
from shared.runtime import observability as obs
from shared.runtime.failures import StorageFull
from shared.runtime.logwatch import LogWatch, service_watch

log = logging.getLogger("klachten.intake")
UNAVAILABLE = (OperationalError, Unavailable, NatsError, TimeoutError, ConnectionError)
T = TypeVar("T")


def create_app(settings: IntakeSettings, clock: Clock = utcnow) -> FastAPI:
    @asynccontextmanager
    async def lifespan(api: FastAPI) -> AsyncIterator[None]:
        watch = api.state.watch = service_watch("intake", settings, lambda: nc)
        nc = await nats.connect(
            **settings.nats_connect,
            max_reconnect_attempts=-1,
            name="intake",
            error_cb=watch.on_nats_error,
        )
        events = ComplaintsApplication(env={"NATS_URL": settings.nats_url, "NAME": "intake"})
        try:
            intake = await _open(nc, events, clock, settings.intake_startup_timeout)
            api.state.intake = intake
            api.state.nc = nc
            watch.start()
            reload_on_sighup()  # the policy, as every process reloads it
            yield
        finally:
            await watch.stop()
            tracing.flush()  # uvicorn re-raises SIGTERM after shutdown: no interpreter exit
            events.close()
            try:
                await asyncio.wait_for(nc.drain(), 5)
            except Exception:  # already closed or unreachable: nothing left to flush
                await nc.close()

    # No Swagger UI (it loads its assets from a CDN onto this origin): /openapi.json.
    api = FastAPI(title="klachten intake", lifespan=lifespan, docs_url=None, redoc_url=None)
    api.state.settings = settings
    api.state.tokens = parse_tokens(settings.staff_token, settings.staff_tokens)
    api.state.rate_limiter = RateLimiter(settings.intake_rate_limit, settings.intake_rate_window)
    api.state.clock = clock
    api.add_middleware(
        BodySizeLimit,
        max_bytes=settings.intake_max_body_bytes,
        # documents added in the web form: the attachment limit plus room for the fields
        upload_max_bytes=settings.attachment_max_bytes + settings.intake_max_body_bytes,
        # the web form reads a little more, to show its own 413 page with the text kept
        form_path="/",
        form_max_bytes=4 * (settings.attachment_max_bytes + settings.intake_max_body_bytes),
    )
    _add_error_handlers(api)
    _add_api_routes(api)
    api.include_router(webform.router)
    api.include_router(web.router)
    api.include_router(privacy.router)
    docs.install(api)
    webheaders.install(api, Path(__file__).parent / "static")
    return api


async def _open(nc: Any, events: ComplaintsApplication, clock: Clock, patience: float) -> Intake:
    """Open the buckets, retrying for `patience` s: a cluster that is still electing its
    leaders answers `nats: timeout` for a few seconds."""
    deadline = time.monotonic() + patience
    delay = 0.2
    while True:
        try:
            return await Intake.open(nc.jetstream(), events, clock)
        except UNAVAILABLE as error:
            if time.monotonic() + delay > deadline:
                raise
            log.warning("intake start-up: %s; retrying in %.1f s", error, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)


def _add_error_handlers(api: FastAPI) -> None:
    @api.exception_handler(Problem)
    async def problem(_: Request, error: Problem) -> JSONResponse:
        return error.response()

    @api.exception_handler(ComplaintNotFound)
    async def not_found(_: Request, __: ComplaintNotFound) -> JSONResponse:
        return JSONResponse({"error": "not_found", "message": "no such complaint"}, 404)

    @api.exception_handler(IllegalTransition)
    async def conflict(request: Request, error: IllegalTransition) -> JSONResponse:
        body = {"error": error.code, "message": str(error)}
        if error.refusal is not None:  # a rule of the law or the policy, named in words
            refusal = error.refusal
            lang = language(request)
            body |= {"reason": refusal.code, "rule": refusal.rule, "message": words(refusal, lang)}
        return JSONResponse(body, 409)

    @api.exception_handler(InvalidCommand)
    async def invalid(request: Request, error: InvalidCommand) -> JSONResponse:
        refusal = error.refusal
        if refusal is None:
            return JSONResponse([{"field": "body", "message": str(error)}], 422)
        problem = {"field": refusal.field, "message": words(refusal, language(request))}
        return JSONResponse([problem | {"rule": refusal.rule}], 422)

    for kind in (*UNAVAILABLE, StorageFull):
        api.add_exception_handler(kind, _write_failed)


async def _write_failed(request: Request, error: Exception) -> JSONResponse:
    """One classification for every channel (shared/runtime/failures.py): a configuration error is
    never passed off as an outage, and a full store says so."""
    watch: LogWatch = request.app.state.watch
    kind = watch.classify(error)
    if kind is None:
        log.error("unexpected failure: %s: %s", type(error).__name__, error, exc_info=error)
        kind = "invalid"
    elif kind == "unavailable":
        log.warning("event log unavailable: %s: %s", type(error).__name__, error)
    else:
        violation = watch.recent_violation() if kind == "permission" else None
        log.error("write failed (%s): %s: %s", kind, violation or type(error).__name__, error)
    body = failures.http_body(kind, language(request))
    return JSONResponse(body, failures.STATUS[kind], headers=failures.retry_after(kind))


async def guarded(request: Request, work: Awaitable[T]) -> T:
    """Await a write, but stop waiting (503 storage full) once the store is found full
    instead of sitting out the append's retries (503 log shrunk likewise). An abandoned write
    may still land; a retry with the same Idempotency-Key then finds it."""
    watch: LogWatch = request.app.state.watch
    try:
        watch.refuse_appends()
    except Exception:
        if inspect.iscoroutine(work):
            work.close()  # refused before it started: never run, and not left unawaited
        raise
    task = asyncio.ensure_future(work)
    while not task.done():
        await asyncio.wait({task}, timeout=0.25)
        if not task.done() and watch.store_problem() is not None:
            task.add_done_callback(_forget)
            watch.refuse_appends()
    return task.result()


def _forget(task: asyncio.Future[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.warning("an abandoned write failed as well: %s", task.exception())


def _add_api_routes(api: FastAPI) -> None:
    @api.get("/health")
    async def health(request: Request) -> dict[str, Any]:
        connected = request.app.state.nc.is_connected
        problems = sorted(request.app.state.watch.problems.values())
        ok = connected and not problems
        return {"status": "ok" if ok else "degraded", "nats": connected, "problems": problems}

    @api.get("/health/live")
    async def live() -> dict[str, str]:
        return {"status": "ok"}

    @api.get("/health/ready")
    async def ready(request: Request) -> JSONResponse:
        body = await health(request)
        return JSONResponse(body, 200 if body["status"] == "ok" else 503)

    @api.get("/metrics")
    async def metrics() -> Response:
        body, content_type = obs.metrics_body()
        return Response(body, media_type=content_type)

    @api.post("/api/complaints", status_code=201, **docs.SUBMIT)
    async def submit(request: Request) -> JSONResponse:
        member = staff_member(request)
        if member is None:
            rate_limit(request)
        elif not member.may("register"):
            raise Problem(403, {"error": "forbidden", "message": "your roles may not register"})
        lang = language(request)
        key = idempotency_key(request)
        data = await json_body(request)
        intake: Intake = request.app.state.intake
        priorities = tuple(policy_in_force()[0].norms.priority)
        submission, errors = domain.validate_submission(
            data, staff=member is not None, now=intake.clock(), lang=lang, priorities=priorities
        )
        if submission is None:
            raise Problem(422, errors)
        actor = f"staff:{member.name}" if member else "complainant"
        try:
            receipt = await guarded(
                request,
                intake.submit(
                    submission, actor=actor, idempotency_key=key, fingerprint=fingerprint(data)
                ),
            )
        except IdempotencyConflict:
            raise field_problem(
                422, "Idempotency-Key", domain.message("key_reused", lang)
            ) from None
        body = {
            "complaint_id": str(receipt.complaint_id),
            "reference": receipt.reference,
            "status": receipt.status,
            "links": {"self": f"/api/complaints/{receipt.complaint_id}", "status": "/status"},
        }
        location = {"Location": body["links"]["self"]}
        return JSONResponse(body, 201 if receipt.created else 200, headers=location)

    @api.get("/api/complaints/{complaint_id}")
    async def view(request: Request, complaint_id: str) -> dict[str, Any]:
        member = require(request, "read")
        personal = bool(member.roles & {"handler", "supervisor", "privacy"})
        return await request.app.state.intake.view(_uuid(complaint_id), personal=personal)

    @api.post("/api/complaints/{complaint_id}/responses", **docs.RESPOND)
    async def respond(request: Request, complaint_id: str) -> JSONResponse:
        member = require(request, "respond")
        v = await _action_body(request, domain.validate_response)

        def decide(c: Complaint, now: Any) -> None:
            c.respond(text=v["text"], resolution=v["resolution"], now=now, cause=_cause(member))

        return await _act(request, complaint_id, decide)

    @api.post("/api/complaints/{complaint_id}/escalations", **docs.ESCALATE)
    async def escalate(request: Request, complaint_id: str) -> JSONResponse:
        member = require(request, "escalate")
        v = await _action_body(request, domain.validate_escalation)
        from_message = v["reaction_event_id"]
        reason = v["reason"]
        if from_message is not None:
            message = await _message_in_body(request, complaint_id, from_message)
            reason = replies.escalation_reason(reason, message)

        def decide(c: Complaint, now: Any) -> None:
            level = v["level"] or c.level + 1
            policy, calendar = policy_in_force()
            c.escalate(
                level=level,
                target=domain.escalation_target(level, v["target"], policy),
                top_level=policy.top_level,
                reason=reason,
                text=v["text"],
                now=now,
                cause=_cause(member),
                terms=escalation_terms(c.facts, level, now, policy, calendar),
            )
            replies.handled_by_it(c, from_message, now, _cause(member))

        response = await _act(request, complaint_id, decide)
        if response.status_code == 201:
            obs.ESCALATIONS.labels("request").inc()
        return response

    @api.post("/api/complaints/{complaint_id}/extensions", **docs.EXTEND)
    async def extend(request: Request, complaint_id: str) -> JSONResponse:
        validate = domain.validate_extension
        return await _command(request, complaint_id, "extend", validate, Intake.extend)

    @api.post("/api/complaints/{complaint_id}/closure", **docs.CLOSE)
    async def close(request: Request, complaint_id: str) -> JSONResponse:
        return await _command(request, complaint_id, "close", domain.validate_closure, Intake.close)

    @api.post("/api/complaints/{complaint_id}/pause", **docs.PAUSE_ACTION)
    async def pause(request: Request, complaint_id: str) -> JSONResponse:
        return await _command(request, complaint_id, "pause", domain.validate_pause, Intake.pause)

    @api.post("/api/complaints/{complaint_id}/resume", **docs.RESUME)
    async def resume(request: Request, complaint_id: str) -> JSONResponse:
        member = require(request, "pause")
        raw = await json_body(request) if await request.body() else None
        _, errors = domain.validate_resumption(raw, language(request))
        if errors:
            raise Problem(422, errors)
        intake: Intake = request.app.state.intake
        cid = _uuid(complaint_id)
        return await _write(request, cid, intake.resume(cid, cause=_cause(member)))

    @api.get("/api/complaints/{complaint_id}/messages", **docs.MESSAGES_READ)
    async def messages(request: Request, complaint_id: str) -> dict[str, Any]:
        member = require(request, "read")
        personal = bool(member.roles & {"handler", "supervisor", "privacy"})
        intake: Intake = request.app.state.intake
        return {"messages": await replies.messages(intake, _uuid(complaint_id), personal=personal)}

    @api.post("/api/complaints/{complaint_id}/reactions/{event_id}/handled", **docs.HANDLED)
    async def handled(request: Request, complaint_id: str, event_id: str) -> JSONResponse:
        member = require(request, "handle")
        raw = await json_body(request) if await request.body() else None
        v, errors = domain.validate_reaction_handling(raw, language(request))
        if errors:
            raise Problem(422, errors)
        intake: Intake = request.app.state.intake
        cid = _uuid(complaint_id)
        message_id = _message_id(event_id)
        if message_id is None or await replies.message(intake, cid, message_id) is None:
            raise Problem(404, {"error": "not_found", "message": "no such message"})
        write = replies.handle(intake, cid, message_id, note=v["note"], cause=_cause(member))
        appended = await guarded(request, write)
        return await _state(intake, cid, appended)

    @api.post("/api/complaints/{complaint_id}/reopening", **docs.REOPEN)
    async def reopen(request: Request, complaint_id: str) -> JSONResponse:
        member = require(request, "reopen")
        v = await _action_body(request, domain.validate_reopening)
        if v["reaction_event_id"] is not None:
            await _message_in_body(request, complaint_id, v["reaction_event_id"])
        intake: Intake = request.app.state.intake
        cid = _uuid(complaint_id)
        try:
            write = replies.reopen(
                intake,
                cid,
                reason=v["reason"],
                event_id=v["reaction_event_id"],
                cause=_cause(member),
            )
            appended = await guarded(request, write)
        except IllegalTransition:
            message = domain.message("not_reopenable", language(request))
            raise Problem(409, {"error": "illegal_transition", "message": message}) from None
        return await _state(intake, cid, appended)

    @api.post("/api/status", **docs.STATUS)
    async def status(request: Request) -> JSONResponse:
        """Public: a fresh status link to the address on file when reference and e-mail belong
        together; the same 202 answer whatever the input (no oracle)."""
        rate_limit(request)
        data = await json_body(request)
        if not isinstance(data, dict) or not all(
            isinstance(data.get(k), str) for k in ("reference", "email")
        ):
            raise field_problem(422, "body", "send reference and email as strings")
        await request.app.state.intake.request_status_link(data["reference"], data["email"])
        return JSONResponse({"message": TEXTS[language(request)]["link_sent"]}, 202)


async def _action_body(request: Request, validate: Any) -> dict[str, Any]:
    values, errors = validate(await json_body(request), language(request))
    if errors:
        raise Problem(422, errors)
    return values


async def _act(request: Request, complaint_id: str, decide: Any) -> JSONResponse:
    intake: Intake = request.app.state.intake
    cid = _uuid(complaint_id)
    return await _write(request, cid, intake.act(cid, decide))


async def _command(
    request: Request,
    complaint_id: str,
    action: Action,
    validate: Callable[..., Any],
    command: Callable[..., Awaitable[bool]],
) -> JSONResponse:
    """One staff command: may this member, is the body valid, then the command's own rules."""
    member = require(request, action)
    values = await _action_body(request, validate)
    cid = _uuid(complaint_id)
    intake: Intake = request.app.state.intake
    return await _write(request, cid, command(intake, cid, **values, cause=_cause(member)))


async def _write(request: Request, cid: UUID, work: Awaitable[bool]) -> JSONResponse:
    """Await one command (201 when it appended, 200 when it was done already): the state."""
    return await _state(request.app.state.intake, cid, await guarded(request, work))


async def _state(intake: Intake, cid: UUID, appended: bool) -> JSONResponse:
    return JSONResponse(await intake.view(cid), 201 if appended else 200)


async def _message_in_body(request: Request, complaint_id: str, event_id: UUID) -> Any:
    """The message a body names (``reaction_event_id``); 422 when the complaint has none."""
    found = await replies.message(request.app.state.intake, _uuid(complaint_id), event_id)
    if found is None:
        message = domain.message("no_such_message", language(request))
        raise field_problem(422, "reaction_event_id", message)
    return found


def _message_id(text: str) -> UUID | None:
    try:
        return UUID(text)
    except ValueError:
        return None


def _cause(member: StaffMember) -> Cause:
    return Cause(actor=f"staff:{member.name}")


def _uuid(text: str) -> UUID:
    try:
        return UUID(text)
    except ValueError:
        raise ComplaintNotFound(text) from None
