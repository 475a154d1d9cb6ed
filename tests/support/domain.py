"""Builders for domain tests (plain functions, not fixtures)."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID, uuid4

from shared.contract import events as ev
from shared.rules.complaint import Cause, Complaint

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def personal(name: str = "Jan Jansen", email: str = "jan@example.nl") -> ev.SubmittedPersonal:
    return ev.SubmittedPersonal(
        complainant=ev.Complainant(name=name, email=email),
        subject="Late delivery",
        description="My parcel never arrived.",
    )


def submitted(
    *,
    complaint_id: UUID | None = None,
    received_at: datetime = NOW,
    now: datetime = NOW,
    reference: str = "KL-2026-000001",
    channel: ev.Channel = "web",
    language: ev.Language = "nl",
) -> Complaint:
    return Complaint.submit(
        complaint_id=complaint_id or uuid4(),
        reference=reference,
        channel=channel,
        language=language,
        personal=personal(),
        received_at=received_at,
        now=now,
        cause=Cause(actor="complainant"),
    )


def letter(kind: ev.LetterKind = "acknowledgement") -> ev.LetterRecord:
    return ev.LetterRecord(
        kind=kind,
        template=f"{kind}.txt.j2",
        template_version="v1",
        language="nl",
        content_sha256="0" * 64,
        message_id=f"<{kind}.{uuid4()}@klachten.local>",
        sent_at=NOW,
    )
