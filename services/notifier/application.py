"""The notifier's use case: one complaint event in, at most one letter out, recorded once.

`LetterService.handle(subject, data)` decodes the event, loads the complaint, and either skips
(no letter needed, already recorded, personal data erased) or renders → sends → records.
Recording comes after sending, so a crash in between re-sends the same letter with the same
Message-ID (recognisable as a duplicate) but never records a letter that was not sent.
Failures surface as exceptions; the consumer (app.py) turns them into retry or dead-letter.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formataddr
from enum import StrEnum
from uuid import UUID

import msgspec
from eventsourcing.persistence import OperationalError

from services.notifier import domain
from services.notifier.letters import LetterContextError, LetterKind, RenderedLetter, render
from services.notifier.senders import (
    PermanentSendError,
    RelaySettings,
    SendReceipt,
    build_message,
    send,
)
from shared import events as ev
from shared import tracing
from shared.application import ComplaintNotFound, ComplaintsApplication
from shared.calendar import BusinessCalendar
from shared.complaint import Cause, Complaint, IllegalTransition
from shared.jsclient import Unavailable
from shared.mapper import unseal

log = logging.getLogger("klachten.notifier")

ACTOR = "notifier"
Clock = Callable[[], datetime]
Sender = Callable[[EmailMessage, RelaySettings], Awaitable[SendReceipt]]


class Outcome(StrEnum):
    SENT = "sent"
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
    reply_to: str | None = None


class LetterService:
    def __init__(
        self,
        app: NotifierApplication,
        mail: MailSettings,
        letterhead: domain.Letterhead,
        calendar: BusinessCalendar,
        *,
        clock: Clock = lambda: datetime.now(UTC),
        sender: Sender = send,
    ) -> None:
        self.app, self.mail, self.letterhead, self.calendar = app, mail, letterhead, calendar
        self.clock, self.sender = clock, sender

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
        deadlines = (
            domain.stated_deadlines(
                submitted.received_at,
                self.calendar,
                category=submitted.category,
                channel=submitted.channel,
                priority=submitted.priority,
            )
            if kind is LetterKind.ACKNOWLEDGEMENT
            else None
        )
        ctx = domain.letter_context(
            kind, event, submitted, complaint, deadlines, self.calendar, self.letterhead
        )
        if ctx is None:
            log.warning("no %s letter for %s: personal data erased", kind, event.complaint_id)
            return Outcome.ERASED
        try:
            with tracing.step(f"render {kind}"):
                rendered = render(kind, ctx, letter_key=domain.letter_key(event))
        except LetterContextError as error:
            raise domain.Undeliverable(f"cannot write the {kind} letter: {error}") from error
        if rendered.message_id in complaint.letters:
            return Outcome.ALREADY_RECORDED
        with tracing.step("smtp send"):
            sent_at = await self._send(rendered, ctx.complainant_name)
        await asyncio.to_thread(self._record, event, rendered, sent_at, deadlines)
        return Outcome.SENT

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

    async def _send(self, rendered: RenderedLetter, name: str) -> datetime:
        sent_at = self.clock()
        message = build_message(
            rendered,
            self.mail.mail_from,
            formataddr((name, rendered.recipient)),
            date=sent_at,
            reply_to=self.mail.reply_to,
        )
        try:
            await self.sender(message, self.mail.relay)
        except PermanentSendError as error:
            raise domain.Undeliverable(f"relay refused the letter permanently: {error}") from error
        return sent_at

    def _record(
        self,
        event: ev.Event,
        rendered: RenderedLetter,
        sent_at: datetime,
        deadlines: domain.StatedDeadlines | None,
    ) -> None:
        record = domain.letter_record(rendered, sent_at)
        cause = Cause(
            actor=ACTOR,
            correlation_id=event.correlation_id or event.event_id,
            causation_id=event.event_id,
            event_id=domain.record_event_id(rendered.message_id),
        )

        def decide(complaint: Complaint) -> None:
            now = self.clock()
            if deadlines is not None:
                try:
                    complaint.acknowledge(
                        letter=record,
                        respond_by=deadlines.respond_by,
                        statutory_by=deadlines.statutory_by,
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

        self.app.change(event.complaint_id, decide)
