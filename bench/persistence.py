"""Benchmark: the JetStream persistence module beside raw nats-py and eventsourcing's SQLite.

    .venv/bin/python -m bench.persistence [--events 100000 1000000] [--appends 2000]
                                          [--loads 1000] [--store DIR] [--markdown FILE]

Everything runs in one process on one embedded nats-server (sync_interval: always, as
shipped), so the figures are side by side on the same machine, disk and durability setting.
Replays are timed twice: counting only, and decoding every event to its domain event with the
contract mapper (msgspec decode, claims check, the event object); the raw ordered consumer does
exactly the same decoding, so the comparison is fair. `--store DIR` keeps the server's store and
the SQLite file there, so a later run reuses a filled log (a 1M fill takes a while).
Prints a table; `--markdown FILE` also writes it as Markdown.
(About 320 lines: each figure and its baseline stay side by side in one file.)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import nats
from eventsourcing.persistence import JSONTranscoder, StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteDatastore
from rich.console import Console
from rich.table import Table

from klachten.stack.natsserver import EmbeddedNats
from shared.contract import events as ev
from shared.contract import subjects
from shared.eventstore.link import JetStreamLink
from shared.eventstore.mapper import ContractMapper
from shared.eventstore.persistence import (
    HASH_HEADER,
    PREV_HASH_HEADER,
    TOPIC_HEADER,
    JetStreamApplicationRecorder,
    chain_hash,
)
from shared.eventstore.streams import provision

EVENTS_PER_COMPLAINT = 10
TOPIC = "shared.complaint:Complaint.Responded"
console = Console()


@dataclass
class Row:
    what: str
    klachten: str
    raw: str
    sqlite: str

    @property
    def group(self) -> str:
        return "persistence"

    @property
    def ours(self) -> str:
        return self.klachten

    @property
    def baseline(self) -> str:
        return f"raw nats-py: {self.raw} · eventsourcing SQLite: {self.sqlite}"


def body(cid: UUID, version: int) -> bytes:
    return ev.encode(
        ev.Responded(
            event_id=uuid4(),
            complaint_id=cid,
            version=version,
            occurred_at=datetime.now(UTC),
            actor="staff:bench",
            resolution="well_founded",
            personal=ev.TextPersonal(text="Wij hebben uw klacht onderzocht en geven u gelijk."),
        )
    )


def stored(cid: UUID, version: int) -> StoredEvent:
    return StoredEvent(
        originator_id=cid, originator_version=version, topic=TOPIC, state=body(cid, version)
    )


def rate(count: int, seconds: float) -> str:
    return f"{count / seconds:,.0f}/s"


def timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def percentiles(samples: list[float]) -> str:
    q = statistics.quantiles(samples, n=100)
    return f"p50 {q[49] * 1000:.2f} ms · p99 {q[98] * 1000:.2f} ms"


def chained(cids: list[UUID]) -> Iterator[tuple[str, bytes, dict[str, str]]]:
    """Messages exactly as the persistence module writes them (valid chains), for the fill."""
    for cid in cids:
        prev = ""
        for v in range(1, EVENTS_PER_COMPLAINT + 1):
            subject = f"complaints.{cid}.{v}.responded"
            data = body(cid, v)
            digest = chain_hash(prev, subject, TOPIC, data)
            yield subject, data, {TOPIC_HEADER: TOPIC, PREV_HASH_HEADER: prev, HASH_HEADER: digest}
            prev = digest


async def raw_publish(
    url: str, messages: list[tuple[str, bytes, dict[str, str]]], pipelined: bool
) -> float:
    nc = await nats.connect(url)
    js = nc.jetstream()
    started = time.perf_counter()
    if pipelined:
        futures = [await js.publish_async(s, d, headers=h) for s, d, h in messages]
        await asyncio.gather(*futures)
    else:
        for s, d, h in messages:
            await js.publish(s, d, headers=h)
    elapsed = time.perf_counter() - started
    await nc.close()
    return elapsed


def decoder() -> Callable[[StoredEvent], object]:
    """The mapper's work on one event that is not I/O: what a follower does with each one."""
    return ContractMapper(transcoder=JSONTranscoder()).to_domain_event


async def raw_replay(url: str, total: int, decode: bool) -> float:
    """A raw ordered push consumer over the whole log; with `decode`, each message becomes its
    domain event exactly as the reader's notifications do below (subject parsed, mapper)."""
    nc = await nats.connect(url)
    js = nc.jetstream()
    done = asyncio.Event()
    seen = 0
    to_domain = decoder()

    async def count(msg: Any) -> None:
        nonlocal seen
        seen += 1
        if decode:
            parsed = subjects.parse_event_subject(msg.subject)
            if parsed is not None:
                to_domain(
                    StoredEvent(
                        originator_id=UUID(parsed.complaint_id),
                        originator_version=parsed.version,
                        topic=msg.headers.get(TOPIC_HEADER, ""),
                        state=msg.data,
                    )
                )
        if seen >= total:
            done.set()

    started = time.perf_counter()
    sub = await js.subscribe("complaints.>", cb=count, ordered_consumer=True)
    await asyncio.wait_for(done.wait(), timeout=3600)
    elapsed = time.perf_counter() - started
    await sub.unsubscribe()
    await nc.close()
    return elapsed


def replay(recorder: Any, total: int, decode: bool) -> float:
    to_domain = decoder()

    def run() -> None:
        start, seen = 0, 0
        while seen < total:
            page = recorder.select_notifications(start, 1000, inclusive_of_start=False)
            if not page:
                break
            if decode:
                for n in page:
                    to_domain(n)
            seen += len(page)
            start = page[-1].id

    return timed(run)


def load_latencies(recorder: object, cids: list[UUID]) -> list[float]:
    samples = []
    for cid in cids:
        started = time.perf_counter()
        events = recorder.select_events(cid)  # type: ignore[attr-defined]
        samples.append(time.perf_counter() - started)
        assert len(events) == EVENTS_PER_COMPLAINT
    return samples


def run(sizes: list[int], appends_n: int, loads: int, store: Path | None = None) -> list[Row]:
    """Append rates once, then load and replay figures at each log size (growing the log)."""
    with contextlib.ExitStack() as stack:
        if store is None:
            store = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="klachten-bench-")))
        store.mkdir(parents=True, exist_ok=True)
        server = stack.enter_context(EmbeddedNats(store / "nats"))
        asyncio.run(_provision(server.url))
        link = JetStreamLink(server.url, timeout=30)
        module = JetStreamApplicationRecorder(link)
        lite = SQLiteApplicationRecorder(SQLiteDatastore(str(store / "es.sqlite")))
        lite.create_table()
        rows = appends(server.url, module, lite, appends_n)
        for size in sizes:
            rows += fill_and_read(server.url, module, lite, size, loads, store / "cids.txt")
        link.close()
    return rows


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument(
        "--events", type=int, nargs="+", default=[1_000_000], help="log sizes for load/replay"
    )
    p.add_argument("--appends", type=int, default=2000, help="events appended per append test")
    p.add_argument("--loads", type=int, default=1000, help="aggregates loaded")
    p.add_argument("--markdown", type=Path, help="also write the table to this file")
    p.add_argument("--store", type=Path, help="keep (and reuse) the filled log here")
    a = p.parse_args()
    show(run(a.events, a.appends, a.loads, a.store), a)


async def _provision(url: str) -> None:
    nc = await nats.connect(url)
    await provision(nc)
    await nc.close()


def appends(
    url: str, module: JetStreamApplicationRecorder, lite: SQLiteApplicationRecorder, n: int
) -> list[Row]:
    singles = [[stored(uuid4(), 1)] for _ in range(n)]
    fives = [[stored(cid, v) for v in range(1, 6)] for cid in (uuid4() for _ in range(n // 5))]
    raw_msgs = list(chained([uuid4() for _ in range(n // EVENTS_PER_COMPLAINT)]))
    t_mod1 = timed(lambda: [module.insert_events(b) for b in singles])
    t_mod5 = timed(lambda: [module.insert_events(b) for b in fives])
    t_lite1 = timed(lambda: [lite.insert_events([stored(uuid4(), 1)]) for _ in range(n)])
    t_lite5 = timed(
        lambda: [
            lite.insert_events([stored(c, v) for v in range(1, 6)])
            for c in (uuid4() for _ in range(n // 5))
        ]
    )
    t_await = asyncio.run(raw_publish(url, raw_msgs, pipelined=False))
    raw_msgs = list(chained([uuid4() for _ in range(n // EVENTS_PER_COMPLAINT)]))
    t_pipe = asyncio.run(raw_publish(url, raw_msgs, pipelined=True))
    return [
        Row(
            "append, 1 event per insert (events/s)",
            rate(n, t_mod1),
            f"{rate(len(raw_msgs), t_await)} awaited · {rate(len(raw_msgs), t_pipe)} pipelined",
            rate(n, t_lite1),
        ),
        Row(
            "append, 5 events per insert (events/s)",
            rate(len(fives) * 5, t_mod5),
            "(same as above)",
            rate(len(fives) * 5, t_lite5),
        ),
    ]


def fill_and_read(
    url: str,
    module: JetStreamApplicationRecorder,
    lite: SQLiteApplicationRecorder,
    total: int,
    loads: int,
    filled: Path,
) -> list[Row]:
    current = module.max_notification_id() or 0
    cids = [uuid4() for _ in range(max(0, total - current) // EVENTS_PER_COMPLAINT)]
    console.print(f"filling the log to {total:,} events …")
    asyncio.run(_fill(url, cids))
    for i in range(0, len(cids), 500):
        for cid in cids[i : i + 500]:
            lite.insert_events([stored(cid, v) for v in range(1, EVENTS_PER_COMPLAINT + 1)])
    with filled.open("a") as f:  # the aggregates of every fill, so a reused store can be sampled
        f.writelines(f"{cid}\n" for cid in cids)
    everyone = [UUID(line) for line in filled.read_text().split()]
    log_size = module.max_notification_id() or 0
    sample = everyone[:: max(1, len(everyone) // loads)][:loads]
    mod_loads = load_latencies(module, sample)
    lite_loads = load_latencies(lite, sample)
    asyncio.run(raw_replay(url, log_size, decode=False))  # warm-up: every block read once
    t_mod = replay(module, log_size, decode=False)
    t_lite = replay(lite, log_size, decode=False)
    t_raw = asyncio.run(raw_replay(url, log_size, decode=False))
    t_mod_d = replay(module, log_size, decode=True)
    t_lite_d = replay(lite, log_size, decode=True)
    t_raw_d = asyncio.run(raw_replay(url, log_size, decode=True))
    return [
        Row(
            f"load one aggregate of {EVENTS_PER_COMPLAINT} events, log of {log_size:,}",
            percentiles(mod_loads),
            "(no aggregate API)",
            percentiles(lite_loads),
        ),
        Row(
            f"replay the whole log ({log_size:,} events), counting",
            rate(log_size, t_mod),
            f"{rate(log_size, t_raw)} ordered consumer",
            rate(log_size, t_lite),
        ),
        Row(
            f"replay the whole log ({log_size:,} events), decoding each event",
            rate(log_size, t_mod_d),
            f"{rate(log_size, t_raw_d)} ordered consumer, same decoding",
            rate(log_size, t_lite_d),
        ),
    ]


async def _fill(url: str, cids: list[UUID]) -> None:
    nc = await nats.connect(url)
    js = nc.jetstream()
    pending = []
    for s, d, h in chained(cids):
        pending.append(await js.publish_async(s, d, headers=h))
        if len(pending) >= 4000:
            await asyncio.gather(*pending)
            pending.clear()
    await asyncio.gather(*pending)
    await nc.close()


def show(rows: list[Row], a: argparse.Namespace) -> None:
    table = Table(title="klachten persistence benchmark")
    for col in (
        "measure",
        "JetStream persistence module",
        "raw nats-py (baseline)",
        "eventsourcing SQLite (stock)",
    ):
        table.add_column(col)
    for r in rows:
        table.add_row(r.what, r.klachten, r.raw, r.sqlite)
    console.print(table)
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    console.print(f"machine: {machine}; nats-server sync_interval: always")
    if a.markdown:
        lines = [
            "| measure | JetStream persistence module | raw nats-py (baseline) | "
            "eventsourcing SQLite (stock) |",
            "|---|---|---|---|",
        ]
        lines += [f"| {r.what} | {r.klachten} | {r.raw} | {r.sqlite} |" for r in rows]
        sizes = ", ".join(f"{n:,}" for n in a.events)
        lines.append(
            f"\nMachine: {machine}; nats-server `sync_interval: always`; "
            f"{a.appends} appends, {a.loads} loads, logs of {sizes} events.\n"
        )
        a.markdown.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
