"""The case handler's workspace (Dutch by default, ``?lang=en``): the complaint page and its
actions. The lists are workspace_desk.py
(SQL in workspace_lists.py), the procedure's steps workspace_steps.py, registering a phone or
letter complaint workspace_register.py, codes said in words workspace_words.py, the
rendering they share workspace_pages.py.

Reading: the lists come from reporting's read model; a complaint
page reads the complaint from intake's staff API (``/api/complaints/<id>/timeline``) with the
staff member's own token, because only intake holds the personal data (texts, documents).
Acting: every action is a server-side call to intake's staff API with that same token, so it
appends exactly the events the API appends. The form carries the complaint version it was
rendered from; before posting, the workspace reads the complaint again and refuses when a
colleague's action (anything but letters) was appended since — "a colleague already ...".
The small window between that check and the post is covered by the rules themselves (intake
answers 409 to a second response, a closed complaint, a second extension), shown the same way.

Above 300 lines: the page and every action share the rendering and the conflict rule, and
the bodies relayed to intake sit beside the actions that send them (the procedure's steps'
bodies are in workspace_steps.py).

KLACHTEN_INTAKE_URL  intake's base URL (default http://127.0.0.1:$KLACHTEN_INTAKE_PORT or :8080)
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs
from uuid import UUID

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.reporting import (
    event_words,
    workspace_bulk,
    workspace_casefile,
    workspace_corrections,
    workspace_desk,
    workspace_improvements,
    workspace_notifications,
    workspace_presence,
    workspace_register,
    workspace_steps,
    workspace_words,
)
from services.reporting import workspace_pages as pages
from services.reporting.http import staff_name
from shared.config.policy import local_zone, policy_in_force
from shared.rules import awb, refusals

ENDPOINTS = {
    "respond": "responses",
    "preview": "responses/preview",  # the letter the answer would send; nothing is sent
    "note": "notes",  # an internal note: staff only
    "extend": "extensions",
    "escalate": "escalations",
    "close": "closure",
    "handled": "reactions/{event_id}/handled",
    "reopen": "reopening",
    "pause": "pause",
    "resume": "resume",
} | workspace_steps.ENDPOINTS
# Appended by a colleague (or the complainant) since the page was rendered: the handler must
# look again before acting. Letters and acknowledgements do not change what the handler decides.
CONFLICTING = {
    "responded", "extended", "escalated", "closed", "reaction_received", "paused", "resumed",
    "reopened",
} | workspace_steps.CONFLICTING  # fmt: skip
ENDPOINTS |= workspace_corrections.ENDPOINTS  # the corrections box (issue 17)
CONFLICTING |= workspace_corrections.CONFLICTING
ENDPOINTS |= workspace_improvements.ENDPOINTS  # learning and improvement actions (issue 18)
MULTI = workspace_steps.MULTI | workspace_improvements.MULTI  # fields sent more than once
PLACEHOLDER = "…"  # what the answer templates leave for the handler to fill in

router = APIRouter()
router.include_router(workspace_desk.router)  # the lists
router.include_router(workspace_register.router)  # registering a phone or letter complaint
router.include_router(workspace_casefile.router)  # the case file as a download
router.include_router(workspace_bulk.router)  # bulk assign and close from the worklist
router.include_router(workspace_presence.router)  # who else has a case open
router.include_router(workspace_notifications.router)  # the bell and its page
router.include_router(workspace_improvements.router)  # the improvement actions page
# The rendering every workspace page shares (workspace_pages.py), under the names used here.
HERE, TEMPLATES, TEXTS, TIMEOUT = pages.HERE, pages.TEMPLATES, pages.TEXTS, pages.TIMEOUT
intake_url, _lang, _token, _render = pages.intake_url, pages.lang, pages.token, pages.render
_login, _day, _org = pages.login, pages.day, pages.organisation


class IntakeStaffApi:
    """Intake's staff API, called with the signed-in staff member's own token."""

    def __init__(self, token: str) -> None:
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, path: str) -> httpx.Response:
        return httpx.get(intake_url() + path, headers=self.headers, timeout=TIMEOUT)

    def post(self, path: str, body: dict[str, Any], lang: str) -> httpx.Response:
        headers = {**self.headers, "Accept-Language": lang}
        return httpx.post(intake_url() + path, json=body, headers=headers, timeout=TIMEOUT)


def _complaint_page(
    request: Request, cid: str, lang: str, status: int = 200, **extra: Any
) -> HTMLResponse:
    answer = IntakeStaffApi(_token(request)).get(f"/api/complaints/{cid}/timeline")
    if answer.status_code != 200:
        return _render(
            "missing.html.j2", lang, answer.status_code if answer.status_code < 500 else 502
        )
    data = answer.json()
    state, now = data["state"], request.app.state.clock()
    replies = IntakeStaffApi(_token(request)).get(f"/api/complaints/{cid}/messages")
    messages = replies.json()["messages"] if replies.status_code == 200 else []
    t = TEXTS[lang]
    template = request.query_params.get("template", "")
    personal = state.get("personal") or {}
    # The letter goes in the complaint's language, so the template's text is in that language.
    letter = TEXTS.get(state.get("language") or lang, t)
    draft = letter["response_templates"].get(template, {}).get("text", "")
    context: dict[str, Any] = {
        "state": state,
        "events": data["events"],
        "notes": [e for e in data["events"] if e["type"] == "note_added"],
        "messages": messages,
        "waiting": [m for m in messages if m["new"]],
        "personal": personal,
        "clocks": _clocks(state, now),
        "extension": _extension(state, now, lang),
        "draft": draft,
        "draft_resolution": t["response_templates"].get(template, {}).get("resolution", ""),
        "message": TEXTS[lang]["case_file_problems"].get(request.query_params.get("case_file")),
        "errors": [],
        "done": request.query_params.get("done", ""),
        "kept": {},
        "failed": "",
        "org": _org(request),
        "choices": workspace_steps.choices(_org(request), lang),
        "next_level": workspace_steps.next_level(state["escalation_level"], lang),
        "zone": str(local_zone()),
        "may": workspace_steps.may(request),  # which of its forms the member may use
        "warnings": [],
        "preview": None,
        **workspace_presence.context(request, cid, data["events"], extra, status, lang),
        **workspace_corrections.context(
            request, cid, lambda path: IntakeStaffApi(_token(request)).get(path)
        ),
        **workspace_improvements.context(request, cid, IntakeStaffApi(_token(request)).get),
        **extra,
    }
    return _render("complaint.html.j2", lang, status, **context)


def _clocks(state: dict[str, Any], now: datetime) -> list[dict[str, Any]]:
    d = state["deadlines"]
    rows = [
        ("internal", "acknowledgement", d["acknowledgement"], state["acknowledged"]),
        ("internal", "response", d["response"], state["status"] in ("responded", "closed")),
        ("statutory", "statutory", d["statutory"], state["status"] in ("responded", "closed")),
    ]
    # Ended without meeting it (closed before an acknowledgement, resolved informally,
    # declined): no longer running, and never late.
    ended = state["status"] not in ("submitted", "acknowledged", "escalated", "responded")
    out = []
    for clock, kind, at, met in rows:
        late = bool(at) and not met and not ended and datetime.fromisoformat(at) <= now
        stopped = ended and not met
        out.append({"clock": clock, "kind": kind, "at": at, "met": met, "overdue": late,
                    "ended": stopped})  # fmt: skip
    return out


def _extension(state: dict[str, Any], now: datetime, lang: str) -> dict[str, Any]:
    """What the extension form offers: at most the policy's weeks for the complaint's regime,
    and why the rules (shared/rules/awb.py, Awb 9:11 lid 2) refuse it now, in words, or None."""
    most = policy_in_force()[0].statutory_rule(state.get("category")).max_extension_weeks
    if state["status"] not in ("submitted", "acknowledged", "escalated", "responded"):
        return {"max_weeks": most, "refusal": str(TEXTS[lang]["extend_not_open"])}
    refusal = awb.extension_refusal(
        weeks=1,
        max_weeks=most,
        with_consent=False,
        extended_before=bool(state["extensions"]),
        answered=state["status"] == "responded",
        term_end=datetime.fromisoformat(state["deadlines"]["statutory"]),
        now=now,
    )
    return {"max_weeks": most, "refusal": refusal and refusals.words(refusal, lang)}


def _body(action: str, form: dict[str, str]) -> dict[str, Any]:
    if action in workspace_steps.ENDPOINTS:
        return workspace_steps.body(action, form)
    if action in workspace_corrections.ENDPOINTS:
        return workspace_corrections.body(action, form)
    if action in workspace_improvements.ENDPOINTS:
        return workspace_improvements.body(action, form)
    if action in ("respond", "preview"):
        answer: dict[str, Any] = {
            "text": form.get("text", ""),
            "resolution": form.get("resolution", ""),
        }
        if form.get("departs_from_advice") in ("yes", "no"):  # after a committee's advice
            answer["departs_from_advice"] = form["departs_from_advice"] == "yes"
            answer["departure_reasons"] = form.get("departure_reasons") or None
        return answer
    if action == "extend":
        weeks = form.get("weeks", "")
        return {
            "weeks": int(weeks) if weeks.isascii() and weeks.isdigit() else weeks,
            "reason": form.get("reason", ""),
        }
    if action == "escalate":
        if form.get("reaction_event_id"):  # from a message: its reason follows from it
            return {
                "reaction_event_id": form["reaction_event_id"],
                "text": form.get("text") or None,
            }
        decided: dict[str, Any] = {"reason": "staff_decision", "text": form.get("text") or None}
        if form.get("target"):  # a member or team of the organisation file (else the ladder's)
            decided["target"] = form["target"]
        return decided
    if action == "handled":
        return {"note": form.get("note") or None}
    if action == "note":
        return {"text": form.get("text", "")}
    if action == "pause":
        return {"reason": form.get("reason", "")}
    if action == "resume":
        return {}
    if action == "reopen":
        return {
            "reason": form.get("reason", ""),
            "reaction_event_id": form.get("reaction_event_id") or None,
        }
    return {"outcome": form.get("outcome", ""), "note": form.get("note") or None}


def _endpoint(action: str, form: dict[str, str]) -> str | None:
    """The staff API path of an action; None for a message id that is no UUID."""
    if action in workspace_steps.ENDPOINTS:
        return workspace_steps.endpoint(action, form)
    if action in workspace_improvements.ENDPOINTS:
        return workspace_improvements.endpoint(action, form)
    if action != "handled":
        return ENDPOINTS[action]
    try:
        return ENDPOINTS[action].format(event_id=UUID(form.get("event_id", "")))
    except ValueError:
        return None


def _conflict(events: list[dict[str, Any]], seen: int, t: dict[str, Any], lang: str) -> str | None:
    later = [e for e in events if e["version"] > seen and e["type"] in CONFLICTING]
    if not later:
        return None
    e = later[-1]
    who = workspace_words.actor(e["actor"], t, None, lang)
    what = event_words.name(e["type"], lang)
    return str(t["conflict"]).format(who=who, what=what, at=_day(e["occurred_at"], lang, False))


@router.get("/workspace/complaints/{cid}", response_class=HTMLResponse)
def complaint(request: Request, cid: UUID) -> HTMLResponse:
    lang = _lang(request)
    if staff_name(request) is None:
        return _login(request, lang)
    return _complaint_page(request, cid, lang)


@router.post(
    "/workspace/complaints/{cid}/{action}", response_class=HTMLResponse, response_model=None
)
async def act(request: Request, cid: UUID, action: str) -> Response:
    lang = _lang(request)
    if staff_name(request) is None or action not in ENDPOINTS:
        return _login(request, lang)
    raw = parse_qs((await request.body()).decode(errors="replace"))
    form = {
        k: "\n".join(x.strip() for x in v) if k in MULTI else v[0].strip() for k, v in raw.items()
    }
    form["_action"] = action  # which form the kept values belong to
    return await asyncio.to_thread(_act_sync, request, cid, action, form, lang)


@router.post("/workspace/complaints/{cid}/corrections/{action}", response_model=None)
async def correct(request: Request, cid: UUID, action: str) -> Response:
    """A form of the corrections box (workspace_corrections.py: recategorise, duplicate,
    follow_up), relayed as every action: back to the case page when done, else the page with
    the refusal in words."""
    lang = _lang(request)
    if staff_name(request) is None or action not in workspace_corrections.ENDPOINTS:
        return _login(request, lang)
    raw = parse_qs((await request.body()).decode(errors="replace"))
    form = {k: v[0].strip() for k, v in raw.items()} | {"_action": action}
    return await asyncio.to_thread(_act_sync, request, cid, action, form, lang)


async def _form(request: Request, action: str) -> dict[str, str]:
    raw = parse_qs((await request.body()).decode(errors="replace"))
    return {k: v[0].strip() for k, v in raw.items()} | {"_action": action}


@router.post("/workspace/complaints/{cid}/measures/rows", response_model=None)
async def measure_rows(request: Request, cid: UUID) -> Response:
    """The buttons 'another measure' and 'leave out the ticked ones': the page again with
    the rows typed so far, one more or the ticked ones left out. Nothing is sent."""
    lang, form = _lang(request), await _form(request, "measures")
    if staff_name(request) is None:
        return _login(request, lang)
    typed = workspace_steps.measure_rows(form)  # without the rows ticked to be left out
    if (form.get("more") or not typed) and len(typed) < workspace_steps.MOST_MEASURES:
        typed.append(("", ""))
    kept = {"_action": "measures", "rows": str(len(typed))}
    for i, (text, due) in enumerate(typed, start=1):
        kept |= {f"measure_{i}_description": text, f"measure_{i}_due": due}
    return await asyncio.to_thread(_complaint_page, request, cid, lang, kept=kept)


@router.post("/workspace/complaints/{cid}/checked/{action}", response_model=None)
async def checked(request: Request, cid: UUID, action: str) -> Response:
    """The measures and the consent: checked first (workspace_steps.problems), then relayed
    as every other action is."""
    lang = _lang(request)
    if staff_name(request) is None or action not in ("measures", "extend_consent"):
        return _login(request, lang)
    form = await _form(request, action)
    today = request.app.state.clock().astimezone(local_zone()).date()
    found = workspace_steps.problems(action, form, today, TEXTS[lang]["steps"])
    if found:
        return await asyncio.to_thread(
            _complaint_page, request, cid, lang, 422, errors=found, kept=form, failed=action
        )
    return await asyncio.to_thread(_act_sync, request, cid, action, form, lang)


@router.get("/workspace/complaints/{cid}/attachments/{index}")
def document(request: Request, cid: UUID, index: int) -> Response:
    if staff_name(request) is None:
        return _login(request, _lang(request))
    answer = IntakeStaffApi(_token(request)).get(f"/api/complaints/{cid}/attachments/{index}")
    keep = ("content-type", "content-disposition", "x-content-type-options")
    headers = {k: v for k, v in answer.headers.items() if k.lower() in keep}
    return Response(answer.content, answer.status_code, headers=headers)


def _act_sync(
    request: Request, cid: UUID, action: str, form: dict[str, str], lang: str
) -> Response:
    t = TEXTS[lang]
    intake = IntakeStaffApi(_token(request))
    version = form.get("version", "")
    seen = int(version) if version.isascii() and version.isdigit() else 0
    current = intake.get(f"/api/complaints/{cid}/timeline")
    endpoint = _endpoint(action, form)
    if current.status_code != 200 or endpoint is None:
        return _render("missing.html.j2", lang, 404)
    if seen > max((e["version"] for e in current.json()["events"]), default=0):
        seen = 0  # a version the complaint never had (version=999): as if nothing was seen
    # Marking a message handled or writing a note decides nothing a colleague's action could
    # change (and a second mark is harmless); every other action is refused on a change.
    free = action in ("handled", "note")
    conflict = None if free else _conflict(current.json()["events"], seen, t, lang)
    if conflict:
        return _complaint_page(request, cid, lang, 409, message=conflict, kept=form)
    form_id = "respond" if action == "preview" else action  # the preview is the answer's form
    if form_id == "respond" and PLACEHOLDER in form.get("text", ""):  # never sent with gaps
        errors = [{"id": "respond-text", "message": str(t["placeholder_left"])}]
        return _complaint_page(request, cid, lang, 422, errors=errors, kept=form, failed=form_id)
    answer = intake.post(f"/api/complaints/{cid}/{endpoint}", _body(action, form), lang)
    if answer.status_code == 200 and action == "preview":
        return _complaint_page(request, cid, lang, preview=answer.json(), kept=form)
    if answer.status_code in (200, 201):
        warnings = answer.json().get("warnings") if action in workspace_steps.ENDPOINTS else None
        if warnings:  # went ahead despite (Awb 9:7, the same unit): said once, not redirected
            said = [w["message"] for w in warnings]
            return _complaint_page(request, cid, lang, done=action, warnings=said)
        return RedirectResponse(f"/workspace/complaints/{cid}?lang={lang}&done={action}", 303)
    body = (
        answer.json()
        if answer.headers.get("content-type", "").startswith("application/json")
        else {}
    )
    if answer.status_code == 422 and isinstance(body, list):
        errors = [{"id": f"{form_id}-{e['field']}", "message": e["message"]} for e in body]
        return _complaint_page(request, cid, lang, 422, errors=errors, kept=form, failed=form_id)
    reason = body.get("message", "") if isinstance(body, dict) else ""
    kind = {409: "refused", 403: "forbidden"}.get(answer.status_code, "failed")
    if action == "preview" and answer.status_code == 503:
        kind = "no_preview"  # the notifier renders it; sending does not wait for it
    message = str(t[f"action_{kind}"]).format(reason=reason)
    return _complaint_page(request, cid, lang, answer.status_code, message=message, kept=form)
