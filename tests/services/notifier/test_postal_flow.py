"""A complainant without e-mail, on a real nats-server: every letter is a PDF in the post room,
recorded like an e-mailed letter (hash, template version, delivery "post", the PDF's hash), none
in the mail sink; delivered again, nothing is printed or recorded twice; a crash between the
post room and the record prints the same bytes again and records once."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import nats
import pytest

from klachten.stack.natsserver import EmbeddedNats
from services.notifier.app import bootstrap
from services.notifier.application import LetterService, MailSettings, NotifierApplication
from services.notifier.letters import format_date
from services.notifier.mailsink import MailSink, read_maildir
from services.notifier.outbox import KvOutbox
from services.notifier.postroom import PostRoom
from services.notifier.settings import CONSUMER_NAME, NotifierSettings
from shared.config.calendar import business_calendar
from shared.config.policy import policy_in_force
from shared.contract import events as ev
from shared.contract import subjects
from shared.eventstore.application import ComplaintsApplication
from shared.rules.complaint import Cause, Complaint
from shared.rules.terms import current_terms
from tests.services.notifier.test_postal_pdf import pdftotext
from tests.support.notifier import events_of, notifier_settings
from tests.support.polling import wait_until

CALENDAR = business_calendar("NL")
ADDRESS = {"nl": "Dorpsstraat 1\n1234 AB Ons Dorp", "en": "12 High Street, Utrecht"}
RETURN = "Postbus 12, 1000 AA Amsterdam"


@pytest.fixture
def settings(provisioned_nats: EmbeddedNats, sink: MailSink, tmp_path: Path) -> NotifierSettings:
    return notifier_settings(provisioned_nats.url, sink.port, tmp_path, organisation_address=RETURN)


def submit_by_post(app: ComplaintsApplication, language: ev.Language, number: int) -> UUID:
    """As intake registers a complainant who gave a postal address and no e-mail (issue 25:
    the contract's e-mail is then '')."""
    now = datetime.now(UTC)
    complaint = Complaint.submit(
        complaint_id=uuid4(),
        reference=f"KL-2026-{number:06d}",
        channel="letter",
        language=language,
        personal=ev.SubmittedPersonal(
            complainant=ev.Complainant(name="Els Jansen", email="", address=ADDRESS[language]),
            subject="Stoep al maanden kapot",
            description="De stoep voor mijn huis is al maanden kapot.",
        ),
        received_at=now - timedelta(hours=2),
        now=now,
        cause=Cause(actor="staff:ann"),
    )
    app.save(complaint)
    return complaint.id


def letters_of(history: list[ev.Event]) -> list[ev.LetterRecord]:
    return [e.letter for e in history if isinstance(e, ev.Acknowledged | ev.LetterSent)]


async def test_letters_by_post_are_printed_once_and_recorded_with_their_hash(
    settings: NotifierSettings, sink: MailSink, nc: nats.NATS, complaints: Any, tmp_path: Path
) -> None:
    ids = {
        lang: await asyncio.to_thread(submit_by_post, complaints, lang, n)
        for n, lang in enumerate(("nl", "en"))
    }
    room = PostRoom(settings.post_room)

    async def recorded(count: int) -> bool:
        return all([len(letters_of(await events_of(nc, i))) == count for i in ids.values()])

    async with bootstrap(settings):
        await wait_until(lambda: recorded(1), timeout=20, message="acknowledged by post")

        def respond(complaint_id: UUID) -> None:
            complaints.change(
                complaint_id,
                lambda c: c.respond(
                    text="Wij repareren de stoep.", resolution="well_founded",
                    now=datetime.now(UTC), cause=Cause(actor="staff:ann"),
                ),
            )  # fmt: skip

        for complaint_id in ids.values():
            await asyncio.to_thread(respond, complaint_id)
        await wait_until(lambda: recorded(2), timeout=20, message="response by post")

    assert read_maildir(sink.maildir) == []  # nothing went by e-mail
    entries = {e.document_sha256: e for e in room.entries()}
    assert len(entries) == 4 and len(room.waiting()) == 4
    for lang, complaint_id in ids.items():
        history = await events_of(nc, complaint_id)
        [ack, response] = letters_of(history)
        assert (ack.kind, response.kind) == ("acknowledgement", "response")
        for record in (ack, response):
            pdf = room.pdf_path(entries[record.document_sha256]).read_bytes()
            assert hashlib.sha256(pdf).hexdigest() == record.document_sha256
            assert record.delivery == "post" and record.language == lang
            assert record.template_version.startswith(record.template_version.split("+")[0])
            assert "+pdf." in record.template_version and len(record.content_sha256) == 64
            entry = entries[record.document_sha256]
            assert (entry.complaint_id, entry.kind) == (str(complaint_id), record.kind)
        pdf = room.pdf_path(entries[ack.document_sha256]).read_bytes()
        text = " ".join(pdftotext(pdf, tmp_path).split())
        window = " ".join(pdftotext(pdf, tmp_path, crop=(20, 45, 85, 45)).split())
        terms = current_terms(history[:1], *policy_in_force())
        for deadline in (terms.respond_by, terms.statutory_by):
            assert format_date(CALENDAR.due_date(deadline), lang) in text
        address = " ".join(ADDRESS[lang].replace(",", "\n").split())
        assert window == f"Gemeente Voorbeeld · Postbus 12 · 1000 AA Amsterdam Els Jansen {address}"
        assert ("Ons kenmerk" if lang == "nl" else "Our reference") in text
        assert ("Met deze brief" if lang == "nl" else "This letter confirms") in text

    # Every event delivered again (a new durable): nothing printed, queued or recorded twice.
    before = sorted(p.name for p in room.folder.iterdir())
    await nc.jetstream().delete_consumer(subjects.COMPLAINTS_STREAM, CONSUMER_NAME)
    async with bootstrap(settings):
        await wait_until(lambda: _consumer_idle(nc), timeout=30, message="redelivered, idle")
    assert sorted(p.name for p in room.folder.iterdir()) == before
    assert [line.action for line in room.journal()] == ["queued"] * 4
    assert await recorded(2)


async def test_a_crash_between_the_post_room_and_the_record_prints_once_records_once(
    settings: NotifierSettings, nc: nats.NATS, complaints: Any
) -> None:
    complaint_id = await asyncio.to_thread(submit_by_post, complaints, "nl", 7)
    subject = subjects.event_subject(complaint_id, 1, "submitted")
    message = await nc.jetstream().get_last_msg(subjects.COMPLAINTS_STREAM, subject)
    days = iter(range(100))

    def clock() -> datetime:  # a day later at every look: the PDF must not take it again
        return datetime(2026, 12, 7, 9, tzinfo=UTC) + timedelta(days=next(days))

    app = NotifierApplication(env={"NATS_URL": settings.nats_url})
    room = PostRoom(settings.post_room)
    letters = LetterService(
        app, MailSettings(settings.relay, settings.mail_from), settings.letterhead, clock=clock,
        outbox=KvOutbox(nc.jetstream), post_room=room,
    )  # fmt: skip
    crash = RuntimeError("killed after the post room, before the record")
    record = letters._record

    def record_crashing_once(*args: Any) -> None:
        letters._record = record  # type: ignore[method-assign]
        raise crash

    letters._record = record_crashing_once  # type: ignore[method-assign]
    try:
        with pytest.raises(RuntimeError):
            await letters.handle(message.subject, message.data or b"")
        [printed] = room.entries()
        assert letters_of(await events_of(nc, complaint_id)) == []
        assert await letters.handle(message.subject, message.data or b"") == "recorded"
        assert await letters.handle(message.subject, message.data or b"") == "not_needed"
    finally:
        await asyncio.to_thread(app.close)
    assert room.entries() == [printed]
    [ack] = letters_of(await events_of(nc, complaint_id))
    assert ack.document_sha256 == printed.document_sha256 and ack.delivery == "post"
    assert ack.sent_at == printed.queued_at == datetime(2026, 12, 7, 9, tzinfo=UTC)
    assert [line.action for line in room.journal()] == ["queued"]


async def _consumer_idle(nc: nats.NATS) -> bool:
    try:
        info = await nc.jetstream().consumer_info(subjects.COMPLAINTS_STREAM, CONSUMER_NAME)
    except nats.js.errors.NotFoundError:
        return False
    delivered = info.delivered.consumer_seq if info.delivered else 0
    return info.num_pending == 0 and info.num_ack_pending == 0 and delivered > 0
