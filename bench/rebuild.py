"""Benchmark: `klachten projections rebuild` (events/s, peak RSS) into SQLite and PostgreSQL,
beside a raw ordered-consumer replay of the same log, at growing log sizes; beside the rebuild
into SQLite, eventsourcing's stock SQLite doing the same projection work (the same events in
its SQLiteApplicationRecorder, read with its select_notifications, decoded by the same mapper,
folded by the same fold into the same view: only our reader and our event store differ), and
the live projection (eventsourcing's ProjectionRunner) catching up on the whole log.

    .venv/bin/python -m bench.rebuild [--sizes 100000,1000000]

The log holds complete complaint histories (submitted, acknowledged, responded, closed) with
valid hash chains, written as the persistence module writes them. It is filled on a server
without `sync_interval: always` (only the fill is faster; the replay reads the same blocks).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID, uuid4

import nats
from eventsourcing.persistence import JSONTranscoder, StoredEvent, Tracking
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteDatastore
from rich.console import Console

from bench.common import REPO_ROOT, Row, fast_sync_config, free_port, per_second, postgres
from bench.persistence import raw_replay
from klachten.stack.natsserver import EmbeddedNats
from services.reporting import log
from services.reporting.complaints_log import SOURCE_NAME, TolerantMapper
from services.reporting.fold import Undecodable
from services.reporting.projections import start_runner
from services.reporting.rebuild import BATCH
from services.reporting.view_backends import open_view
from shared.contract import events as ev
from shared.contract import subjects
from shared.eventstore.link import JetStreamLink
from shared.eventstore.persistence import HASH_HEADER, PREV_HASH_HEADER, TOPIC_HEADER, chain_hash
from shared.eventstore.streams import provision

console = Console()
KLACHTEN = str(Path(sys.executable).parent / "klachten")
PER_COMPLAINT = 4
LETTER = dict(template="ack", template_version="1", language="nl", content_sha256="0" * 64)


def history(cid: UUID, n: int, at: datetime) -> Iterator[tuple[str, ev.Event]]:
    base = dict(complaint_id=cid, actor="staff:bench", occurred_at=at)
    person = ev.SubmittedPersonal(
        complainant=ev.Complainant(name="Jan de Vries", email=f"jan{n}@example.nl"),
        subject="Container niet geleegd",
        description="Al drie weken niet geleegd.",
    )
    yield (
        "Submitted",
        ev.Submitted(
            event_id=uuid4(),
            version=1,
            reference=f"KL-2026-{n:07d}",
            channel="web",
            language="nl",
            received_at=at,
            personal=person,
            **base,
        ),
    )
    letter = ev.LetterRecord(
        kind="acknowledgement", message_id=f"<{cid}@bench>", sent_at=at, **LETTER
    )
    term = at + timedelta(weeks=6)
    yield (
        "Acknowledged",
        ev.Acknowledged(
            event_id=uuid4(), version=2, letter=letter, respond_by=term, statutory_by=term, **base
        ),
    )
    yield "Responded", ev.Responded(event_id=uuid4(), version=3, resolution="well_founded", **base)
    yield "Closed", ev.Closed(event_id=uuid4(), version=4, outcome="resolved", **base)


def messages(count: int, first: int) -> Iterator[tuple[str, bytes, dict[str, str]]]:
    at = datetime(2026, 3, 2, 9, tzinfo=UTC)
    for n in range(first, first + count // PER_COMPLAINT):
        cid, prev = uuid4(), ""
        for name, event in history(cid, n, at + timedelta(minutes=n)):
            subject = f"complaints.{cid}.{event.version}.{name.lower()}"
            topic = f"shared.complaint:Complaint.{name}"
            data = ev.encode(event)
            digest = chain_hash(prev, subject, topic, data)
            yield subject, data, {TOPIC_HEADER: topic, PREV_HASH_HEADER: prev, HASH_HEADER: digest}
            prev = digest


async def fill(url: str, upto: int) -> int:
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        await provision(js)
        have = (await js.stream_info("COMPLAINTS")).state.messages
        pending = []
        for s, d, h in messages(max(0, upto - have), have // PER_COMPLAINT):
            pending.append(await js.publish_async(s, d, headers=h))
            if len(pending) >= 5000:
                await asyncio.gather(*pending)
                pending.clear()
        await asyncio.gather(*pending)
        return int((await js.stream_info("COMPLAINTS")).state.messages)
    finally:
        await nc.close()


def rebuild(url: str, db: str, tmp: Path) -> tuple[float, int, str]:
    """Run the rebuild command; its events/s, its peak RSS (MiB) and its last words."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KLACHTEN_")}
    env |= {"KLACHTEN_NATS_URL": url, "KLACHTEN_DATA_DIR": str(tmp), "KLACHTEN_REPORTING_DB": db}
    with (tmp / "rebuild.out").open("w+") as out:
        process = subprocess.Popen(
            [KLACHTEN, "projections", "rebuild", "--no-compare"],
            cwd=REPO_ROOT,
            env=env | {"COLUMNS": "200"},
            stdout=out,
            stderr=out,
        )
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        said = out.read()
    found = re.search(r"replayed (\d+) events .* in ([\d.]+) s", said)
    if process.returncode != 0 or not found:
        raise SystemExit(f"rebuild failed ({process.returncode}):\n{said[-2000:]}")
    rate = int(found.group(1)) / float(found.group(2))
    return rate, usage.ru_maxrss // 1024, said.strip().splitlines()[-1]


def stock_copy(url: str, path: Path) -> SQLiteApplicationRecorder:
    """The log's complaint events in eventsourcing's stock SQLite recorder, in log order."""
    recorder = SQLiteApplicationRecorder(SQLiteDatastore(str(path)))
    recorder.create_table()
    link = JetStreamLink(url, name="bench-stock-copy")
    batch: list[StoredEvent] = []
    try:
        for msg in log.messages(link):
            parsed = subjects.parse_event_subject(msg.subject)
            if parsed is None:
                continue
            topic = msg.headers.get(TOPIC_HEADER, "")
            cid, version = UUID(parsed.complaint_id), parsed.version
            batch.append(StoredEvent(cid, version, topic, msg.data))
            if len(batch) >= BATCH:
                recorder.insert_events(batch)
                batch.clear()
        if batch:
            recorder.insert_events(batch)
    finally:
        link.close()
    return recorder


def stock_rebuild(recorder: SQLiteApplicationRecorder, db: str) -> tuple[int, float, float]:
    """The rebuild's projection work on the stock recorder: (events, seconds, CPU seconds)."""
    view, mapper = open_view(db), TolerantMapper(transcoder=JSONTranscoder())
    began, cpu, events, position = time.perf_counter(), time.process_time(), 0, 0
    while page := recorder.select_notifications(position, BATCH, inclusive_of_start=False):
        items: list[log.Item] = []
        for notification in page:
            event = mapper.to_domain_event(notification)
            fact = event if isinstance(event, Undecodable) else getattr(event, "fact", None)
            if isinstance(fact, ev.Event | Undecodable):
                items.append((notification.id, fact))
        position = page[-1].id
        view.apply_batch(items, Tracking(SOURCE_NAME, position))
        events += len(items)
    return events, time.perf_counter() - began, time.process_time() - cpu


def catch_up(url: str, db: str, last_seq: int) -> tuple[float, float]:
    """The live projection from an empty store to the log's end: (seconds, CPU seconds)."""
    began, cpu = time.perf_counter(), time.process_time()
    with start_runner(db, url) as runner:
        runner.wait(last_seq, timeout=3600)
        return time.perf_counter() - began, time.process_time() - cpu


def sqlite_rows(url: str, tmp: Path, total: int, rate: float) -> list[Row]:
    """Stock SQLite doing the same projection work, and the live projection catching up."""
    stock = stock_copy(url, tmp / f"stock-{total}.sqlite3")
    events, seconds, cpu = stock_rebuild(stock, str(tmp / f"stock-view-{total}.sqlite3"))
    stock_rate = events / seconds
    caught, caught_cpu = catch_up(url, str(tmp / f"caught-up-{total}.sqlite3"), total)
    return [
        Row(
            "rebuild",
            f"rebuild into SQLite, log of {total:,}: ratio to stock SQLite",
            f"{rate / stock_rate:.2f}×",
            f"eventsourcing stock SQLite, same mapper, fold and view: {stock_rate:,.0f} "
            f"events/s ({events / cpu:,.0f} per CPU second)",
        ),
        Row(
            "rebuild",
            f"live projection catching up on {total:,} (SQLite, one commit per page)",
            f"{total / caught:,.0f} events/s ({total / caught_cpu:,.0f} per CPU second) · "
            f"{total / caught / rate:.2f}× the rebuild",
            f"rebuild {rate:,.0f} events/s",
        ),
    ]


def run(sizes: list[int]) -> list[Row]:
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="klachten-bench-rebuild-") as name:
        tmp = Path(name)
        server = EmbeddedNats(tmp / "nats", config_file=fast_sync_config(tmp)).start()
        try:
            with postgres(free_port()) as pg:
                for size in sizes:
                    began = time.perf_counter()
                    total = asyncio.run(fill(server.url, size))
                    console.print(
                        f"log filled to {total:,} messages in {time.perf_counter() - began:.0f} s"
                    )
                    raw = asyncio.run(raw_replay(server.url, total, True))
                    baseline = f"{per_second(total, raw, ' events/s')} ordered consumer, decoded"
                    stores = {"SQLite": str(tmp / f"live-{size}.sqlite3")}
                    if pg:
                        stores["PostgreSQL"] = f"{pg}?schema=bench_{size}"
                    for kind, db in stores.items():
                        rate, rss, _ = rebuild(server.url, db, tmp)
                        rows.append(
                            Row(
                                "rebuild",
                                f"rebuild into {kind}, log of {total:,}",
                                f"{rate:,.0f} events/s · peak RSS {rss} MiB",
                                baseline,
                            )
                        )
                        if kind == "SQLite":
                            rows += sqlite_rows(server.url, tmp, total, rate)
                    if not pg:
                        rows.append(
                            Row(
                                "rebuild",
                                "rebuild into PostgreSQL",
                                "not measured (no PostgreSQL 15 binaries)",
                                "",
                            )
                        )
        finally:
            server.stop()
    return rows


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--sizes", default="100000,1000000", help="log sizes, comma separated")
    a = p.parse_args()
    for row in run([int(s) for s in a.sizes.split(",")]):
        console.print(f"{row.what}: {row.ours} (baseline: {row.baseline})")


if __name__ == "__main__":
    main()
