"""Counters the view keeps beside its rows (issue 23), so the summary and the yearly report read
a few hundred rows instead of scanning every complaint.

One table, ``report_aggregates`` (report, grp, n, a, an, b, bn): per report a group key (JSON)
with how many rows it stands for and up to two sums (`a`, `b`, with `an`, `bn` the counts of
non-null values, so a sum of only NULLs stays NULL as in SQL). view.py's `_upsert` reads the old
rows of the keys it writes, then adds the new rows' contributions and subtracts the old ones in
the same transaction: live projection, rebuild and seeding alike. Tests hold the answers equal to
domain.py's over the same rows (test_reads_sql.py, test_reads_postgres.py, test_aggregates.py).

Decisions:
- Durations are histograms, exact: domain.days rounds to 0.01 day, so a histogram of centi-days
  per group holds every value; medians, p90s, means and distributions from it equal
  domain.stats over the values (`stats_of`). No bucketing, no change to any answer.
- Months and years are those of the policy's zone at writing, named in the key: a read for
  another zone (or a store folded under another zone) finds no full coverage (`covers`) and
  reads.py answers with its GROUP BYs instead.
- What depends on `now` (pending or missed, overdue, age) cannot be counted ahead: the counters
  say how many rows wait, and range counts over partial indexes (`PARTIAL`) split them.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable
from datetime import tzinfo
from typing import Any

from services.reporting import domain
from services.reporting.fold import (
    COMPLAINTS,
    DEAD_LETTERS,
    ESCALATIONS,
    HEARINGS,
    Row,
)
from services.reporting.satisfaction import SATISFACTION
from services.reporting.workspace_lists import next_due_sql
from shared.config.policy import local_zone

AGGREGATES = "report_aggregates"
COLUMNS = ("report", "grp", "n", "a", "an", "b", "bn")
NORMS = {  # as domain.compliance: (done, due)
    "acknowledge_norm": ("acknowledged_at", "acknowledge_by"),
    "respond_norm": ("first_responded_at", "respond_by_norm"),
    "statutory": ("first_responded_at", "statutory_by"),
}
_OPEN = ", ".join(f"'{s}'" for s in domain.OPEN)
OPEN_COUNTED = f"status IN ({_OPEN}) AND duplicate_of IS NULL"
# Partial indexes of the time-dependent range counts: (name, expression, WHERE). A query uses
# one only when its WHERE repeats the index's terms (`waiting_where`, `OPEN_COUNTED`).
PARTIAL: tuple[tuple[str, str, str], ...] = (
    *(
        (f"waiting_{norm}", due, f"{done} IS NULL AND {due} IS NOT NULL AND {OPEN_COUNTED}")
        for norm, (done, due) in NORMS.items()
    ),
    ("open_received", "received_at", OPEN_COUNTED),
    ("open_next_due", f"({next_due_sql()})", OPEN_COUNTED),
)
Key = tuple[str, str]  # (report, grp as JSON)


def zone_name(tz: tzinfo) -> str:
    return getattr(tz, "key", None) or str(tz)


def index_name(partial: str) -> str:
    return f"ix_{COMPLAINTS}_{partial}"


def create_statements(table: Any) -> list[str]:
    """The counters' table and the partial indexes, `table` naming a table in the store."""
    agg = table(AGGREGATES)
    out = [
        f"CREATE TABLE IF NOT EXISTS {agg} (report TEXT NOT NULL, grp TEXT NOT NULL, "
        "n BIGINT NOT NULL, a BIGINT, an BIGINT, b BIGINT, bn BIGINT, PRIMARY KEY (report, grp))"
    ]
    for name, expr, where in PARTIAL:
        out.append(
            f"CREATE INDEX IF NOT EXISTS {index_name(name)} ON {table(COMPLAINTS)} "
            f"({expr}) WHERE {where}"
        )
    return out


# --- what one row counts for ----------------------------------------------------------------


def _verdict(row: Row, done: str, due: str) -> str | None:
    """A norm's verdict that does not depend on now; 'waiting' for an open one not yet done."""
    if row[due] is None:
        return None
    if row[done] is not None:
        return "met" if row[done] <= row[due] else "missed"
    return "waiting" if row["status"] in domain.OPEN else "not_applicable"


def _centi(start: str | None, end: str | None) -> int | None:
    d = domain.days(start, end)
    return None if d is None else round(d * 100)


def _complaint(r: Row, tz: tzinfo) -> Iterable[tuple[str, tuple[Any, ...], Any, Any]]:
    if r["duplicate_of"]:
        return  # counted once, in the complaint it repeats (reads._counted)
    zone, closed = zone_name(tz), "closed" if r["closed_at"] else None
    yield "zone", (zone,), None, None
    yield "endings", (r["status"], r["outcome"], closed, r["department"],
                      r["decline_grounds"]), None, None  # fmt: skip
    yield "learning", (r["themes"], r["root_causes"], r["remedy_kinds"]), \
        r["compensation_cents"], r["corrective_actions"]  # fmt: skip
    for norm, (done, due) in NORMS.items():
        if (v := _verdict(r, done, due)) is not None:
            yield "compliance", (norm, v), None, None
    if r["status"] in domain.OPEN:
        procedure = 1 if r["procedure"] else 0
        yield "backlog", (r["status"], procedure, r["hearing"]), None, None
    channel = r["channel"] or "none"
    yield "rt_size", (channel,), None, None
    for kind, end in (("acknowledge", "acknowledged_at"), ("respond", "first_responded_at")):
        if (d := _centi(r["received_at"], r[end])) is not None:
            yield f"rt:{kind}", (channel, d), None, None
    ry = domain.year_of(r["received_at"], tz)
    cy = domain.year_of(r["closed_at"], tz)
    if ry is not None:
        yield "inflow", (zone, domain.month_of(r["received_at"], tz), r["channel"]), None, None
        yield "received", (zone, ry, r["channel"], r["category"], r["department"]), None, None
        yield "open_at_end", (zone, ry, cy), None, None
    if cy is not None:
        ended = (r["status"], r["outcome"], closed, r["category"], r["resolution"])
        yield "closed", (zone, cy, *ended, r["department"], r["decline_grounds"]), None, None
        yield "close_days", (zone, cy, _centi(r["received_at"], r["closed_at"]) or 0), None, None
        if (d := _centi(r["received_at"], r["responded_at"])) is not None:
            yield "handle_days", (zone, cy, d), None, None
        if (v := _verdict(r, *NORMS["statutory"])) is not None:
            yield "statutory_closed", (zone, cy, v), None, None


def contributions(table: str, r: Row, tz: tzinfo) -> list[tuple[str, tuple[Any, ...], Any, Any]]:
    """(report, group key, a, b) for each counter row `r` of `table` adds one to."""
    if table == COMPLAINTS:
        return list(_complaint(r, tz))
    if table == HEARINGS:
        return [("hearings", (r["step"], r["ground"], r["mode"]), r["with_conduct_subject"], None)]
    if table == ESCALATIONS:
        return [("escalations", (r["level"], r["reason"]), None, None)]
    if table == SATISFACTION:
        key = (r["department"], r["team"], r["themes"], r["handling_score"], r["outcome_score"])
        return [("satisfaction", key, None, None)]
    if table == DEAD_LETTERS:
        return [("dead", (), None, None)]
    return []


COUNTED_TABLES = frozenset({COMPLAINTS, HEARINGS, ESCALATIONS, SATISFACTION, DEAD_LETTERS})


def deltas(
    table: str, old: dict[Any, Row], new: list[Row], pk: str, *, update: bool
) -> dict[Key, list[int]]:
    """What writing `new` over `old` (the stored rows by primary key) changes in the counters:
    key -> [n, a, an, b, bn]."""
    tz = local_zone()
    out: dict[Key, list[int]] = {}
    for row in new:
        before = old.get(row[pk])
        if before is not None and not update:
            continue  # ON CONFLICT DO NOTHING: the stored row stays
        for sign, r in ((-1, before), (1, row)):
            for report, key, a, b in contributions(table, r, tz) if r is not None else ():
                d = out.setdefault((report, json.dumps(key)), [0, 0, 0, 0, 0])
                d[0] += sign
                if a is not None:
                    d[1], d[2] = d[1] + sign * a, d[2] + sign
                if b is not None:
                    d[3], d[4] = d[3] + sign * b, d[4] + sign
    return {k: v for k, v in out.items() if any(v)}


def apply_deltas(c: Any, table: str, mark: str, changes: dict[Key, list[int]]) -> None:
    if not changes:
        return
    sql = (
        f"INSERT INTO {table} AS cur ({', '.join(COLUMNS)}) VALUES ({', '.join([mark] * 7)}) "
        "ON CONFLICT (report, grp) DO UPDATE SET n = cur.n + excluded.n, "
        "a = cur.a + excluded.a, an = cur.an + excluded.an, "
        "b = cur.b + excluded.b, bn = cur.bn + excluded.bn"
    )
    c.executemany(sql, [(r, g, *v) for (r, g), v in sorted(changes.items())])


# --- reading them ---------------------------------------------------------------------------


def read(c: Any, view: Any, report: str, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, Row]]:
    """(group key as a list, {n, a, b}) of `report`, those whose key starts with `prefix`
    (compared in Python: text order of JSON differs between collations)."""
    c.execute(
        f"SELECT grp, n, a, an, b, bn FROM {view._table(AGGREGATES)} WHERE report = "
        f"{view.placeholder}",
        [report],
    )
    out, want = [], list(prefix)
    for r in c.fetchall():
        key = json.loads(r["grp"])
        if key[: len(want)] != want or not (int(r["n"]) or r["an"] or r["bn"]):
            continue
        values = {
            "n": int(r["n"]),
            "a": int(r["a"]) if r["an"] else None,
            "b": int(r["b"]) if r["bn"] else None,
        }
        out.append((key, values))
    return out


def covers(c: Any, view: Any, tz: tzinfo) -> bool:
    """Every counted complaint was counted under `tz` (so its months and years are tz's)."""
    zones = {k[0]: v["n"] for k, v in read(c, view, "zone")}
    return sum(zones.values()) == zones.get(zone_name(tz), 0)


def groups(c: Any, view: Any, report: str, names: tuple[str, ...], prefix: tuple = ()) -> list[Row]:
    """Counter rows as reads.py's SQL groups: the key's parts by `names` (after `prefix`), n."""
    skip = len(prefix)
    return [
        {**dict(zip(names, k[skip:], strict=True)), **v} for k, v in read(c, view, report, prefix)
    ]


def stats_of(hist: Iterable[tuple[int, int]]) -> dict[str, Any]:
    """domain.stats of the values a histogram (centi-days, how many) holds, equal to it."""
    ordered: list[float] = []
    dist: Counter[str] = Counter()
    for centi, k in sorted(hist):
        if k:
            ordered.extend([centi / 100] * k)
            dist[domain.bucket(centi / 100, domain.DURATION_BUCKETS)] += k
    out = domain.stats([])
    n = out["count"] = len(ordered)
    if n:
        mid = n // 2
        median = ordered[mid] if n % 2 else (ordered[mid - 1] + ordered[mid]) / 2
        out["median_days"] = round(median, 2)
        out["p90_days"] = ordered[math.ceil(0.9 * n) - 1]
        out["mean_days"] = round(sum(ordered) / n, 2)
    out["distribution"] = {label: dist.get(label, 0) for _, label in domain.DURATION_BUCKETS}
    return out
