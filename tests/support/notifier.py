"""Helpers for the notifier tests (no tests here): submissions, settings, reading the log.

Imported by basename (pytest's default import mode puts this directory on sys.path).
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import nats

from services.notifier.mailsink import StoredMail, read_maildir
from services.notifier.settings import CONSUMER_NAME, NotifierSettings
from shared.contract import events as ev
from shared.contract import subjects
from shared.eventstore.application import ComplaintsApplication
from shared.rules.complaint import Cause, Complaint


def notifier_settings(
    nats_url: str, relay_port: int, tmp: Path, **overrides: Any
) -> NotifierSettings:
    values: dict[str, Any] = {
        "data_dir": tmp,
        "nats_url": nats_url,
        "smtp_relay_port": relay_port,
        "smtp_relay_timeout": 5.0,
        "organisation_name": "Gemeente Voorbeeld",
        "notifier_ack_wait": 5.0,
        "notifier_fetch_timeout": 1.0,
        **overrides,
    }
    return NotifierSettings(**values)


def notifier_env(settings: NotifierSettings) -> dict[str, str]:
    """The same settings as environment variables, for a notifier subprocess."""
    names = ("nats_url", "smtp_relay_port", "smtp_relay_timeout", "organisation_name")
    names += ("notifier_ack_wait", "notifier_fetch_timeout", "notifier_retry_base")
    names += ("notifier_retry_cap", "notifier_max_deliver", "notifier_workers")
    return {f"KLACHTEN_{name.upper()}": str(getattr(settings, name)) for name in names}


def submit(
    app: ComplaintsApplication,
    *,
    language: ev.Language = "nl",
    received_at: datetime | None = None,
    number: int = 1,
    name: str = "Jan de Vries",
    email: str | None = None,
    subject: str = "Geen reactie op mijn aanvraag",
) -> UUID:
    """A submission; `name`, `email` and `subject` as old events may hold them (intake now
    refuses control characters)."""
    now = datetime.now(UTC)
    complaint = Complaint.submit(
        complaint_id=uuid4(),
        reference=f"KL-2026-{number:06d}",
        channel="web",
        language=language,
        personal=ev.SubmittedPersonal(
            complainant=ev.Complainant(name=name, email=email or f"jan{number}@example.org"),
            subject=subject,
            description="Ik wacht al maanden.",
        ),
        received_at=received_at or now,
        now=now,
        cause=Cause(actor="complainant"),
    )
    app.save(complaint)
    return complaint.id


async def subject_counts(nc: nats.NATS, stream: str, filter_subject: str) -> dict[str, int]:
    """Messages per subject (STREAM.INFO with subjects_filter), all pages."""
    counts: dict[str, int] = {}
    while True:
        request = {"subjects_filter": filter_subject, "offset": len(counts)}
        reply = await nc.request(f"$JS.API.STREAM.INFO.{stream}", json.dumps(request).encode())
        info = json.loads(reply.data)
        page = info.get("state", {}).get("subjects") or {}
        counts.update(page)
        if not page or len(counts) >= info.get("total", 0):
            return counts


async def acknowledgements(nc: nats.NATS) -> Counter[str]:
    """Number of Acknowledged events per complaint id."""
    counts = await subject_counts(
        nc, subjects.COMPLAINTS_STREAM, subjects.events_of_type("acknowledged")
    )
    per_complaint: Counter[str] = Counter()
    for subject, n in counts.items():
        per_complaint[subject.split(".")[1]] += n
    return per_complaint


async def events_of(nc: nats.NATS, complaint_id: UUID) -> list[ev.Event]:
    js = nc.jetstream()
    out: list[ev.Event] = []
    counts = await subject_counts(
        nc, subjects.COMPLAINTS_STREAM, subjects.complaint_filter(complaint_id)
    )
    for subject in sorted(counts, key=lambda s: int(s.split(".")[2])):
        msg = await js.get_last_msg(subjects.COMPLAINTS_STREAM, subject)
        out.append(ev.decode(msg.data or b""))
    return out


async def dead_letters(nc: nats.NATS) -> list[tuple[dict[str, str], bytes]]:
    js = nc.jetstream()
    info = await js.stream_info(subjects.DEADLETTER_STREAM)
    found = []
    for seq in range(info.state.first_seq, info.state.last_seq + 1):
        if info.state.messages == 0:
            break
        msg = await js.get_msg(subjects.DEADLETTER_STREAM, seq)
        found.append((dict(msg.headers or {}), msg.data or b""))
    return found


async def consumer_deliveries(nc: nats.NATS) -> int:
    """Deliveries so far, redeliveries included."""
    info = await nc.jetstream().consumer_info(subjects.COMPLAINTS_STREAM, CONSUMER_NAME)
    return info.delivered.consumer_seq if info.delivered else 0


def mails_by_complaint(maildir: Path) -> dict[str, list[StoredMail]]:
    found: dict[str, list[StoredMail]] = {}
    for mail in read_maildir(maildir):
        found.setdefault(mail.complaint_id or "", []).append(mail)
    return found


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]
