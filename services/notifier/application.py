"""The notifier's use case: one complaint event in, at most one letter out, recorded once.

`LetterService.handle(subject, data)` decodes the event, loads the complaint, and either skips
(no letter needed, already recorded, personal data erased) or builds → sends → records. Sending
goes through the outbox (outbox.py): the intent is written before the SMTP conversation and
marked "accepted" right after it, so when recording fails (a crash, a full disk, a complaint not
visible yet) the redelivery records without sending again. Building a letter is pure: when it
fails it fails every time, so it is dead-lettered at once. Failures surface as exceptions; the
consumer (app.py) turns them into retry, hold or dead-letter.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import formataddr
from enum import StrEnum
from uuid import UUID

import msgspec
from eventsourcing.persistence import OperationalError

from services.notifier import domain
from services.notifier.letters import LetterKind, RenderedLetter, render
from services.notifier.outbox import Intent, MemoryOutbox, Outbox
from services.notifier.senders import (
    PermanentSendError,
    RelaySettings,
    SendReceipt,
    build_message,
    send,
)
from shared.config.calendar import BusinessCalendar
from shared.config.policy import policy_in_force
from shared.contract import events as ev
from shared.eventstore.application import ComplaintNotFound, ComplaintsApplication
from shared.eventstore.link import Unavailable
from shared.eventstore.mapper import unseal
from shared.rules.complaint import Cause, Complaint, IllegalTransition
from shared.rules.terms import current_terms
from shared.runtime import tracing
from shared.runtime.clock import Clock, utcnow

log = logging.getLogger("klachten.notifier")

ACTOR = "notifier"
Sender = Callable[[EmailMessage, RelaySettings], Awaitable[SendReceipt]]


class Outcome(StrEnum):
    SENT = "sent"
    RECORDED = "recorded"  # accepted by the relay before; only the record step was left
    ALREADY_RECORDED = "already_recorded"
    NOT_NEEDED = "not_needed"
    ERASED = "erased"


class NotifierApplication(ComplaintsApplication):
    """Complaints as the notifier sees them: the aggregate plus the submission's personal part,
    which the aggregate does not keep."""

    def load(self, complaint_id: UUID) -> tuple[Complaint | None, ev.Submitted | None]:
        try:
            complaint, facts = self.complaint_and_facts(complaint_id)
        except ComplaintNotFound:
            return None, None
        first = facts[0] if facts else None
        return complaint, first if isinstance(first, ev.Submitted) else None


@dataclass(frozen=True)
class MailSettings:
    relay: RelaySettings
    mail_from: str


class LetterService:
    def __init__(
        self,
        app: NotifierApplication,
        mail: MailSettings,
        letterhead: domain.Letterhead,
        calendar: BusinessCalendar,
        *,
        clock: Clock = utcnow,
        sender: Sender = send,
        outbox: Outbox | None = None,
        on_accepted: Callable[[], None] = lambda: None,
    ) -> None:
        self.app, self.mail, self.letterhead, self.calendar = app, mail, letterhead, calendar
        self.clock, self.sender = clock, sender
        self.outbox = outbox or MemoryOutbox()
        self.on_accepted = on_accepted
        # Accepted by the relay, not yet marked in the outbox or recorded: if NATS fails right
        # after the relay's 250, this process still knows not to send again.
        self._accepted: dict[str, datetime] = {}

    async def handle(self, subject: str, data: bytes) -> Outcome:
        try:
            event = ev.decode(data)
        except (msgspec.DecodeError, msgspec.ValidationError) as error:
            raise domain.Undeliverable(f"undecodable event: {error}") from error
        domain.check_subject(subject, event)
        with tracing.step("load complaint"):
            event = await asyncio.to_thread(self._unsealed, event)
            complaint, submitted = await asyncio.to_thread(self._load, event.complaint_id)
        domain.check_visible(event, complaint.version if complaint else None)
        assert complaint is not None
        kind = domain.letter_for(event, complaint)
        if kind is None:
            return Outcome.NOT_NEEDED
        if submitted is None:
            raise domain.Undeliverable(f"complaint {event.complaint_id} has no submission event")
        try:
            built = self._build(kind, event, submitted, complaint)
        except OSError:
            raise  # reading the policy or a template file: not the letter's fault
        except Exception as error:
            raise domain.Unbuildable(
                f"cannot build the {kind} letter: {type(error).__name__}: {error}"
            ) from error
        if built is None:
            log.warning("no %s letter for %s: personal data erased", kind, event.complaint_id)
            return Outcome.ERASED
        rendered, deadlines, name = built
        if rendered.message_id in complaint.letters:
            return Outcome.ALREADY_RECORDED
        sent_at, sent_now = await self._deliver(rendered, name)
        await asyncio.to_thread(self._record, event, rendered, sent_at, deadlines)
        self._accepted.pop(rendered.message_id, None)
        return Outcome.SENT if sent_now else Outcome.RECORDED

    def _build(
        self, kind: LetterKind, event: ev.Event, submitted: ev.Submitted, complaint: Complaint
    ) -> tuple[RenderedLetter, ev.Terms | None, str] | None:
        policy, calendar = policy_in_force()
        # The dates recorded up to this event; the acknowledgement copies them into the log.
        terms = current_terms(complaint.facts[: event.version], policy, calendar)  # type: ignore[attr-defined]
        deadlines = terms if kind is LetterKind.ACKNOWLEDGEMENT else None
        ctx = domain.letter_context(
            kind, event, submitted, complaint, terms, calendar, self.letterhead
        )
        if ctx is None:
            return None
        with tracing.step(f"render {kind}"):
            rendered = render(kind, ctx, letter_key=domain.letter_key(event))
        # Built once here too, so a letter no message can carry fails now, not at the relay.
        self._message(rendered, ctx.complainant_name, self.clock())
        return rendered, deadlines, ctx.complainant_name

    def _message(self, rendered: RenderedLetter, name: str, date: datetime) -> EmailMessage:
        return build_message(
            rendered,
            self.mail.mail_from,
            formataddr((name, rendered.recipient)),
            date=date,
            reply_to=domain.reply_to(self.letterhead, UUID(rendered.complaint_id)),
        )

    def _unsealed(self, event: ev.Event) -> ev.Event:
        """The letter quotes personal text (the response): open the sealed part with the
        complainant's key, as the application's own mapper does for the history."""
        keystore = getattr(self.app.mapper, "keystore", None)
        if event.sealed is None or keystore is None:
            return event
        return unseal(event, keystore)

    def _load(self, complaint_id: UUID) -> tuple[Complaint | None, ev.Submitted | None]:
        try:
            return self.app.load(complaint_id)
        except (Unavailable, OperationalError):
            raise
        except Exception as error:
            # A history we cannot read will not become readable by itself; a few deliveries
            # still, in case it is a half-written read from a lagging replica.
            raise domain.Undeliverable(
                f"complaint {complaint_id} cannot be loaded: {type(error).__name__}: {error}",
                attempts=3,
            ) from error

    async def _deliver(self, rendered: RenderedLetter, name: str) -> tuple[datetime, bool]:
        """When the relay accepted the letter, and whether that happened now. Sends only when
        no attempt is known to have been accepted (outbox.py)."""
        message_id = rendered.message_id
        if message_id in self._accepted:
            return self._accepted[message_id], False
        intent = await self.outbox.get(message_id)
        if intent is not None and intent.state == "accepted":
            return intent.date, False
        if intent is None:
            intent = Intent(message_id=message_id, state="sending", date=self.clock())
            await self.outbox.put(intent)
        message = self._message(rendered, name, intent.date)
        try:
            with tracing.step("smtp send"):
                receipt = await self.sender(message, self.mail.relay)
        except PermanentSendError as error:
            raise domain.Undeliverable(f"relay refused the letter permanently: {error}") from error
        self._accepted[message_id] = intent.date
        self.on_accepted()
        accepted = Intent(
            message_id=message_id,
            state="accepted",
            date=intent.date,
            relay_response=receipt.relay_response,
        )
        await self.outbox.put(accepted)
        return intent.date, True

    def _record(
        self,
        event: ev.Event,
        rendered: RenderedLetter,
        sent_at: datetime,
        deadlines: ev.Terms | None,
    ) -> None:
        record = domain.letter_record(rendered, sent_at)
        cause = Cause(
            actor=ACTOR,
            correlation_id=event.complaint_id,
            causation_id=event.event_id,
            event_id=domain.record_event_id(rendered.message_id),
        )

        def decide(complaint: Complaint) -> None:
            now = self.clock()
            if deadlines is not None:
                try:
                    complaint.acknowledge(
                        letter=record,
                        acknowledge_by=deadlines.acknowledge_by,
                        respond_by=deadlines.respond_by or deadlines.statutory_by,
                        statutory_by=deadlines.statutory_by,
                        terms=deadlines,
                        now=now,
                        cause=cause,
                    )
                    return
                except IllegalTransition:
                    # Closed while the letter was on its way: it was sent, so it is still
                    # recorded, as a letter rather than as an acknowledgement.
                    pass
            complaint.record_letter(
                letter=record, cause_event_id=event.event_id, now=now, cause=cause
            )

        try:
            self.app.change(event.complaint_id, decide)
        except ComplaintNotFound as error:
            # It was just loaded: a replica behind; retried (the letter is not sent again).
            raise Unavailable(f"complaint {error} not visible for the record yet") from error
