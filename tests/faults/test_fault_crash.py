"""Fault test 1, service crashes: complaints flow through the whole stack (`klachten up`):
submit → acknowledged → (20 % received long ago, so escalated by deadline) → responded →
closed, while every service process is killed with SIGKILL at random moments and restarted by
the supervisor. Afterwards: no complaint lost, one Acknowledged per complaint, one Escalated
per breach, the live projection equal to a fresh rebuild, every consumer at the end.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.faults import (
    LARGE,
    SERVICES,
    SIZE_NOTE,
    STAFF,
    Stack,
    consumers_at_end,
    read_log,
    rebuild,
    rss_mib,
    sized,
)
from tests.support.polling import wait_until_sync

COMPLAINTS = sized(300, 2000)
KILLS_PER_SERVICE = sized(2, 5)
CONCURRENCY = 24
LATE_EVERY = 5  # every 5th complaint was received 40 days ago: its deadlines are breached
RETRYABLE = (httpx.TransportError,)


class Flow:
    def __init__(self, client: httpx.AsyncClient, deadline: float) -> None:
        self.client, self.deadline = client, deadline
        self.retries = 0

    async def call(self, method: str, url: str, body: Any = None, **kw: Any) -> httpx.Response:
        """Retry through a dead or restarting intake (connection errors, 503) until the deadline."""
        while True:
            try:
                r = await self.client.request(method, url, json=body, **kw)
                if r.status_code != 503:
                    return r
            except RETRYABLE:
                pass
            if time.monotonic() > self.deadline:
                raise TimeoutError(f"{method} {url}: no answer before the deadline")
            self.retries += 1
            await asyncio.sleep(0.25)

    async def state(self, cid: str) -> dict[str, Any]:
        r = await self.call("GET", f"/api/complaints/{cid}", headers=STAFF)
        assert r.status_code == 200, r.text
        return r.json()

    async def until(self, cid: str, what: str, test: Any) -> dict[str, Any]:
        while True:
            state = await self.state(cid)
            if test(state):
                return state
            if time.monotonic() > self.deadline:
                raise TimeoutError(f"complaint {cid}: not {what} before the deadline: {state}")
            await asyncio.sleep(0.3)

    async def journey(self, n: int) -> str:
        body: dict[str, Any] = {
            "channel": "phone" if n % LATE_EVERY == 0 else "api",
            "complainant": {"name": "Anna Kowalska", "email": f"anna{n}@example.org"},
            "subject": "Nobody answers the phone",
            "description": f"Complaint number {n}.",
        }
        if n % LATE_EVERY == 0:
            body["received_at"] = (datetime.now(UTC) - timedelta(days=40)).isoformat()
        headers = STAFF | {"Idempotency-Key": f"crash-{n}"}
        r = await self.call("POST", "/api/complaints", body, headers=headers)
        assert r.status_code in (200, 201), r.text
        cid = str(r.json()["complaint_id"])
        await self.until(cid, "acknowledged", lambda s: s["acknowledged"])
        if n % LATE_EVERY == 0:
            await self.until(cid, "escalated", lambda s: s["escalation_level"] >= 1)
        answer = {"text": "Opgelost.", "resolution": "well_founded"}
        waived = lambda s: s["hearing"]["settled"] or s["status"] in ("responded", "closed")  # noqa: E731
        await self.act(cid, "hearing/waiver", {"ground": "complainant_waived"}, waived)  # Awb 9:10
        await self.act(cid, "responses", answer, lambda s: s["status"] in ("responded", "closed"))
        await self.act(cid, "closure", {"outcome": "resolved"}, lambda s: s["status"] == "closed")
        return cid

    async def act(self, cid: str, action: str, body: Any, done: Any) -> None:
        while True:
            r = await self.call("POST", f"/api/complaints/{cid}/{action}", body, headers=STAFF)
            # 409 after a retry whose first attempt was applied before intake died: check.
            if r.status_code in (200, 201) or (
                r.status_code == 409 and done(await self.state(cid))
            ):
                return
            assert r.status_code == 409, r.text  # a concurrent escalation: decide again
            await asyncio.sleep(0.2)


async def run_flows(stack: Stack, kills: list[tuple[float, str]]) -> tuple[list[str], int, list]:
    deadline = time.monotonic() + sized(200, 1500)
    limits = httpx.Limits(max_connections=CONCURRENCY)
    async with httpx.AsyncClient(
        base_url=stack.url("INTAKE", ""), timeout=20, limits=limits
    ) as client:
        flow = Flow(client, deadline)
        gate = asyncio.Semaphore(CONCURRENCY)

        async def one(n: int) -> str:
            async with gate:
                return await flow.journey(n)

        async def killer() -> list[tuple[str, float]]:
            log = []
            for pause, name in kills:
                await asyncio.sleep(pause)
                old = await asyncio.to_thread(stack.kill_child, name)
                began = time.monotonic()
                await asyncio.to_thread(stack.wait_restarted, name, old)
                log.append((name, time.monotonic() - began))
            return log

        killing = asyncio.create_task(killer())
        ids = await asyncio.gather(*(one(n) for n in range(COMPLAINTS)))
        killed = await killing
        return list(ids), flow.retries, killed


@pytest.mark.timeout(sized(290, 3000))
def test_sigkill_every_service_loses_nothing_and_doubles_nothing(tmp_path: Path) -> None:
    stack = Stack(
        tmp_path / "data",
        KLACHTEN_NOTIFIER_ACK_WAIT="3",
        KLACHTEN_SLA_ACK_WAIT="3",
        KLACHTEN_NOTIFIER_RETRY_CAP="5",
        KLACHTEN_SLA_RETRY_CAP="5",
    )
    rng = random.Random(f"crash-{COMPLAINTS}")
    kills = [(rng.uniform(1.0, 3.0), s) for s in SERVICES for _ in range(KILLS_PER_SERVICE)]
    rng.shuffle(kills)
    try:
        stack.start()
        began = time.monotonic()
        ids, retries, killed = asyncio.run(run_flows(stack, kills))
        flowed = time.monotonic() - began
        positions = wait_until_sync(
            lambda: consumers_at_end(stack.nats_url), timeout=60, message="consumers at the end"
        )
        log = read_log(stack.nats_url)
        wait_until_sync(
            lambda: (
                httpx.get(stack.url("REPORTING", "/health")).json()["position"]
                >= log.last_event_seq
            ),
            timeout=60,
            message="reporting at the end of the log",
        )
        health = httpx.get(stack.url("REPORTING", "/health")).json()
        rebuilt = rebuild(stack)
        memory = {name: rss_mib(pid) for name, pid in stack.children().items()}
    finally:
        stopped = stack.stop()
    assert stopped == 0, stack.text()[-3000:]

    said = rebuilt.stdout + rebuilt.stderr
    acks = log.count("acknowledged")
    escalated = log.count("escalated")
    late = {cid for n, cid in enumerate(ids) if n % LATE_EVERY == 0}
    per_service = Counter(name for name, _ in killed)
    print(
        f"\n[crash] {SIZE_NOTE}: {COMPLAINTS} complaints ({len(late)} late) in {flowed:.1f} s, "
        f"{len(killed)} SIGKILLs {dict(per_service)}, restart times "
        f"{max(s for _, s in killed):.1f} s max, {retries} client retries"
        f"\n[crash] in the log: {len(log.types)} complaints, {log.messages} messages, "
        f"acknowledged per complaint {set(acks.values())}, {len(log.breaches)} breaches, "
        f"escalations per breach {set(log.breaches.values()) or '{}'}, "
        f"late complaints escalated {sum(1 for c in late if escalated[c])}/{len(late)}, "
        f"in-time complaints escalated {sum(1 for c in set(ids) - late if escalated[c])}"
        f"\n[crash] consumers: {positions}; reporting position {health['position']} "
        f"(last event {log.last_event_seq}, last seq {log.last_seq})"
        f"\n[crash] rebuild exit {rebuilt.returncode}: {said.strip().splitlines()[-1:]}"
        f"\n[crash] RSS after the run (MiB): { {k: round(v) for k, v in memory.items()} }"
    )
    assert len(set(ids)) == COMPLAINTS, "one complaint per idempotency key"
    assert set(log.types) == set(ids), "every accepted complaint is in the log, nothing else"
    assert all(types.count("closed") == 1 for types in log.types.values())
    assert set(acks.values()) == {1}, acks.most_common(3)
    assert all(escalated[c] >= 1 for c in late), "every breach escalated"
    assert not any(escalated[c] for c in set(ids) - late), "no escalation without a breach"
    assert set(log.breaches.values()) <= {1}, log.breaches.most_common(3)
    assert max(log.event_ids.values()) == 1, "no event stored twice"
    assert per_service == {s: KILLS_PER_SERVICE for s in SERVICES}
    assert rebuilt.returncode == 0 and "equal" in said and "DIFFERENT" not in said, said
    assert health["position"] >= log.last_event_seq
    assert LARGE or all(v < 600 for v in memory.values()), memory
