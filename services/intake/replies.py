"""The handler's side of complainants' messages: read them, mark one handled, reopen a closed
complaint (from a message or not), escalate from a message.

A message a handler acted from (escalated, reopened) is handled in the same save, so the
worklist's "new reply" and the log never disagree. Marking a handled message again, or an
auto-reply (which never waits for anyone), appends nothing: a double click is harmless.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any
from uuid import UUID

from services.intake import domain
from services.intake.application import Intake
from shared.contract import events as ev
from shared.rules.complaint import Cause, Complaint


async def messages(intake: Intake, complaint_id: UUID, *, personal: bool) -> list[dict[str, Any]]:
    complaint, facts = await asyncio.to_thread(intake._load, complaint_id)
    return messages_of(complaint, facts, personal=personal)


async def message(intake: Intake, complaint_id: UUID, event_id: UUID) -> ev.ReactionReceived | None:
    """The complainant's message with this event id on this complaint, or None."""
    _, facts = await asyncio.to_thread(intake._load, complaint_id)
    found = (f for f in facts if isinstance(f, ev.ReactionReceived) and f.event_id == event_id)
    return next(found, None)


async def handle(
    intake: Intake, complaint_id: UUID, event_id: UUID, *, note: str | None, cause: Cause
) -> bool:
    """Mark a message handled; False when it already was (or is an auto-reply)."""

    def decide(c: Complaint, now: datetime) -> None:
        c.handle_reaction(reaction_event_id=event_id, note=note, now=now, cause=cause)

    return await intake.act(complaint_id, decide)


async def reopen(
    intake: Intake, complaint_id: UUID, *, reason: str, event_id: UUID | None, cause: Cause
) -> bool:
    """Reopen a closed complaint; IllegalTransition when it is open, withdrawn or erased."""

    def decide(c: Complaint, now: datetime) -> None:
        c.reopen(reason=reason, reaction_event_id=event_id, now=now, cause=cause)
        domain.handled_by_it(c, event_id, now, cause)

    return await intake.act(complaint_id, decide)


def escalation_reason(given: str | None, message: ev.ReactionReceived) -> ev.EscalationReason:
    """Escalating from a message is the complainant's request when the message proved its
    sender; from an unverified one it is the handler's own decision (a forged mail must not
    count as a complainant's request in the yearly figures)."""
    if given is not None:
        return given  # type: ignore[return-value]
    return "complainant_request" if message.verified else "staff_decision"


def messages_of(
    complaint: Complaint, facts: list[ev.Event], *, personal: bool
) -> list[dict[str, Any]]:
    """The complainant's messages, oldest first, with whether each still waits for a handler;
    texts, senders and file names only for roles that may see personal data."""
    handled = {f.reaction_event_id: f for f in facts if isinstance(f, ev.ReactionHandled)}
    out = []
    for f in facts:
        if not isinstance(f, ev.ReactionReceived):
            continue
        done = handled.get(f.event_id)
        mine = f.personal if personal else None
        out.append(
            {
                "event_id": str(f.event_id),
                "version": f.version,
                "occurred_at": f.occurred_at.isoformat(),
                "channel": f.channel,
                "verified": f.verified,
                "verified_by": f.verified_by,
                "auto_reply": f.auto_reply,
                "disagrees": f.disagrees,
                "new": f.event_id in complaint.new_reactions,
                "handled_at": done.occurred_at.isoformat() if done else None,
                "handled_by": done.actor if done else None,
                "text": mine.text if mine else None,
                "sender": mine.sender if mine else None,
                "attachments": [
                    {"filename": a.filename, "content_type": a.content_type, "size": a.size}
                    for a in (mine.attachments if mine else [])
                ],
            }
        )
    return out
