"""What a complainant can do from their status page (issue 25), authenticated by its link:
``POST /status/<id>/<token>/information`` (text and documents) and ``…/withdrawal``.

Information is recorded as the complainant's message (``reaction_received``, verified by the
status link): the handler sees it among the new messages until it is handled, as a reply by
e-mail. Withdrawing closes the complaint with the outcome ``withdrawn`` (the aggregate's
``withdraw``). Both are refused once the personal data was erased (409, in words), and the
page comes back with what was typed after any refusal. A second post of the same form (its
hidden key) records nothing new.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.intake import problems
from services.intake.characters import unsafe_characters
from services.intake.documents import MAX_FILES, store, uploads
from services.intake.texts import TEXTS
from services.intake.web import _lang, _not_found, _own_facts, _status_page
from shared.contract import events as ev
from shared.rules.complaint import Cause, Complaint, IllegalTransition
from shared.runtime import failures, logwatch

router = APIRouter()
TEXT_MAX = 20_000  # as a complaint's description (services/intake/bodies.py)


@router.post(
    "/status/{complaint_id}/{token}/information", response_class=HTMLResponse, response_model=None
)
async def add_information(request: Request, complaint_id: str, token: str) -> Response:
    raw = await request.form(max_files=MAX_FILES, max_fields=20)
    lang = str(raw.get("lang", "")) or None
    facts = await _own_facts(request, complaint_id, token)
    if isinstance(facts, str):
        return _not_found(lang, facts)
    language = _lang(lang or getattr(facts[0], "language", "nl"))
    t, token = TEXTS[language], token.lower()
    text = str(raw.get("text", "")).replace("\r\n", "\n").strip()[:TEXT_MAX]
    if _erased(facts):
        return _status_page(lang, facts, 409, token=token, notice="erased")
    files, errors = await uploads(request, raw.getlist("attachments"), [], language)
    problem = unsafe_characters(text, multiline=True)
    if problem or not (text or files):
        message = problems.message(problem, language) if problem else t["add_required"]
        errors.insert(0, {"field": "text", "id": "f-text", "message": message})
    if errors:
        return _status_page(lang, facts, 422, token=token, errors=errors, added=text)
    try:
        refs = [await store(request, f) for f in files]
    except Exception as error:
        kind = logwatch.classify(error)
        if kind is None:
            raise
        trouble = [{"field": "attachments", "id": "f-attachments", "message": ""}]
        trouble[0]["message"] = failures.message(kind, language)
        code = failures.STATUS[kind]
        return _status_page(lang, facts, code, token=token, errors=trouble, added=text)
    key = str(raw.get("key", ""))[:64]
    await request.app.state.intake.react(
        facts[0].complaint_id,
        text or ", ".join(r.filename for r in refs),
        disagrees=False,
        channel="web",
        actor="complainant:web",
        message_id=f"<status-page.{key}@{complaint_id}>" if key else None,
        verified_by="status_link",
        attachments=refs,
    )
    return RedirectResponse(f"/status/{complaint_id}/{token}?lang={language}&done=added", 303)


@router.post(
    "/status/{complaint_id}/{token}/withdrawal", response_class=HTMLResponse, response_model=None
)
async def withdraw(request: Request, complaint_id: str, token: str) -> Response:
    raw = await request.form(max_files=0, max_fields=20)
    lang = str(raw.get("lang", "")) or None
    facts = await _own_facts(request, complaint_id, token)
    if isinstance(facts, str):
        return _not_found(lang, facts)
    language = _lang(lang or getattr(facts[0], "language", "nl"))
    token = token.lower()
    reason = str(raw.get("reason", "")).replace("\r\n", "\n").strip()[:5000]
    if _erased(facts):
        return _status_page(lang, facts, 409, token=token, notice="erased")
    errors: list[dict[str, str]] = []
    if problem := unsafe_characters(reason, multiline=True):
        message = problems.message(problem, language)
        errors.append({"field": "withdraw_reason", "id": "f-withdraw-reason", "message": message})
    if raw.get("confirm") != "yes":
        message = TEXTS[language]["withdraw_confirm_required"]
        errors.append({"field": "confirm", "id": "f-withdraw-confirm", "message": message})
    if errors:
        return _status_page(lang, facts, 422, token=token, errors=errors, withdraw_reason=reason)

    def decide(c: Complaint, now: Any) -> None:
        cause = Cause(actor="complainant:web", correlation_id=c.id)
        c.withdraw(now=now, cause=cause, reason=reason or None)

    try:
        await request.app.state.intake.act(facts[0].complaint_id, decide)
    except IllegalTransition:
        return _status_page(lang, facts, 409, token=token, notice="refused_action")
    return RedirectResponse(f"/status/{complaint_id}/{token}?lang={language}&done=withdrawn", 303)


def _erased(facts: list[ev.Event]) -> bool:
    return facts[0].personal is None or any(isinstance(f, ev.Erased) for f in facts)  # type: ignore[attr-defined]
