"""SMTP relay down for a while, then up: every letter arrives, nothing is dead-lettered, every
complaint is acknowledged once, and the queue goes as soon as the relay is back. Letters wait
for the relay in process (never redelivered, so max_deliver is never used up by an outage);
the ones not fetched yet wait in the stream."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import nats

from klachten.stack.natsserver import EmbeddedNats
from services.notifier.app import bootstrap
from services.notifier.mailsink import MailSink
from shared.eventstore.application import ComplaintsApplication
from tests.support.notifier import (
    acknowledgements,
    consumer_deliveries,
    dead_letters,
    mails_by_complaint,
    notifier_settings,
    submit,
)
from tests.support.polling import wait_until
from tests.support.ports import free_port

COUNT = 30


async def test_letters_wait_for_the_relay_and_are_sent_once_it_is_back(
    provisioned_nats: EmbeddedNats, tmp_path: Path
) -> None:
    relay_port = free_port()  # nothing listens: connection refused, a transient error
    settings = notifier_settings(
        provisioned_nats.url,
        relay_port,
        tmp_path,
        notifier_max_deliver=3,
        # Tries at 0, 3 and 9 s: a relay back after ~4 s would wait 5 s for the next try.
        notifier_retry_base=3.0,
        smtp_relay_probe_interval=0.5,
        notifier_workers=8,
        notifier_ack_wait=2.0,
    )
    nc = await nats.connect(provisioned_nats.url)
    complaints = ComplaintsApplication(env={"NATS_URL": provisioned_nats.url})
    try:
        ids = [str(await asyncio.to_thread(submit, complaints, number=n)) for n in range(COUNT)]
        async with bootstrap(settings):
            down_since = time.monotonic()
            # Down for longer than max_deliver retries would last, with every worker holding one.
            await wait_until(
                lambda: (
                    time.monotonic() - down_since > 4.0
                    and _deliveries_at_least(nc, settings.notifier_workers)
                ),
                timeout=20,
                message="every worker waiting for the relay",
            )
            outage = time.monotonic() - down_since
            assert not await acknowledgements(nc)
            async with MailSink(tmp_path / "mail", port=relay_port):
                up_at = time.monotonic()
                await wait_until(
                    lambda: _all_acknowledged(nc, ids), timeout=30, message="all acknowledged"
                )
                recovered = time.monotonic() - up_at
        # Released together (the gate's probe), not when each letter's backoff runs out.
        assert recovered < 3, f"the queue took {recovered:.1f} s after the relay came back"
        assert await consumer_deliveries(nc) == COUNT  # waited in process, never redelivered
        acks = await acknowledgements(nc)
        assert {acks[i] for i in ids} == {1}
        mails = mails_by_complaint(tmp_path / "mail")
        assert all(len(mails[i]) == 1 for i in ids)
        assert await dead_letters(nc) == []
        print(
            f"\nrelay down {outage:.1f} s ({await consumer_deliveries(nc)} deliveries in all); "
            f"{COUNT} letters delivered {recovered:.1f} s after it came back; 0 dead-lettered"
        )
    finally:
        complaints.close()
        await nc.close()


async def _deliveries_at_least(nc: nats.NATS, n: int) -> bool:
    return await consumer_deliveries(nc) >= n


async def _all_acknowledged(nc: nats.NATS, ids: list[str]) -> bool:
    acks = await acknowledgements(nc)
    return all(acks[i] >= 1 for i in ids)
