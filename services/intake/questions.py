"""A handler's question to the complainant and the complainant's answer (issue 25).

``POST /api/complaints/<id>/questions`` (staff, the "investigate" role, JSON ``{"text": …}``)
records ``question_asked``; the notifier sends the question in a letter with the link to the
status page. ``POST /status/<id>/<token>/answers/<question id>`` (the complainant, from that
page, authenticated by the link) records ``question_answered``: a reaction verified by the
status link, so the handler sees it among the new messages (the replies-waiting count) until
it is handled. Both are refused in words once the complaint is closed or after erasure
(shared/rules/questionsteps.py); the page comes back with what was typed after any refusal,
and a second post of the same form (its hidden key) records nothing new.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from services.intake import bodies, problems
from services.intake import openapi as docs
from services.intake.characters import unsafe_characters
from services.intake.errors import guarded
from services.intake.http import cause_of, complaint_uuid, require
from services.intake.staffapi import read_body
from services.intake.texts import TEXTS
from services.intake.web import _lang, _not_found, _own_facts, _status_page
from shared.rules.complaint import Cause, Complaint, IllegalTransition, InvalidCommand

router = APIRouter()
TEXT_MAX = 5_000  # a question, and an answer to it


@router.post("/api/complaints/{complaint_id}/questions", **docs.QUESTION)
async def ask(request: Request, complaint_id: str) -> JSONResponse:
    member = require(request, "investigate")
    body: bodies.QuestionBody = await read_body(request, bodies.QuestionBody)
    cid, intake = complaint_uuid(complaint_id), request.app.state.intake
    asked: list[UUID] = []

    def decide(c: Complaint, now: Any) -> None:
        c.ask_question(text=body.text, now=now, cause=cause_of(member))
        asked[:] = [c.open_questions[-1]]  # the id is the new event's (named after its facts)

    await guarded(request, intake.act(cid, decide))
    state = await intake.view(cid)
    state["question_event_id"] = str(asked[-1]) if asked else None
    return JSONResponse(state, 201)


@router.post(
    "/status/{complaint_id}/{token}/answers/{question_id}",
    response_class=HTMLResponse,
    response_model=None,
)
async def answer(request: Request, complaint_id: str, token: str, question_id: str) -> Response:
    raw = await request.form(max_files=0, max_fields=20)
    lang = str(raw.get("lang", "")) or None
    facts = await _own_facts(request, complaint_id, token)
    if isinstance(facts, str):
        return _not_found(lang, facts)
    language = _lang(lang or getattr(facts[0], "language", "nl"))
    token, t = token.lower(), TEXTS[language]
    text = str(raw.get("text", "")).replace("\r\n", "\n").strip()[:TEXT_MAX]
    field = f"f-answer-{question_id[:36]}"
    kept = {question_id[:36]: text}
    problem = unsafe_characters(text, multiline=True)
    if problem or not text:
        message = problems.message(problem, language) if problem else t["answer_required"]
        errors = [{"field": "text", "id": field, "message": message}]
        return _status_page(lang, facts, 422, token=token, errors=errors, answer_kept=kept)
    key = str(raw.get("key", ""))[:64]

    def decide(c: Complaint, now: Any) -> None:
        c.answer_question(
            question_event_id=UUID(question_id),
            text=text,
            now=now,
            cause=Cause(actor="complainant:web", correlation_id=c.id),
            message_id=f"<status-page.{key}@{complaint_id}>" if key else None,
        )

    try:
        UUID(question_id)
        await request.app.state.intake.act(facts[0].complaint_id, decide)
    except (ValueError, IllegalTransition, InvalidCommand) as refused:
        code = getattr(getattr(refused, "refusal", None), "code", "question_not_open")
        notice = NOTICES.get(code, "answer_refused")
        return _status_page(lang, facts, 409, token=token, notice=notice, answer_kept=kept)
    return RedirectResponse(f"/status/{complaint_id}/{token}?lang={language}&done=answered", 303)


# What the status page says when an answer is refused (the words are in questionwords.py).
NOTICES = {"question_erased": "erased", "question_closed": "refused_action"}
