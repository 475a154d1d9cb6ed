"""The complaint form: ``GET /`` and ``POST /`` (services/intake/web.py renders the pages).

Nothing typed is lost: every answer that is not the confirmation is the form again, in the
page's language, with the typed text, the documents already added and the problem said in
words: a field error (422), a language switch (200, not validated), files that are together
too large (413, also when the body was refused unread), too many requests (429), storage
trouble (503, 500 for our own configuration), intake at its in-flight limit (503 with
Retry-After, the API's limit: services/intake/http.py). Documents survive because every such
page stores them content-addressed and carries their signed references (formstate.py).
(Just over 300 lines: every one of these answers keeps the typed text the same way.)

The form's own page sends ``step=check``: a valid form then shows every answer to check
(its documents stored and carried as above), whence ``step=send`` registers it and
``step=edit`` goes back to the form; a post without a step (older pages, scripts) registers at
once. The confirmation carries a printable copy of what was sent, also as PDF (copypdf.py).

The language follows the person's choice (``?lang=``, the switch button, then a cookie), else
the browser's Accept-Language. The form works without script; a small script only checks the
files' size before a slow upload, counts characters and offers to print.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any
from uuid import uuid4

import msgspec
from fastapi import APIRouter, Request, UploadFile
from fastapi.responses import HTMLResponse
from starlette.datastructures import FormData

from services.intake import answers, domain, formstate, status
from services.intake.application import IdempotencyConflict, Intake
from services.intake.bodies import TEXT_LIMITS
from services.intake.documents import MAX_FILES, store, uploads
from services.intake.http import BUSY, Busy, client_of, fingerprint, in_flight
from services.intake.limits import BODY_REFUSED, BodyTooLarge, letters_allowed
from services.intake.mailparse import Attachment
from services.intake.problems import message
from services.intake.texts import LIMIT_WORDS, TEXTS, file_size, number
from services.intake.web import _form_id, _page, _secret
from shared.contract import events as ev
from shared.privacy import statuslink
from shared.runtime import failures, logwatch

router = APIRouter()
FORM_FIELDS = (
    "name",
    "email",
    "address",
    "phone",
    "representative_name",
    "representative_relation",
    "representative_email",
    "representative_phone",
    "representative_address",
    "subject",
    "event_date",
    "department",
    "description",
    "desired_outcome",
)
YEAR = 365 * 24 * 3600


def _language(request: Request, chosen: str | None) -> domain.Lang:
    cookie = request.cookies.get(formstate.LANGUAGE_COOKIE)
    return formstate.page_language(chosen, cookie, request.headers.get("accept-language"))


def _files_max(request: Request) -> int:
    return request.app.state.settings.attachment_max_bytes  # type: ignore[no-any-return]


@router.get("/", response_class=HTMLResponse)
async def form(request: Request, lang: str | None = None) -> HTMLResponse:
    language = _language(request, lang)
    return _form_page(request, language, chosen=lang == language)


@router.post("/", response_class=HTMLResponse)
async def submit_form(request: Request, lang: str | None = None) -> HTMLResponse:
    if request.scope.get(BODY_REFUSED):
        return _too_large(request, _language(request, lang), {}, [])
    try:
        raw = await request.form(max_files=MAX_FILES * 3, max_fields=100)
    except BodyTooLarge:
        return _too_large(request, _language(request, lang), {}, [])
    language = _language(request, str(raw.get("lang", "")))
    switch = str(raw.get("switch_lang", "")) in ("nl", "en")
    if switch:
        language = str(raw.get("switch_lang"))  # type: ignore[assignment]
    values = {name: str(raw.get(name, "")) for name in FORM_FIELDS}
    key = str(raw.get("idempotency_key", ""))[:64] or None
    removed = {str(r) for r in raw.getlist("remove")}
    kept = formstate.open_documents(_secret(request), str(raw.get("documents", "")))
    kept = [d for d in kept if d.sha256 not in removed]
    try:
        async with in_flight(request, language):  # the API's limit: 503, not a queue
            return await _answer(request, raw, language, switch, values, kept, key)
    except Busy as busy:
        return _busy(request, busy, language, values, kept, key, raw.getlist("attachments"))


async def _answer(
    request: Request,
    raw: FormData,
    language: domain.Lang,
    switch: bool,
    values: dict[str, str],
    kept: list[ev.AttachmentRef],
    key: str | None,
) -> HTMLResponse:
    """The form's post within a slot of intake's in-flight limit."""
    files, file_errors = await uploads(request, raw.getlist("attachments"), kept, language)
    if await request.app.state.rate_limiter.hit(client_of(request)) is not None:
        errors = [{"field": "form", "message": TEXTS[language]["too_many"]}]
        return await _again(request, language, values, kept, files, errors, key, 429)
    if switch:  # the same form in the other language, not validated yet
        return await _again(
            request, language, values, kept, files, file_errors, key, 200, chosen=True
        )
    data = _submission_data(values, language)
    intake: Intake = request.app.state.intake
    departments = frozenset(request.app.state.organisation.departments)
    submission, errors = domain.validate_submission(
        data, staff=False, now=intake.clock(), lang=language, departments=departments
    )
    if submission is None or file_errors:
        errors += file_errors
        return await _again(request, language, values, kept, files, errors, key, 422)
    step = str(raw.get("step", ""))
    if step == "edit":
        return await _again(request, language, values, kept, files, [], key, 200)
    if step == "check":
        return await _check(request, language, values, submission, kept, files, key)
    if not await letters_allowed(request.app.state.letter_limiter, submission.personal):
        errors = [{"field": "form", "message": message("letters", language)}]
        return await _again(request, language, values, kept, files, errors, key, 429)
    refs = list(kept)
    try:
        refs += [await store(request, f) for f in files]
        personal = msgspec.structs.replace(submission.personal, attachments=refs)
        receipt = await intake.submit(
            dataclasses.replace(submission, personal=personal),
            actor="complainant",
            idempotency_key=key,
            fingerprint=fingerprint({**data, "files": [r.sha256 for r in refs]}),
        )
    except IdempotencyConflict:  # sent before with other words: this would be a second one
        errors = [{"field": "form", "message": TEXTS[language]["sent_before"]}]
        return _form_page(request, language, 409, values, errors, refs, None)
    except Exception as error:
        return _trouble(request, error, language, values, refs, key)
    expected = status.expected_dates(submission.received_at or intake.clock())
    own = statuslink.status_path(_secret(request), receipt.complaint_id, intake.clock())
    return _page(
        "confirmation.html.j2",
        language,
        reference=receipt.reference,
        steps=status.expected_steps(expected),
        attachments=[r.filename for r in refs],
        copy=_answers(request, personal, submission, language),
        status_url=f"{own}?lang={language}",
        copy_url=f"{own}/copy.pdf?lang={language}",  # the server's PDF (copypdf.py)
    )


def _submission_data(values: dict[str, str], language: domain.Lang) -> dict[str, Any]:
    """The form's fields as the API's body: blank optional fields left out."""
    given = {name: value for name, value in values.items() if value.strip()}
    person = {k: given[k] for k in ("email", "address", "phone") if k in given}
    data: dict[str, Any] = {
        "channel": "web",
        "complainant": {"name": values["name"], **person, "language": language},
        "subject": values["subject"],
        "description": values["description"],
    }
    agent = {k: v for k, v in given.items() if k.startswith("representative_")}
    if agent:
        fields = ("name", "relation")
        data["representative"] = {k: "" for k in fields} | {
            k.removeprefix("representative_"): v for k, v in agent.items()
        }
    for name in ("desired_outcome", "event_date", "department"):
        if name in given:
            data[name] = given[name]
    return data


def _answers(
    request: Request, personal: ev.SubmittedPersonal, submission: Any, lang: domain.Lang
) -> list[answers.Answer]:
    names = answers.department_names(request.app.state.organisation, lang)
    department = names.get(submission.department or "", submission.department)
    return answers.answers(personal, lang, event_date=submission.event_date, department=department)


async def _check(
    request: Request,
    lang: domain.Lang,
    values: dict[str, str],
    submission: domain.Submission,
    kept: list[ev.AttachmentRef],
    files: list[Attachment],
    key: str | None,
) -> HTMLResponse:
    """Every answer to check before sending; the documents stored now and carried along."""
    try:
        documents = kept + [await store(request, f) for f in files]
    except Exception as error:
        return _trouble(request, error, lang, values, kept, key, lost=[f.filename for f in files])
    personal = msgspec.structs.replace(submission.personal, attachments=documents)
    return _page(
        "check.html.j2",
        lang,
        rows=_answers(request, personal, submission, lang),
        values=values,
        key=key or uuid4().hex,
        sealed=formstate.seal_documents(_secret(request), documents),
    )


async def _again(
    request: Request,
    lang: domain.Lang,
    values: dict[str, str],
    kept: list[ev.AttachmentRef],
    files: list[Attachment],
    errors: list[dict[str, str]],
    key: str | None,
    code: int,
    *,
    chosen: bool = False,
) -> HTMLResponse:
    """The form again with what was typed and every document added so far (stored now)."""
    try:
        documents = kept + [await store(request, f) for f in files]
    except Exception as error:
        return _trouble(request, error, lang, values, kept, key, lost=[f.filename for f in files])
    return _form_page(request, lang, code, values, errors, documents, key, chosen=chosen)


def _trouble(
    request: Request,
    error: Exception,
    lang: domain.Lang,
    values: dict[str, str],
    documents: list[ev.AttachmentRef],
    key: str | None,
    lost: list[str] | None = None,
) -> HTMLResponse:
    """Storage trouble: the form again, saying what happened; a defect still raises."""
    kind = logwatch.classify(error)
    if kind is None:
        raise error
    message = failures.message(kind, lang)
    if lost:
        message += " " + TEXTS[lang]["attachments_lost"].format(names=", ".join(lost))
    errors = [{"field": "form", "message": message}]
    page = _form_page(request, lang, failures.STATUS[kind], values, errors, documents, key)
    page.headers.update(failures.retry_after(kind))
    return page


def _busy(
    request: Request,
    busy: Busy,
    lang: domain.Lang,
    values: dict[str, str],
    kept: list[ev.AttachmentRef],
    key: str | None,
    parts: list[Any],
) -> HTMLResponse:
    """Every slot taken: the form again with the text typed and the documents kept (nothing new
    is stored now), saying it was not received and to try again shortly; 503 + Retry-After."""
    said = BUSY[lang]
    new = [Path(p.filename).name for p in parts if isinstance(p, UploadFile) and p.filename]
    if new:
        said += " " + TEXTS[lang]["attachments_lost"].format(names=", ".join(new))
    errors = [{"field": "form", "message": said}]
    page = _form_page(request, lang, busy.status, values, errors, kept, key)
    page.headers.update(busy.headers)
    return page


def _too_large(
    request: Request, lang: domain.Lang, values: dict[str, str], documents: list[ev.AttachmentRef]
) -> HTMLResponse:
    limit = file_size(_files_max(request), lang)
    message = TEXTS[lang]["attachments_too_large"].format(max=limit)
    errors = [{"field": "attachments", "message": message}]
    return _form_page(request, lang, 413, values, errors, documents, None)


def _form_page(
    request: Request,
    lang: domain.Lang,
    code: int = 200,
    values: dict[str, str] | None = None,
    errors: list[dict[str, str]] | None = None,
    documents: list[ev.AttachmentRef] | None = None,
    key: str | None = None,
    *,
    chosen: bool = False,
) -> HTMLResponse:
    t = TEXTS[lang]
    labels = {**t["labels"], "attachments": t["attachments"]}
    labelled = [
        {**e, "id": _form_id(e["field"]), "label": labels.get(e["field"], "")} for e in errors or []
    ]
    by_field: dict[str, str] = {}
    for e in labelled:
        by_field[e["id"]] = (by_field.get(e["id"], "") + " " + e["message"]).strip()
    policy_route = status.policy_in_force()[0]
    external = next((lv.external.name for lv in policy_route.ladder if lv.external), "")
    page = _page(
        "form.html.j2",
        lang,
        status=code,
        values=values or {},
        errors=labelled,
        by_field=by_field,
        key=key or uuid4().hex,
        documents=documents or [],
        sealed=formstate.seal_documents(_secret(request), documents or []),
        expected=status.expected_dates(request.app.state.intake.clock()),
        external_name=external,
        upload_max=file_size(_files_max(request), lang),
        upload_max_bytes=_files_max(request),
        limits=TEXT_LIMITS,
        departments=answers.department_names(request.app.state.organisation, lang),
        today=request.app.state.intake.clock().date().isoformat(),
        limit_words=LIMIT_WORDS[lang],
        limit_shown={k: number(v, lang) for k, v in TEXT_LIMITS.items()},
    )
    page.headers["Vary"] = "Accept-Language, Cookie"
    if chosen:
        page.set_cookie(formstate.LANGUAGE_COOKIE, lang, max_age=YEAR, samesite="lax")
    return page
