"""Reporting's read endpoints on a seeded read model (issue 23): each answer as the API gives
it now (services/reporting/reads.py: indexed lookups, a keyset page, GROUP BY), the same
answer the old way (every row into Python, domain.py: what the API did before), and a plain
SQL baseline doing the same query, side by side. Printed, not asserted.

    .venv/bin/python -m bench.reporting_reads [--n 100000] [--repeat 10] [--db URL]
                                              [--as-of-complaints 100000] [--bare]

The rows are bench/workspace_lists.py's (spread over 120 days, a fifth answered or closed),
written through the view's upserts into a throw-away SQLite file (or the PostgreSQL URL); the
upserts keep the counters (services/reporting/aggregates.py) as the projection does.
The as-of rows fill a throw-away nats-server with complaint histories as production records
them (bench/recorded_log.py: the real aggregate, the terms intake decides recorded; five
events each, a complaint a minute, in the order they occurred; `--bare`: bench/rebuild.py's,
which record no terms), fold it as the rebuild does (a snapshot every 10,000 events, a delta
every 1,000, pruned; each one's cost timed) and answer as of the sequence and the moment
farthest from a snapshot among the newest kept: the nearest snapshot and its deltas restored
as a store and the rest folded into it, against the snapshot alone and the full replay; and
the whole summary as of then (SQL on the restored
store) against the same rows read into Python and domain.summary (what the API did before).

Above 300 lines on purpose: the as-of rows time each kind of snapshot the rebuild makes
beside the answers, so the cost of an answer and of keeping it fast are read together.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench import rebuild as bare
from bench.common import fast_sync_config, ms
from bench.recorded_log import PER_COMPLAINT, fill
from bench.workspace_lists import NOW, seed, timed
from klachten.stack.natsserver import EmbeddedNats
from services.reporting import domain, fold, log, reads, snapshot_reads, snapshot_store, snapshots
from services.reporting.rebuild import rebuild
from services.reporting.view_backends import open_view
from shared.eventstore.link import JetStreamLink


def _sql(view: Any, sql: str, args: list[Any]) -> None:
    with view._tx(commit=False) as c:
        c.execute(sql.format(t=view._table(fold.COMPLAINTS), m=view.placeholder), args)
        c.fetchall()


def _old(view: Any, answer: Any) -> Any:
    """The answer before issue 23: the whole table into Python, then domain.py."""
    position, tables = view.snapshot()
    return answer(tables, position)


def cases(view: Any, n: int) -> dict[str, tuple[Any, Any, Any]]:
    """endpoint -> (ours, the old way, the plain SQL baseline)."""
    cid, ref = f"00000000-0000-4000-8000-{n // 2:012d}", f"KL-2026-{n // 2:06d}"
    rows = fold.COMPLAINTS
    return {
        "one complaint by id": (
            lambda: reads.complaint(view, cid),
            lambda: next(r for r in view.rows(rows) if r["complaint_id"] == cid),
            lambda: _sql(view, "SELECT * FROM {t} WHERE complaint_id = {m}", [cid]),
        ),
        "one complaint by reference": (
            lambda: reads.complaint(view, reads.complaint_id_of(view, ref) or ""),
            lambda: next(r for r in view.rows(rows) if r["reference"] == ref),
            lambda: _sql(view, "SELECT * FROM {t} WHERE reference = {m}", [ref]),
        ),
        "list, first page (100)": (
            lambda: reads.page(view, NOW, {}, after=None, limit=reads.PAGE_SIZE),
            lambda: domain.select(view.rows(rows), NOW),
            lambda: _sql(view, "SELECT * FROM {t} ORDER BY complaint_id LIMIT {m}", [100]),
        ),
        "list, status=acknowledged, page 2": (
            lambda: reads.page(view, NOW, {"status": "acknowledged"}, after=cid, limit=100),
            lambda: domain.select(view.rows(rows), NOW, status="acknowledged"),
            lambda: _sql(
                view,
                "SELECT * FROM {t} WHERE status = {m} AND complaint_id > {m} "
                "ORDER BY complaint_id LIMIT {m}",
                ["acknowledged", cid, 100],
            ),
        ),
        "summary": (
            lambda: reads.summary(view, NOW),
            lambda: _old(view, lambda t, p: domain.summary(t, NOW, p)),
            lambda: _sql(view, "SELECT status, COUNT(*) FROM {t} GROUP BY status", []),
        ),
        "yearly report 2026": (
            lambda: reads.annual(view, 2026),
            lambda: _old(view, lambda t, p: domain.annual(t, 2026)),
            lambda: _sql(
                view,
                "SELECT channel, category, COUNT(*) FROM {t} "
                "WHERE received_at >= {m} AND received_at < {m} GROUP BY channel, category",
                ["2025-12-31T23:00:00.000000Z", "2026-12-31T23:00:00.000000Z"],
            ),
        ),
        "backlog report": (
            lambda: reads.REPORTS["backlog"](view, NOW),
            lambda: _old(view, lambda t, p: domain.backlog(t[rows], NOW)),
            lambda: _sql(view, "SELECT status, COUNT(*) FROM {t} GROUP BY status", []),
        ),
    }


def as_of_rows(
    complaints: int, tmp: Path, repeat: int, recorded: bool = True
) -> list[tuple[str, str, str, str]]:
    """(endpoint, ours, before, how) as of a sequence and a moment as far as can be from a
    snapshot (the event before the next one) among the newest kept, where the restore is
    largest: from the snapshot and its deltas, against the snapshot alone and the full
    replay; and the whole summary as of then against every row into Python."""
    server = EmbeddedNats(tmp / "nats", config_file=fast_sync_config(tmp)).start()
    try:
        began = time.perf_counter()
        per = PER_COMPLAINT if recorded else bare.PER_COMPLAINT
        total = asyncio.run(fill(server.url, complaints * per, recorded=recorded))
        filled = time.perf_counter() - began
        link = JetStreamLink(server.url, name="bench-as-of")
        view = open_view(str(tmp / "as-of.sqlite3"))
        view.create_table()
        spent = _timing_encoders()
        started, cpu = time.perf_counter(), time.process_time()
        rebuild(link, view, None)
        folded, folded_cpu = time.perf_counter() - started, time.process_time() - cpu
        every = snapshots.EVERY
        worst = max(every, (total - 2 * every) // every * every) + every - 1
        worst = min(worst, total)
        moment = log.when(m := next(log.messages(link, worst, worst)), log.item_of(m))  # type: ignore[arg-type]
        out = [
            _fold_rates(total, folded, folded_cpu, spent, filled, recorded),
            *_snapshot_costs(view, spent),
        ]
        for name, kw in (("as_of_seq", {"seq": worst}), ("as_of", {"at": moment})):
            where = f"{name} {worst:,} of {total:,} ({complaints:,} complaints)"
            out += [
                (
                    f"{where}: restore + fold the rest",
                    ms(timed(lambda kw=kw: _restored(view, link, kw), repeat)),
                    ms(timed(lambda kw=kw: _restored(view, link, kw, deltas=False), repeat)),
                    "before: the snapshot alone (up to 10,000 events folded)",
                ),
                (
                    f"{where}: the summary (whole answer)",
                    ms(timed(lambda kw=kw: _summary(view, link, kw, moment), repeat)),
                    ms(timed(lambda kw=kw: _summary(view, link, kw, moment, False), repeat)),
                    "before: from the snapshot alone",
                ),
                (
                    f"{where}: the full replay",
                    _once(lambda kw=kw: log.replay_until(link, **kw)),
                    _once(lambda kw=kw: _summary_in_python(view, link, kw, moment)),
                    "before it all: every row into Python, domain.summary",
                ),
            ]
        link.close()
        return out
    finally:
        server.stop()


def _once(work: Any) -> str:
    began = time.perf_counter()
    work()
    return f"{(time.perf_counter() - began) * 1000:,.0f} ms (once)"


def _timing_encoders() -> dict[str, list[float]]:
    """Seconds spent in each snapshot the rebuild copies from the view (`encode`), makes from
    the one before and its deltas (`_compacted`, with its last delta) and each delta."""
    spent: dict[str, list[float]] = {"encode": [], "_compacted": [], "encode_delta": []}
    inside: list[str] = []
    for name in spent:
        module = snapshots if name == "_compacted" else snapshot_store
        plain = getattr(module, name)

        def timed_encoder(*args: Any, _plain: Any = plain, _name: str = name) -> Any:
            began = time.perf_counter()
            inside.append(_name)
            try:
                made = _plain(*args)
            finally:
                inside.pop()
            if not inside and made is not None:  # a compaction's last delta is the compaction's
                spent[_name].append(time.perf_counter() - began)
            return made

        setattr(module, name, timed_encoder)
    return spent


def _restored(view: Any, link: JetStreamLink, kw: dict[str, Any], deltas: bool = True) -> None:
    snapshot_reads.restored(view, link, deltas=deltas, **kw)[0].close()


def _summary(
    view: Any, link: JetStreamLink, kw: dict[str, Any], now: Any, deltas: bool = True
) -> None:
    store, _ = snapshot_reads.restored(view, link, deltas=deltas, **kw)
    reads.summary(store, now)
    store.close()


def _summary_in_python(view: Any, link: JetStreamLink, kw: dict[str, Any], now: Any) -> None:
    pit = snapshot_reads.point_in_time(view, link, **kw)  # the rows as the API had them before
    domain.summary(fold.tables_of(pit.model), now, pit.position)


def _fold_rates(
    total: int,
    folded: float,
    cpu: float,
    spent: dict[str, list[float]],
    filled: float,
    recorded: bool,
) -> tuple[str, str, str, str]:
    """The rebuild's rate with its snapshots and deltas, and without the deltas' time."""
    deltas = sum(spent["encode_delta"])
    kind = "recorded terms" if recorded else "no recorded terms (bench/rebuild.py's events)"
    made = sum(spent["encode"]) + sum(spent["_compacted"])
    return (
        f"rebuild of {total:,} events ({kind}): events/s · per CPU s",
        f"{total / folded:,.0f}/s · {total / cpu:,.0f}",
        f"{total / (folded - deltas):,.0f}/s without the deltas' {deltas:.1f} s",
        f"snapshots {made:.1f} s of {folded:.0f} s; log filled in {filled:.0f} s",
    )


def _snapshot_costs(view: Any, spent: dict[str, list[float]]) -> list[tuple[str, str, str, str]]:
    """What a snapshot and a delta cost to make and to keep, and how many the pruning kept."""
    full, delta = snapshots.FULL, snapshots.DELTA
    with view._tx(commit=False) as c:
        c.execute(
            f"SELECT holds, COUNT(*) AS n, MAX(LENGTH(tables)) AS size, "
            f"AVG(LENGTH(tables)) AS mean FROM {snapshots.SNAPSHOTS} WHERE position >= 0 "
            "GROUP BY holds"
        )
        kinds = {int(r["holds"]): r for r in c.fetchall()}
        c.execute(f"SELECT COUNT(*) AS n FROM {fold.COMPLAINTS}")
        rows = c.fetchone()["n"]
    made = {name: sorted(times) for name, times in spent.items()}
    out = []
    for name, kind, what in (
        ("encode", full, "snapshot copied from the view"),
        ("_compacted", full, "snapshot from the one before + deltas"),
        ("encode_delta", delta, "delta"),
    ):
        times, r = made[name], kinds.get(kind)
        if not times or r is None:
            continue
        out.append(
            (
                f"one {what}: made in (median · largest) · size (largest)",
                f"{times[len(times) // 2] * 1000:.0f} · {times[-1] * 1000:.0f} ms · "
                f"{r['size'] / 1e6:.2f} MB",
                f"{len(times)} made, {r['n']} kept",
                f"{r['size'] / max(rows, 1):.0f} B per complaint of {rows:,}"
                if kind == full
                else f"every {snapshots.MARKS:,} events",
            )
        )
    with view._tx(commit=False) as c:  # one more of each at the end, the largest
        at = view.position() + 1
        began = time.perf_counter()
        compacted = snapshots._compacted(view, c, at)
        took = time.perf_counter() - began
        began = time.perf_counter()
        snapshot_store.encode(view, c)
        copied = time.perf_counter() - began
    out.append(
        (
            f"a snapshot at the end ({rows:,} complaints): from the one before + deltas",
            f"{took * 1000:.0f} ms" if compacted else "no chain",
            f"{copied * 1000:.0f} ms",
            "before: every row copied from the view",
        )
    )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="complaints to seed")
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--old-repeat", type=int, default=3, help="repeats of the old way")
    parser.add_argument("--db", default="", help="a PostgreSQL URL; default: a SQLite file")
    parser.add_argument("--as-of-complaints", type=int, default=100_000, help="0: no as-of rows")
    parser.add_argument(
        "--bare", action="store_true", help="bench/rebuild.py's events (no recorded terms)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        view = open_view(args.db or str(Path(tmp) / "reporting.sqlite3"))
        view.create_table()
        took = seed(view, args.n)
        table = Table(title=f"reporting reads · {args.n:,} complaints (seeded in {took:.1f} s)")
        for column in ("endpoint", "ours (SQL)", "before (rows into Python)", "plain SQL"):
            table.add_column(column)
        for name, (ours, old, plain) in cases(view, args.n).items():
            table.add_row(
                name,
                ms(timed(ours, args.repeat)),
                ms(timed(old, args.old_repeat)),
                ms(timed(plain, args.repeat)),
            )
        if args.as_of_complaints:
            rows = as_of_rows(args.as_of_complaints, Path(tmp), 3, not args.bare)
            for row in rows:
                table.add_row(*row)
        Console(width=160).print(table)


if __name__ == "__main__":
    main()
