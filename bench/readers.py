"""Concurrent staff readers and projection lag (issue 23 item 1): a real reporting process
(`python -m services.reporting`, as `klachten up` runs it: its own NATS user on the shipped
server configuration, the live projection inside it) on a seeded read model; 2 and then 8
staff readers, each opening the dashboard and the workspace worklist in turn (bearer token);
meanwhile events are appended to the log at a steady rate and the projection lag (append ->
the view's tracking position holding it) is measured with 0, 2 and 8 readers; then one reader
opens the dashboard alone, for reporting's CPU per visit. Baseline in the same run: the same
number of readers doing the pages' plain SQL on the same SQLite file from a thread pool in this
process (the dashboard's: the statements services/reporting/dashboard_reads.py runs, recorded
once and replayed without the Python around them). Printed, not asserted.

    .venv/bin/python -m bench.readers [--complaints 100000] [--seconds 30] [--rate 50]
        [--readers 2,8] [--visits 20]

The rows are bench/workspace_lists.py's, written straight into the read model (the
projection's tracking stays at 0, so it folds the appended events from the log's start). The
appended events are bench/rebuild.py's complaint histories (valid hash chains), published as
the admin user. Intake is not running: the worklist's subject and name lookups fail at once
(connection refused), so the worklist figure is reporting's own work.

About 350 lines: the process under test, the appender, the two kinds of visit (over HTTP and
the plain SQL baseline) and the phases in one file, so a figure and its baseline are visibly
measured alike.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import nats
from rich.console import Console
from rich.table import Table

from bench.common import Service, cpu_seconds, free_port, load_average, ms, wait_http
from bench.rebuild import messages
from bench.workspace_lists import seed
from klachten.stack.natsserver import EmbeddedNats
from klachten.stack.provisioning import provision_streams
from services.reporting import dashboard_reads, fold
from services.reporting.view_backends import open_view
from shared.config import permissions
from shared.integrity import signing

TOKEN = "bench-readers-token-0123456789"
OPEN = "('submitted', 'acknowledged', 'responded', 'escalated')"
console = Console(width=160)


class Appender:
    """Events appended at `rate` per second from a thread of its own; `lags(since)` the time
    from each append to the view's tracking position holding it (polled every 2 ms)."""

    def __init__(self, url: str, db: str, rate: float) -> None:
        self.url, self.rate, self.view = url, rate, open_view(db)
        self.sent: dict[int, float] = {}  # stream sequence -> when the append was sent
        self.seen: dict[int, float] = {}  # stream sequence -> when the position held it
        self.stop = threading.Event()
        self.threads = [
            threading.Thread(target=lambda: asyncio.run(self._append()), daemon=True),
            threading.Thread(target=self._poll, daemon=True),
        ]
        for t in self.threads:
            t.start()

    async def _append(self) -> None:
        nc = await nats.connect(self.url)
        js = nc.jetstream()
        gap, due = 1 / self.rate, time.monotonic()
        for subject, data, headers in messages(10**8, 10**7):
            if self.stop.is_set():
                break
            due += gap
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            sent = time.monotonic()
            ack = await js.publish(subject, data, headers=headers)
            self.sent[ack.seq] = sent
        await nc.close()

    def _poll(self) -> None:
        done = 0
        while not self.stop.is_set():
            position = self.view.position()
            now = time.monotonic()
            for seq in range(done + 1, position + 1):
                self.seen.setdefault(seq, now)
            done = max(done, position)
            time.sleep(0.002)

    def lags(self, since: float, until: float) -> list[float]:
        return [
            self.seen[s] - t
            for s, t in self.sent.copy().items()
            if since <= t < until and s in self.seen
        ]

    def behind(self, until: float) -> int:
        return sum(1 for s, t in self.sent.copy().items() if t < until and s not in self.seen)

    def drain(self, timeout: float = 180) -> None:
        """Until every append so far is folded (or `timeout`)."""
        deadline = time.monotonic() + timeout
        while self.behind(time.monotonic()) and time.monotonic() < deadline:
            time.sleep(0.1)

    def close(self) -> None:
        self.drain()  # the lags of the last appends, however late
        self.stop.set()
        for t in self.threads:
            t.join(10)


def http_visit(base: str) -> Callable[[], tuple[float, float]]:
    client = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=600)

    def visit() -> tuple[float, float]:
        started = time.perf_counter()
        client.get("/dashboard").raise_for_status()
        middle = time.perf_counter()
        client.get("/workspace").raise_for_status()
        return middle - started, time.perf_counter() - middle

    return visit


class _Recording:
    """A cursor that keeps every statement it runs (and its arguments)."""

    def __init__(self, cursor: Any, kept: list[tuple[str, list[Any]]]) -> None:
        self.cursor, self.kept = cursor, kept

    def execute(self, sql: str, args: Any = ()) -> None:
        self.kept.append((sql, list(args)))
        self.cursor.execute(sql, args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.cursor, name)


def dashboard_statements(db: str) -> list[tuple[str, list[Any]]]:
    """The SQL one dashboard visit runs (dashboard_reads.figures), recorded once."""
    view, kept = open_view(db), []
    transaction = view._tx

    @contextmanager
    def recorded(*, commit: bool) -> Iterator[Any]:
        with transaction(commit=commit) as c:
            yield _Recording(c, kept)

    view._tx = recorded  # type: ignore[method-assign]
    dashboard_reads.figures(view, datetime.now(UTC))
    return kept


def sql_visit(db: str) -> Callable[[], tuple[float, float]]:
    """The same pages' plain SQL: the dashboard's statements in one transaction, the
    worklist's count and first page of open complaints."""
    c = sqlite3.connect(db, check_same_thread=False)
    c.row_factory = sqlite3.Row
    statements = dashboard_statements(db)

    def visit() -> tuple[float, float]:
        started = time.perf_counter()
        c.execute("BEGIN")
        for sql, args in statements:
            c.execute(sql, args).fetchall()
        c.rollback()
        middle = time.perf_counter()
        c.execute(f"SELECT COUNT(*) FROM {fold.COMPLAINTS} WHERE status IN {OPEN}").fetchone()
        c.execute(
            f"SELECT * FROM {fold.COMPLAINTS} WHERE status IN {OPEN} ORDER BY respond_by LIMIT 25"
        ).fetchall()
        return middle - started, time.perf_counter() - middle

    return visit


def dashboard_cpu(base: str, db: str, pid: int, visits: int) -> tuple[Any, ...]:
    """One reader, the dashboard alone `visits` times: reporting's CPU per visit and the
    visit's time; beside it the plain SQL's CPU (this thread's) and time per visit."""
    client = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=600)
    client.get("/dashboard").raise_for_status()  # warm
    load, cpu, took = load_average(), cpu_seconds(pid), []
    for _ in range(visits):
        started = time.perf_counter()
        client.get("/dashboard").raise_for_status()
        took.append(time.perf_counter() - started)
    used = (cpu_seconds(pid) - cpu) / visits
    plain, plain_took = sql_visit(db), []
    plain()
    thread_cpu = time.thread_time()
    for _ in range(visits):
        plain_took.append(plain()[0])
    plain_cpu = (time.thread_time() - thread_cpu) / visits
    return (
        f"1 reader, dashboard alone ({visits} visits): CPU per visit",
        f"reporting {used * 1000:,.0f} ms CPU · {ms(took)}",
        f"{plain_cpu * 1000:,.1f} ms CPU · {ms(plain_took)}",
        f"{load} → {load_average()}",
    )


def read_phase(make: Callable[[], Callable[[], tuple[float, float]]], readers: int,
               seconds: float) -> dict[str, Any]:  # fmt: skip
    """`readers` threads each visiting in a loop for `seconds`: every visit's two times."""
    dash: list[list[float]] = [[] for _ in range(readers)]
    work: list[list[float]] = [[] for _ in range(readers)]
    visits = [make() for _ in range(readers)]
    end = time.monotonic() + seconds

    def reader(i: int) -> None:
        while time.monotonic() < end:
            d, w = visits[i]()
            dash[i].append(d)
            work[i].append(w)

    threads = [threading.Thread(target=reader, args=(i,)) for i in range(readers)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    took = time.monotonic() - started
    return {"dash": dash, "work": work, "took": took, "start": started, "end": started + took}


def per_reader(samples: list[list[float]]) -> str:
    """Median over the readers of each reader's p50 and of its worst (p99 with few visits)."""
    p50 = statistics.median(statistics.median(s) for s in samples if s)
    p99 = statistics.median(_p99(s) for s in samples if s)
    return f"p50 {p50 * 1000:,.0f} ms · p99 {p99 * 1000:,.0f} ms"


def _p99(s: list[float]) -> float:
    return statistics.quantiles(s, n=100)[98] if len(s) >= 2 else s[0]


def visits_per_second(phase: dict[str, Any]) -> float:
    return sum(len(s) for s in phase["dash"]) / phase["took"]


def run(complaints: int, seconds: float, rate: float, counts: list[int], visits: int) -> None:
    with tempfile.TemporaryDirectory(prefix="klachten-bench-readers-") as name:
        tmp = Path(name)
        credentials, _ = permissions.ensure_credentials(tmp)
        signing.ensure_writer_keys(tmp, signing.writers())
        server = EmbeddedNats(tmp / "nats", credentials=credentials).start()
        asyncio.run(provision_streams(server.url_for(permissions.ADMIN), replicas=1))
        db = str(tmp / "reporting.sqlite3")
        view = open_view(db)
        view.create_table()
        took = seed(view, complaints)
        port = free_port()
        env = {
            **os.environ,
            "KLACHTEN_NATS_URL": server.url_for("reporting"),
            "KLACHTEN_DATA_DIR": str(tmp),
            "KLACHTEN_TRACES_DIR": str(tmp / "traces"),
            "KLACHTEN_REPORTING_PORT": str(port),
            "KLACHTEN_INTAKE_PORT": str(free_port()),  # nothing listens: lookups fail at once
            "KLACHTEN_STAFF_TOKEN": TOKEN,
        }
        reporting = Service("reporting", env, tmp)
        base = f"http://127.0.0.1:{port}"
        rows: list[tuple[Any, ...]] = []
        try:
            wait_http(f"{base}/health/live", reporting.process)
            appender = Appender(server.url_for(permissions.ADMIN), db, rate)
            time.sleep(5)  # the projection live, the first appends folded
            rows += _phases(appender, reporting.process.pid, base, db, seconds, counts)
            rows.append(dashboard_cpu(base, db, reporting.process.pid, visits))
            appender.close()
            rows = [tuple(c() if callable(c) else c for c in row) for row in rows]
        finally:
            reporting.stop()
            server.stop()
    table = Table(title=f"concurrent readers · {complaints:,} complaints (seeded in {took:.0f} s)"
                  f" · appends {rate:.0f}/s")  # fmt: skip
    for column in ("figure", "ours (reporting over HTTP)", "baseline: plain SQL, same file",
                   "load average before → after"):  # fmt: skip
        table.add_column(column)
    for row in rows:
        table.add_row(*row)
    console.print(table)


def _phases(appender: Appender, pid: int, base: str, db: str, seconds: float,
            counts: list[int]) -> list[tuple[Any, ...]]:  # fmt: skip
    """The table's rows; a lag cell is a function, called once the last appends are folded."""
    rows: list[tuple[Any, ...]] = []
    load = load_average()
    cpu, t0 = cpu_seconds(pid), time.monotonic()
    time.sleep(seconds)
    t1 = time.monotonic()
    idle_cpu = (cpu_seconds(pid) - cpu) / (t1 - t0)
    rows.append((
        "projection lag, no readers",
        lambda: f"{ms(appender.lags(t0, t1))} · reporting {idle_cpu:.2f} CPU s/s",
        "", f"{load} → {load_average()}",
    ))  # fmt: skip
    for n in counts:
        load = load_average()
        cpu = cpu_seconds(pid)
        ours = read_phase(lambda: http_visit(base), n, seconds)
        used = cpu_seconds(pid) - cpu
        between = load_average()
        appender.drain()  # the next phase's lags are its own, not this one's backlog
        plain = read_phase(lambda: sql_visit(db), n, seconds)
        after = load_average()
        appender.drain()
        visits = sum(len(s) for s in ours["dash"])
        rows += [
            (f"{n} readers: dashboard, per reader", per_reader(ours["dash"]),
             per_reader(plain["dash"]), f"{load} → {between} · {after}"),
            (f"{n} readers: worklist, per reader", per_reader(ours["work"]),
             per_reader(plain["work"]), ""),
            (f"{n} readers: visits/s (both pages)",
             f"{visits_per_second(ours):.2f}/s · reporting {used / max(visits, 1):.2f} CPU s"
             f" a visit, {used / ours['took']:.2f} CPU s/s",
             f"{visits_per_second(plain):.2f}/s", ""),
            (f"{n} readers: projection lag",
             _lag_cell(appender, ours, f"{appender.behind(ours['end'])} not folded at its end"),
             _lag_cell(appender, plain, ""), ""),
        ]  # fmt: skip
    return rows


def _lag_cell(appender: Appender, phase: dict[str, Any], more: str) -> Callable[[], str]:
    return lambda: " · ".join(
        x for x in (ms(appender.lags(phase["start"], phase["end"])), more) if x
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--complaints", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=30, help="each phase's length")
    parser.add_argument("--rate", type=float, default=50, help="events appended per second")
    parser.add_argument("--readers", default="2,8", help="reader counts, comma-separated")
    parser.add_argument("--visits", type=int, default=20, help="dashboard visits for its CPU")
    args = parser.parse_args()
    counts = [int(n) for n in args.readers.split(",")]
    run(args.complaints, args.seconds, args.rate, counts, args.visits)


if __name__ == "__main__":
    main()
