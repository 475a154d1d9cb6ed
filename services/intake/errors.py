"""How intake answers what went wrong: a domain error as 404/409/422, a failed write as the one
classification every channel shares (shared/runtime/failures.py), and ``guarded`` writes that
stop waiting once the store is known to be full or shrunk."""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable
from typing import Any, TypeVar

from eventsourcing.persistence import OperationalError
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from nats.errors import Error as NatsError

from services.intake.http import Problem, language
from shared.eventstore.application import ComplaintNotFound
from shared.eventstore.link import Unavailable
from shared.rules.complaint import IllegalTransition, InvalidCommand
from shared.runtime import failures
from shared.runtime.failures import StorageFull
from shared.runtime.logwatch import LogWatch

log = logging.getLogger("klachten.intake")
UNAVAILABLE = (OperationalError, Unavailable, NatsError, TimeoutError, ConnectionError)
T = TypeVar("T")


def install(api: FastAPI) -> None:
    api.add_exception_handler(Problem, problem)  # type: ignore[arg-type]
    api.add_exception_handler(ComplaintNotFound, not_found)
    api.add_exception_handler(IllegalTransition, conflict)  # type: ignore[arg-type]
    api.add_exception_handler(InvalidCommand, invalid)  # type: ignore[arg-type]
    for kind in (*UNAVAILABLE, StorageFull):
        api.add_exception_handler(kind, write_failed)


async def problem(_: Request, error: Problem) -> JSONResponse:
    return error.response()


NOT_FOUND = {"nl": "Deze klacht bestaat niet.", "en": "no such complaint"}


async def not_found(request: Request, __: Exception) -> JSONResponse:
    return JSONResponse({"error": "not_found", "message": NOT_FOUND[language(request)]}, 404)


async def conflict(request: Request, error: IllegalTransition) -> JSONResponse:
    body = {"error": error.code, "message": error.words(language(request))}
    if error.refusal is not None:  # a rule of the law or the policy, named
        body |= {"reason": error.refusal.code, "rule": error.refusal.rule}
    return JSONResponse(body, 409)


async def invalid(request: Request, error: InvalidCommand) -> JSONResponse:
    found = {"field": "body", "message": error.words(language(request))}
    if error.refusal is not None:
        found |= {"field": error.refusal.field, "rule": error.refusal.rule}
    return JSONResponse([found], 422)


async def write_failed(request: Request, error: Exception) -> JSONResponse:
    """A configuration error is never passed off as an outage, and a full store says so."""
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
