"""The notifier's use case and its handler alone, on eventsourcing's in-memory store with the
contract mapper: no nats-server, no SMTP (the sender is a function that records the message).
JetStream semantics (dedupe, redelivery, the KV outbox) stay tested against a real server in
test_notifier_flow.py, test_notifier_outbox.py and test_notifier_poison.py."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime
from uuid import uuid4

import pytest

from services.notifier.app import TRANSIENT, send_letter, verdict
from services.notifier.application import LetterService, MailSettings, NotifierApplication
from services.notifier.domain import VISIBILITY_ATTEMPTS, LetterOutcome, NotYetVisible
from services.notifier.letter_context import Letterhead
from services.notifier.outbox import Intent, MemoryOutbox
from services.notifier.senders import RelaySettings, SendReceipt, TransientSendError
from shared.contract import events as ev
from shared.contract import subjects
from shared.runtime.verdicts import DeadLetter, Hold, Hopeless, Retry, RetryPolicy
from tests.support.domain import NOW, submitted

IN_MEMORY = {
    "PERSISTENCE_MODULE": "eventsourcing.popo",
    "MAPPER_TOPIC": "shared.eventstore.mapper:ContractMapper",
}
POLICY = RetryPolicy(max_deliver=5, base=1.0, cap=8.0)


class Relay:
    """Takes every message, as a relay answering 250 would."""

    def __init__(self) -> None:
        self.sent: list[EmailMessage] = []

    async def __call__(self, message: EmailMessage, relay: RelaySettings) -> SendReceipt:
        self.sent.append(message)
        return SendReceipt(
            message_id=str(message["Message-ID"]), recipients=[], relay_response="250 ok"
        )


@pytest.fixture
def app() -> NotifierApplication:
    return NotifierApplication(env=IN_MEMORY)


def service(
    app: NotifierApplication, relay: Relay, outbox: MemoryOutbox | None = None
) -> LetterService:
    mail = MailSettings(relay=RelaySettings(), mail_from="Klachten <klachten@example.nl>")
    head = Letterhead(organisation_name="Gemeente Voorbeeld", status_link_secret=b"s3cret")
    return LetterService(app, mail, head, clock=lambda: NOW, sender=relay, outbox=outbox)


def registered(app: NotifierApplication) -> tuple[str, bytes]:
    complaint = submitted()
    fact = complaint.pending_events[0].fact  # type: ignore[attr-defined]
    app.save(complaint)
    return subjects.event_subject(fact.complaint_id, 1, "submitted"), ev.encode(fact)


async def test_an_acknowledgement_is_sent_once_and_recorded_with_its_dates(
    app: NotifierApplication,
) -> None:
    relay = Relay()
    letters = service(app, relay)
    subject, body = registered(app)
    assert await send_letter(letters, subject, body) == LetterOutcome.SENT
    assert await send_letter(letters, subject, body) == LetterOutcome.NOT_NEEDED  # redelivered
    [message] = relay.sent
    complaint, _ = app.load(ev.decode(body).complaint_id)
    assert complaint is not None and complaint.acknowledged
    assert str(message["Message-ID"]) in complaint.letters
    assert str(message["Reply-To"]).startswith("klachten+")
    assert str(message["Date"]) == format_datetime(NOW)  # the clock it was given, no other


async def test_a_letter_the_relay_accepted_before_is_recorded_without_sending_again(
    app: NotifierApplication,
) -> None:
    relay, outbox = Relay(), MemoryOutbox()
    subject, body = registered(app)
    event = ev.decode(body)
    message_id = f"<acknowledgement.{event.complaint_id}.1@klachten.local>"
    await outbox.put(Intent(message_id=message_id, state="accepted", date=NOW))
    assert await service(app, relay, outbox).handle(subject, body) == LetterOutcome.RECORDED
    assert relay.sent == []


async def test_garbage_a_lying_subject_and_an_unknown_complaint_are_hopeless(
    app: NotifierApplication,
) -> None:
    letters = service(app, Relay())
    subject, body = registered(app)
    with pytest.raises(Hopeless, match="undecodable"):
        await letters.handle(subject, b"\xff{not json")
    with pytest.raises(Hopeless, match="does not match"):
        await letters.handle(subjects.event_subject(uuid4(), 1, "submitted"), body)
    ghost = ev.decode(body)
    ghost = ev.Submitted(**{f: getattr(ghost, f) for f in ghost.__struct_fields__} | {
        "complaint_id": uuid4()})  # fmt: skip
    with pytest.raises(NotYetVisible):
        await letters.handle(subjects.event_subject(ghost.complaint_id, 1, "submitted"),
                             ev.encode(ghost))  # fmt: skip


def test_the_verdicts_of_the_notifier() -> None:
    # A relay that is down: held in process (released when it answers), never dead-lettered.
    assert verdict(TransientSendError("421 busy"), 5, POLICY) == Hold(8.0)
    assert verdict(OSError("nats down"), 2, POLICY) == Retry(2.0)
    assert isinstance(verdict(TRANSIENT[0]("down"), 5, POLICY), Hold)
    assert verdict(Hopeless("garbage"), 1, POLICY) == DeadLetter("garbage")
    lagging = NotYetVisible("behind")
    assert verdict(lagging, VISIBILITY_ATTEMPTS - 1, POLICY) == Retry(8.0)
    assert verdict(lagging, VISIBILITY_ATTEMPTS, POLICY) == DeadLetter("behind")
    surprise = verdict(RuntimeError("bug"), 5, POLICY)
    assert isinstance(surprise, DeadLetter) and "exhausted" in surprise.reason
