"""Registering a complaint that came in by phone, by letter or at the counter (issue 17): a
form in the workspace whose fields are relayed to intake's ``POST /api/complaints`` with the
staff member's own token, with the **receipt** date and time (``received_at``: the legal
clock runs from receipt, not from the moment it is typed in).

The form carries an idempotency key made when it is shown, so a double click or a resent form
registers one complaint, not two. A complaint made at the counter is registered as a letter
or a phone call: the contract has no counter channel. Intake's refusals (422) are shown on
their fields in the user's language.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any
from urllib.parse import parse_qs

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.reporting import workspace_pages as pages
from services.reporting import workspace_steps
from services.reporting.http import staff_name
from shared.config.policy import local_zone, policy_in_force
from shared.config.vocabularies import words_of
from shared.rules.learning import staff_categories

router = APIRouter()
CHANNELS = ("phone", "letter", "email")


def body(form: dict[str, str]) -> dict[str, Any]:
    """The submission body of intake's API from the form."""
    complainant = {
        "name": form.get("name", ""),
        "email": form.get("email") or None,  # a letter may give only a postal address
        "phone": form.get("phone") or None,
        "address": form.get("address") or None,
        "language": form.get("language") if form.get("language") in ("nl", "en") else "nl",
    }
    return {
        "channel": form.get("channel", ""),
        "complainant": complainant,
        "subject": form.get("subject", ""),
        "description": form.get("description", ""),
        "category": form.get("category") or None,
        "received_at": workspace_steps.moment(
            form.get("received_at", ""), form.get("received_at_time", "")
        ),
    }


def _page(request: Request, lang: str, status: int = 200, **extra: Any) -> HTMLResponse:
    context: dict[str, Any] = {
        "kept": {},
        "errors": [],
        "message": None,
        "key": str(uuid.uuid4()),
        "channels": CHANNELS,
        "zone": str(local_zone()),
        "categories": _categories(lang),
        **extra,
    }
    return pages.render("register.html.j2", lang, status, **context)


def _categories(lang: str) -> list[tuple[str, str]]:
    """(code, words) of the categories staff choose from: the one list of
    shared/rules/learning.py, as intake checks it (never free text: docs/security.md)."""
    vocabulary = words_of()
    if vocabulary is None:
        return []
    return [(c["code"], c[lang]) for c in staff_categories(vocabulary, policy_in_force()[0])]


@router.get("/workspace/register", response_class=HTMLResponse)
def register_form(request: Request) -> HTMLResponse:
    lang = pages.lang(request)
    if staff_name(request) is None:
        return pages.login(request, lang)
    return _page(request, lang)


@router.post("/workspace/register", response_class=HTMLResponse, response_model=None)
async def register(request: Request) -> Response:
    lang = pages.lang(request)
    if staff_name(request) is None:
        return pages.login(request, lang)
    raw = parse_qs((await request.body()).decode(errors="replace"))
    form = {k: v[0].strip() for k, v in raw.items()}
    headers = {
        "Authorization": f"Bearer {pages.token(request)}",
        "Accept-Language": lang,
        "Idempotency-Key": form.get("key") or str(uuid.uuid4()),
    }
    url = pages.intake_url() + "/api/complaints"

    def post() -> httpx.Response:
        return httpx.post(url, json=body(form), headers=headers, timeout=pages.TIMEOUT)

    answer = await asyncio.to_thread(post)
    if answer.status_code in (200, 201):
        cid = answer.json()["complaint_id"]
        return RedirectResponse(f"/workspace/complaints/{cid}?lang={lang}&done=register", 303)
    found = (
        answer.json()
        if answer.headers.get("content-type", "").startswith("application/json")
        else {}
    )
    if answer.status_code == 422 and isinstance(found, list):
        errors = [
            {"id": "register-" + _field(e.get("field", "")), "message": e.get("message", "")}
            for e in found
        ]
        return _page(request, lang, 422, errors=errors, kept=form, key=form.get("key", ""))
    reason = found.get("message", "") if isinstance(found, dict) else ""
    kind = {403: "forbidden"}.get(answer.status_code, "failed")
    message = str(pages.TEXTS[lang][f"action_{kind}"]).format(reason=reason)
    return _page(
        request, lang, answer.status_code, message=message, kept=form, key=form.get("key", "")
    )


def _field(name: str) -> str:
    """Intake's field name (``complainant.email``) as the form's input id (``email``)."""
    last = name.rsplit(".", 1)[-1]
    return {"received_at": "received_at"}.get(last, last)
