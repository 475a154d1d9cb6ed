"""The log's long reads through an ephemeral ordered consumer (services/reporting/log_consumer.py)
give what batch direct gets give: every message in sequence order, its subject, sequence, time,
data and stored headers; an interior delete still stops a rebuild; no free reader name, or a
reader gone between pages, changes nothing. Against a real nats-server."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import nats
import pytest

from klachten.stack.natsserver import EmbeddedNats
from services.reporting import log, log_consumer
from services.reporting import rebuild as rb
from services.reporting.view_backends import open_view
from shared.config import permissions
from shared.eventstore.application import ComplaintsApplication
from shared.eventstore.link import JetStreamLink, RawMsg
from tests.support.reporting_history import generate

PAGE = 7  # a few pages over the small log below


@pytest.fixture
def filled(provisioned_nats: EmbeddedNats) -> Iterator[JetStreamLink]:
    app = ComplaintsApplication(env={"NATS_URL": provisioned_nats.url})
    try:
        generate(app, 12, seed=7)
    finally:
        app.close()
    link = JetStreamLink(provisioned_nats.url)
    try:
        yield link
    finally:
        link.close()


def _seen(msgs: list[RawMsg]) -> list[tuple]:
    """What a reader hands on; a direct get's own ``Nats-*`` headers aside."""
    return [
        (
            m.subject,
            m.seq,
            m.data,
            m.timestamp,
            {k: v for k, v in m.headers.items() if not k.startswith("Nats-")},
        )
        for m in msgs
    ]


async def _admin(url: str, *steps: str, name: str = "") -> None:
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        if "take_names" in steps:
            for reader in permissions.LOG_READERS:
                await js.add_consumer("COMPLAINTS", name=reader, ack_policy="none")
        if "delete_reader" in steps:
            await js.delete_consumer("COMPLAINTS", name)
    finally:
        await nc.close()


def test_the_consumer_reads_what_direct_gets_read(filled: JetStreamLink, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(log, "PAGE", PAGE)
    direct = list(log._direct(filled, 1, None))
    assert len(direct) > 3 * PAGE
    assert _seen(list(log._consumed(filled, 1, None))) == _seen(direct)
    assert _seen(list(log.messages(filled))) == _seen(direct)  # long: through a consumer
    middle = list(log._consumed(filled, 5, 5 + 2 * PAGE))
    assert _seen(middle) == _seen(direct[4 : 5 + 2 * PAGE])


def test_an_interior_delete_still_stops_the_rebuild(
    nats_server: EmbeddedNats, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """On a stream that allows deletes (COMPLAINTS denies them): the consumer skips a deleted
    message, as the direct gets did, and the rebuild's contiguity check stops."""
    monkeypatch.setattr(log, "PAGE", PAGE)
    gone = 2 * PAGE + 3

    async def fill() -> None:
        nc = await nats.connect(nats_server.url)
        js = nc.jetstream()
        await js.add_stream(
            name="COMPLAINTS", subjects=["complaints.>", "tracking.>"], allow_direct=True
        )  # as the real one: direct gets read on where the consumer ends
        for n in range(4 * PAGE):
            await js.publish(f"tracking.t{n}", b"x")
        await js.delete_msg("COMPLAINTS", gone)
        await nc.close()

    asyncio.run(fill())
    link = JetStreamLink(nats_server.url)
    try:
        seqs = [m.seq for m in log._consumed(link, 1, None)]
        assert seqs == [n for n in range(1, 4 * PAGE + 1) if n != gone]
        with pytest.raises(rb.SequenceGap, match=rf"messages {gone}\.\.{gone} are missing"):
            rb.rebuild(link, open_view(str(tmp_path / "fresh.sqlite3")), None)
    finally:
        link.close()


def test_with_every_reader_name_taken_it_reads_by_direct_gets(
    filled: JetStreamLink, provisioned_nats: EmbeddedNats, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(log, "PAGE", PAGE)
    asyncio.run(_admin(provisioned_nats.url, "take_names"))
    reader = log_consumer.OrderedReader(filled, log.STREAM)
    assert filled.run(reader.open(1)) is False
    filled.run(reader.close())
    assert _seen(list(log.messages(filled))) == _seen(list(log._direct(filled, 1, None)))


def test_a_reader_gone_between_pages_is_made_again_from_the_next_message(
    filled: JetStreamLink, provisioned_nats: EmbeddedNats, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(log, "PAGE", PAGE)
    made: list[str] = []
    opened = log_consumer.OrderedReader.open

    async def open_and_note(self: log_consumer.OrderedReader, start: int) -> bool:
        found = await opened(self, start)
        made.append(str(self.name))
        return found

    monkeypatch.setattr(log_consumer.OrderedReader, "open", open_and_note)
    reading = log._consumed(filled, 1, None)
    got = [next(reading) for _ in range(2 * PAGE)]  # the third page is asked for already
    asyncio.run(_admin(provisioned_nats.url, "delete_reader", name=made[0]))
    got += list(reading)
    assert len(made) == 2
    assert _seen(got) == _seen(list(log._direct(filled, 1, None)))


def test_a_message_lost_on_the_way_fails_the_page() -> None:
    """The consumer's own sequence skipping one means a message did not arrive (ordered)."""

    async def go() -> None:
        reader = log_consumer.OrderedReader(SimpleNamespace(), "COMPLAINTS")  # type: ignore[arg-type]
        reader.name, reader._want = "reporting_read_0", 10
        reader._done = asyncio.get_running_loop().create_future()
        ack = "$JS.ACK.COMPLAINTS.reporting_read_0.1.{}.{}.1796454501506419786.0"
        for seq, cseq in ((5, 1), (6, 3)):
            msg = SimpleNamespace(subject="complaints.x", reply=ack.format(seq, cseq), data=b"")
            await reader._on_msg(SimpleNamespace(**vars(msg), headers=None))
        with pytest.raises(log_consumer.LostMessage):
            await reader._done

    asyncio.run(go())


def test_a_reply_subject_with_a_domain_is_read_and_a_late_one_left() -> None:
    async def go() -> list[RawMsg]:
        reader = log_consumer.OrderedReader(SimpleNamespace(), "COMPLAINTS")  # type: ignore[arg-type]
        reader.name, reader._want = "reporting_read_0", 1
        reader._done = asyncio.get_running_loop().create_future()
        ack = "$JS.ACK.hub.ACC.COMPLAINTS.reporting_read_0.1.42.1.1796454501000000000.0.tok"
        late = ack.replace("read_0.1.42", "read_1.1.41")  # from a reader given up: not ours
        await reader._on_msg(SimpleNamespace(subject="s", reply=late, data=b"", headers={}))
        await reader._on_msg(SimpleNamespace(subject="s", reply=ack, data=b"", headers={"a": "b"}))
        return await reader._done

    (msg,) = asyncio.run(go())
    assert (msg.seq, msg.headers, msg.time) == (42, {"a": "b"}, "2026-12-05T07:08:21.000000000Z")


def test_the_live_projection_catches_up_through_a_reader_and_agrees_with_a_rebuild(
    filled: JetStreamLink, provisioned_nats: EmbeddedNats, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """Behind by many pages: after the first page (a direct get), the pages come from an
    ordered reader; the view it makes is the rebuild's."""
    from services.reporting.projections import start_runner
    from shared.eventstore import application_recorder

    monkeypatch.setattr(application_recorder, "BATCH_MAX", PAGE)
    pulled: list[int] = []
    page = log_consumer.OrderedReader.page

    async def page_and_note(self: log_consumer.OrderedReader, want: int) -> list[RawMsg]:
        found = await page(self, want)
        pulled.append(len(found))
        return found

    monkeypatch.setattr(log_consumer.OrderedReader, "page", page_and_note)
    last = log.last_sequence(filled)
    db = str(tmp_path / "live.sqlite3")
    with start_runner(db, provisioned_nats.url) as runner:
        runner.wait(last, timeout=30)
    assert sum(pulled) >= last - 2 * PAGE  # all but the first page or two
    result = rb.rebuild(filled, open_view(str(tmp_path / "fresh.sqlite3")), open_view(db))
    assert result.equal is True and result.difference is None


def test_a_page_cut_short_is_read_on_by_direct_gets(filled: JetStreamLink, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A short page is taken for the end of the log; when the server cut one short mid-log
    (a 500k-event rebuild under load stopped at 128,319), the read goes on by direct gets
    instead of ending early: exports and as-of replays check no contiguity."""
    monkeypatch.setattr(log, "PAGE", PAGE)
    direct = list(log._direct(filled, 1, None))
    real_page = log_consumer.OrderedReader.page
    pages = 0

    async def second_cut_short(self, want):  # type: ignore[no-untyped-def]
        nonlocal pages
        pages += 1
        page = await real_page(self, want)
        return page[:2] if pages == 2 else page

    monkeypatch.setattr(log_consumer.OrderedReader, "page", second_cut_short)
    assert _seen(list(log._consumed(filled, 1, None))) == _seen(direct)
    pages = 0
    bounded = list(log._consumed(filled, 1, 3 * PAGE))
    assert _seen(bounded) == _seen(direct[: 3 * PAGE])
