"""The intake service's HTTP side, wired: complaint API, staff API, public status lookup, web
form, privacy statement, health.

Wiring only. ``bootstrap`` builds the object graph from the settings (the limits, the staff
tokens, the clock); the lifespan opens one NATS connection (KV buckets, object store) and the
eventsourcing application (its own connection, synchronous, called in threads). The routes are
module-level routers (api.py, staffapi.py, procedureapi.py, webform.py, web.py, privacy.py,
health.py) that take what they need from ``request.app.state``; errors.py turns domain errors
into 404/409/422.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import nats
from fastapi import FastAPI

from services.intake import (
    api,
    complainant,
    copypdf,
    correctionsapi,
    errors,
    health,
    improvementsapi,
    learningapi,
    letterpreview,
    notesapi,
    privacy,
    procedureapi,
    questions,
    searchapi,
    staffapi,
    survey,
    web,
    webform,
)
from services.intake import openapi as docs
from services.intake.application import Intake
from services.intake.limits import DAY, BodySizeLimit, SharedRateLimiter
from services.intake.settings import IntakeSettings
from shared.config.organisation import load_organisation, organisation_file
from shared.config.policy import reload_on_sighup
from shared.config.vocabularies import load_vocabulary, vocabularies_file
from shared.eventstore.application import ComplaintsApplication
from shared.runtime import tracing, webheaders
from shared.runtime.clock import Clock, utcnow
from shared.runtime.logwatch import service_watch
from shared.runtime.staff import parse_tokens

log = logging.getLogger("klachten.intake")
STATIC = Path(__file__).parent / "static"


def bootstrap(settings: IntakeSettings, **overrides: Any) -> FastAPI:
    """The intake app for ``settings``; nothing below reads the environment. ``overrides``
    (tests): ``clock``, ``rate_limiter``, ``tokens``, ``organisation``. The NATS connection
    and the complaint log open in the lifespan, so building the app connects to nothing; the
    organisation file is read here, so a wrong one stops the start (OrganisationError)."""
    unknown = set(overrides) - {"clock", "rate_limiter", "tokens", "organisation", "vocabulary"}
    if unknown:
        raise TypeError(f"bootstrap() has no override {', '.join(sorted(unknown))}")
    # No Swagger UI (it loads its assets from a CDN onto this origin): /openapi.json.
    app = FastAPI(title="klachten intake", lifespan=lifespan, docs_url=None, redoc_url=None)
    state = app.state
    state.settings = settings
    state.clock = overrides.get("clock", utcnow)
    state.tokens = overrides.get("tokens") or parse_tokens(
        settings.staff_token, settings.staff_tokens
    )
    state.organisation = overrides.get("organisation") or load_organisation(
        organisation_file(settings.organisation_file)
    )
    state.vocabulary = overrides.get("vocabulary") or load_vocabulary(
        vocabularies_file(settings.vocabularies_file)
    )
    state.rate_limiter = overrides.get("rate_limiter") or SharedRateLimiter(
        settings.intake_rate_limit, settings.intake_rate_window, "client"
    )
    state.letter_limiter = SharedRateLimiter(settings.intake_letters_per_address, DAY, "letters")
    app.add_middleware(
        BodySizeLimit,
        max_bytes=settings.intake_max_body_bytes,
        # documents added in the web form: the attachment limit plus room for the fields
        upload_max_bytes=settings.attachment_max_bytes + settings.intake_max_body_bytes,
        # the web form reads a little more, to show its own 413 page with the text kept
        form_path="/",
        form_max_bytes=4 * (settings.attachment_max_bytes + settings.intake_max_body_bytes),
    )
    errors.install(app)
    app.include_router(searchapi.router)  # before {complaint_id}; follows the log (issue 17)
    for router in (health.router, api.router, staffapi.router, webform.router, web.router):
        app.include_router(router)
    app.include_router(privacy.router)
    app.include_router(complainant.router)
    app.include_router(copypdf.router)  # the copy of what was sent, as PDF (issue 25)
    app.include_router(questions.router)  # a handler's question, answered on the status page
    app.include_router(procedureapi.router)
    app.include_router(survey.router)  # the survey after closure (issue 18 item 4)
    app.include_router(letterpreview.router)  # the letter an answer would send (issue 17)
    app.include_router(notesapi.router)  # internal notes (issue 17)
    app.include_router(correctionsapi.router)  # category, duplicates, follow-ups (issue 17)
    app.include_router(learningapi.router)
    app.include_router(improvementsapi.router)  # the improvement actions register (issue 18)
    docs.install(app)
    webheaders.install(app, STATIC)
    return app


def create_app(settings: IntakeSettings, clock: Clock = utcnow) -> FastAPI:
    """The former name of ``bootstrap`` (until every caller uses it)."""
    return bootstrap(settings, clock=clock)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: IntakeSettings = app.state.settings
    nc: Any = None
    watch = app.state.watch = service_watch("intake", settings, lambda: nc)
    nc = await nats.connect(
        **settings.nats_connect,
        max_reconnect_attempts=-1,
        name="intake",
        error_cb=watch.on_nats_error,
    )
    events = ComplaintsApplication(env={"NATS_URL": settings.nats_url, "NAME": "intake"})
    try:
        patience = settings.intake_startup_timeout
        app.state.intake = await _open(nc, events, app.state.clock, patience)
        app.state.nc = nc
        for limiter in (app.state.rate_limiter, app.state.letter_limiter):
            await limiter.join(nc.jetstream())  # limits shared by every intake process
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


async def _open(nc: Any, events: ComplaintsApplication, clock: Clock, patience: float) -> Intake:
    """Open the buckets, retrying for `patience` s: a cluster that is still electing its
    leaders answers `nats: timeout` for a few seconds."""
    deadline = time.monotonic() + patience
    delay = 0.2
    while True:
        try:
            return await Intake.open(nc.jetstream(), events, clock)
        except errors.UNAVAILABLE as error:
            if time.monotonic() + delay > deadline:
                raise
            log.warning("intake start-up: %s; retrying in %.1f s", error, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)
