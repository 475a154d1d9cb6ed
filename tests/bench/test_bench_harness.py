"""The bench's own parts work (figures are printed by `python -m bench`, never asserted): CPU
seconds and children read from /proc, the minimal same-I/O pipeline carries a complaint
through all its steps against a real nats-server, and the capacity bench's ramp and offers
count what they should."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from bench import capacity, pipeline
from bench.common import children, cpu_seconds
from services.notifier.mailsink import read_maildir


def test_cpu_seconds_and_children_come_from_proc() -> None:
    burn = "import time\nend = time.process_time() + 0.3\nwhile time.process_time() < end: pass"
    child = subprocess.Popen(
        [sys.executable, "-c", burn + "\nimport sys; sys.stdin.read()"], stdin=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 30
        while cpu_seconds(child.pid) < 0.3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert cpu_seconds(child.pid) >= 0.3
        assert "-c" in children(os.getpid())[child.pid]
    finally:
        child.communicate(b"")
    assert cpu_seconds(child.pid) == 0.0  # gone


def test_the_minimal_pipeline_does_the_same_io(tmp_path: Path) -> None:
    with pipeline.minimal(tmp_path) as (pids, url, web):
        assert set(pids) == {"web", "letters", "timers", "readmodel", "nats-server"}
        latencies, note = asyncio.run(pipeline.measure(url, web, "base.ev.*.acknowledged", 3, 1))
        assert len(latencies) == 3, note

        def projected() -> int:
            with sqlite3.connect(tmp_path / "readmodel.sqlite3") as db:
                return db.execute("SELECT count(*) FROM complaints WHERE n = 2").fetchone()[0]

        deadline = time.monotonic() + 60
        while projected() < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert projected() == 3  # submitted and acknowledged, upserted
    assert len(read_maildir(tmp_path / "mail")) == 3


def offered(rate: float, seconds: float, acks_per_second: float) -> capacity.Offered:
    """An offer whose acknowledgements came at a steady `acks_per_second` from its start."""
    o = capacity.Offered(rate, seconds, started=100.0)
    for i in range(round(acks_per_second * seconds)):
        o.sent[f"c{i}"] = 100.0 + i / rate
        o.acked[f"c{i}"] = 100.0 + (i + 0.5) / acks_per_second
    return o


def test_capacity_is_the_best_steady_rate_of_a_doubling_ramp() -> None:
    assert offered(40, 10, 40).steady() == 40
    assert offered(80, 10, 47).steady() == 47  # the rest queued: not acknowledged in the window
    tried: list[float] = []

    def attempt(rate: float) -> capacity.Offered:
        tried.append(rate)
        return offered(rate, 10, min(rate, 47))

    best, steps, saturated = capacity.ramp(attempt, 20, 6)
    assert (best, tried, saturated) == (47, [20, 40, 80], True)
    assert len(steps) == 3
    best, _, saturated = capacity.ramp(attempt, 5, 2)  # 5 and 10 both kept up
    assert (best, saturated) == (10, False)
    tried.clear()
    best, _, saturated = capacity.ramp(attempt, 20, 6, refine=2)  # 40 kept, 80 not: 60, 50
    assert (best, tried, saturated) == (47, [20, 40, 80, 60, 50], True)
    lucky = iter([20, 34, 26, 20])  # noise: one saturated step acknowledged more than the rest
    best, _, _ = capacity.ramp(lambda r: offered(r, 10, min(r, next(lucky))), 20, 6, refine=2)
    assert best == 26  # the median of 34, 26 and 20, above the 20 kept up
    tried.clear()
    best, _, _ = capacity.ramp(attempt, 160, 6, refine=1)  # 160 and 80 too many: 40, then 60
    assert (best, tried) == (47, [160, 80, 40, 60])


def test_an_offer_counts_what_was_accepted_and_acknowledged(tmp_path: Path) -> None:
    with pipeline.minimal(tmp_path) as stack:
        o = asyncio.run(capacity.offer(stack, "base.ev.*.acknowledged", 4, 1))
    assert (o.offered, len(o.sent), len(o.latencies), sum(o.refused.values())) == (4, 4, 4, 0)
    assert not o.failed, o.failed
    assert set(o.busy) == {"web", "letters", "timers", "readmodel", "nats-server"}
