"""The dashboard (Dutch by default, ``?lang=en``): KPI charts as inline SVG and the staff
worklist of open complaints, nearest deadline first. Staff sign in (signin.py: a server-side
session) or send the ``Authorization`` header."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from services.reporting import charts, csrf, domain, signin, workspace, workspace_words
from services.reporting.http import Problem, answer_source, staff_name, strict_query

TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)
csrf.install(TEMPLATES)  # {{ csrf_input() }} in every POST form
TEXTS: dict[str, dict[str, str]] = {
    "nl": {
        "title": "Klachten — dashboard",
        "inflow": "Instroom per kanaal per maand",
        "compliance": "Termijnen gehaald (%)",
        "escalations": "Escalaties per niveau",
        "reasons": "Escalaties per reden",
        "ageing": "Achterstand: leeftijd open klachten",
        "worklist": "Werklijst: open klachten, eerstvolgende termijn eerst",
        "reference": "Kenmerk",
        "status": "Status",
        "channel": "Kanaal",
        "category": "Categorie",
        "deadline": "Termijn",
        "kind": "Soort",
        "level": "Niveau",
        "overdue": "Te laat",
        "open": "Open",
        "as_of": "Stand per",
        "acknowledge_norm": "Ontvangstbevestiging",
        "respond_norm": "Interne norm",
        "statutory": "Wettelijke termijn",
        "login": "Aanmelden",
        "token": "Toegangstoken",
        "total": "Klachten totaal",
        "yes": "ja",
        "no": "nee",
        "level_n": "niveau",
        "more": "En nog",
        "to_worklist": "alle klachten in de werklijst",
        "position": "logpositie",
    },
    "en": {
        "title": "Complaints — dashboard",
        "inflow": "Inflow per channel per month",
        "compliance": "Deadlines met (%)",
        "escalations": "Escalations per level",
        "reasons": "Escalations per reason",
        "ageing": "Backlog: age of open complaints",
        "worklist": "Worklist: open complaints, nearest deadline first",
        "reference": "Reference",
        "status": "Status",
        "channel": "Channel",
        "category": "Category",
        "deadline": "Deadline",
        "kind": "Kind",
        "level": "Level",
        "overdue": "Overdue",
        "open": "Open",
        "as_of": "As of",
        "acknowledge_norm": "Acknowledgement",
        "respond_norm": "Internal norm",
        "statutory": "Statutory term",
        "login": "Sign in",
        "token": "Access token",
        "total": "Complaints in total",
        "yes": "yes",
        "no": "no",
        "level_n": "level",
        "more": "And",
        "to_worklist": "every complaint in the worklist",
        "position": "log position",
    },
}
CHANNELS = ["web", "email", "phone", "letter", "api"]
WORKLIST_MAX = 200

router = APIRouter()


def _lang(request: Request) -> str:
    lang = request.query_params.get("lang", "nl")
    if lang not in TEXTS:
        raise Problem(422, [{"field": "lang", "message": "choose nl or en"}])
    return lang


def dashboard_context(src: Any, t: dict[str, str], lang: str = "nl") -> dict[str, Any]:
    rows = src.tables["complaints_status_and_deadlines"]
    comp = domain.compliance(rows, src.now)
    esc = domain.escalations(src.tables["escalations_by_level_and_reason"])
    back = domain.backlog(rows, src.now)
    rates = [(t[k], round(100 * v["rate"], 1)) for k, v in comp.items() if v["rate"] is not None]
    work = domain.worklist(rows, src.now)
    reasons = workspace.TEXTS[lang]["escalation_reasons"]
    return {
        "inflow": charts.stacked_columns("inflow", t["inflow"], domain.inflow(rows), CHANNELS),
        "compliance": charts.bars("compliance", t["compliance"], rates, "%"),
        "escalations": charts.bars(
            "escalations",
            t["escalations"],
            [(f"{t['level_n']} {k}", v) for k, v in esc["by_level"].items()],
        ),
        "reasons": charts.bars(
            "escalation-reasons",
            t["reasons"],
            [(reasons.get(k, k), v) for k, v in esc["by_reason"].items()],
        ),
        "ageing": charts.bars("ageing", t["ageing"], list(back["ageing"].items())),
        "backlog": back,
        "total": len(rows),
        "worklist": work[:WORKLIST_MAX],
        "worklist_more": max(len(work) - WORKLIST_MAX, 0),
        "position": src.position,
        "as_of": workspace_words.compact(src.now.isoformat(), lang),
    }


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(request: Request) -> HTMLResponse:
    lang = _lang(request)
    t = TEXTS[lang]
    if staff_name(request) is None:
        headers = {"WWW-Authenticate": 'Bearer realm="klachten"'}
        return signin.login_page(request, t, lang, "/dashboard", 401, None, headers)
    strict_query(request, {"lang"})
    context = dashboard_context(answer_source(request), t, lang)
    page = TEMPLATES.get_template("dashboard.html.j2").render(
        t=workspace.TEXTS[lang], d=t, lang=lang, day=workspace._day, **context
    )
    return HTMLResponse(page)
