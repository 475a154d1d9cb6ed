"""The desk's lists (services/reporting/workspace_lists.py) on a seeded read model: each list
view's time for one page (the count and the page's rows, as the workspace asks them), beside
a plain SQL baseline over the same table (the open complaints, oldest first, one page: no
deadline expression, no filter). Printed, not asserted.

    .venv/bin/python -m bench.workspace_lists [--complaints 100000] [--repeat 20] [--db URL]

The store is a throw-away SQLite file (or the PostgreSQL URL given); the rows are written
straight into the read model's table, as the projection would leave them: a fifth answered or
closed, some escalated, overdue, assigned to a handler or waiting in a team's queue, with
replies waiting. Subjects come from intake and are not part of this figure.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.common import ms
from services.reporting import fold
from services.reporting.view_backends import open_view
from services.reporting.workspace_lists import ListQuery, list_page

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
TEAMS = ("balie", "vergunningen", "klachten")
HANDLERS = ("anna", "sam", "bo", "kim", "lex")
STATUSES = ("submitted", "acknowledged", "acknowledged", "acknowledged", "escalated",
            "responded", "closed", "closed")  # fmt: skip


def rows(n: int, seed: int = 17) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        received = NOW - timedelta(days=rng.uniform(0, 120))
        status = rng.choice(STATUSES)
        r: dict[str, Any] = {
            c: (0 if c in fold.INT_COLUMNS else None) for c in fold.COMPLAINT_COLUMNS
        }
        owner = rng.random()
        r |= {
            "complaint_id": f"00000000-0000-4000-8000-{i:012d}",
            "reference": f"KL-2026-{i:06d}",
            "channel": rng.choice(("web", "web", "email", "phone", "letter")),
            "category": rng.choice((None, "parkeren", "afval", "vergunning")),
            "language": "nl",
            "status": status,
            "escalation_level": 1 if status == "escalated" else 0,
            "received_at": fold.ts(received),
            "acknowledged_at": None if status == "submitted" else fold.ts(received + timedelta(1)),
            "acknowledge_by": fold.ts(received + timedelta(days=5)),
            "respond_by": fold.ts(received + timedelta(days=rng.choice((14, 21, 28)))),
            "statutory_by": fold.ts(received + timedelta(days=42)),
            "closed_at": fold.ts(received + timedelta(days=30)) if status == "closed" else None,
            "replies_waiting": 1 if rng.random() < 0.03 else 0,
            "handler": rng.choice(HANDLERS) if owner < 0.6 else None,
            "team": rng.choice(TEAMS) if owner < 0.85 else None,
            "department": "publiekszaken" if owner < 0.85 else None,
        }
        out.append({k: v for k, v in r.items() if k in fold.COMPLAINT_COLUMNS})
    return out


def seed(view: Any, n: int) -> float:
    started = time.perf_counter()
    batch = rows(n)
    with view._tx(commit=True) as c:
        for start in range(0, n, 5000):
            view._upsert(c, fold.COMPLAINTS, batch[start : start + 5000], update=True)
    return time.perf_counter() - started


def timed(call: Any, repeat: int) -> list[float]:
    call()  # warm the page cache once
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return samples


def baseline(view: Any) -> None:
    """The plainest page of open complaints: a filter on status, oldest first."""
    table = view._table(fold.COMPLAINTS)
    open_ = "('submitted', 'acknowledged', 'responded', 'escalated')"
    with view._tx(commit=False) as c:
        c.execute(f"SELECT COUNT(*) AS n FROM {table} WHERE status IN {open_}")
        c.fetchone()
        c.execute(
            f"SELECT * FROM {table} WHERE status IN {open_} ORDER BY received_at LIMIT 25 OFFSET 0"
        )
        c.fetchall()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--complaints", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--db", default="", help="a PostgreSQL URL; default: a SQLite file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        view = open_view(args.db or str(Path(tmp) / "reporting.sqlite3"))
        view.create_table()
        took = seed(view, args.complaints)
        queries = {
            "all open, nearest deadline": ListQuery(),
            "all open, page 200": ListQuery(page=200),
            "my cases": ListQuery(view="mine"),
            "my team's queue": ListQuery(view="team"),
            "unassigned": ListQuery(view="unassigned"),
            "replies waiting": ListQuery(view="replies"),
            "due this week": ListQuery(view="week"),
            "overdue (either clock)": ListQuery(view="overdue"),
            "search reference '0420'": ListQuery(q="0420"),
            "channel phone, by reference desc": ListQuery(
                channel="phone", sort="reference", descending=True
            ),
        }
        table = Table(
            title=f"workspace lists · {args.complaints:,} complaints (seeded in {took:.1f} s)"
        )
        for column in ("list", "matching", "ours (one page + count)", "plain SQL baseline"):
            table.add_column(column)
        base = ms(timed(lambda: baseline(view), args.repeat))
        for name, q in queries.items():
            total = list_page(view, q, NOW, "anna", ("balie",)).total
            samples = timed(lambda q=q: list_page(view, q, NOW, "anna", ("balie",)), args.repeat)
            table.add_row(name, f"{total:,}", ms(samples), base)
        Console().print(table)


if __name__ == "__main__":
    main()
