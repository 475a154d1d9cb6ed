"""Crash test: two notifier processes share the consumer while 200 complaints flow; one of
them is killed with SIGKILL at random moments and restarted. Afterwards every complaint has
exactly one Acknowledged and at least one mail; duplicates (same Message-ID) are counted."""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections import Counter
from pathlib import Path

import nats

from klachten.stack.natsserver import EmbeddedNats
from services.notifier.mailsink import MailSink, read_maildir
from shared.eventstore.application import ComplaintsApplication
from tests.support.notifier import (
    acknowledgements,
    dead_letters,
    notifier_env,
    notifier_settings,
    submit,
)
from tests.support.polling import wait_until
from tests.support.processes import ServiceProcess

COMPLAINTS = 200
KILLS = 5
RATE = 25.0  # submissions per second


async def test_sigkill_at_random_moments_loses_nothing_and_acknowledges_once(
    provisioned_nats: EmbeddedNats, sink: MailSink, tmp_path: Path
) -> None:
    settings = notifier_settings(
        provisioned_nats.url, sink.port, tmp_path, notifier_ack_wait=1.0, notifier_workers=8
    )
    env = notifier_env(settings)
    args = ("--log-level", "WARNING")
    instances = [
        ServiceProcess("notifier", env, tmp_path, *args, name=f"notifier-{n}", stop_wait=10)
        for n in (1, 2)
    ]
    rng = random.Random(os.environ.get("KLACHTEN_TEST_SEED", "notifier-crash"))
    nc = await nats.connect(provisioned_nats.url)
    complaints = ComplaintsApplication(env={"NATS_URL": provisioned_nats.url})
    ids: list[str] = []
    try:
        for instance in instances:
            instance.start()

        async def submissions() -> None:
            start = time.monotonic()
            for n in range(COMPLAINTS):
                await asyncio.sleep(max(0.0, start + n / RATE - time.monotonic()))
                ids.append(str(await asyncio.to_thread(submit, complaints, number=n)))

        async def killer() -> None:
            for _ in range(KILLS):
                await asyncio.sleep(rng.uniform(0.8, 1.8))
                victim = rng.choice(instances)
                victim.kill()
                victim.start()

        started = time.monotonic()
        await asyncio.gather(submissions(), killer())
        acks = await wait_until(
            lambda: _all_acknowledged(nc, ids), timeout=60, message="every complaint acknowledged"
        )
        elapsed = time.monotonic() - started
        assert {acks[i] for i in ids} == {1}, "exactly one Acknowledged per complaint"
        assert len(acks) == COMPLAINTS
        mails = read_maildir(sink.maildir)
        per_complaint = Counter(m.complaint_id for m in mails)
        assert all(per_complaint[i] >= 1 for i in ids)
        per_message_id = Counter(m.message_id for m in mails)
        duplicates = sum(n - 1 for n in per_message_id.values())
        assert len(per_message_id) == COMPLAINTS  # one distinct letter per complaint
        assert await dead_letters(nc) == []
        print(
            f"\ncrash test: {COMPLAINTS} complaints, {KILLS} SIGKILLs over 2 instances, "
            f"{elapsed:.1f} s: {COMPLAINTS} acknowledged exactly once, {len(mails)} mails, "
            f"{duplicates} duplicate mails (same Message-ID)"
        )
    finally:
        for instance in instances:
            instance.stop()
        complaints.close()
        await nc.close()


async def _all_acknowledged(nc: nats.NATS, ids: list[str]) -> Counter[str] | None:
    acks = await acknowledgements(nc)
    return acks if all(acks[i] >= 1 for i in ids) else None
