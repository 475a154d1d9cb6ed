"""Point-in-time answers from snapshots (issue 23): every `EVERY` events the view stores its read
models as of that stream position (a zlib-compressed msgpack blob of every table, in the view's
own store, written in the transaction that reaches the position), and an answer as of a
sequence or a moment starts from the nearest fitting snapshot and replays only the rest of the
log (log.replay_until without the shortcut is the reference; test_snapshots.py holds them equal).

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

import gc
import zlib
from datetime import datetime
from typing import Any

import msgspec

from services.reporting import fold, log
from services.reporting.complaints_log import SOURCE_NAME
from services.reporting.fold import COMPLAINTS, DEAD_LETTERS, ReadModel, Row, ts
from shared.contract import events as ev
from shared.eventstore.link import JetStreamLink

SNAPSHOTS = "report_snapshots"
EVERY = 10_000  # events between snapshots (ReportingView.snapshot_every)
MARKS = 1_000  # events between marks: a row without tables, only a place to stop (min_after)
UNKNOWN = ""  # sorts before every time: "some event after here may be at any time"


def create_statement(table: Any, blob_type: str) -> str:
    return (
        f"CREATE TABLE IF NOT EXISTS {table(SNAPSHOTS)} (position BIGINT PRIMARY KEY, "
        f"max_moment TEXT, min_after TEXT, holds BIGINT NOT NULL, tables {blob_type} NOT NULL)"
    )


def encode(tables: dict[str, list[Row]]) -> bytes:
    return zlib.compress(msgspec.msgpack.encode(tables), 1)


def decode(blob: bytes) -> dict[str, list[Row]]:
    """The tables of a snapshot; without the cyclic collector meanwhile (a hundred thousand
    new dicts set it off again and again: a quarter of the time at 100k complaints)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        return msgspec.msgpack.decode(zlib.decompress(bytes(blob)))
    finally:
        if collecting:
            gc.enable()


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
    `snapshot_every` stores a snapshot at `position`."""
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
        c.execute(f"SELECT max_moment FROM {t} WHERE position = -1")
        found = c.fetchone()
        c.execute(
            f"INSERT INTO {t} (position, max_moment, min_after, holds, tables) "
            f"VALUES ({m}, {m}, NULL, {m}, {m}) ON CONFLICT (position) DO NOTHING",
            [position, found["max_moment"] if found else None, int(holds),
             encode(view._tables(c)) if holds else b""],
        )  # fmt: skip


def point_in_time(
    view: Any, link: JetStreamLink, *, seq: int | None = None, at: datetime | None = None
) -> log.PointInTime:
    """log.replay_until(link, seq=seq, at=at), from the nearest fitting snapshot (see above)."""
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
        if found is None:
            return log.replay_until(link, seq=seq, at=at)
        start = int(found["position"])
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
        tables = decode(found["tables"])
    base = _base(link, tables, found["max_moment"], at)
    return log.replay_until(link, seq=seq, at=at, base=base, start=start, spans=spans)


def _base(
    link: JetStreamLink, tables: dict[str, list[Row]], latest: str | None, at: datetime | None
) -> log.PointInTime:
    """The snapshot as a replay's model: its dead letters as of `at` (their time is in the log),
    its position the last event it holds, its moment the latest time of what it holds."""
    kept, times = [], [fold.parse_ts(latest)] if latest else []
    for row in tables[DEAD_LETTERS]:
        msg = next(iter(log.messages(link, row["seq"], row["seq"])), None)
        item = log.item_of(msg) if msg is not None else None
        moment = log.when(msg, item) if msg is not None and item is not None else None
        if at is not None and moment is not None and moment > at:
            continue
        kept.append(row)
        times += [moment] if moment is not None else []
    model = ReadModel(
        complaints={r["complaint_id"]: r for r in tables[COMPLAINTS]},
        inserts={k: v for k, v in tables.items() if k != COMPLAINTS} | {DEAD_LETTERS: kept},
    )
    model.position = max(
        [r["last_seq"] or 0 for r in tables[COMPLAINTS]] + [r["seq"] for r in kept], default=0
    )
    return log.PointInTime(model, model.position, max(times, default=None))
