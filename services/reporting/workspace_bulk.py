"""Bulk actions from the worklist (issue 17): assign (to a member, or into a team's queue) or
close several complaints at once.

Three steps, none needing script: the worklist's rows carry a checkbox of the form
``_bulk_form.html.j2`` (``form="bulk"``) with a choice of action; ``POST /workspace/bulk``
shows a confirmation page listing what will happen to which references (read from the read
model); ``POST /workspace/bulk/confirm`` then makes ONE call to intake's staff API per
complaint, with the staff member's own token (intake decides each by role and rule, exactly as
the case page's form would), and shows each complaint's result: done, or refused with the
refusal's own words. A refusal never stops the others and is never silent.

At most ``KLACHTEN_WORKSPACE_BULK_LIMIT`` (100) complaints per batch; more is refused on the
confirmation page, saying so. The calls go four at a time (intake appends each on its own).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs
from uuid import UUID

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from services.reporting import workspace_pages as pages
from services.reporting import workspace_steps
from services.reporting.fold import COMPLAINTS
from services.reporting.http import staff_member

router = APIRouter()
OUTCOMES = ("resolved", "withdrawn", "not_handled")
AT_ONCE = 4  # calls to intake in flight at a time


@dataclass(frozen=True)
class Action:
    """What a batch does, from the form's ``do``: ``assign:handler:<id>``,
    ``assign:team:<id>`` or ``close:<outcome>``."""

    kind: str  # "assign" | "close"
    target: str  # "handler" | "team" (assign) or the outcome (close)
    key: str = ""  # the member's or team's id

    @classmethod
    def parse(cls, raw: str) -> Action | None:
        parts = raw.split(":", 2)
        if len(parts) == 3 and parts[0] == "assign" and parts[1] in ("handler", "team"):
            return cls("assign", parts[1], parts[2]) if parts[2] else None
        if len(parts) == 2 and parts[0] == "close" and parts[1] in OUTCOMES:
            return cls("close", parts[1])
        return None

    @property
    def code(self) -> str:
        return f"{self.kind}:{self.target}" + (f":{self.key}" if self.key else "")

    def words(self, t: dict[str, Any], org: Any, lang: str) -> str:
        d = t["desk"]
        if self.kind == "close":
            return str(d["bulk_what_close"]).format(outcome=t["outcomes"].get(self.target, ""))
        kind = "members" if self.target == "handler" else "teams"
        who = workspace_steps.name_of(org, kind, self.key, lang)
        return str(d["bulk_what_assign" if self.target == "handler" else "bulk_what_queue"]).format(
            who=who
        )

    def endpoint(self) -> str:
        return "assignment" if self.kind == "assign" else "closure"

    def body(self, form: dict[str, str]) -> dict[str, Any]:
        text = form.get("text") or None
        if self.kind == "assign":
            return {self.target: self.key, "reason": text}
        return {"outcome": self.target, "note": text}


def _ids(raw: dict[str, list[str]]) -> list[str]:
    """The ticked complaints, in order, each once; what is no UUID is left out."""
    out: list[str] = []
    for value in raw.get("cid", []):
        try:
            cid = str(UUID(value.strip()))
        except ValueError:
            continue
        if cid not in out:
            out.append(cid)
    return out


def rows(view: Any, ids: list[str]) -> dict[str, dict[str, Any]]:
    """Reference, status and owner of each complaint in the read model, by id."""
    if not ids:
        return {}
    marks = ", ".join(view.placeholder for _ in ids)
    sql = (
        "SELECT complaint_id, reference, status, handler, team, version "
        f"FROM {view._table(COMPLAINTS)} WHERE complaint_id IN ({marks})"
    )
    with view._tx(commit=False) as c:
        c.execute(sql, ids)
        return {r["complaint_id"]: dict(r) for r in c.fetchall()}


async def _form(request: Request) -> tuple[dict[str, list[str]], dict[str, str]]:
    raw = parse_qs((await request.body()).decode(errors="replace"))
    return raw, {k: v[0].strip() for k, v in raw.items()}


def _problem(t: dict[str, Any], ids: list[str], action: Action | None, limit: int) -> str:
    """Why nothing can be done ("" when the batch may go ahead)."""
    if not ids:
        return str(t["bulk_none"])
    if action is None:
        return str(t["bulk_no_action"])
    if len(ids) > limit:
        return str(t["bulk_too_many"]).format(n=len(ids), limit=limit)
    return ""


def limit(request: Request) -> int:
    """The most complaints in one batch (the settings' ``workspace_bulk_limit``)."""
    settings = getattr(request.app.state, "settings", None)
    return int(getattr(settings, "workspace_bulk_limit", 100) or 100)


async def _confirmation(
    request: Request, lang: str, raw: dict[str, list[str]], form: dict[str, str]
) -> tuple[HTMLResponse | None, list[str], Action | None]:
    """The confirmation page, and the batch (the page is None when the batch may go ahead
    and `form` is a confirmation)."""
    ids, action = _ids(raw), Action.parse(form.get("do", ""))
    t, most, org = pages.TEXTS[lang], limit(request), pages.organisation(request)
    problem = _problem(t["desk"], ids, action, most)
    if not problem and request.url.path.endswith("/confirm"):
        return None, ids, action
    found = await asyncio.to_thread(rows, request.app.state.view, ids[: most + 1])
    page = pages.render(
        "_bulk_confirm.html.j2", lang, 422 if problem else 200, ids=ids, rows=found,
        action=action, what=action.words(t, org, lang) if action else "", problem=problem,
        limit=most, org=org, back=form.get("back", ""),
    )  # fmt: skip
    return page, ids, action


@router.post("/workspace/bulk", response_class=HTMLResponse)
async def confirm(request: Request) -> HTMLResponse:
    """The confirmation page: what will happen to which references (nothing is done yet)."""
    lang = pages.lang(request)
    if staff_member(request) is None:
        return pages.login(request, lang)
    page, _, _ = await _confirmation(request, lang, *(await _form(request)))
    assert page is not None
    return page


@dataclass
class Outcome:
    complaint_id: str
    reference: str
    done: bool
    words: str  # the refusal's or failure's words; "" when done


@router.post("/workspace/bulk/confirm", response_class=HTMLResponse)
async def carry_out(request: Request) -> HTMLResponse:
    """One staff API call per complaint with the member's own token; each result shown.
    Nothing ticked, no action or too many: the confirmation page says why, nothing is done."""
    lang = pages.lang(request)
    if staff_member(request) is None:
        return pages.login(request, lang)
    raw, form = await _form(request)
    page, ids, action = await _confirmation(request, lang, raw, form)
    if page is not None or action is None:
        return page or pages.login(request, lang)
    found = await asyncio.to_thread(rows, request.app.state.view, ids)
    outcomes = await run(pages.intake_url(), pages.token(request), lang, ids, action, form, found)
    return pages.render(
        "_bulk_result.html.j2",
        lang,
        outcomes=outcomes,
        what=action.words(pages.TEXTS[lang], pages.organisation(request), lang),
        refused=sum(1 for o in outcomes if not o.done),
        back=form.get("back", ""),
    )


async def run(
    base: str,
    token: str,
    lang: str,
    ids: list[str],
    action: Action,
    form: dict[str, str],
    found: dict[str, dict[str, Any]],
) -> list[Outcome]:
    """Each complaint's call and its result, in the order ticked."""
    headers = {"Authorization": f"Bearer {token}", "Accept-Language": lang}
    gate = asyncio.Semaphore(AT_ONCE)
    body = action.body(form)
    t = pages.TEXTS[lang]["desk"]
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=pages.TIMEOUT) as http:

        async def one(cid: str) -> Outcome:
            reference = (found.get(cid) or {}).get("reference") or cid
            async with gate:
                try:
                    answer = await http.post(
                        f"/api/complaints/{cid}/{action.endpoint()}", json=body
                    )
                except httpx.HTTPError as e:
                    return Outcome(cid, reference, False, str(t["bulk_failed"]).format(reason=e))
            if answer.status_code in (200, 201):
                return Outcome(cid, reference, True, "")
            return Outcome(cid, reference, False, _refusal(answer, t))

        return list(await asyncio.gather(*(one(cid) for cid in ids)))


def _refusal(answer: httpx.Response, t: dict[str, Any]) -> str:
    """Intake's own words for a refusal (409/403: its message; 422: each field's message)."""
    try:
        body = answer.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and body.get("message"):
        reason = str(body["message"])
    elif isinstance(body, list):
        reason = "; ".join(str(e.get("message", "")) for e in body if isinstance(e, dict))
    else:
        reason = f"HTTP {answer.status_code}"
    kind = "bulk_refused" if answer.status_code in (403, 404, 409, 422) else "bulk_failed"
    return str(t[kind]).format(reason=reason)
