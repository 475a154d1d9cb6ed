"""The dashboard's figures from the view in SQL (issue 23 item 1), in one read transaction, so a
visit costs index reads and counters instead of folding every row in Python: the compliance,
the backlog and the escalations from the counters (counted_reads.py, aggregates.py), the total
a COUNT, the inflow from the counters plus the few duplicates they leave out, the worklist's
first rows nearest deadline first by the partial index of open complaints' next deadline
(workspace_lists.next_due_sql), and the early-warning rule (early_warning.warnings, the one
rule) fed only the complaints received in its weeks. Live and as of a moment alike: a restored
store (snapshot_reads.RestoredView) has the same schema and indexes.

The figures equal the Python fold of every row the dashboard used to make (domain.compliance,
backlog, inflow, worklist; tests/services/reporting/test_dashboard_sql.py, SQLite and
PostgreSQL). As it did, the total, the inflow, the worklist and the signals include complaints
closed as a duplicate (issue 17); the compliance and the backlog count them once, in the
complaint they repeat.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any

from services.reporting import aggregates as agg
from services.reporting import counted_reads, domain, early_warning
from services.reporting.complaints_log import SOURCE_NAME
from services.reporting.fold import COMPLAINT_COLUMNS, COMPLAINTS, Row, ts
from services.reporting.workspace_lists import next_due_sql
from shared.config.policy import local_zone

WORKLIST_MAX = 200  # rows of the worklist the page shows; "and N more" links to the workspace
_OPEN = ", ".join(f"'{s}'" for s in domain.OPEN)  # our constants, never user input
# domain.worklist's rows (open, or a reply waiting) that the open-deadline index leaves out:
# open duplicates and closed complaints with a reply waiting (both rare)
_REST = (
    f"((status IN ({_OPEN}) AND duplicate_of IS NOT NULL) OR "
    f"(COALESCE(status, '') NOT IN ({_OPEN}) AND replies_waiting > 0))"
)


@dataclass(frozen=True)
class Figures:
    """What the dashboard shows, as of `position` (the view's log position) and `now`."""

    position: int
    total: int
    compliance: dict[str, Any]
    escalations: dict[str, Any]
    backlog: dict[str, Any]
    inflow: dict[str, dict[str, int]]
    worklist: list[Row]  # domain.worklist's first rows (with next_deadline, kind, overdue)
    worklist_total: int
    warnings: list[early_warning.Warning]


def figures(view: Any, now: datetime, limit: int = WORKLIST_MAX) -> Figures:
    """The dashboard of `view` (the live view or a restored one) at `now`, one transaction."""
    with view._tx(commit=False) as c:
        position = view._max_tracking_id(SOURCE_NAME, c) or 0
        total = _n(c, f"SELECT COUNT(*) AS n FROM {view._table(COMPLAINTS)}")
        work, work_total = worklist(view, c, now, limit)
        return Figures(
            position=position,
            total=total,
            compliance=counted_reads.compliance(view, c, now),
            escalations=domain.escalations(agg.groups(c, view, "escalations", ("level", "reason"))),
            backlog=counted_reads.backlog(view, c, now),
            inflow=inflow(view, c, local_zone(), total),
            worklist=work,
            worklist_total=work_total,
            warnings=early_warning.warnings(received_since(view, c, now), now),
        )


def _n(c: Any, sql: str, args: list[Any] | None = None) -> int:
    c.execute(sql, args or [])
    return int(c.fetchone()["n"])


def inflow(view: Any, c: Any, tz: tzinfo, total: int) -> dict[str, dict[str, int]]:
    """domain.inflow of every complaint: the counted ones from the counters, the duplicates
    (which the counters leave out) read one by one; every row when the counters were kept in
    another zone (their months are that zone's)."""
    t = view._table(COMPLAINTS)
    if agg.covers(c, view, tz):
        counted = counted_reads.inflow(view, c, tz)
        kept = sum(v["n"] for _, v in agg.read(c, view, "zone"))
        where = "WHERE duplicate_of IS NOT NULL"
        rest = [] if kept == total else _rows(c, f"SELECT received_at, channel FROM {t} {where}")
    else:
        counted, rest = {}, _rows(c, f"SELECT received_at, channel FROM {t}")
    months: dict[str, Counter[str]] = defaultdict(Counter)
    for part in (counted, domain.inflow(rest, tz)):
        for month, channels in part.items():
            months[month].update(channels)
    return {month: dict(sorted(months[month].items())) for month in sorted(months)}


def worklist(view: Any, c: Any, now: datetime, limit: int) -> tuple[list[Row], int]:
    """domain.worklist's first `limit` rows and how many it has: the open counted complaints
    in the order of their next deadline's partial index, the rest (_REST) beside them, merged
    by (next deadline, received, id) as domain.worklist's stable sort over id order gives."""
    t, m = view._table(COMPLAINTS), view.placeholder
    hint = view._indexed_by(agg.index_name("open_next_due"))
    due = f"({next_due_sql()})"
    columns = f"{', '.join(COMPLAINT_COLUMNS)}, {due} AS next_due"
    order = f"ORDER BY {due}, received_at, complaint_id LIMIT {m}"
    found = _rows(c, f"SELECT {columns} FROM {t} {hint} WHERE {agg.OPEN_COUNTED} {order}", [limit])
    counted = _n(c, f"SELECT COUNT(*) AS n FROM {t} {hint} WHERE {agg.OPEN_COUNTED}")
    # the rest has no index of its own: one scan gives its first rows and (counted before the
    # limit) how many it has
    rest = _rows(c, f"SELECT {columns}, COUNT(*) OVER () AS n FROM {t} WHERE {_REST} {order}",
                 [limit])  # fmt: skip
    found += rest
    found.sort(key=lambda r: (r["next_due"], r["received_at"], r["complaint_id"]))
    rows = [domain.with_deadline({k: r[k] for k in COMPLAINT_COLUMNS}, now) for r in found[:limit]]
    return rows, counted + (int(rest[0]["n"]) if rest else 0)


def received_since(view: Any, c: Any, now: datetime) -> list[Row]:
    """The complaints the early-warning rule reads: received in its window and baseline weeks
    (an indexed range; times are fixed-width UTC text, so texts compare as times)."""
    s = early_warning.Settings()  # the rule's own default, as early_warning.warnings reads
    since = now - timedelta(days=s.window_days, weeks=s.baseline_weeks)
    return _rows(
        c,
        "SELECT complaint_id, reference, received_at, category, themes FROM "
        f"{view._table(COMPLAINTS)} WHERE received_at >= {view.placeholder}",
        [ts(since)],
    )


def _rows(c: Any, sql: str, args: list[Any] | None = None) -> list[Row]:
    c.execute(sql, args or [])
    return [dict(r) for r in c.fetchall()]
