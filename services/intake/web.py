"""The complainant's pages (Dutch or English) and the workspace's reads.

Server-rendered HTML with labels, fieldsets, an error summary that links to each field, and
messages in the page's language; no script is needed. The form itself lives in
services/intake/webform.py; this module renders the pages and serves the status pages.

Pages: ``/`` form → confirmation; ``/status`` lookup (reference + e-mail, or postcode and
house number) → a fresh link by e-mail or post, which opens the complaint's
own page ``/status/<id>/<token>`` (services/intake/status.py), where the complainant can ask
for review before and after the answer, add information or withdraw (services/intake/
complainant.py). Staff (bearer token): ``/api/complaints/<id>/timeline``
and ``/api/complaints/<id>/attachments/<n>`` for the workspace in reporting.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any
from urllib.parse import quote
from uuid import UUID, uuid4

import jinja2
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.intake import domain, formstate, postallookup, problems, status
from services.intake.application import state_of
from services.intake.characters import unsafe_characters
from services.intake.documents import read_attachment
from services.intake.http import Problem, rate_limit, require
from services.intake.http import language as staff_language
from services.intake.texts import TEXTS, file_size, long_date
from shared.contract import events as ev
from shared.eventstore.application import ComplaintNotFound
from shared.privacy import statuslink
from shared.privacy.sealedfiles import DocumentUnreadable
from shared.rules.complaint import IllegalTransition
from shared.runtime.staff import forbidden

router = APIRouter()
TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)
TEMPLATES.globals.update(long_date=long_date, file_size=file_size)
PERSONAL_ROLES = frozenset({"handler", "supervisor", "privacy"})


def _lang(value: str | None) -> domain.Lang:
    return "en" if (value or "").lower().startswith("en") else "nl"


def _page(template: str, lang: domain.Lang, status: int = 200, **context: Any) -> HTMLResponse:
    html = TEMPLATES.get_template(template).render(lang=lang, t=TEXTS[lang], **context)
    return HTMLResponse(html, status_code=status)


def _form_id(field: str) -> str:
    return "f-" + field.removeprefix("complainant.").replace("_", "-").replace(".", "-")


def _secret(request: Request) -> bytes:
    state = request.app.state
    if getattr(state, "status_secret", None) is None:
        state.status_secret = statuslink.link_secret(state.settings.data_dir)
    return state.status_secret  # type: ignore[no-any-return]


# --- the complainant's status page -------------------------------------------------------------


@router.get("/status", response_class=HTMLResponse)
async def status_form(
    request: Request, lang: str | None = None, reference: str = ""
) -> HTMLResponse:
    values = {"reference": reference[:40]}
    cookie = request.cookies.get(formstate.LANGUAGE_COOKIE)
    language = formstate.page_language(lang, cookie, request.headers.get("accept-language"))
    return _page("status.html.j2", language, values=values, errors=[])


LOOKUP_ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "the same page whatever the input: a fresh link is on its way when "
        "the reference and the e-mail address (or postcode and house number) belong together "
        "(HTML)"
    },
    422: {"description": "a field is missing or holds characters we refuse (HTML, the form again)"},
    429: {"description": "too many lookups from this client (HTML, the form again)"},
}
LOOKUP_FIELDS = ("reference", "email", "postcode", "house_number")


@router.post("/status", response_class=HTMLResponse, response_model=None, responses=LOOKUP_ANSWERS)
async def status_lookup(request: Request) -> Response:
    """Reference with the e-mail address, or (no e-mail: issue 25) with the postcode and house
    number of the postal address; a fresh link goes to the address on file, by post when
    there is no e-mail (services/intake/postallookup.py)."""
    raw = await request.form()
    language = _lang(str(raw.get("lang", "nl")))
    values = {name: str(raw.get(name, "")) for name in LOOKUP_FIELDS}
    t = TEXTS[language]

    def page(code: int, errors: list[dict[str, str]]) -> HTMLResponse:
        return _page("status.html.j2", language, code, values=values, errors=errors)

    try:
        await rate_limit(request)
    except Problem:
        return page(429, [{"field": "form", "id": "f-reference", "message": t["too_many"]}])
    errors = _lookup_errors(values, language)
    if errors:
        return page(422, errors)
    # Never the case itself: a fresh link goes to the address on file (when reference and
    # address belong together, at most one per window) and every input gets this same page.
    intake = request.app.state.intake
    if values["email"].strip():
        await intake.request_status_link(values["reference"], values["email"])
    if values["postcode"].strip():
        await postallookup.request_status_link_by_post(
            intake, values["reference"], values["postcode"], values["house_number"]
        )
    return _page("status.html.j2", language, values={}, errors=[], sent=True)


def _lookup_errors(values: dict[str, str], language: domain.Lang) -> list[dict[str, str]]:
    """The reference, and an e-mail address or both postcode and house number."""
    required = TEXTS[language]["lookup_required"]
    given = {name: bool(value.strip()) for name, value in values.items()}
    missing = {"reference"} - {n for n, v in given.items() if v}
    if not (given["email"] or given["postcode"] or given["house_number"]):
        missing.add("email")
    elif not given["email"] and given["postcode"] != given["house_number"]:
        missing.add("house_number" if given["postcode"] else "postcode")
    errors = []
    for name in LOOKUP_FIELDS:
        unsafe = unsafe_characters(values[name])
        if name in missing or unsafe:
            message = problems.message(unsafe, language) if unsafe else required[name]
            errors.append({"field": name, "id": f"f-{name.replace('_', '-')}", "message": message})
    return errors


async def _own_facts(
    request: Request, complaint_id: str, token: str
) -> list[ev.Event] | statuslink.LinkState:
    """The complaint's facts for a valid link, else why not ("expired" or "invalid")."""
    try:
        cid = UUID(complaint_id)
    except ValueError:
        return "invalid"
    state = request.app.state
    today = state.clock().date()
    days = getattr(state.settings, "status_link_days", statuslink.VALID_DAYS)
    verdict = statuslink.link_state(_secret(request), cid, token, today, days)
    if verdict != "valid":
        return verdict
    try:
        _, facts = await asyncio.to_thread(state.intake._load, cid)
    except ComplaintNotFound:
        return "invalid"
    return facts


def _status_page(
    lang: str | None, facts: list[ev.Event], code: int = 200, **extra: Any
) -> HTMLResponse:
    submitted = facts[0]
    language = _lang(lang or getattr(submitted, "language", "nl"))
    view = status.complainant_view(facts)
    path = f"/status/{submitted.complaint_id}/{extra.pop('token')}"
    context: dict[str, Any] = {
        "errors": [],
        "reason": "",
        "notice": None,
        "show_link": False,
        "added": "",
        "withdraw_reason": "",
        "key": uuid4().hex,
        **extra,
    }
    return _page("status_page.html.j2", language, code, view=view, request_path=path, **context)


def _not_found(lang: str | None, why: statuslink.LinkState = "invalid") -> HTMLResponse:
    """An unknown link (404), or an expired one (410) with the offer of a fresh link."""
    expired = why == "expired"
    code = 410 if expired else 404
    return _page("status.html.j2", _lang(lang), code, values={}, errors=[], gone=not expired,
                 expired=expired)  # fmt: skip


@router.get("/status/{complaint_id}/{token}", response_class=HTMLResponse)
async def status_page(
    request: Request, complaint_id: str, token: str, lang: str | None = None, done: str = ""
) -> HTMLResponse:
    facts = await _own_facts(request, complaint_id, token)
    if isinstance(facts, str):
        return _not_found(lang, facts)
    notice = done if done in ("escalated", "added", "withdrawn", "answered") else None
    return _status_page(lang, facts, token=token.lower(), notice=notice)


@router.post(
    "/status/{complaint_id}/{token}/escalation", response_class=HTMLResponse, response_model=None
)
async def request_escalation(request: Request, complaint_id: str, token: str) -> Response:
    raw = await request.form()
    lang = str(raw.get("lang", "")) or None
    facts = await _own_facts(request, complaint_id, token)
    if isinstance(facts, str):
        return _not_found(lang, facts)
    language = _lang(lang or getattr(facts[0], "language", "nl"))
    reason = str(raw.get("reason", "")).replace("\r\n", "\n").strip()[:5000]
    problem = unsafe_characters(reason, multiline=True)
    if not reason or problem:
        message = problems.message(problem, language) if problem else None
        message = message or TEXTS[language]["escalate_required"]
        errors = [{"field": "reason", "id": "f-reason", "message": message}]
        return _status_page(lang, facts, 422, token=token.lower(), errors=errors, reason=reason)
    try:
        await request.app.state.intake.request_escalation(facts[0].complaint_id, reason, "web")
    except IllegalTransition:
        return _status_page(lang, facts, 409, token=token.lower(), notice="refused")
    return RedirectResponse(f"/status/{complaint_id}/{token}?lang={language}&done=escalated", 303)


# --- staff reads for the workspace --------------------------------------------------------------


@router.get("/api/complaints/{complaint_id}/timeline")
async def timeline(request: Request, complaint_id: str) -> dict[str, Any]:
    """State, personal data (roles permitting) and every event with who, when and its text."""
    member = require(request, "read")
    personal = bool(member.roles & PERSONAL_ROLES)
    complaint, facts = await asyncio.to_thread(request.app.state.intake._load, _uuid(complaint_id))
    events = status.staff_events(facts)
    if not personal:
        for item in events:
            item["text"] = None
    return {"state": state_of(complaint, facts, personal=personal), "events": events}


@router.get("/api/complaints/{complaint_id}/attachments/{index}")
async def attachment(request: Request, complaint_id: str, index: int) -> Response:
    member = require(request, "read")
    if not member.roles & PERSONAL_ROLES:
        words = forbidden(member, "documents", staff_language(request), PERSONAL_ROLES)
        raise Problem(403, {"error": "forbidden", "message": words})
    _, facts = await asyncio.to_thread(request.app.state.intake._load, _uuid(complaint_id))
    personal = getattr(facts[0], "personal", None)
    refs = personal.attachments if personal else []
    if not 0 <= index < len(refs):
        raise Problem(404, {"error": "not_found", "message": "no such document"})
    ref = refs[index]
    data = await _read_object(request, ref)
    disposition = f"attachment; filename*=UTF-8''{quote(ref.filename)}"
    headers = {"Content-Disposition": disposition, "X-Content-Type-Options": "nosniff"}
    return Response(data, media_type=ref.content_type, headers=headers)


async def _read_object(request: Request, ref: ev.AttachmentRef) -> bytes:
    try:
        return await read_attachment(request, ref)
    except DocumentUnreadable:
        message = "the stored document does not match"
        raise Problem(502, {"error": "corrupt", "message": message}) from None


def _uuid(text: str) -> UUID:
    try:
        return UUID(text)
    except ValueError:
        raise ComplaintNotFound(text) from None
