"""Inbound SMTP: a mail is a new complaint, or a reaction to an existing one.

``250`` only after the complaint or reaction is in the log; ``451`` when the log (or the
attachment store) is unavailable, so the sending server keeps the message and retries;
``5xx`` with the reason for mail we will never accept. A retried message yields the same
complaint: its Message-ID is the idempotency key.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import logging
from typing import Any
from uuid import UUID

import msgspec
from aiosmtpd.smtp import SMTP, Envelope, Session
from nats.aio.client import Client as NATS
from nats.js.errors import BucketNotFoundError
from nats.js.object_store import ObjectStore

from services.intake import domain
from services.intake.application import Intake
from services.intake.mailparse import InboundMail, MailRejected, own_words, parse_mail
from services.intake.settings import IntakeSettings
from shared import events as ev
from shared.application import ComplaintNotFound
from shared.complaint import IllegalTransition
from shared.subjects import ATTACHMENTS_BUCKET

log = logging.getLogger("klachten.intake.mail")
UNAVAILABLE_REPLY = "451 4.3.0 the complaint log is unavailable; please try again later"


async def attachment_store(nc: NATS) -> ObjectStore:
    js = nc.jetstream()
    try:
        return await js.object_store(ATTACHMENTS_BUCKET)
    except BucketNotFoundError:
        return await js.create_object_store(ATTACHMENTS_BUCKET)


async def store_attachment(store: ObjectStore, attachment: Any) -> ev.AttachmentRef:
    """Content-addressed (by sha256): a retried mail or form stores nothing new."""
    name = f"sha256/{attachment.sha256}"
    await store.put(name, attachment.data)
    return ev.AttachmentRef(
        object_name=name,
        filename=attachment.filename,
        content_type=attachment.content_type,
        size=len(attachment.data),
        sha256=attachment.sha256,
    )


class IntakeMailHandler:
    def __init__(self, intake: Intake, store: ObjectStore, settings: IntakeSettings) -> None:
        self.intake, self.store, self.settings = intake, store, settings

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
            return await self.accept(mail, f"email:{key}")
        except MailRejected as rejected:
            log.info("rejected mail: %s", rejected.reply)
            return rejected.reply
        except Exception:
            # Anything else is ours, not the sender's: keep the mail at the sender, retried.
            log.exception("could not record an inbound mail")
            return UNAVAILABLE_REPLY

    async def accept(self, mail: InboundMail, key: str) -> str:
        refs = [await store_attachment(self.store, a) for a in mail.attachments]
        complaint_id = await self._replied_complaint(mail)
        if complaint_id is not None and await self._react(complaint_id, mail, refs):
            return "250 2.0.0 reaction recorded"
        data = {
            "channel": "email",
            "complainant": {
                "name": mail.sender_name or mail.sender_email,
                "email": mail.sender_email,
            },
            "subject": mail.subject or "(e-mail)",
            "description": mail.text or mail.subject or "(see attachments)",
        }
        submission, errors = domain.validate_submission(
            data,
            staff=True,
            now=self.intake.clock(),
            lang=mail.language,  # type: ignore[arg-type]
        )
        if submission is None:
            problems = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
            return f"550 5.6.0 cannot register this message: {problems}"[:500]
        personal = msgspec.structs.replace(submission.personal, attachments=refs)
        submission = dataclasses.replace(submission, personal=personal)
        receipt = await self.intake.submit(
            submission, actor="complainant:email", idempotency_key=key
        )
        return f"250 2.0.0 complaint registered as {receipt.reference}"

    async def _replied_complaint(self, mail: InboundMail) -> UUID | None:
        reference = domain.find_reference(mail.subject)
        if reference is not None:
            found = await self.intake.by_reference(reference)
            if found is not None:
                return found
        letter_of = domain.complaint_of_letter(mail.reply_to_ids, self.settings.mail_domain)
        return UUID(letter_of) if letter_of else None

    async def _react(self, complaint_id: UUID, mail: InboundMail, refs: list[Any]) -> bool:
        """Record the reply on its complaint; False when it must be a new complaint instead."""
        try:
            complaint, facts = await asyncio.to_thread(self.intake._load, complaint_id)
        except ComplaintNotFound:
            return False
        submitted = facts[0]
        owner = submitted.personal.complainant.email if submitted.personal else ""  # type: ignore[attr-defined]
        # Only the complainant may react; anyone else quoting a reference starts a new one.
        if not owner or not domain.same_email(mail.sender_email, owner) or not complaint.is_open:
            return False
        if any(
            isinstance(f, ev.ReactionReceived) and f.message_id == mail.message_id for f in facts
        ):
            return True  # a retried delivery
        text = own_words(mail.text) or mail.subject
        if refs:
            listed = ", ".join(f"{r.filename} ({r.object_name})" for r in refs)
            text += f"\n\n[attachments: {listed}]"
        disagrees = domain.reaction_disagrees(text)

        try:
            await self.intake.react(
                complaint_id,
                text,
                disagrees=disagrees,
                channel="email",
                message_id=mail.message_id,
            )
        except IllegalTransition:
            return False
        return True


async def start_smtp(intake: Intake, nc: NATS, settings: IntakeSettings) -> asyncio.Server:
    handler = IntakeMailHandler(intake, await attachment_store(nc), settings)
    loop = asyncio.get_running_loop()
    return await loop.create_server(
        lambda: SMTP(
            handler,
            data_size_limit=settings.mail_max_bytes,
            enable_SMTPUTF8=True,
            decode_data=False,
            hostname="klachten-intake",
        ),
        host=settings.smtp_host,
        port=settings.smtp_port,
    )
