"""Benchmark: acknowledgement latency at 80 % of measured capacity, and what overload does, the
shipped stack beside the minimal same-I/O pipeline (bench/baseline.py), each at its own capacity.

    .venv/bin/python -m bench.capacity [--start 20] [--step-seconds 10] [--seconds 30] [--refine 2]

Capacity is the highest rate of `acknowledged` events a stack sustains while complaints keep
arriving: offered rates double from `--start` (each for `--step-seconds`) until the
acknowledgements in the second half of a step fall below 90 % of the rate, then the gap between
the last rate kept up and that one is halved `--refine` times; capacity is the highest rate kept
up or the median acknowledged rate of the steps not kept up, whichever is higher. Then 80 % of
it for `--seconds` (submit → acknowledged p50/p99, the share answered 503/429, CPU per complaint
per process from /proc), then 150 % (how many were refused with 503/429 and `Retry-After`, how
long the accepted ones waited). The stacks run one after the other (`klachten up` as shipped,
then the minimal pipeline). The load generator is open-loop, in this process.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from uuid import uuid4

import httpx
import nats
from rich.console import Console

from bench import pipeline
from bench.common import Row, ms

NUMBERS = itertools.count()  # every complaint its own complainant, across phases
Stack = tuple[dict[str, int], str, str]  # pids by name, NATS URL, web URL
KEPT_UP = 0.9  # a step whose steady acknowledgements reach this share of its rate kept up


@dataclass
class Offered:
    """One open-loop offer of `rate` complaints a second for `seconds`, and what came of it."""

    rate: float
    seconds: float
    started: float = 0.0
    sent: dict[str, float] = field(default_factory=dict)  # accepted complaint -> sent at
    answers: list[float] = field(default_factory=list)  # HTTP answer time of accepted ones
    refused: Counter[int] = field(default_factory=Counter)  # 503 / 429
    retry_after: int = 0  # refusals that carried Retry-After
    refusal_answers: list[float] = field(default_factory=list)
    failed: Counter[str] = field(default_factory=Counter)  # other statuses, client errors
    acked: dict[str, float] = field(default_factory=dict)
    busy: dict[str, float] = field(default_factory=dict)  # share of a core while offering
    sending: float = 0.0  # seconds the load generator took to send them all

    @property
    def offered(self) -> int:
        return len(self.sent) + sum(self.refused.values()) + sum(self.failed.values())

    @property
    def latencies(self) -> list[float]:
        return [self.acked[c] - t for c, t in self.sent.items() if c in self.acked]

    def steady(self) -> float:
        """Acknowledgements of this offer per second in the second half of its window."""
        half = self.started + self.seconds / 2
        end = self.started + self.seconds
        mine = (self.acked[c] for c in self.sent if c in self.acked)
        return sum(half <= t < end for t in mine) / (self.seconds / 2)

    def kept_up(self) -> bool:
        return self.steady() >= KEPT_UP * self.rate


async def offer(stack: Stack, acks: str, rate: float, seconds: float) -> Offered:
    pids, nats_url, base = stack
    result = Offered(rate, seconds)
    nc = await nats.connect(nats_url)
    position = acks.split(".").index("*")

    async def on_ack(msg: nats.aio.msg.Msg) -> None:
        result.acked.setdefault(msg.subject.split(".")[position], time.perf_counter())

    await nc.subscribe(acks, cb=on_ack)
    headers = {"Authorization": f"Bearer {pipeline.TOKEN}"}
    limits = httpx.Limits(max_connections=256, max_keepalive_connections=256)
    try:
        async with httpx.AsyncClient(
            base_url=base, headers=headers, timeout=60, limits=limits
        ) as client:

            async def post(n: int) -> None:
                began = time.perf_counter()
                try:
                    r = await client.post(
                        "/api/complaints",
                        json=pipeline.body(n),
                        headers={"Idempotency-Key": str(uuid4())},
                    )
                except httpx.HTTPError as error:
                    result.failed[type(error).__name__] += 1
                    return
                took = time.perf_counter() - began
                if r.status_code == 201:
                    result.sent[r.json()["complaint_id"]] = began
                    result.answers.append(took)
                elif r.status_code in (429, 503):
                    result.refused[r.status_code] += 1
                    result.retry_after += "retry-after" in r.headers
                    result.refusal_answers.append(took)
                else:
                    result.failed[str(r.status_code)] += 1

            tasks, cpu = [], pipeline.cpu_of(pids)
            result.started = started = time.perf_counter()
            for i in range(round(rate * seconds)):
                await asyncio.sleep(max(0.0, started + i / rate - time.perf_counter()))
                tasks.append(asyncio.create_task(post(next(NUMBERS))))
            result.sending = time.perf_counter() - started
            after = pipeline.cpu_of(pids)
            result.busy = {n: (after[n] - cpu[n]) / result.sending for n in after}
            await asyncio.gather(*tasks)
        # every accepted one acknowledged, or 30 s without a new acknowledgement
        last, deadline = (len(result.acked), time.monotonic()), time.monotonic() + 900
        while not set(result.sent) <= set(result.acked) and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
            if len(result.acked) != last[0]:
                last = (len(result.acked), time.monotonic())
            elif time.monotonic() - last[1] > 30:
                break
    finally:
        await nc.close()
    return result


def run_offer(
    stack: Stack, acks: str, rate: float, seconds: float
) -> tuple[Offered, dict[str, float]]:
    """An offer once the stack is quiet, with each process's CPU seconds per accepted one."""
    before = pipeline.until_quiet(stack[0])
    result = asyncio.run(offer(stack, acks, rate, seconds))
    after = pipeline.until_quiet(stack[0])
    count = max(1, len(result.sent))
    return result, {n: (after[n] - before[n]) / count for n in stack[0]}


def ramp(
    attempt: Callable[[float], Offered], start: float, steps: int, refine: int = 0
) -> tuple[float, list[Offered], bool]:
    """Double the offered rate until a step does not keep up (halve it while the first does
    not), then halve the gap between the last rate kept up and the first not `refine` times.
    Capacity: the highest rate kept up or the median steady rate of the steps not kept up,
    whichever is higher (on a shared machine one lucky step must not set it); also the steps
    and whether the stack saturated (else the capacity is a lower bound)."""
    tried: list[Offered] = []
    kept, rate = 0.0, start
    for _ in range(steps):
        tried.append(attempt(rate))
        if not tried[-1].kept_up():
            break
        kept, rate = rate, rate * 2
    else:
        return max(o.steady() for o in tried), tried, False
    while not kept and len(tried) < steps:  # the first rate was too high: halve it
        tried.append(attempt(rate / 2))
        kept, rate = (rate / 2, rate) if tried[-1].kept_up() else (0.0, rate / 2)
    for _ in range(refine if kept else 0):
        tried.append(attempt((kept + rate) / 2))
        kept, rate = (tried[-1].rate, rate) if tried[-1].kept_up() else (kept, tried[-1].rate)
    best = max((o.steady() for o in tried if o.kept_up()), default=0)
    return max(best, statistics.median(o.steady() for o in tried if not o.kept_up())), tried, True


@dataclass
class Measured:
    capacity: float
    saturated: bool
    steps: list[Offered]
    at80: Offered
    cpu80: dict[str, float]
    at150: Offered


def measure(
    stack: Stack,
    acks: str,
    start: float,
    step_seconds: float,
    seconds: float,
    steps: int,
    refine: int,
) -> Measured:
    attempt = lambda rate: run_offer(stack, acks, rate, step_seconds)[0]  # noqa: E731
    run_offer(stack, acks, start / 2, min(5.0, step_seconds))  # warm up, not counted
    capacity, tried, saturated = ramp(attempt, start, steps, refine)
    at80, cpu80 = run_offer(stack, acks, 0.8 * capacity, seconds)
    at150, _ = run_offer(stack, acks, 1.5 * capacity, seconds)
    return Measured(capacity, saturated, tried, at80, cpu80, at150)


def share(part: int, whole: int) -> str:
    return f"{part:,} of {whole:,} ({100 * part / whole:.1f} %)" if whole else "none offered"


def hottest(shares: dict[str, float], n: int = 4) -> str:
    top = sorted(shares.items(), key=lambda kv: -kv[1])[:n]
    return ", ".join(f"{name} {100 * s:.0f} %" for name, s in top)


def failed(o: Offered) -> str:
    return f"; {sum(o.failed.values())} failed {dict(o.failed)}" if o.failed else ""


def late(o: Offered) -> str:  # the load generator itself fell behind the rate
    behind = o.sending > 1.1 * o.seconds
    return f" (sent in {o.sending:.0f} s: the generator fell behind)" if behind else ""


def unacked(o: Offered) -> str:
    missing = len(o.sent) - len(o.latencies)
    return f"; {missing} not acknowledged within 30 s of the last" if missing else ""


def describe(m: Measured) -> dict[str, str]:
    trail = ", ".join(f"{o.rate:.0f} → {o.steady():.0f}" for o in m.steps)
    bound = "" if m.saturated else "≥ "
    a, b = m.at80, m.at150
    return {
        "capacity (offered → acknowledged/s)": f"{bound}{m.capacity:.0f}/s ({trail})",
        "at 80 %: submit → acknowledged": f"{a.rate:.0f}/s for {a.seconds:.0f} s{late(a)}: "
        f"{ms(a.latencies)}{unacked(a)}; acknowledged at {a.steady():.0f}/s",
        "at 80 %: answered 503/429": share(sum(a.refused.values()), a.offered) + failed(a),
        "at 80 %: busiest processes (share of a core)": hottest(a.busy),
        "last step of the ramp: busiest processes (share of a core)": hottest(m.steps[-1].busy),
        "at 150 %: refused 503/429 with Retry-After": f"{b.rate:.0f}/s for {b.seconds:.0f} s"
        f"{late(b)}: "
        f"{share(b.retry_after, b.offered)} (503: {b.refused[503]}, 429: {b.refused[429]})"
        + failed(b),
        "at 150 %: accepted, submit → acknowledged": f"{ms(b.latencies)}{unacked(b)}; "
        f"acknowledged at {b.steady():.0f}/s",
        "at 150 %: HTTP answer, accepted · refused": f"{ms(b.answers)} · {ms(b.refusal_answers)}",
    }


def run(
    start: float, step_seconds: float, seconds: float, steps: int = 6, refine: int = 2
) -> list[Row]:
    def on(stack: Callable[[Path], AbstractContextManager[Stack]], acks: str) -> Measured:
        with tempfile.TemporaryDirectory(prefix="klachten-bench-capacity-") as name:
            with stack(Path(name)) as running:
                return measure(running, acks, start, step_seconds, seconds, steps, refine)

    ours = on(pipeline.klachten_up, "complaints.*.*.acknowledged")
    theirs = on(pipeline.minimal, "base.ev.*.acknowledged")
    mine, base = describe(ours), describe(theirs)
    rows = [Row("capacity", what, text, base.get(what, "")) for what, text in mine.items()]
    extra = {name: "" for name in ours.cpu80 if name not in pipeline.PAIRS}  # e.g. webhooks
    for process, role in (pipeline.PAIRS | extra).items():
        cpu, base_cpu = ours.cpu80.get(process, 0.0), theirs.cpu80.get(role, 0.0)
        ratio = f" (×{cpu / base_cpu:.1f})" if role and base_cpu else ""
        rows.append(
            Row(
                "capacity",
                f"at 80 %: CPU per complaint, {process}",
                f"{cpu * 1000:.1f} ms{ratio}",
                f"{base_cpu * 1000:.1f} ms ({role})" if role else "none",
            )
        )
    total, base_total = sum(ours.cpu80.values()), sum(theirs.cpu80.values())
    ratio = f" (×{total / base_total:.2f})" if base_total else ""
    rows.append(
        Row(
            "capacity",
            "at 80 %: CPU per complaint, all processes",
            f"{total * 1000:.1f} ms{ratio}",
            f"{base_total * 1000:.1f} ms",
        )
    )
    return rows


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--start", type=float, default=20, help="first offered rate, per second")
    p.add_argument("--step-seconds", type=float, default=10)
    p.add_argument("--seconds", type=float, default=30, help="each of the 80 %% and 150 %% runs")
    p.add_argument("--steps", type=int, default=6, help="at most this many doublings")
    p.add_argument("--refine", type=int, default=2, help="then this many halvings of the gap")
    a = p.parse_args()
    for row in run(a.start, a.step_seconds, a.seconds, a.steps, a.refine):
        Console().print(f"{row.what}: {row.ours} | baseline: {row.baseline}")


if __name__ == "__main__":
    main()
