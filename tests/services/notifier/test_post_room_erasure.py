"""Erasure reaches the post room, on a real nats-server: a paper letter holds the complainant's
name and address, so when `klachten privacy erase` destroys their key and records
`complaint.erased`, the notifier removes the complaint's PDFs and entries and says so in the
post room's journal; another complainant's letter stays; the erasure delivered again changes
nothing; a letter of an erased complaint is never kept (the mark, tested on the folder alone).
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID, uuid4

import nats
import pytest

from klachten.stack.natsserver import EmbeddedNats
from services.notifier.app import bootstrap
from services.notifier.application import LetterService, MailSettings, NotifierApplication
from services.notifier.mailsink import MailSink
from services.notifier.postroom import ComplaintErased, PostEntry, PostRoom
from services.notifier.settings import CONSUMER_NAME, NotifierSettings
from shared.contract import events as ev
from shared.contract import subjects
from shared.eventstore.link import JetStreamLink
from shared.privacy.shredding import PrivateComplaints, execute_erasure, plan_erasure
from shared.rules.complaint import Cause, Complaint
from tests.support.notifier import events_of, notifier_settings
from tests.support.polling import wait_until

ERASER = "staff:privacy"


@pytest.fixture
def settings(
    provisioned_nats: EmbeddedNats, sink: MailSink, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> NotifierSettings:
    monkeypatch.setenv("KLACHTEN_DATA_DIR", str(tmp_path))  # the pseudonym secret, as intake's
    return notifier_settings(provisioned_nats.url, sink.port, tmp_path)


@pytest.fixture
def complaints(settings: NotifierSettings) -> Iterator[PrivateComplaints]:
    app = PrivateComplaints(env={"NATS_URL": settings.nats_url})
    yield app
    app.close()


def submit_by_post(app: PrivateComplaints, number: int, name: str) -> UUID:
    now = datetime.now(UTC)
    complaint = Complaint.submit(
        complaint_id=uuid4(),
        reference=f"KL-2026-{number:06d}",
        channel="letter",
        language="nl",
        personal=ev.SubmittedPersonal(
            complainant=ev.Complainant(name=name, email="", address="Dorpsstraat 1, 1234 AB Dorp"),
            subject="Stoep kapot",
            description="De stoep voor mijn huis is al maanden kapot.",
        ),
        received_at=now - timedelta(hours=1),
        now=now,
        cause=Cause(actor="staff:ann"),
    )
    app.save(complaint)
    return complaint.id


def erase(app: PrivateComplaints, url: str, reference: str) -> None:
    """As `klachten privacy erase <reference>` does it."""
    link = JetStreamLink(url)
    try:
        assert app.keystore is not None
        plan = plan_erasure(link, app.keystore, reference)
        done = execute_erasure(
            plan, app, actor=ERASER, legal_basis="AVG art. 17", now=datetime.now(UTC)
        )
        assert done.recorded == [reference]
    finally:
        link.close()


def letters_of(room: PostRoom, complaint_id: UUID) -> list[PostEntry]:
    return [e for e in room.entries() if e.complaint_id == str(complaint_id)]


async def acknowledged(nc: nats.NATS, complaint_id: UUID) -> bool:
    return any(isinstance(e, ev.Acknowledged) for e in await events_of(nc, complaint_id))


async def test_an_erased_complainants_paper_letters_leave_the_post_room(
    settings: NotifierSettings, complaints: PrivateComplaints, nc: nats.NATS
) -> None:
    els = await asyncio.to_thread(submit_by_post, complaints, 1, "Els Jansen")
    kees = await asyncio.to_thread(submit_by_post, complaints, 2, "Kees Bakker")
    room = PostRoom(settings.post_room)
    async with bootstrap(settings):
        for complaint_id in (els, kees):
            await wait_until(lambda i=complaint_id: acknowledged(nc, i), timeout=20)
        [letter] = letters_of(room, els)
        pdf = room.pdf_path(letter)
        assert pdf.exists() and b"Els Jansen" in (room.folder / f"{pdf.stem}.json").read_bytes()

        await asyncio.to_thread(erase, complaints, settings.nats_url, "KL-2026-000001")
        await wait_until(lambda: not letters_of(room, els), timeout=20, message="erased")

    assert not pdf.exists() and not (room.folder / f"{pdf.stem}.json").exists()
    assert not any(b"Els Jansen" in p.read_bytes() for p in room.folder.iterdir() if p.is_file())
    erased = [line for line in room.journal() if line.action == "erased"]
    assert [(e.document_sha256, e.reference, e.by) for e in erased] == [
        (letter.document_sha256, "KL-2026-000001", ERASER)
    ]
    [kept] = letters_of(room, kees)  # another complainant's letter stays
    assert room.pdf_path(kept).exists()

    # Every event delivered again (a new durable), the erasure too: nothing printed or removed.
    before = sorted(p.name for p in room.folder.iterdir())
    journal = room.journal()
    await nc.jetstream().delete_consumer(subjects.COMPLAINTS_STREAM, CONSUMER_NAME)
    async with bootstrap(settings):
        await wait_until(lambda: _consumer_idle(nc), timeout=30, message="redelivered, idle")
    assert sorted(p.name for p in room.folder.iterdir()) == before
    assert room.journal() == journal


async def test_erasures_from_before_the_notifier_read_them_are_found_at_start(
    settings: NotifierSettings, complaints: PrivateComplaints, nc: nats.NATS
) -> None:
    """An erasure the durable will not deliver (recorded before its filter had erasures):
    `forget_erased` finds it from the complaints in the post room."""
    els = await asyncio.to_thread(submit_by_post, complaints, 3, "Els Jansen")
    room = PostRoom(settings.post_room)
    async with bootstrap(settings):
        await wait_until(lambda: acknowledged(nc, els), timeout=20)
    await asyncio.to_thread(erase, complaints, settings.nats_url, "KL-2026-000003")
    [letter] = letters_of(room, els)

    app = NotifierApplication(env={"NATS_URL": settings.nats_url})
    try:
        mail = MailSettings(settings.relay, settings.mail_from)
        letters = LetterService(app, mail, settings.letterhead, post_room=room)
        assert await asyncio.to_thread(letters.forget_erased) == 1
        assert await asyncio.to_thread(letters.forget_erased) == 0
    finally:
        await asyncio.to_thread(app.close)
    assert letters_of(room, els) == [] and not room.pdf_path(letter).exists()
    assert [(line.action, line.by) for line in room.journal()][-1] == ("erased", ERASER)


def test_a_letter_of_an_erased_complaint_is_not_kept(tmp_path: Path) -> None:
    """The mark `erase` leaves keeps out a letter printed from data read just before (another
    process's key cache), also one written while the erasure ran."""
    room = PostRoom(tmp_path / "post-room")
    complaint_id, at = str(uuid4()), datetime(2026, 12, 7, 9, tzinfo=UTC)
    assert room.erase(complaint_id, at, ERASER) == 0
    pdf = b"%PDF-1.4 Els Jansen, Dorpsstraat 1"
    entry = _entry(pdf, complaint_id, at)
    with pytest.raises(ComplaintErased):
        room.put(pdf, entry)
    assert room.entries() == [] and not room.pdf_path(entry).exists()

    # Erased between put's first look and its write: put takes it out again.
    other = str(uuid4())
    looks = iter([False, True])
    room.is_erased = lambda _: next(looks)  # type: ignore[method-assign]
    room.erase(other, at, ERASER)
    with pytest.raises(ComplaintErased):
        room.put(pdf, _entry(pdf, other, at))
    assert room.entries() == []
    assert [line.action for line in room.journal()] == ["queued", "erased"]


def _entry(pdf: bytes, complaint_id: str, at: datetime) -> PostEntry:
    return PostEntry(
        document_sha256=hashlib.sha256(pdf).hexdigest(), message_id="<m@klachten.local>",
        complaint_id=complaint_id, reference="KL-2026-000009", kind="acknowledgement",
        language="nl", recipient="Els Jansen, Dorpsstraat 1", pages=1, queued_at=at,
    )  # fmt: skip


async def _consumer_idle(nc: nats.NATS) -> bool:
    try:
        info = await nc.jetstream().consumer_info(subjects.COMPLAINTS_STREAM, CONSUMER_NAME)
    except nats.js.errors.NotFoundError:
        return False
    delivered = info.delivered.consumer_seq if info.delivered else 0
    return info.num_pending == 0 and info.num_ack_pending == 0 and delivered > 0
