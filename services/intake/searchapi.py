"""``GET /api/complaints/search?q=…&limit=…`` (staff who may see personal data: handler,
supervisor, privacy officer; others 403 in words): the complaints whose reference, complainant's
name or e-mail address, representative's name, subject or description contain every word of
``q`` (each word as a prefix), newest first, as ids and references only. The index and why it
lives here: search.py. The router's lifespan opens the index and follows the log while intake
runs (``KLACHTEN_SEARCH_INDEX=off``: no index, 503)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse

from services.intake import openapi as docs
from services.intake.api import PERSONAL_ROLES
from services.intake.http import Problem, field_problem, language, require
from services.intake.search import Follower, SearchIndex, follow
from services.intake.settings import IntakeSettings
from shared.runtime.staff import forbidden

log = logging.getLogger("klachten.intake.search")
MAX_LIMIT = 1000
WORDS = {
    "q": {"nl": "Geef een zoekterm van 1 tot 200 tekens.",
          "en": "Give a search term of 1 to 200 characters."},
    "limit": {"nl": f"Geef een aantal van 1 tot {MAX_LIMIT}.",
              "en": f"Give a number from 1 to {MAX_LIMIT}."},
    "off": {"nl": "Zoeken op naam en tekst kan nu niet: de zoekindex staat uit of kon niet "
                  "worden geopend (KLACHTEN_SEARCH_INDEX, het log van de intake).",
            "en": "Searching by name and text is not possible: the search index is switched off "
                  "or could not be opened (KLACHTEN_SEARCH_INDEX, intake's log)."},
}  # fmt: skip
FOUND = {
    "type": "object",
    "required": ["complaints", "more", "complete"],
    "properties": {
        "complaints": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["complaint_id", "reference"],
                "properties": {
                    "complaint_id": {"type": "string", "format": "uuid"},
                    "reference": {"type": "string"},
                },
            },
        },
        "more": {"type": "boolean", "description": "more complaints match than `limit`"},
        "complete": {
            "type": "boolean",
            "description": "false while the index is still reading the log (a first start)",
        },
    },
}
ANSWERS: dict[str, Any] = {
    "summary": "Search complaints by name, e-mail address, subject, description, reference",
    "description": "Staff who may see personal data only; ids and references, newest first.",
    "responses": {
        200: {"description": "the matching complaints, newest first",
              "content": {"application/json": {"schema": FOUND}}},
        **docs.STAFF,
        422: docs._json("no search term, or a limit out of range", "FieldErrors"),
        503: docs._json("the search index is switched off or cannot be opened", "Error"),
    },
}  # fmt: skip


@contextlib.asynccontextmanager
async def following(app: FastAPI) -> AsyncIterator[None]:
    """Open the index and follow the log; runs inside intake's own lifespan (after it)."""
    settings: IntakeSettings = app.state.settings
    path = index_path(settings)
    app.state.search = None
    if path is None:
        yield
        return
    events = app.state.intake.app
    try:
        index = SearchIndex(path)
    except (OSError, sqlite3.Error) as error:  # intake takes complaints without its search
        log.error("search index %s cannot be opened (%s): staff search answers 503", path, error)
        yield
        return
    follower = Follower(index, events.factory.link, getattr(events.mapper, "keystore", None))
    app.state.search = follower
    task = asyncio.create_task(follow(follower, app.state.nc, settings.search_poll))
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        index.close()


router = APIRouter(lifespan=following)


def index_path(settings: IntakeSettings) -> Path | None:
    """Where the index lives: ``KLACHTEN_SEARCH_INDEX``, else in intake's data folder."""
    if settings.search_index.strip().lower() == "off":
        return None
    if settings.search_index.strip():
        return Path(settings.search_index)
    return Path(settings.data_dir) / "intake" / "search.sqlite3"


@router.get("/api/complaints/search", **ANSWERS)
async def search(request: Request) -> JSONResponse:
    member = require(request, "read")
    lang = language(request)
    if not member.roles & PERSONAL_ROLES:
        words = forbidden(member, "search", lang, PERSONAL_ROLES)
        raise Problem(403, {"error": "forbidden", "message": words})
    text = request.query_params.get("q", "").strip()
    if not 0 < len(text) <= 200:
        raise field_problem(422, "q", WORDS["q"][lang])
    limit_text = request.query_params.get("limit", "200")
    if not (limit_text.isascii() and limit_text.isdigit() and 0 < int(limit_text) <= MAX_LIMIT):
        raise field_problem(422, "limit", WORDS["limit"][lang])
    follower: Follower | None = request.app.state.search
    if follower is None:
        raise Problem(503, {"error": "search_off", "message": WORDS["off"][lang]})
    limit = int(limit_text)
    try:  # read-your-writes: what was registered a moment ago is found
        complete = await asyncio.to_thread(follower.catch_up, 2.0)
    except Exception as error:  # the log or key store away: answer from what is indexed
        log.warning("search: catching up failed: %s", error)
        complete = False
    found = await asyncio.to_thread(follower.index.search, text, limit + 1)
    return JSONResponse(
        {"complaints": found[:limit], "more": len(found) > limit, "complete": complete}
    )
