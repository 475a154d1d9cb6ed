"""Point-in-time answers from snapshots (issue 23): every `EVERY` events the view stores its read
models and counters as of that stream position (a serialized SQLite database: snapshot_store.py,
in the view's own store, written in the transaction that reaches the position), and an answer
as of a sequence or a moment restores the nearest fitting snapshot into a store of its own,
folds only the rest of the log into it and answers with the live view's SQL (reads.py).
log.replay_until without the shortcut is the reference; test_snapshots.py holds them equal.
Older snapshots are pruned to the newest `KEPT` plus one a week (`prune`).

The rules, because events can be backdated (stream order is not occurred_at order):
- as of sequence S: start from the last snapshot at position P <= S; fold (P, S].
- as of moment T: start from the last snapshot whose events up to P all occurred at or before T
  (`max_moment` <= T: it then holds exactly the events a full replay folds from (0, P]); fold
  the rest with the replay's filter. Stop early at the first later snapshot Q whose following
  events (as far as the view has folded, up to its position L) all occurred after T
  (`min_after` > T), then fold (L, end] of the log too. Marks every `MARKS` events are such
  rows without tables: places to stop, so a replay for a moment ends near it, not at the next
  snapshot. An undecodable event's time is its
  stored time, which the projection does not see: it makes `min_after` unknown (""), and at
  read time the snapshot's dead letters are looked up in the log and dropped when after T.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from services.reporting import aggregates as agg
from services.reporting import fold, log
from services.reporting.complaints_log import SOURCE_NAME
from services.reporting.fold import COMPLAINTS, DEAD_LETTERS, ReadModel, Row, ts
from shared.config.policy import local_zone
from shared.contract import events as ev
from shared.eventstore.link import JetStreamLink

SNAPSHOTS = "report_snapshots"
EVERY = 10_000  # events between snapshots (ReportingView.snapshot_every)
MARKS = 1_000  # events between marks: a row without tables, only a place to stop (min_after)
UNKNOWN = ""  # sorts before every time: "some event after here may be at any time"
KEPT = 10  # snapshots kept whole, newest first; older: one per week (prune); set by keep()


def create_statement(table: Any, blob_type: str) -> str:
    return (
        f"CREATE TABLE IF NOT EXISTS {table(SNAPSHOTS)} (position BIGINT PRIMARY KEY, "
        f"max_moment TEXT, min_after TEXT, holds BIGINT NOT NULL, tables {blob_type} NOT NULL)"
    )


def moments(items: list[tuple[int, Any]]) -> tuple[str | None, str | None]:
    """(latest, earliest) occurred_at of a batch's events; an undecodable one's is unknown."""
    known = [ts(f.occurred_at) for _, f in items if isinstance(f, ev.Event)]
    unknown = len(known) < len(items)
    latest = max(known, default=None)
    earliest = UNKNOWN if unknown else min(known, default=None)
    return latest, earliest


def after_batch(view: Any, c: Any, items: list[tuple[int, Any]], done: int, position: int) -> None:
    """In apply_batch's transaction: the batch's events move the earlier snapshots' `min_after`
    and the running latest moment (the row at position -1); crossing a multiple of the view's
    `snapshot_every` stores a snapshot at `position` (and prunes the older ones: `prune`)."""
    t, m = view._table(SNAPSHOTS), view.placeholder
    latest, earliest = moments(items)
    if earliest is not None:
        c.execute(
            f"UPDATE {t} SET min_after = {m} WHERE position >= 0 AND "
            f"(min_after IS NULL OR min_after > {m})",
            [earliest, earliest],
        )
    if latest is not None:
        c.execute(
            f"INSERT INTO {t} (position, max_moment, min_after, holds, tables) VALUES "
            f"(-1, NULL, NULL, 0, {m}) ON CONFLICT (position) DO NOTHING",
            [b""],
        )
        c.execute(
            f"UPDATE {t} SET max_moment = {m} WHERE position = -1 AND "
            f"(max_moment IS NULL OR max_moment < {m})",
            [latest, latest],
        )
    every, mark = view.snapshot_every, view.snapshot_marks
    holds = bool(every) and position // every > done // every
    if holds or (mark and position // mark > done // mark):
        from services.reporting import snapshot_store  # it imports view.py, which imports us

        c.execute(f"SELECT max_moment FROM {t} WHERE position = -1")
        found = c.fetchone()
        c.execute(
            f"INSERT INTO {t} (position, max_moment, min_after, holds, tables) "
            f"VALUES ({m}, {m}, NULL, {m}, {m}) ON CONFLICT (position) DO NOTHING",
            [position, found["max_moment"] if found else None, int(holds),
             snapshot_store.encode(view, c) if holds else b""],
        )  # fmt: skip
        if holds:
            prune(view, c)


def prune(view: Any, c: Any, kept: int | None = None) -> list[int]:
    """Keep the newest `kept` snapshots (the setting KLACHTEN_REPORTING_SNAPSHOTS_KEPT) and,
    older than those, the first of each ISO week (of the latest moment it holds); the others
    lose their tables and stay as marks (places where a replay for a moment may stop).
    Returns the positions pruned. 0 keeps every snapshot."""
    kept = KEPT if kept is None else kept
    if kept <= 0:
        return []
    t, m = view._table(SNAPSHOTS), view.placeholder
    c.execute(f"SELECT position, max_moment FROM {t} WHERE holds = 1 ORDER BY position DESC")
    older = [(int(r["position"]), r["max_moment"]) for r in c.fetchall()][kept:]
    weeks: dict[tuple[int, int] | None, int] = {}
    for position, moment in older:  # newest first: the last one seen of a week is its first
        parsed = fold.parse_ts(moment)
        weeks[parsed.isocalendar()[:2] if parsed else None] = position
    pruned = [p for p, _ in older if p not in set(weeks.values())]
    if pruned:
        c.executemany(
            f"UPDATE {t} SET holds = 0, tables = {m} WHERE position = {m}",
            [(b"", p) for p in pruned],
        )
    return pruned


def keep(kept: int) -> None:
    """The setting, decided once by the process's bootstrap (app.py, the CLI)."""
    global KEPT
    KEPT = kept


def restored(
    view: Any, link: JetStreamLink, *, seq: int | None = None, at: datetime | None = None
) -> tuple[Any, log.PointInTime]:
    """The read models as of `seq` or `at` in a store of their own (snapshot_store.RestoredView,
    answering for the PointInTime's position): the nearest fitting snapshot restored, the rest
    of the log folded into it (see above). The caller closes the store."""
    from services.reporting import snapshot_store

    t, m = view._table(SNAPSHOTS), view.placeholder
    with view._tx(commit=False) as c:
        if at is None:
            where, args = f"position <= {m}", [seq if seq is not None else 2**62]
        else:
            where, args = f"(max_moment IS NULL OR max_moment <= {m})", [ts(at)]
        c.execute(
            f"SELECT position, max_moment, tables FROM {t} WHERE holds = 1 AND {where} "
            "ORDER BY position DESC LIMIT 1",
            args,
        )
        found = c.fetchone()
        start = int(found["position"]) if found is not None else 0
        spans: list[tuple[int, int | None]] = [(start + 1, seq)]
        if at is not None:
            c.execute(
                f"SELECT position FROM {t} WHERE position >= {m} AND "
                f"(min_after IS NULL OR min_after > {m}) ORDER BY position LIMIT 1",
                [start, ts(at)],
            )
            stop = c.fetchone()
            if stop is not None:  # nothing folded after it up to the view's position is <= at
                folded = view._max_tracking_id(SOURCE_NAME, c) or 0
                spans = [(start + 1, int(stop["position"])), (folded + 1, None)]
        blob = found["tables"] if found is not None else None
    if blob is None:
        store = snapshot_store.RestoredView.empty()
        base = log.PointInTime(ReadModel(), 0, None)
    else:
        store = snapshot_store.restore(blob, 0)
        base = _base(link, store, found["max_moment"], at)
    base.model.complaints = snapshot_store.LazyRows(store)
    pit = log.replay_until(link, seq=seq, at=at, base=base, start=start, spans=spans)
    snapshot_store.write(store, pit.model, pit.position)
    return store, pit


def point_in_time(
    view: Any, link: JetStreamLink, *, seq: int | None = None, at: datetime | None = None
) -> log.PointInTime:
    """log.replay_until(link, seq=seq, at=at), from the nearest fitting snapshot: `restored`,
    read back whole into a ReadModel (for callers that want every row in Python)."""
    store, pit = restored(view, link, seq=seq, at=at)
    try:
        _, tables = store.snapshot()
    finally:
        store.close()
    model = ReadModel(
        complaints={r["complaint_id"]: r for r in tables[COMPLAINTS]},
        inserts={k: v for k, v in tables.items() if k != COMPLAINTS},
        position=pit.model.position,
    )
    return log.PointInTime(model, pit.position, pit.moment)


def _base(
    link: JetStreamLink, store: Any, latest: str | None, at: datetime | None
) -> log.PointInTime:
    """The restored snapshot as a replay's start: its dead letters as of `at` (their time is
    in the log; a later one is deleted from the store, its count too), its position the last
    event it holds, its moment the latest time of what it holds."""
    kept, dropped, times = [], [], [fold.parse_ts(latest)] if latest else []
    for row in store.rows(DEAD_LETTERS):
        msg = next(iter(log.messages(link, row["seq"], row["seq"])), None)
        item = log.item_of(msg) if msg is not None else None
        moment = log.when(msg, item) if msg is not None and item is not None else None
        if at is not None and moment is not None and moment > at:
            dropped.append(row)
            continue
        kept.append(row)
        times += [moment] if moment is not None else []
    if dropped:
        _forget(store, dropped)
    with store._tx(commit=False) as c:
        c.execute(f"SELECT MAX(last_seq) AS n FROM {COMPLAINTS}")
        last = c.fetchone()["n"] or 0
    model = ReadModel(position=max([last] + [r["seq"] for r in kept]))
    return log.PointInTime(model, model.position, max(times, default=None))


def _forget(store: Any, rows: list[Row]) -> None:
    """Delete dead letters from a restored store, and their contributions to the counters."""
    tz, changes = local_zone(), {}
    for r in rows:
        for report, key, a, b in agg.contributions(DEAD_LETTERS, r, tz):
            d = changes.setdefault((report, json.dumps(key)), [0, 0, 0, 0, 0])
            d[0] -= 1
            d[1], d[2] = (d[1] - a, d[2] - 1) if a is not None else (d[1], d[2])
            d[3], d[4] = (d[3] - b, d[4] - 1) if b is not None else (d[3], d[4])
    with store._tx(commit=True) as c:
        c.executemany(f"DELETE FROM {DEAD_LETTERS} WHERE seq = ?", [(r["seq"],) for r in rows])
        agg.apply_deltas(c, agg.AGGREGATES, "?", changes)
