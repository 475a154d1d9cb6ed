"""The dashboard (Dutch by default, ``?lang=en``): KPI charts as inline SVG and the staff
worklist of open complaints, nearest deadline first, its figures read in SQL (dashboard_reads.py),
live or as of a moment or sequence. Staff sign in (signin.py: a server-side session) or send the
``Authorization`` header."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from services.reporting import (
    charts,
    dashboard_reads,
    early_warning,
    signin,
    workspace,
    workspace_words,
)
from services.reporting.dashboard_pages import TEMPLATES, TEXTS
from services.reporting.http import Problem, staff_name, strict_query, view_and_now
from shared.config.vocabularies import words_of

CHANNELS = ["web", "email", "phone", "letter", "api"]
WORKLIST_MAX = dashboard_reads.WORKLIST_MAX

router = APIRouter()


def _lang(request: Request) -> str:
    lang = request.query_params.get("lang", "nl")
    if lang not in TEXTS:
        raise Problem(422, [{"field": "lang", "message": "choose nl or en"}])
    return lang


def dashboard_context(
    view: Any, now: datetime, t: dict[str, str], lang: str = "nl"
) -> dict[str, Any]:
    """The page's figures from `view` (live or restored) in SQL: dashboard_reads.py."""
    f = dashboard_reads.figures(view, now, WORKLIST_MAX)
    comp, esc, back = f.compliance, f.escalations, f.backlog
    rates = [(t[k], round(100 * v["rate"], 1)) for k, v in comp.items() if v["rate"] is not None]
    reasons = workspace.TEXTS[lang]["escalation_reasons"]
    return {
        "inflow": charts.stacked_columns("inflow", t["inflow"], f.inflow, CHANNELS),
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
        "total": f.total,
        "worklist": f.worklist,
        "worklist_more": max(f.worklist_total - WORKLIST_MAX, 0),
        "position": f.position,
        "as_of": workspace_words.compact(now.isoformat(), lang),
        "signals": _signals(f.warnings, t, lang),
        "years": [now.year - 1, now.year],
    }


def _signals(
    found: list[early_warning.Warning], t: dict[str, str], lang: str
) -> list[dict[str, Any]]:
    """Early warning (early_warning.py) in words: each rising topic with its complaints, the
    newest ten one click away."""
    vocabulary = words_of()
    out = []
    for w in found:
        topic = vocabulary.word("themes", w.topic, lang) if vocabulary else w.topic
        expected = f"{w.expected:.0f}" if w.expected >= 1 else f"{w.expected:.1f}"
        if lang == "nl":
            expected = expected.replace(".", ",")
        said = t["signal"].format(topic=topic, observed=w.observed, expected=expected)
        out.append({"topic": w.topic, "said": said, "complaints": w.complaints[:10]})
    return out


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(request: Request) -> HTMLResponse:
    lang = _lang(request)
    t = TEXTS[lang]
    if staff_name(request) is None:
        headers = {"WWW-Authenticate": 'Bearer realm="klachten"'}
        return signin.login_page(request, t, lang, "/dashboard", 401, None, headers)
    strict_query(request, {"lang"})
    context = dashboard_context(*view_and_now(request), t, lang)
    page = TEMPLATES.get_template("dashboard.html.j2").render(
        t=workspace.TEXTS[lang], d=t, lang=lang, day=workspace._day, **context
    )
    return HTMLResponse(page)
