"""Crash test: the SLA monitor runs as a process and is killed with SIGKILL at random moments
while backdated complaints flow in (some while it is down), then restarted. Afterwards every
late complaint has exactly one escalation per breach, and none answered in time has any."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from pathlib import Path
from uuid import UUID

import nats

from klachten.stack.natsserver import EmbeddedNats
from services.sla_monitor.settings import EVENTS_CONSUMER, TIMERS_CONSUMER
from shared.contract import subjects
from shared.eventstore.application import ComplaintsApplication
from tests.support.polling import wait_until
from tests.support.processes import ServiceProcess
from tests.support.sla import (
    answered_in_time,
    backdated,
    consumers_idle,
    escalations,
    policy_file,
    sla_env,
    sla_settings,
)

PER_ROUND, KILLS = 15, 4
BOTH = ((subjects.COMPLAINTS_STREAM, EVENTS_CONSUMER), (subjects.TIMERS_STREAM, TIMERS_CONSUMER))


async def test_sigkill_mid_way_loses_no_timer_and_doubles_no_escalation(
    provisioned_nats: EmbeddedNats, nc: nats.NATS, tmp_path: Path
) -> None:
    settings = sla_settings(provisioned_nats.url, policy_file(tmp_path), sla_ack_wait=1.0)
    monitor = ServiceProcess(
        "sla_monitor", sla_env(settings), tmp_path, "--log-level", "INFO", name="sla", stop_wait=10
    )
    complaints = ComplaintsApplication(env={"NATS_URL": provisioned_nats.url})
    rng = random.Random(7)
    late: list[UUID] = []
    in_time: list[UUID] = []

    async def arrive(count: int) -> list[UUID]:
        batch = []
        for _ in range(count):
            n = len(late)
            batch.append(await asyncio.to_thread(backdated, complaints, rng.uniform(20, 90), n))
            late.append(batch[-1])
            if n % 4 == 0:
                in_time.append(await asyncio.to_thread(answered_in_time, complaints, 60, n))
        return batch

    try:
        for _ in range(KILLS):
            monitor.start()
            batch = await arrive(PER_ROUND)
            # Kill only once this process is demonstrably at work, a moment later: the rest of
            # the batch is then somewhere between event, timer, escalation and ack.
            await wait_until(lambda b=batch: any(escalations(complaints, c) for c in b), timeout=30)
            await asyncio.sleep(rng.uniform(0.0, 0.05))
            monitor.kill()
            await arrive(3)  # complaints that arrive while no monitor runs
        monitor.start()
        for cid in late:
            await wait_until(lambda c=cid: escalations(complaints, c), timeout=40)
        await wait_until(lambda: consumers_idle(nc, *BOTH), timeout=30, message="idle")
        js = nc.jetstream()
        redelivered = [(await js.consumer_info(s, c)).num_redelivered for s, c in BOTH]
        per_breach = Counter(
            e.breach_id for cid in late for e in escalations(complaints, cid) if e.breach_id
        )
        answered_escalated = [cid for cid in in_time if escalations(complaints, cid)]
    finally:
        monitor.stop()
        complaints.close()

    print(f"{len(late)} late, {len(in_time)} in time, redelivered (events, timers): {redelivered}")
    assert len(per_breach) == len(late)
    assert set(per_breach.values()) == {1}, per_breach.most_common(3)
    assert answered_escalated == []
    assert monitor.starts == KILLS + 1
