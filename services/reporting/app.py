"""The reporting service's HTTP side: read API, audit trail, KPIs, yearly report, exports,
dashboard, the case handler's workspace.

Wiring only. `bootstrap(settings)` builds the app: the staff tokens (a mistyped role stops the
start), the clock, the routers (api.py, web.py, workspace.py, shared/runtime/health.py). The
lifespan opens the view, one NATS link for replays and audit reads, the log watch, and (unless
KLACHTEN_REPORTING_FOLLOW=false) runs the projection runner.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from services.reporting import api, csrf, signin, snapshots, web, workspace
from services.reporting.deadletters import NatsDeadLetters
from services.reporting.http import Problem, WholeViewTurns
from services.reporting.oidc import OidcSignIn
from services.reporting.projections import position_problem, shrunk_check, start_runner
from services.reporting.sessions import SessionStore
from services.reporting.settings import ReportingSettings
from services.reporting.view_backends import open_view
from shared.config.policy import reload_on_sighup
from shared.eventstore.link import JetStreamLink
from shared.runtime import apisecurity, health, tracing, webheaders
from shared.runtime.clock import Clock, utcnow
from shared.runtime.logwatch import Check, LogWatch
from shared.runtime.staff import parse_tokens

logger = logging.getLogger("klachten.reporting")


def readiness(request: Request) -> health.Readiness:
    """Ready: NATS connected, the projection running (or not asked to), and no problem the
    log watch knows of; the facts are the projection's state and the view's position."""
    state = request.app.state
    runner = state.runner
    error = getattr(runner, "_thread_error", None) if runner else None
    projection = "not running" if runner is None else ("failed" if error else "running")
    if runner is not None and runner.is_interrupted.is_set() and not error:
        projection = "stopped"
    return health.Readiness(
        nats=state.link.nc.is_connected,
        problems=health.watch_problems(state.watch),
        working=projection in ("running", "not running"),
        facts={"projection": projection, "position": state.view.position()},
    )


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: ReportingSettings = app.state.settings
    app.state.view = open_view(settings.db)
    app.state.link = JetStreamLink(settings.nats_url, name="klachten-reporting")
    watch = app.state.watch = LogWatch("reporting", {"position:projection": _position(app)})
    watch.add("shrunk", shrunk_check(settings.data_dir, lambda: app.state.link))
    sink = NatsDeadLetters(settings.nats_url)
    runner = (
        start_runner(settings.db, settings.nats_url, sink, paused=watch.shrunk)
        if settings.reporting_follow
        else None
    )
    app.state.runner = runner
    if runner is not None:
        runner.__enter__()
        # The projection's thread gives up the interpreter lock at every read and commit and
        # waits for it again behind the readers' threads: 1 ms turns instead of 5 keep new
        # events from waiting on the dashboards (issue 23; bench/readers.py).
        sys.setswitchinterval(0.001)
    watch.start()
    reload_on_sighup()  # the policy, as every process reloads it
    try:
        yield
    finally:
        await watch.stop()
        if runner is not None:
            runner.projection.closing.set()  # a runner paused on a short log ends
            try:
                runner.__exit__(None, None, None)
            except Exception:
                logger.exception("the projection runner stopped with an error")
        sink.close()
        app.state.link.close()
        tracing.flush()  # uvicorn re-raises SIGTERM after this: no interpreter exit


def bootstrap(settings: ReportingSettings, *, clock: Clock = utcnow) -> FastAPI:
    """The reporting app for `settings`; `clock` for tests that fix the moment. Raises
    ValueError for a malformed staff token entry (an unknown role is named)."""
    # No Swagger UI (it loads its assets from a CDN onto this origin): /openapi.json.
    app = FastAPI(title="klachten reporting", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.settings, app.state.clock = settings, clock
    snapshots.keep(settings.reporting_snapshots_kept)  # the projection's pruning (this process)
    app.state.tokens = parse_tokens(settings.staff_token, settings.staff_tokens)
    # Staff sessions, CSRF and sign-in (signin.py, csrf.py, sessions.py, oidc.py)
    app.state.sessions = SessionStore(
        settings.data_dir / "sessions.sqlite3",
        idle=settings.session_idle_minutes * 60,
        absolute=settings.session_hours * 3600,
    )
    on = settings.oidc_issuer and settings.oidc_client_id
    app.state.oidc = OidcSignIn(settings) if on else None
    app.add_middleware(csrf.Guard, origin=settings.reporting_origin)
    app.add_middleware(WholeViewTurns, limit=2)  # whole-view answers take turns (http.py)
    webheaders.install(app, Path(__file__).parent / "static")
    apisecurity.install(app, lambda path, _: "required" if path.startswith("/api/") else None)
    app.add_exception_handler(Problem, problem)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, invalid_request)  # type: ignore[arg-type]
    for router in (health.router(readiness), api.router, signin.router, web.router,
                   workspace.router):  # fmt: skip
        app.include_router(router)
    return app


def create_app(settings: ReportingSettings | None = None, clock: Clock = utcnow) -> FastAPI:
    """`bootstrap` with the environment's settings (until every caller passes settings)."""
    return bootstrap(settings or ReportingSettings.from_env(), clock=clock)


async def problem(_: Request, exc: Problem) -> JSONResponse:
    return JSONResponse(exc.body, exc.status, exc.headers)


async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
    body = [
        {"field": ".".join(str(p) for p in e["loc"][1:]), "message": e["msg"]} for e in exc.errors()
    ]
    return JSONResponse(body, 422)


def _position(app: FastAPI) -> Check:
    def check() -> Awaitable[str | None]:
        return asyncio.to_thread(position_problem, app.state.view, app.state.link)

    return check
