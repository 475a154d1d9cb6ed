"""The dashboard (Dutch by default, ``?lang=en``): KPI charts as inline SVG and the staff
worklist of open complaints, nearest deadline first. Staff sign in (signin.py: a server-side
session) or send the ``Authorization`` header."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from services.reporting import charts, domain, early_warning, signin, workspace, workspace_words
from services.reporting.dashboard_pages import TEMPLATES, TEXTS
from services.reporting.http import Problem, answer_source, staff_name, strict_query
from shared.config.vocabularies import words_of

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
        "signals": _signals(rows, src.now, t, lang),
        "years": [src.now.year - 1, src.now.year],
    }


def _signals(rows: list[Any], now: Any, t: dict[str, str], lang: str) -> list[dict[str, Any]]:
    """Early warning (early_warning.py) in words: each rising topic with its complaints, the
    newest ten one click away."""
    vocabulary = words_of()
    out = []
    for w in early_warning.warnings(rows, now):
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
    context = dashboard_context(answer_source(request), t, lang)
    page = TEMPLATES.get_template("dashboard.html.j2").render(
        t=workspace.TEXTS[lang], d=t, lang=lang, day=workspace._day, **context
    )
    return HTMLResponse(page)
