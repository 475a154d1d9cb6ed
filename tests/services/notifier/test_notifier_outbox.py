"""The outbox on a real nats-server: a letter another instance already handed to the relay
(its intent "accepted" in NOTIFIER_OUTBOX) is recorded without being sent again; the intent is
kept before the SMTP conversation and marked once the relay accepted."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import nats
import pytest

from klachten.stack.natsserver import EmbeddedNats
from services.notifier.app import bootstrap
from services.notifier.mailsink import MailSink, read_maildir
from services.notifier.outbox import Intent, KvOutbox
from shared.config import permissions
from shared.config.settings import nats_connect_options
from shared.contract import events as ev
from shared.eventstore.application import ComplaintsApplication
from shared.eventstore.buckets import provision_buckets
from shared.eventstore.link import Unavailable
from tests.support.notifier import acknowledgements, events_of, notifier_settings, submit
from tests.support.polling import wait_until


async def test_an_accepted_letter_is_recorded_and_not_sent_again(
    provisioned_nats: EmbeddedNats, sink: MailSink, tmp_path: Path
) -> None:
    nc = await nats.connect(provisioned_nats.url)
    outbox = KvOutbox(nc.jetstream)
    complaints = ComplaintsApplication(env={"NATS_URL": provisioned_nats.url})
    try:
        accepted_before, fresh = [
            await asyncio.to_thread(submit, complaints, number=n) for n in (1, 2)
        ]
        # An instance got the relay's 250 for this letter, then died before recording it.
        sent_at = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)
        message_id = f"<acknowledgement.{accepted_before}.1@klachten.local>"
        await outbox.put(Intent(message_id=message_id, state="accepted", date=sent_at))
        async with bootstrap(notifier_settings(provisioned_nats.url, sink.port, tmp_path)):

            async def both_acknowledged() -> bool:
                acks = await acknowledgements(nc)
                return acks[str(accepted_before)] == 1 and acks[str(fresh)] == 1

            await wait_until(both_acknowledged, timeout=20, message="both acknowledged")
        assert [m.complaint_id for m in read_maildir(sink.maildir)] == [str(fresh)]
        [recorded] = [e for e in await events_of(nc, accepted_before) if e.version == 2]
        assert isinstance(recorded, ev.Acknowledged)
        assert recorded.letter.message_id == message_id and recorded.letter.sent_at == sent_at
        mine = await outbox.get(f"<acknowledgement.{fresh}.1@klachten.local>")
        assert mine is not None and mine.state == "accepted" and mine.relay_response
    finally:
        complaints.close()
        await nc.close()


async def test_only_the_notifier_may_write_its_outbox(tmp_path: Path) -> None:
    credentials, _ = permissions.ensure_credentials(tmp_path)
    with EmbeddedNats(tmp_path / "nats", credentials=credentials) as server:
        admin = await nats.connect(server.url_for("admin"))
        await provision_buckets(admin)
        await admin.close()
        intent = Intent(message_id="<x@klachten.local>", state="accepted", date=datetime.now(UTC))
        notifier = await nats.connect(**nats_connect_options(server.url_for("notifier")))
        outbox = KvOutbox(notifier.jetstream)
        await outbox.put(intent)
        assert await outbox.get(intent.message_id) == intent
        await notifier.close()
        intake = await nats.connect(
            **nats_connect_options(server.url_for("intake")), error_cb=_ignore
        )
        with pytest.raises(nats.errors.Error):
            await KvOutbox(intake.jetstream).put(intent)
        await intake.close()


async def test_a_missing_outbox_bucket_is_named_and_retried(nats_server: EmbeddedNats) -> None:
    nc = await nats.connect(nats_server.url)
    intent = Intent(message_id="<x@klachten.local>", state="sending", date=datetime.now(UTC))
    try:
        with pytest.raises(Unavailable, match=r"NOTIFIER_OUTBOX.*klachten up"):
            await KvOutbox(nc.jetstream).put(intent)
    finally:
        await nc.close()


async def _ignore(error: Exception) -> None:
    pass
