"""The satisfaction survey after closure (issue 18 item 4): ``/survey/<id>/<token>``, the link
in the closure letter (shared/privacy/surveylink.py).

Two scores from 1 to 5 (the handling, the outcome) and optional words, in Dutch or English,
without script. One answer per complaint, only while it is closed, never after erasure
(shared/rules/surveysteps.py): the page says why in words (409 on a refused answer). The answer
is the event ``satisfaction_recorded``; the words are sealed like all personal text. No cookie,
no tracking: the link is the only thing that ties the answer to the complaint.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.intake import problems
from services.intake.characters import unsafe_characters
from services.intake.surveywords import SURVEY_WORDS
from services.intake.texts import TEXTS
from services.intake.web import TEMPLATES, _lang, _secret
from shared.eventstore.application import ComplaintNotFound
from shared.privacy import surveylink
from shared.rules.complaint import Cause, Complaint, IllegalTransition
from shared.rules.surveysteps import SCORES, survey_refusal

router = APIRouter()
TEXT_MAX = 2000
QUESTIONS = ("handling", "outcome")


def _page(lang: str, state: str, code: int = 200, **context: Any) -> HTMLResponse:
    language = _lang(lang)
    values = {"chosen": {}, "text": "", "reference": "", "errors": []}
    html = TEMPLATES.get_template("survey.html.j2").render(
        lang=language, t=TEXTS[language], s=SURVEY_WORDS[language], state=state,
        scores=list(SCORES), questions=QUESTIONS, text_max=TEXT_MAX, **{**values, **context},
    )  # fmt: skip
    return HTMLResponse(html, status_code=code)


async def _complaint(request: Request, complaint_id: str, token: str) -> Complaint | None:
    """The complaint of a genuine survey link, else None; its ``erased`` also when the
    submission itself lost its personal part."""
    try:
        cid = UUID(complaint_id)
    except ValueError:
        return None
    if not surveylink.survey_valid(_secret(request), cid, token):
        return None
    try:
        complaint, facts = await asyncio.to_thread(request.app.state.intake._load, cid)
    except ComplaintNotFound:
        return None
    complaint.erased = complaint.erased or getattr(facts[0], "personal", None) is None
    return complaint  # type: ignore[no-any-return]


def _refusal(c: Complaint) -> str | None:
    return survey_refusal(closed=not c.is_open, answered=c.satisfaction_answered, erased=c.erased)


@router.get("/survey/{complaint_id}/{token}", response_class=HTMLResponse)
async def survey_page(
    request: Request, complaint_id: str, token: str, lang: str | None = None, done: str = ""
) -> HTMLResponse:
    c = await _complaint(request, complaint_id, token)
    if c is None:
        return _page(lang or "nl", "invalid", 404)
    language = lang or c.language
    why = _refusal(c)
    if why == "answered" and done == "thanks":
        return _page(language, "thanks", reference=c.reference)
    return _page(language, why or "form", reference=c.reference)


@router.post("/survey/{complaint_id}/{token}", response_class=HTMLResponse, response_model=None)
async def answer_survey(request: Request, complaint_id: str, token: str) -> Response:
    raw = await request.form(max_files=0, max_fields=10)
    c = await _complaint(request, complaint_id, token)
    language = _lang(str(raw.get("lang", "")) or (c.language if c else "nl"))
    if c is None:
        return _page(language, "invalid", 404)
    if why := _refusal(c):
        return _page(language, why, 409, reference=c.reference)
    scores = {q: _score(str(raw.get(q, ""))) for q in QUESTIONS}
    text = str(raw.get("text", "")).replace("\r\n", "\n").strip()[:TEXT_MAX]
    errors = [
        {"id": f"f-{q}-1", "label": SURVEY_WORDS[language][q], "message": ""}
        for q in QUESTIONS
        if scores[q] is None
    ]
    for e in errors:
        e["message"] = SURVEY_WORDS[language]["required"]
    if problem := unsafe_characters(text, multiline=True):
        errors.append({"id": "f-text", "message": problems.message(problem, language)})
    if errors:
        return _page(language, "form", 422, reference=c.reference, errors=errors, text=text,
                     chosen=scores)  # fmt: skip

    def decide(complaint: Complaint, now: datetime) -> None:
        cause = Cause(actor="complainant:web", correlation_id=complaint.id)
        complaint.record_satisfaction(
            handling=scores["handling"], outcome=scores["outcome"],  # type: ignore[arg-type]
            text=text or None, now=now, cause=cause,
        )  # fmt: skip

    try:
        await request.app.state.intake.act(c.id, decide)
    except IllegalTransition:  # answered (or erased) since the page was read
        c = await _complaint(request, complaint_id, token)
        why = (_refusal(c) if c else None) or "answered"
        return _page(language, why, 409, reference=c.reference if c else "")
    return RedirectResponse(f"/survey/{complaint_id}/{token}?lang={language}&done=thanks", 303)


def _score(value: str) -> int | None:
    return int(value) if value.isdigit() and int(value) in SCORES else None
