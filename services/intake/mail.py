"""Inbound SMTP: a mail is a new complaint, or a reaction to an existing one.

``250`` only after the complaint or reaction is in the log; ``451`` when the log (or the
attachment store) is unavailable, so the sending server keeps the message and retries;
``5xx`` with the reason for mail we will never accept. A retried message yields the same
complaint: its Message-ID is the idempotency key. Attachments are stored sealed
(services/intake/documents.py).
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import logging
import ssl
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import msgspec
from aiosmtpd.smtp import SMTP, Envelope, Session
from nats.aio.client import Client as NATS
from nats.js.object_store import (
    ObjectStore,
)
from prometheus_client import Counter

from services.intake import domain
from services.intake.application import IdempotencyConflict, Intake
from services.intake.documents import attachment_store, store_attachment
from services.intake.http import fingerprint
from services.intake.mailparse import InboundMail, MailRejected, own_words, parse_mail
from services.intake.settings import IntakeSettings
from shared.contract import events as ev
from shared.eventstore.application import ComplaintNotFound
from shared.privacy import statuslink
from shared.privacy.replyaddress import complaint_of_reply_address
from shared.runtime import logwatch

log = logging.getLogger("klachten.intake.mail")
UNAVAILABLE_REPLY = "451 4.3.0 the complaint log is unavailable; please try again later"
MAX_RECIPIENTS = 10  # per message; RCPT beyond it gets 452
KEY_REUSED_REPLY = {  # permanent: sending the same message again cannot help
    "nl": "550 5.7.0 dit Message-ID is al gebruikt voor een ander bericht; "
    "stuur het met een nieuw Message-ID",
    "en": "550 5.7.0 this Message-ID was used before for another message; "
    "send it with a new Message-ID",
}
MAIL_IGNORED = Counter(
    "klachten_inbound_mail_ignored", "Inbound mail accepted but not recorded", ["reason"]
)


@dataclass(frozen=True)
class ComplaintOfMail:
    """The complaint a message is about, and whether it proves it comes from the complainant."""

    complaint_id: UUID
    verified_by: ev.Verification | None  # None: linked only (threading headers, a reference)


class IntakeMailHandler:
    def __init__(
        self, intake: Intake, store: ObjectStore, settings: IntakeSettings, secret: bytes
    ) -> None:
        self.intake, self.store, self.settings, self.secret = intake, store, settings, secret

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        """A complaint or a reply goes to one or two of our addresses: more than
        MAX_RECIPIENTS is refused per RFC 5321 4.5.3.1.10 (the client may send the rest
        in another transaction)."""
        if len(envelope.rcpt_tos) >= MAX_RECIPIENTS:
            return "452 4.5.3 too many recipients"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        try:
            mail = parse_mail(
                raw,
                envelope_from=envelope.mail_from,
                max_attachment=self.settings.attachment_max_bytes,
                allowed_types=self.settings.allowed_attachment_types,
            )
            key = mail.message_id or "sha256:" + hashlib.sha256(raw).hexdigest()
            logwatch.refuse_appends()  # a shrunken log or a full store: kept at the sender
            return await self.accept(mail, key, tuple(envelope.rcpt_tos))
        except MailRejected as rejected:
            log.info("rejected mail: %s", rejected.reply)
            return rejected.reply
        except Exception as error:
            # Anything else is ours, not the sender's: keep the mail at the sender, retried
            # (a 4xx that says why: storage full, a configuration error, unavailable).
            return logwatch.smtp_reply(error)

    async def accept(self, mail: InboundMail, key: str, rcpt_tos: tuple[str, ...] = ()) -> str:
        link = await self._link(mail, rcpt_tos)
        if link is None and mail.auto_reply:
            # Nobody's complaint and nobody to answer: accepted (so it is not retried or
            # bounced back to an auto-responder), logged and counted, never a complaint.
            log.info("ignored an auto-reply from %s: %r", mail.sender_email, mail.subject)
            MAIL_IGNORED.labels("auto_reply").inc()
            return "250 2.0.0 automatic reply noted; not registered as a complaint"
        refs = [await store_attachment(self.store, a) for a in mail.attachments]
        if link is not None:
            await self._react(link, mail, key, refs)
            return "250 2.0.0 reaction recorded"
        data = {
            "channel": "email",
            "complainant": {
                "name": mail.sender_name or mail.sender_email,
                "email": mail.sender_email,
                "language": mail.language,
            },
            "subject": mail.subject or "(e-mail)",
            "description": mail.text or mail.subject or "(see attachments)",
        }
        submission, errors = domain.validate_submission(
            data, staff=True, now=self.intake.clock(), lang=mail.language
        )
        if submission is None:
            problems = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
            return f"550 5.6.0 cannot register this message: {problems}"[:500]
        personal = msgspec.structs.replace(
            submission.personal, attachments=refs, refused_attachments=mail.refused
        )
        submission = dataclasses.replace(submission, personal=personal)
        try:  # the key is the sender's own; the same Message-ID with other words is refused
            receipt = await self.intake.submit(
                submission,
                actor="complainant:email",
                idempotency_key=key,
                fingerprint=fingerprint({**data, "files": [r.sha256 for r in refs]}),
                caller=f"email:{mail.sender_email}",
            )
        except IdempotencyConflict:
            return KEY_REUSED_REPLY[mail.language]
        return f"250 2.0.0 complaint registered as {receipt.reference}"

    async def _link(self, mail: InboundMail, rcpt_tos: tuple[str, ...]) -> ComplaintOfMail | None:
        """Reply address first (it proves the sender), then our letters' Message-IDs in the
        threading headers, then a reference in the subject (these two only link)."""
        for address in (*rcpt_tos, *mail.recipients):
            complaint_id = complaint_of_reply_address(self.secret, address)
            if complaint_id is not None and await self._exists(complaint_id):
                return ComplaintOfMail(complaint_id, "reply_address")
        letter_of = domain.complaint_of_letter(mail.reply_to_ids, self.settings.mail_domain)
        if letter_of is not None and await self._exists(UUID(letter_of)):
            return ComplaintOfMail(UUID(letter_of), None)
        reference = domain.find_reference(mail.subject)
        found = await self.intake.by_reference(reference) if reference else None
        if found is not None and await self._exists(found):
            return ComplaintOfMail(found, None)
        return None

    async def _exists(self, complaint_id: UUID) -> bool:
        try:
            await asyncio.to_thread(self.intake._load, complaint_id)
        except ComplaintNotFound:
            return False
        return True

    async def _react(
        self, link: ComplaintOfMail, mail: InboundMail, key: str, refs: list[Any]
    ) -> None:
        """Keep the message on its complaint (open or closed); it acts for nobody: a request
        for review is the explicit link, never read from the words of a reply."""
        verified_by = link.verified_by or await self._dmarc(link.complaint_id, mail)
        text = own_words(mail.text) or mail.text or mail.subject
        if mail.refused:
            text += "\n\n" + refused_note(mail.refused)
        await self.intake.react(
            link.complaint_id,
            text,
            disagrees=False,
            channel="email",
            message_id=key,
            verified=verified_by is not None,
            verified_by=verified_by,
            auto_reply=mail.auto_reply,
            sender=mail.sender_email,
            attachments=refs,
        )

    async def _dmarc(self, complaint_id: UUID, mail: InboundMail) -> ev.Verification | None:
        """ "dmarc" when a trusted MTA saw the sender's domain pass DMARC and the sender is the
        complainant; else None (linked, not verified)."""
        trusted = self.settings.trusted_authservs
        if not domain.dmarc_verified(mail.authentication_results, trusted, mail.sender_email):
            return None
        _, facts = await asyncio.to_thread(self.intake._load, complaint_id)
        personal = getattr(facts[0], "personal", None)
        owner = personal.complainant.email if personal else ""
        return "dmarc" if owner and domain.same_email(mail.sender_email, owner) else None


def refused_note(refused: list[ev.RefusedAttachment]) -> str:
    """For the handler: the files of a reply that were not kept, and why (in Dutch, the
    handlers' language; the complainant's receipt is the notifier's)."""
    why = {
        "type_not_accepted": "bestandstype niet toegestaan",
        "too_large": "te groot",
        "unreadable": "onleesbaar",
    }
    return "\n".join(f"[Bijlage niet bewaard: {r.filename} ({why[r.reason]})]" for r in refused)


async def start_smtp(
    intake: Intake, nc: NATS, settings: IntakeSettings, tls: ssl.SSLContext | None = None
) -> asyncio.Server:
    """Inbound SMTP; `tls` (server.py smtp_tls_context): STARTTLS is offered."""
    secret = statuslink.link_secret(settings.data_dir)
    handler = IntakeMailHandler(intake, await attachment_store(nc), settings, secret)
    loop = asyncio.get_running_loop()
    return await loop.create_server(
        lambda: SMTP(
            handler,
            data_size_limit=settings.mail_max_bytes,
            enable_SMTPUTF8=True,
            decode_data=False,
            hostname="klachten-intake",
            tls_context=tls,
        ),
        host=settings.smtp_host,
        port=settings.smtp_port,
    )
