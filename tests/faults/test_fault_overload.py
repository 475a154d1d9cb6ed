"""Fault test 4, overload: public submissions at ten times the configured rate limit, from
several clients (loopback addresses 127.0.0.x), against the whole stack (`klachten up`).
Beyond the limit only 429 or 503 (with a reason and Retry-After); every accepted complaint is
in the log and acknowledged; the memory of each service stays bounded.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from tests.support.faults import SIZE_NOTE, Stack, percentile, read_log, rss_mib, sized
from tests.support.polling import wait_until_sync

SECONDS = sized(20, 60)
CLIENTS = 4
LIMIT, WINDOW = 20, 10.0  # per client: 2 submissions/s allowed
OVERLOAD = 10  # times the configured rate
RATE = OVERLOAD * LIMIT / WINDOW  # per client, per second
MEMORY_GROWTH_MIB = 150


def body(client: int, n: int) -> dict[str, object]:
    return {
        "channel": "web",
        "complainant": {"name": "Piet Jansen", "email": f"piet{client}-{n}@example.nl"},
        "subject": "Te veel verzoeken",
        "description": "Overbelastingstest.",
    }


async def client_load(
    base: str,
    client: int,
    outcome: Counter[int],
    accepted: list[str],
    problems: list[str],
    latency: dict[int, list[float]],
) -> None:
    transport = httpx.AsyncHTTPTransport(local_address=f"127.0.0.{client + 2}")
    async with httpx.AsyncClient(base_url=base, transport=transport, timeout=30) as http:
        began, tasks = time.monotonic(), []

        async def one(n: int) -> None:
            # A client that loses a connection retries with the same key (then it is safe).
            key = {"Idempotency-Key": f"overload-{client}-{n}"}
            sent = time.perf_counter()
            for _ in range(3):
                try:
                    r = await http.post("/api/complaints", json=body(client, n), headers=key)
                    break
                except httpx.TransportError:
                    outcome[-1] += 1  # counted apart: a retried connection drop
            else:
                problems.append(f"no answer to {key} after 3 attempts")
                return
            latency.setdefault(r.status_code, []).append(time.perf_counter() - sent)
            outcome[r.status_code] += 1
            if r.status_code in (200, 201):
                accepted.append(r.json()["complaint_id"])
            elif r.status_code in (429, 503):
                if not r.headers.get("Retry-After") or not r.content:
                    problems.append(f"{r.status_code} without Retry-After or reason")
            else:
                problems.append(f"{r.status_code}: {r.text[:200]}")

        for n in range(int(RATE * SECONDS)):
            await asyncio.sleep(max(0.0, began + n / RATE - time.monotonic()))
            tasks.append(asyncio.create_task(one(n)))
        await asyncio.gather(*tasks)


Outcome = tuple[Counter[int], list[str], list[str], float]


async def overload(stack: Stack, memory: dict[str, list[float]]) -> Outcome:
    outcome: Counter[int] = Counter()
    accepted: list[str] = []
    latency: dict[int, list[float]] = {}
    problems: list[str] = []
    done = asyncio.Event()

    async def sample() -> None:
        while not done.is_set():
            for name, pid in stack.children().items():
                memory.setdefault(name, []).append(rss_mib(pid))
            await asyncio.sleep(1)

    sampler = asyncio.create_task(sample())
    began = time.monotonic()
    base = stack.url("INTAKE", "")
    await asyncio.gather(
        *(client_load(base, c, outcome, accepted, problems, latency) for c in range(CLIENTS))
    )
    elapsed = time.monotonic() - began
    done.set()
    await sampler
    for status, samples in sorted(latency.items()):
        print(
            f"\n[overload] {status}: p50 {percentile(samples, 0.5) * 1000:.0f} ms, "
            f"p99 {percentile(samples, 0.99) * 1000:.0f} ms"
        )
    return outcome, accepted, problems, elapsed


@pytest.mark.timeout(sized(200, 400))
def test_ten_times_the_rate_is_refused_cleanly_and_nothing_accepted_is_lost(
    tmp_path: Path,
) -> None:
    stack = Stack(
        tmp_path / "data",
        KLACHTEN_INTAKE_RATE_LIMIT=str(LIMIT),
        KLACHTEN_INTAKE_RATE_WINDOW=str(WINDOW),
    )
    memory: dict[str, list[float]] = {}
    try:
        stack.start()
        start_rss = {name: rss_mib(pid) for name, pid in stack.children().items()}
        outcome, accepted, problems, elapsed = asyncio.run(overload(stack, memory))

        def all_acknowledged() -> bool:
            acks = read_log(stack.nats_url).count("acknowledged")
            return all(acks[c] == 1 for c in accepted)

        wait_until_sync(all_acknowledged, timeout=120, interval=1, message="acknowledged")
        log = read_log(stack.nats_url)
    finally:
        stack.stop()

    drops = outcome.pop(-1, 0)
    sent = sum(outcome.values())
    allowed = CLIENTS * LIMIT * (int(elapsed / WINDOW) + 1)
    peaks = {name: max(samples) for name, samples in memory.items()}
    print(
        f"\n[overload] {SIZE_NOTE}: {CLIENTS} clients × {RATE:.0f}/s for {elapsed:.1f} s = "
        f"{sent} submissions ({sent / elapsed:.0f}/s; limit {LIMIT} per {WINDOW:.0f} s per "
        f"client, {OVERLOAD}× over): {dict(outcome)}; accepted {len(accepted)} (at most "
        f"{allowed} allowed), all in the log and acknowledged: "
        f"{set(accepted) <= set(log.types)}"
        f"\n[overload] RSS MiB start → peak: "
        + ", ".join(f"{n} {start_rss.get(n, 0):.0f} → {peaks[n]:.0f}" for n in sorted(peaks))
        + f"; connection drops retried {drops}; problems {len(problems)} {problems[:3]}"
    )
    assert not problems, problems[:5]
    assert set(outcome) <= {200, 201, 429, 503}, outcome
    assert outcome[201] == len(accepted) <= allowed
    assert outcome[429] > 0
    assert set(accepted) <= set(log.types), "a complaint was accepted and then lost"
    for name, peak in peaks.items():
        assert peak - start_rss.get(name, peak) < MEMORY_GROWTH_MIB, (name, peak)
