"""The letter an answer would send, before it is given (the workspace's preview, issue 17).

Intake runs the answer's command on the complaint as read now, so the rules refuse what they
would refuse, stores nothing, and sends the resulting ``responded`` fact (unsealed: it never
touches the log) as a core NATS request on ``LETTER_PREVIEW_SUBJECT``. Here that fact is laid
on the complaint as the log holds it and the letter is built by domain.py's ``letters_to_send``,
the very path of the stored event: the same context, templates, dates and language. Nothing is
sent, kept or recorded.

Why the notifier renders and not intake: services never import each other, and a second
renderer would one day say another date than the letter that goes (decisions.md).
"""

from __future__ import annotations

import asyncio
from typing import Any

import msgspec

from services.notifier import domain
from services.notifier.domain import Letter, LetterOutcome
from services.notifier.letter_context import Letterhead
from shared.config.policy import policy_in_force
from shared.contract import events as ev
from shared.rules.calendar import BusinessCalendar
from shared.rules.complaint import Complaint
from shared.rules.policy import Policy

# The facts a letter can be previewed for, and how each is laid on the complaint.
PREVIEWABLE: dict[type[ev.Event], type[Complaint.Event]] = {ev.Responded: Complaint.Responded}


def preview(
    fact: ev.Event,
    complaint: Complaint | None,
    submitted: ev.Submitted | None,
    policy: Policy,
    calendar: BusinessCalendar,
    letterhead: Letterhead,
) -> dict[str, Any]:
    """The letter `fact` would send: {kind, language, subject, text, html, delivery}; or
    {problem}: "unknown" (no such complaint or fact), "stale" (the complaint moved on since
    intake decided), "erased", "no_letter" (the fact sends none)."""
    aggregate_event = PREVIEWABLE.get(type(fact))
    if aggregate_event is None or complaint is None or submitted is None:
        return {"problem": "unknown"}
    if fact.version != complaint.version + 1 or fact.complaint_id != complaint.id:
        return {"problem": "stale"}
    complaint.trigger_event(aggregate_event, fact=fact, timestamp=fact.occurred_at)
    built = domain.letters_to_send(fact, complaint, submitted, policy, calendar, letterhead)
    letters = [letter for letter in built if isinstance(letter, Letter)]
    if not letters:
        erased = LetterOutcome.ERASED in built
        return {"problem": "erased" if erased else "no_letter"}
    rendered = letters[0].rendered
    return {
        "kind": str(rendered.kind),
        "language": rendered.language,
        "subject": rendered.subject,
        "text": rendered.text,
        "html": rendered.html,
        "delivery": rendered.delivery,
    }


async def answer(service: Any, body: bytes) -> bytes:
    """The request handler: `service` is the running LetterService (its application reads the
    log and opens personal data; its letterhead is the one letters carry)."""
    try:
        fact = ev.decode(body)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return msgspec.json.encode({"problem": "unknown"})
    complaint, submitted = await asyncio.to_thread(service.app.load, fact.complaint_id)
    policy, calendar = policy_in_force()
    try:
        said = preview(fact, complaint, submitted, policy, calendar, service.letterhead)
    except domain.Unbuildable as error:
        said = {"problem": "unbuildable", "detail": str(error)}
    return msgspec.json.encode(said)
