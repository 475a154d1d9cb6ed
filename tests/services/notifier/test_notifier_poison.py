"""Bad input goes to DEADLETTER with a reason, consumer and stream sequence; the consumer
keeps going. Real nats-server and mail sink; the notifier runs in process."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

import nats
from prometheus_client import REGISTRY

from klachten.stack.natsserver import EmbeddedNats
from services.notifier import domain
from services.notifier.app import bootstrap
from services.notifier.mailsink import MailSink, load_message, read_maildir
from shared.contract import events as ev
from shared.contract import subjects
from shared.eventstore.application import ComplaintsApplication
from tests.support.notifier import (
    acknowledgements,
    consumer_deliveries,
    dead_letters,
    notifier_settings,
    submit,
)
from tests.support.polling import wait_until


async def test_poison_is_dead_lettered_and_the_next_good_message_is_processed(
    provisioned_nats: EmbeddedNats, sink: MailSink, tmp_path: Path
) -> None:
    settings = notifier_settings(
        provisioned_nats.url, sink.port, tmp_path, notifier_retry_base=0.05, notifier_workers=1
    )
    nc = await nats.connect(provisioned_nats.url)
    js = nc.jetstream()
    complaints = ComplaintsApplication(env={"NATS_URL": provisioned_nats.url})
    try:
        ghost = uuid4()
        ghost_event = ev.Submitted(
            event_id=uuid4(),
            complaint_id=ghost,
            version=1,
            occurred_at=datetime.now(UTC),
            actor="complainant",
            reference="KL-2026-999999",
            channel="web",
            language="nl",
            received_at=datetime.now(UTC),
        )
        poison = {
            "not json": (subjects.event_subject(uuid4(), 1, "submitted"), b"\xff{not json"),
            "wrong shape": (
                subjects.event_subject(uuid4(), 1, "responded"),
                b'{"type": "complaint.responded", "version": "one"}',
            ),
            "subject mismatch": (
                subjects.event_subject(uuid4(), 1, "closed"),
                ev.encode(ghost_event),
            ),
            "unreadable history": (
                subjects.event_subject(ghost, 1, "submitted"),
                ev.encode(ghost_event),
            ),
        }
        sequences = {}
        for name, (subject, body) in poison.items():
            sequences[name] = (await js.publish(subject, body)).seq
        good = await asyncio.to_thread(submit, complaints, language="en")

        async with bootstrap(settings):
            await wait_until(lambda: _acknowledged(nc, str(good)), timeout=20, message="good one")
            letters = await wait_until(
                lambda: _at_least(nc, len(poison)), timeout=20, message="all dead-lettered"
            )
        by_seq = {int(h["Klachten-Stream-Seq"]): (h, body) for h, body in letters}
        assert len(letters) == len(poison)
        for name, seq in sequences.items():
            headers, body = by_seq[seq]
            assert headers["Klachten-Consumer"] == "notifier"
            assert headers["Klachten-Subject"] == poison[name][0]
            assert body == poison[name][1]
            print(
                f"\n{name}: deliveries {headers['Klachten-Deliveries']}: "
                f"{headers['Klachten-Reason'][:110]}"
            )
        assert "undecodable" in by_seq[sequences["not json"]][0]["Klachten-Reason"]
        # A raw publish the recorder did not write is no event of the complaint (the audit
        # flags it), so the complaint it claims to belong to does not exist.
        unreadable = by_seq[sequences["unreadable history"]][0]["Klachten-Reason"]
        assert "not visible" in unreadable or "cannot be loaded" in unreadable
        # A history we cannot read gets a few deliveries (a lagging replica?), garbage one.
        assert by_seq[sequences["unreadable history"]][0]["Klachten-Deliveries"] == str(
            domain.VISIBILITY_ATTEMPTS
        )
        assert by_seq[sequences["not json"]][0]["Klachten-Deliveries"] == "1"
        assert [m.complaint_id for m in read_maildir(sink.maildir)] == [str(good)]
        info = await js.consumer_info(subjects.COMPLAINTS_STREAM, "notifier")
        assert info.num_ack_pending == 0 and info.num_pending == 0
        print(f"deliveries in total: {await consumer_deliveries(nc)}")
    finally:
        complaints.close()
        await nc.close()


async def _acknowledged(nc: nats.NATS, complaint_id: str) -> bool:
    return (await acknowledgements(nc))[complaint_id] == 1


async def _at_least(nc: nats.NATS, n: int) -> list | None:
    found = await dead_letters(nc)
    return found if len(found) >= n else None


async def test_a_letter_that_cannot_be_built_is_dead_lettered_at_once(
    provisioned_nats: EmbeddedNats, sink: MailSink, tmp_path: Path
) -> None:
    # Before: a CR LF in the name made building the letter fail, retried for an hour.
    settings = notifier_settings(
        provisioned_nats.url, sink.port, tmp_path, notifier_retry_base=1.0, notifier_workers=2
    )
    nc = await nats.connect(provisioned_nats.url)
    complaints = ComplaintsApplication(env={"NATS_URL": provisioned_nats.url})
    try:
        old = {"subject": "Geen\r\nreactie\u202e", "email": "jan@example.org"}
        named = str(
            await asyncio.to_thread(submit, complaints, name="Jan\r\nBcc: x@evil.example", **old)
        )
        bad_address = "piet@example.org\r\nBcc: y@evil.example"
        broken = str(await asyncio.to_thread(submit, complaints, number=2, email=bad_address))
        alerts_before = _unbuildable_count()
        async with bootstrap(settings):
            await wait_until(lambda: _acknowledged(nc, named), timeout=20, message="named")
            letters = await wait_until(lambda: _at_least(nc, 1), timeout=20, message="dead")
        headers, _ = letters[0]
        assert headers["Klachten-Subject"].split(".")[1] == broken
        assert headers["Klachten-Deliveries"] == "1"  # at once, not after an hour of retries
        assert "cannot build the acknowledgement letter" in headers["Klachten-Reason"]
        assert _unbuildable_count() == alerts_before + 1  # the alert's metric
        [mail] = read_maildir(sink.maildir)
        message = load_message(sink.maildir, mail.message_id or "")
        assert message is not None
        # the display name stays one quoted name; the address a stranger typed in it is defanged
        assert message["To"] == '"Jan Bcc: x@evil[.]example" <jan@example.org>'
        assert message["Bcc"] is None
        assert mail.to == ["jan@example.org"]
    finally:
        complaints.close()
        await nc.close()


def _unbuildable_count() -> float:
    labels = {"event_type": "submitted", "outcome": "unbuildable"}
    return REGISTRY.get_sample_value("klachten_notifier_outcomes_total", labels) or 0.0
