"""Helpers for the notifier's letter flows on a real nats-server (the committee and Wkkgz letter
tests): a complaint as these tests submit it (by e-mail, or on paper for
a complainant without e-mail), the letter kinds the log records, and whether the notifier's
consumer has nothing left to do."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import nats

from services.notifier.settings import CONSUMER_NAME
from shared.contract import events as ev
from shared.contract import subjects
from shared.eventstore.application import ComplaintsApplication
from shared.rules.complaint import Cause, Complaint
from tests.support.notifier import events_of

STAFF = Cause(actor="staff:ann")
POSTAL_ADDRESS = "Dorpsstraat 1\n1234 AB Ons Dorp"


def submit(
    app: ComplaintsApplication,
    language: ev.Language,
    number: int,
    *,
    post: bool,
    category: str | None = None,
    terms: ev.Terms | None = None,
    received_at: datetime | None = None,
) -> UUID:
    """Els Jansen's complaint about the front desk, reference KL-2026-<number>: by e-mail
    (k<number>@ex.nl) or, `post`, by a complainant with only a postal address. `terms`: those
    recorded at registration (None: the aggregate's own)."""
    now = datetime.now(UTC)
    email, address = ("", POSTAL_ADDRESS) if post else (f"k{number}@ex.nl", None)
    complaint = Complaint.submit(
        complaint_id=uuid4(),
        reference=f"KL-2026-{number:06d}",
        channel="web",
        language=language,
        received_at=received_at or now - timedelta(hours=1),
        now=now,
        cause=STAFF,
        category=category,
        terms=terms,
        personal=ev.SubmittedPersonal(
            complainant=ev.Complainant(name="Els Jansen", email=email, address=address),
            subject="Onvriendelijk aan de balie",
            description="De medewerker was onvriendelijk.",
        ),
    )
    app.save(complaint)
    return complaint.id


async def letters_recorded(
    nc: nats.NATS, ids: dict[str, UUID], expected: dict[str, list[str]]
) -> bool:
    """Whether the log records exactly the `expected` letter kinds (sorted, the
    acknowledgement among them) for every complaint of `ids`, by name."""
    for name, complaint_id in ids.items():
        history = await events_of(nc, complaint_id)
        kinds = Counter(e.letter.kind for e in history if isinstance(e, ev.LetterSent))
        kinds.update(e.letter.kind for e in history if isinstance(e, ev.Acknowledged))
        if sorted(kinds.elements()) != expected[name]:
            return False
    return True


async def consumer_idle(nc: nats.NATS) -> bool:
    """The notifier's durable exists, has delivered, and has nothing pending or unacked."""
    try:
        info = await nc.jetstream().consumer_info(subjects.COMPLAINTS_STREAM, CONSUMER_NAME)
    except nats.js.errors.NotFoundError:
        return False
    delivered = info.delivered.consumer_seq if info.delivered else 0
    return info.num_pending == 0 and info.num_ack_pending == 0 and delivered > 0
