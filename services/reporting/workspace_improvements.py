"""Learning on the case page, and the improvement actions page (issue 18, docs/learning.md).

The case page's "learning" box (templates/workspace/_improvements.html.j2): classify the complaint
by themes, record a remedy, open an improvement action on it, join it to an action opened on
another complaint (and leave it again), change the title, owner, due date and status of the
actions it leads or close them; and the actions it is part of. Each
form posts to ``/workspace/complaints/<id>/<action>`` and is relayed as every other action is
(workspace.py: the conflict check, intake's answer, refusals in words on their field, the typed
text kept). Intake's routes: services/intake/learningapi.py, services/intake/improvementsapi.py.

``/workspace/improvements`` (every staff role may read): the actions by due date, overdue marked,
filtered by status (active by default), owner and theme, each with its complaints and its
history (every change, every complaint joining and leaving); and per theme
the complaints received per month over the last twelve months (reporting's read models,
services/reporting/improvements.py). The vocabulary's words come from intake's public
``/api/vocabulary`` (codes are shown as codes when intake does not answer).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from uuid import UUID

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from services.reporting import improvements as register
from services.reporting import workspace_pages as pages
from services.reporting.fold import ts
from services.reporting.http import staff_member
from services.reporting.tables import COMPLAINTS
from shared.config.policy import local_zone
from shared.runtime import words

router = APIRouter()
# action -> the route under /api/complaints/{id} (intake)
ENDPOINTS = {
    "classify": "classification",
    "remedy": "remedies",
    "improvement_open": "improvements",
    "improvement_change": "improvements/{action_id}",
    "improvement_link": "improvement-links",
    "improvement_unlink": "improvement-links/{action_id}/unlink",
}
WITH_ACTION = ("improvement_change", "improvement_unlink")  # the action's id in the route
MULTI = frozenset({"themes"})  # checkboxes: every value is kept
STATUSES = ("open", "in_progress", "done", "dropped")
FILTERS = ("active", "overdue", "", *STATUSES)


def endpoint(action: str, form: dict[str, str]) -> str | None:
    """The route of a form; None for an action id that is no UUID."""
    if action not in WITH_ACTION:
        return ENDPOINTS[action]
    try:
        return ENDPOINTS[action].format(action_id=UUID(form.get("action_id", "")))
    except ValueError:
        return None


def body(action: str, form: dict[str, str]) -> dict[str, Any]:
    """The body intake's route reads, from the form as typed (intake refuses in words)."""
    given = {k: v for k, v in form.items() if v and not k.startswith("_")}
    if action == "classify":
        return {"themes": [t for t in form.get("themes", "").split("\n") if t]}
    if action == "remedy":
        amount = form.get("amount", "").replace(",", ".")
        remedy: dict[str, Any] = {k: given[k] for k in ("kind", "owner", "due", "description")
                                  if k in given}  # fmt: skip
        if amount:
            try:
                remedy["amount_cents"] = round(float(amount) * 100)
            except ValueError:
                remedy["amount_cents"] = amount  # refused by intake on its field
        return {"remedies": [remedy]}
    if action == "improvement_open":
        opened = {k: form.get(k, "") for k in ("title", "owner", "due")}
        return opened | ({"theme": given["theme"]} if "theme" in given else {})
    if action == "improvement_change":  # a field emptied is sent empty: intake refuses it
        fields, needed = ("title", "owner", "status", "outcome", "due"), ("title", "owner")
        return {k: form[k] for k in fields if k in given or (k in needed and k in form)}
    if action == "improvement_unlink":
        return {}
    lead, _, action_id = form.get("action", "").partition("/")
    return {"lead_complaint_id": lead, "action_id": action_id}


def vocabulary() -> dict[str, Any] | None:
    """The codes offered now with their words (intake's public list), or None."""
    try:
        answer = httpx.get(pages.intake_url() + "/api/vocabulary", timeout=pages.TIMEOUT)
    except httpx.HTTPError:
        return None
    return answer.json() if answer.status_code == 200 else None


def theme_words(offered: dict[str, Any] | None, lang: str) -> dict[str, str]:
    return {t["code"]: t[lang] for t in (offered or {}).get("themes", [])}


def context(request: Request, cid: str, intake_get: Callable[[str], Any]) -> dict[str, Any]:
    """What the learning box shows: the vocabulary, what was learned (intake), the actions the
    complaint is part of and the active ones it may join (reporting), and who may act."""
    member = staff_member(request)
    view = request.app.state.view
    try:
        answer = intake_get(f"/api/complaints/{cid}/learning")
        learned = answer.json() if answer.status_code == 200 else None
    except Exception:  # intake away: the rest of the page still works
        learned = None
    part_of = register.of_complaint(view, COMPLAINTS, str(cid))
    mine = {a["action_id"] for a in part_of}
    now = ts(request.app.state.clock()) or ""
    active = register.filtered(register.current(view, COMPLAINTS), status="active", now=now)
    return {
        "vocabulary": vocabulary(),
        "learned": learned,
        "part_of": register.filtered(part_of, now=now),
        "joinable": [a for a in active if a["action_id"] not in mine],
        "may_learn": bool(member and member.may("investigate")),
        "may_remedy": bool(member and member.may("respond")),
    }


@router.get("/workspace/improvements", response_class=HTMLResponse)
async def page(request: Request) -> HTMLResponse:
    lang = pages.lang(request)
    if staff_member(request) is None:
        return pages.login(request, lang)
    return await asyncio.to_thread(_page, request, lang)


def _page(request: Request, lang: str) -> HTMLResponse:
    q = request.query_params
    status = q.get("status", "active")
    status = status if status in FILTERS else "active"
    owner, theme = q.get("owner", ""), q.get("theme", "")
    view, clock = request.app.state.view, request.app.state.clock()
    now = ts(clock) or ""
    everything = register.current(view, COMPLAINTS)
    shown = register.filtered(everything, status=status, owner=owner, theme=theme, now=now)
    for a in shown:
        a["members"] = register.linked_complaints(view, COMPLAINTS, a["action_id"])
        a["history"] = register.history(view, COMPLAINTS, a["action_id"])
    zone = local_zone()
    months = register.months_before(clock, zone)
    since = ts(clock - timedelta(days=372)) or ""  # the months' counts cut the rest
    rows = register.received_with_themes(view, COMPLAINTS, since)
    per_theme = register.per_theme_per_month(rows, months, zone)
    if theme:
        per_theme = {k: v for k, v in per_theme.items() if k == theme}
    offered = vocabulary()
    return pages.render(
        "improvements.html.j2",
        lang,
        actions=shown,
        shown_status=status,
        owner=owner,
        theme=theme,
        owners=sorted({a["owner"] for a in everything}),
        themes=theme_words(offered, lang),
        months=[_month(m, lang) for m in months],
        per_theme=per_theme,
        org=pages.organisation(request),
    )


def _month(month: str, lang: str) -> str:
    """``2026-11`` as people read it: ``nov 2026``."""
    year, number = month.split("-")
    return f"{words.MONTHS[words.language(lang)][int(number) - 1][:3]} {year}"
