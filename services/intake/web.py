"""The public web form (Dutch by default, English on request) and the status lookup page.

Server-rendered HTML with labels, an error summary that links to each field, and messages in
the page's language. A hidden idempotency key per form makes a double submit (or a refresh
after posting) yield the same complaint.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import uuid4

import jinja2
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from services.intake import domain
from services.intake.http import Problem, client_of, fingerprint, rate_limit
from services.intake.texts import TEXTS

router = APIRouter()
TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)
FORM_FIELDS = ("name", "email", "phone", "subject", "description", "desired_outcome")


def _lang(value: str | None) -> domain.Lang:
    return "en" if (value or "").lower().startswith("en") else "nl"


def _page(template: str, lang: domain.Lang, status: int = 200, **context: Any) -> HTMLResponse:
    html = TEMPLATES.get_template(template).render(lang=lang, t=TEXTS[lang], **context)
    return HTMLResponse(html, status_code=status)


def _form_id(field: str) -> str:
    return "f-" + field.removeprefix("complainant.").replace("_", "-").replace(".", "-")


@router.get("/", response_class=HTMLResponse)
async def form(lang: str | None = None) -> HTMLResponse:
    language = _lang(lang)
    return _page("form.html.j2", language, values={}, errors=[], by_field={}, key=uuid4().hex)


@router.post("/", response_class=HTMLResponse)
async def submit_form(request: Request) -> HTMLResponse:
    raw = await request.form()
    language = _lang(str(raw.get("lang", "nl")))
    values = {name: str(raw.get(name, "")) for name in FORM_FIELDS}
    key = str(raw.get("idempotency_key", ""))[:64] or None
    data: dict[str, Any] = {
        "channel": "web",
        "complainant": {"name": values["name"], "email": values["email"], "language": language},
        "subject": values["subject"],
        "description": values["description"],
    }
    if values["phone"].strip():
        data["complainant"]["phone"] = values["phone"]
    if values["desired_outcome"].strip():
        data["desired_outcome"] = values["desired_outcome"]
    intake = request.app.state.intake
    if request.app.state.rate_limiter.check(client_of(request)) is not None:
        errors = [{"field": "form", "message": TEXTS[language]["too_many"]}]
        return _form_errors(language, values, errors, key, 429)
    submission, errors = domain.validate_submission(
        data, staff=False, now=intake.clock(), lang=language
    )
    if submission is None:
        return _form_errors(language, values, errors, key, 422)
    receipt = await intake.submit(
        submission,
        actor="complainant",
        idempotency_key=f"web:{key}" if key else None,
        fingerprint=fingerprint(data),
    )
    return _page("confirmation.html.j2", language, reference=receipt.reference)


def _form_errors(
    lang: domain.Lang,
    values: dict[str, str],
    errors: list[dict[str, str]],
    key: str | None,
    code: int,
) -> HTMLResponse:
    labelled = [
        {**e, "id": _form_id(e["field"]), "label": TEXTS[lang]["labels"].get(e["field"], "")}
        for e in errors
    ]
    by_field = {_form_id(e["field"]): e["message"] for e in errors}
    return _page(
        "form.html.j2",
        lang,
        status=code,
        values=values,
        errors=labelled,
        by_field=by_field,
        key=key or uuid4().hex,
    )


@router.get("/status", response_class=HTMLResponse)
async def status_form(lang: str | None = None) -> HTMLResponse:
    return _page("status.html.j2", _lang(lang), values={}, errors=[], found=None)


@router.post("/status", response_class=HTMLResponse)
async def status_lookup(request: Request) -> HTMLResponse:
    raw = await request.form()
    language = _lang(str(raw.get("lang", "nl")))
    values = {"reference": str(raw.get("reference", "")), "email": str(raw.get("email", ""))}
    t = TEXTS[language]

    def page(code: int, errors: list[dict[str, str]], found: Any = None) -> HTMLResponse:
        return _page("status.html.j2", language, code, values=values, errors=errors, found=found)

    try:
        rate_limit(request)
    except Problem:
        return page(429, [{"field": "form", "id": "f-reference", "message": t["too_many"]}])
    missing = [
        {"field": name, "id": f"f-{name}", "message": t["lookup_required"][name]}
        for name in ("reference", "email")
        if not values[name].strip()
    ]
    if missing:
        return page(422, missing)
    found = await request.app.state.intake.lookup(values["reference"], values["email"])
    if found is None:
        # The same answer whether the reference is unknown or the e-mail does not match.
        return page(404, [{"field": "reference", "id": "f-reference", "message": t["not_found"]}])
    return page(200, [], found)
