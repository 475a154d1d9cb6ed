"""Health of every service, in one JSON shape.

    /health/live   200 {"status": "ok"}: the process answers.
    /health/ready  200 when the service can do its work, else 503; the body:
                   {"status": "ok" | "degraded", "nats": <connected>, "problems": [<reason>, …],
                    <the service's own facts>}
    /health        the same body as /health/ready, always 200 (for people and dashboards;
                   intake and reporting serve it)

`problems` are the log watch's (shared/runtime/logwatch.py: the log cannot be written, a
position lies beyond its end), each a sentence. The facts are a service's own: reporting's
``projection`` ("running", "not running", "stopped", "failed") and ``position`` (the read
model's stream sequence), the faststream services' ``started``. The supervisor (`klachten up`)
waits for ``status == "ok"``; tests and replicas compare reporting's ``position``.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from faststream.asgi import AsgiResponse, get
from starlette.concurrency import run_in_threadpool

from shared.runtime.logwatch import LogWatch

LIVE: dict[str, str] = {"status": "ok"}


@dataclass(frozen=True)
class Readiness:
    """What a service knows of its own readiness; `body()` is the one JSON shape."""

    nats: bool
    problems: Sequence[str] = ()
    working: bool = True  # the service's own part: application started, projection running
    facts: Mapping[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.nats and self.working and not self.problems

    @property
    def status_code(self) -> int:
        return 200 if self.ok else 503

    def body(self) -> dict[str, Any]:
        return {
            "status": "ok" if self.ok else "degraded",
            "nats": self.nats,
            "problems": sorted(self.problems),
            **self.facts,
        }


def watch_problems(watch: LogWatch | None) -> list[str]:
    return sorted(watch.problems.values()) if watch else []


# --- FastAPI services (intake, reporting) ------------------------------------------------------

ReadinessOf = Callable[[Request], "Readiness | Awaitable[Readiness]"]


def router(readiness: ReadinessOf) -> APIRouter:
    """``/health``, ``/health/live`` and ``/health/ready`` answering `readiness(request)`; a
    blocking (plain) `readiness` runs in a worker thread, off the event loop."""
    routes = APIRouter()

    async def current(request: Request) -> Readiness:
        if inspect.iscoroutinefunction(readiness):
            return await readiness(request)
        found = await run_in_threadpool(readiness, request)
        return await found if inspect.isawaitable(found) else found

    @routes.get("/health")
    async def health(request: Request) -> dict[str, Any]:
        return (await current(request)).body()

    @routes.get("/health/live")
    async def live() -> dict[str, str]:
        return dict(LIVE)

    @routes.get("/health/ready")
    async def ready(request: Request) -> JSONResponse:
        found = await current(request)
        return JSONResponse(found.body(), found.status_code)

    return routes


# --- faststream services (notifier, sla_monitor: AsgiFastStream routes) ------------------------


def asgi_routes(
    broker: Any, started: Callable[[], bool | Awaitable[bool]], watch: LogWatch | None = None
) -> list[tuple[str, Any]]:
    """``/health/live`` and ``/health/ready``: the broker answers a ping, `started()`, and the
    `watch` sees no problem."""

    def answer(found: Readiness) -> AsgiResponse:
        body = json.dumps(found.body()).encode()
        headers = {"content-type": "application/json"}
        return AsgiResponse(body, found.status_code, headers=headers)

    @get(include_in_schema=False)
    async def live(scope: Any) -> AsgiResponse:
        body = json.dumps(LIVE).encode()
        return AsgiResponse(body, 200, headers={"content-type": "application/json"})

    @get(include_in_schema=False)
    async def readiness(scope: Any) -> AsgiResponse:
        connected = bool(await broker.ping(timeout=2))
        result = started()
        running = bool(await result) if inspect.isawaitable(result) else bool(result)
        found = Readiness(connected, watch_problems(watch), running, {"started": running})
        return answer(found)

    return [("/health/live", live), ("/health/ready", readiness)]
