"""The notifier's use case: one complaint event in, the letters it obliges out (mostly one; an
extension also goes to the person complained about), each recorded once.

`LetterService.handle(subject, data)` reads straight: the delivered event → the complaint as
the log holds it → the letters the event obliges (decided in domain.py, or why none goes) →
each sent through the outbox → recorded. The outbox (outbox.py) writes the intent before the SMTP
conversation and marks it "accepted" right after, so when recording fails (a crash, a full
disk, a complaint not visible yet) the redelivery records without sending again. Failures
surface as exceptions; the consumer (app.py) turns them into retry, hold or dead-letter.
A complainant without e-mail gets the letter on paper instead: printed (postal.py) with the
outbox's first date, so every attempt prints the same bytes, and kept once in the post room
(postroom.py) before it is recorded. `forget` takes an erased complainant's paper letters out
of the post room again (their name and address are in them). (About 310 lines: the one use
case, e-mail, post and erasure, reads top to bottom in one file.)
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from uuid import UUID

from eventsourcing.persistence import IntegrityError, OperationalError

from services.notifier import domain, postal
from services.notifier.domain import Document, Letter, LetterOutcome
from services.notifier.letter_context import Letterhead
from services.notifier.message import redate
from services.notifier.outbox import Intent, MemoryOutbox, Outbox
from services.notifier.postroom import ComplaintErased, PostEntry, PostRoom
from services.notifier.senders import (
    PermanentSendError,
    RelaySettings,
    SendReceipt,
    compose,
    send,
)
from shared.config.policy import policy_in_force
from shared.contract import events as ev
from shared.eventstore.application import ComplaintNotFound, ComplaintsApplication
from shared.eventstore.link import Unavailable
from shared.eventstore.mapper import unseal
from shared.rules.complaint import AlreadyDone, Complaint
from shared.runtime import tracing, words
from shared.runtime.clock import Clock, utcnow
from shared.runtime.verdicts import Hopeless

log = logging.getLogger("klachten.notifier")

Sender = Callable[[EmailMessage, RelaySettings], Awaitable[SendReceipt]]


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
        letterhead: Letterhead,
        *,
        clock: Clock = utcnow,
        sender: Sender = send,
        outbox: Outbox | None = None,
        on_accepted: Callable[[], None] = lambda: None,
        post_room: PostRoom | None = None,
    ) -> None:
        self.app, self.mail, self.letterhead = app, mail, letterhead
        # Letters to a complainant without e-mail go here on paper (postal.py, postroom.py).
        self.post_room = post_room
        self.clock, self.sender = clock, sender
        self.outbox = outbox or MemoryOutbox()
        self.on_accepted = on_accepted
        # Accepted by the relay, not yet marked in the outbox or recorded: if NATS fails right
        # after the relay's 250, this process still knows not to send again.
        self._accepted: dict[str, datetime] = {}

    async def handle(self, subject: str, data: bytes) -> LetterOutcome:
        event = domain.decode(subject, data)
        with tracing.step("load complaint"):
            event, complaint, submitted = await asyncio.to_thread(self._load, event)
        policy, calendar = policy_in_force()
        with tracing.step("build letter"):
            letters = domain.letters_to_send(
                event, complaint, submitted, policy, calendar, self.letterhead
            )
            # Each e-mail built once, here: a letter no message can carry fails now, not at
            # the relay, and before any other letter of this event went (_deliver dates it).
            messages = {
                letter.rendered.message_id: compose(letter, self.mail.mail_from, self.clock())
                for letter in letters
                if isinstance(letter, Letter) and not letter.address
            }
        loaded = [complaint]  # recorded onto while nobody else appends (_record)
        outcomes = [await self._send_one(event, letter, messages, loaded) for letter in letters]
        return domain.overall(outcomes)

    async def _send_one(
        self,
        event: ev.Event,
        letter: Letter | LetterOutcome,
        messages: dict[str, EmailMessage],
        loaded: list[Complaint | None],
    ) -> LetterOutcome:
        """One letter of the event: sent (or found accepted before) and recorded; or why not."""
        if letter is LetterOutcome.ERASED:
            log.warning("no letter for %s: personal data erased", event.complaint_id)
        if letter is LetterOutcome.NO_ADDRESS:
            log.warning(
                "no letter to the person complained about in %s (event %s, version %d): no "
                "e-mail address was recorded for them; the handler sends it another way",
                event.complaint_id, ev.subject_token(type(event)), event.version,
            )  # fmt: skip
        if isinstance(letter, LetterOutcome):
            return letter
        if letter.address:
            try:
                sent_at, sent_now, document = await self._post(letter)
            except ComplaintErased:
                # Read just before the erasure (another process's key cache): not kept.
                log.warning("no letter for %s: erased while it was printed", event.complaint_id)
                return LetterOutcome.ERASED
        else:
            message = messages.get(letter.rendered.message_id)
            (sent_at, sent_now), document = await self._deliver(letter, message), None
        await asyncio.to_thread(self._record, event, letter, sent_at, document, loaded)
        self._accepted.pop(letter.rendered.message_id, None)
        return LetterOutcome.SENT if sent_now else LetterOutcome.RECORDED

    async def forget(self, subject: str, data: bytes) -> int:
        """`complaint.erased`: the complaint's paper letters leave the post room (journalled,
        on the word of who erased); how many. Delivered again, nothing is left to remove."""
        event = domain.decode(subject, data)
        if not isinstance(event, ev.Erased):
            raise Hopeless(f"{subject} is not an erasure")
        if self.post_room is None:
            return 0
        room, complaint_id = self.post_room, str(event.complaint_id)
        return await asyncio.to_thread(room.erase, complaint_id, self.clock(), event.actor)

    def forget_erased(self) -> int:
        """The letters of complaints erased before the notifier read erasures (its durable
        gets only erasures appended after the filter grew): checked once at start, per
        complaint in the post room. How many letters went."""
        if self.post_room is None:
            return 0
        room, erased = self.post_room, 0
        for complaint_id in sorted({e.complaint_id for e in room.entries()}):
            try:
                complaint, _ = self.app.load(UUID(complaint_id))
            except Exception as error:  # one unreadable history must not stop the notifier
                log.warning("post room: cannot check %s for erasure: %s", complaint_id, error)
                continue
            facts = complaint.facts if complaint is not None else []  # type: ignore[attr-defined]
            for fact in facts:
                if isinstance(fact, ev.Erased):
                    erased += room.erase(complaint_id, self.clock(), fact.actor)
        return erased

    def _load(self, event: ev.Event) -> tuple[ev.Event, Complaint | None, ev.Submitted | None]:
        """The event with its sealed part opened (a letter quotes personal text, such as the
        response: the complainant's key opens it, as the application's own mapper does for the
        history), the complaint, and its submission."""
        keystore = getattr(self.app.mapper, "keystore", None)
        if event.sealed is not None and keystore is not None:
            event = unseal(event, keystore)
        try:
            complaint, submitted = self.app.load(event.complaint_id)
        except (Unavailable, OperationalError):
            raise
        except Exception as error:
            # A history we cannot read will not become readable by itself; a few deliveries
            # still, in case it is a half-written read from a lagging replica.
            raise Hopeless(
                f"complaint {event.complaint_id} cannot be loaded: {type(error).__name__}: {error}",
                attempts=3,
            ) from error
        return event, complaint, submitted

    async def _deliver(
        self, letter: Letter, message: EmailMessage | None = None
    ) -> tuple[datetime, bool]:
        """When the relay accepted the letter, and whether that happened now. Sends only when
        no attempt is known to have been accepted (outbox.py); `message`: the letter's e-mail
        as `handle` built it (dated here with the outbox's first attempt)."""
        message_id = letter.rendered.message_id
        if message_id in self._accepted:
            return self._accepted[message_id], False
        intent = await self.outbox.get(message_id)
        if intent is not None and intent.state == "accepted":
            return intent.date, False
        if intent is None:
            intent = Intent(message_id=message_id, state="sending", date=self.clock())
            await self.outbox.put(intent)
        if message is None:
            message = compose(letter, self.mail.mail_from, intent.date)
        else:
            message = redate(message, intent.date)
        try:
            with tracing.step("smtp send"):
                receipt = await self.sender(message, self.mail.relay)
        except PermanentSendError as error:
            raise Hopeless(f"relay refused the letter permanently: {error}") from error
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

    async def _post(self, letter: Letter) -> tuple[datetime, bool, Document]:
        """Put the paper letter in the post room. Its date is the outbox's first attempt, so a
        redelivery prints the same bytes, finds them there, and only records."""
        if self.post_room is None:
            raise Hopeless(f"{letter.rendered.message_id} goes by post and there is no post room")
        message_id = letter.rendered.message_id
        intent = await self.outbox.get(message_id)
        if intent is None:
            intent = Intent(message_id=message_id, state="sending", date=self.clock())
            await self.outbox.put(intent)
        with tracing.step("print letter"):
            printed, new = await asyncio.to_thread(self._print, letter, intent.date)
        if intent.state != "accepted":
            await self.outbox.put(
                Intent(
                    message_id=message_id, state="accepted", date=intent.date,
                    relay_response=f"post room {printed.sha256}",
                )
            )  # fmt: skip
        return intent.date, new, Document(printed.sha256, postal.layout_version())

    def _print(self, letter: Letter, dated: datetime) -> tuple[postal.Printed, bool]:
        rendered = letter.rendered
        day = words.day_of(dated)
        try:
            printed = postal.render_pdf(
                postal.PostalLetter(rendered, letter.recipient_name, list(letter.address), day),
                postal.sender_of(self.letterhead),
            )
        except Exception as error:
            raise domain.Unbuildable(
                f"cannot print the {rendered.kind} letter: {type(error).__name__}: {error}"
            ) from error
        entry = PostEntry(
            document_sha256=printed.sha256, message_id=rendered.message_id,
            complaint_id=rendered.complaint_id, reference=rendered.reference,
            kind=rendered.kind.value, language=rendered.language, recipient=rendered.recipient,
            pages=printed.pages, queued_at=dated,
        )  # fmt: skip
        assert self.post_room is not None
        return printed, self.post_room.put(printed.pdf, entry)

    def _record(
        self,
        event: ev.Event,
        letter: Letter,
        sent_at: datetime,
        document: Document | None,
        loaded: list[Complaint | None],
    ) -> None:
        """Recorded on the complaint `handle` loaded (optimistic concurrency: no second read);
        loaded again if someone appended meanwhile. `loaded` is emptied on any failure."""

        def record(complaint: Complaint) -> None:
            domain.record_sent(complaint, event, letter, sent_at, self.clock(), document)

        complaint, loaded[0] = loaded[0], None
        if complaint is not None:
            try:
                record(complaint)
                self.app.save(complaint)
            except AlreadyDone:
                pass  # recorded before: nothing to save
            except IntegrityError:
                complaint = None  # appended meanwhile: loaded and decided again below
            if complaint is not None:
                loaded[0] = complaint
                return
        try:
            self.app.change(event.complaint_id, record)
        except ComplaintNotFound as error:
            # It was just loaded: a replica behind; retried (the letter is not sent again).
            raise Unavailable(f"complaint {error} not visible for the record yet") from error
