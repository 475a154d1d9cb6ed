"""What every workspace page shares: the templates and their words (texts.json, Dutch and
English), rendering, the sign-in page, the language and token of a request, dates in words,
intake's address and the organisation file. workspace.py (the case page), workspace_desk.py
(the lists) and workspace_register.py (registering a complaint) import it; it imports none
of them."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse

from services.reporting import csrf, dashboard_pages, signin, workspace_steps, workspace_words
from services.reporting.http import credential
from shared.config.organisation import Organisation
from shared.config.settings import Settings
from shared.runtime import words

HERE = Path(__file__).parent / "templates" / "workspace"
TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(HERE.parent), autoescape=True, undefined=jinja2.StrictUndefined
)
csrf.install(TEMPLATES)  # {{ csrf_input() }} in every POST form
TEXTS = dashboard_pages.WORKSPACE_TEXTS  # texts.json, loaded once
TIMEOUT = 10.0


def intake_url(settings: Settings | None = None) -> str:
    """Where intake is reached: `settings.intake_origin` (None: the shared settings')."""
    return (settings or Settings.from_env(credentials=False)).intake_origin


def lang(request: Request) -> str:
    return "en" if request.query_params.get("lang") == "en" else "nl"


def token(request: Request) -> str:
    """The credential intake is called with for this staff member (http.py `credential`)."""
    return credential(request)


def render(name: str, lang: str, status: int = 200, **context: Any) -> HTMLResponse:
    t = TEXTS[lang]
    page = TEMPLATES.get_template(f"workspace/{name}").render(
        t=t, lang=lang, day=day, words=workspace_words, **context
    )
    return HTMLResponse(page, status)


def login(request: Request, lang: str) -> HTMLResponse:
    next = request.url.path if request.method == "GET" else "/workspace"
    headers = {"WWW-Authenticate": 'Bearer realm="klachten"'}
    return signin.login_page(request, TEXTS[lang], lang, next, 401, None, headers)


def day(text: str | None, lang: str, deadline: bool = True) -> str:
    """A deadline instant (the first moment late) as its due day, in words; else a moment."""
    if not text:
        return "—"
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if deadline:
        return words.long_date(moment - timedelta(microseconds=1), lang)
    return workspace_words.compact(text, lang)


def organisation(request: Request) -> Organisation | None:
    """The organisation file the settings name (members, teams, departments), or None."""
    settings = getattr(request.app.state, "settings", None)
    return workspace_steps.organisation(getattr(settings, "organisation_file", "") or "")
