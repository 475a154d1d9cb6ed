"""Answers as of a sequence or a moment (issue 23), read side of snapshots.py: the nearest
fitting snapshot restored into an in-memory SQLite store that is a ReportingView too
(`RestoredView`), the rest of the log folded into it with the view's own upserts (so the
counters move as the live view's do), answered with the live view's SQL (reads.py). The rules
for choosing the snapshot and the rest to fold are in snapshots.py's docstring.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from services.reporting import aggregates as agg
from services.reporting import fold, log, snapshot_store, snapshots
from services.reporting.complaints_log import SOURCE_NAME
from services.reporting.fold import COMPLAINT_COLUMNS, COMPLAINTS, DEAD_LETTERS, ReadModel, Row, ts
from services.reporting.snapshots import DELTA, FULL, SNAPSHOTS
from services.reporting.view import ReportingView
from shared.config.policy import local_zone
from shared.eventstore.link import JetStreamLink


class RestoredView(ReportingView):
    """A view in an in-memory SQLite database of its own: a restored snapshot plus what was
    folded after it. Its position is what it answers for (an attribute, no tracking table)."""

    placeholder = "?"

    def __init__(self, connection: sqlite3.Connection, position: int = 0) -> None:
        # No TrackingRecorder.__init__: no datastore, no tracking table (see _max_tracking_id).
        self.connection, self.answers_for = connection, position
        connection.row_factory = sqlite3.Row
        self.snapshot_every = self.snapshot_marks = 0  # a restored store takes no snapshots
        self._one = (
            f"SELECT {', '.join(COMPLAINT_COLUMNS)} FROM {COMPLAINTS} WHERE complaint_id = ?"
        )

    @classmethod
    def empty(cls) -> RestoredView:
        view = cls(sqlite3.connect(":memory:", check_same_thread=False))
        with view._tx(commit=True) as c:
            for statement in view._create_statements():
                c.execute(statement)
        return view

    @contextmanager
    def _tx(self, *, commit: bool) -> Iterator[Any]:
        c = self.connection.cursor()
        try:
            yield c
            if commit:
                self.connection.commit()
        except BaseException:
            self.connection.rollback()
            raise
        finally:
            c.close()

    def _indexed_by(self, index: str) -> str:
        return f"INDEXED BY {index}"  # as SQLiteReportingView: the planner has no statistics

    def _max_tracking_id(self, application_name: str, c: Any = None) -> int:
        return self.answers_for

    def max_tracking_id(self, application_name: str) -> int:
        return self.answers_for

    def insert_tracking(self, tracking: Any) -> None:  # TrackingRecorder's; nothing to track
        self.answers_for = tracking.notification_id

    def complaint_row(self, complaint_id: str) -> Row | None:
        found = self.connection.execute(self._one, [complaint_id]).fetchone()
        return {k: found[k] for k in COMPLAINT_COLUMNS} if found is not None else None

    def close(self) -> None:
        self.connection.close()


class LazyRows(dict[str, Row]):
    """A ReadModel's complaints that load themselves from `view` when first asked for, so a
    replay after a restored snapshot touches only the complaints its events name."""

    def __init__(self, view: RestoredView) -> None:
        super().__init__()
        self.view = view
        self.stored: dict[str, Row] = {}  # as loaded: what the counters subtract when written

    def get(self, key: str, default: Any = None) -> Any:
        if not super().__contains__(key):
            found = self.view.complaint_row(key)
            if found is None:
                return default
            self[key], self.stored[key] = found, dict(found)
        return super().get(key, default)


def restore(blob: bytes, position: int) -> RestoredView:
    """The store a snapshot holds, answering for `position`."""
    found = snapshot_store.decode(blob)
    if isinstance(found, sqlite3.Connection):
        return RestoredView(found, position)
    return _from_rows(found, position)


def _from_rows(tables: dict[str, list[Row]], position: int) -> RestoredView:
    view = RestoredView.empty()
    model = ReadModel(
        complaints={r["complaint_id"]: r for r in tables.get(COMPLAINTS, [])},
        inserts={k: v for k, v in tables.items() if k != COMPLAINTS},
    )
    model.changed = set(model.complaints)
    write(view, model, position)
    return view


def write(
    view: RestoredView, model: ReadModel, position: int, stored: dict[str, Row] | None = None
) -> None:
    """What `model` folded (its changed complaints, its new rows) into `view`, counters too;
    `stored`: the changed complaints' rows before, when known (else read again)."""
    with view._tx(commit=True) as c:
        view._write(c, model, stored)
    view.answers_for = position


def restored(
    view: Any,
    link: JetStreamLink,
    *,
    seq: int | None = None,
    at: datetime | None = None,
    deltas: bool = True,
) -> tuple[Any, log.PointInTime]:
    """The read models as of `seq` or `at` in a store of their own (RestoredView,
    answering for the PointInTime's position): the nearest fitting snapshot or delta restored
    (a delta with its chain), the rest of the log folded into it (see snapshots.py). The
    caller closes the store. `deltas=False`: from the snapshots alone (a bench's before)."""
    found = _restored_chain(view, seq, at, (FULL, DELTA)) if deltas else None
    if found is None:  # a chain broken by pruning: from the snapshots alone, as before deltas
        found = _restored_chain(view, seq, at, (FULL,))
    assert found is not None  # without deltas nothing can break
    store, start, spans, latest = found
    if start == 0:
        base = log.PointInTime(ReadModel(), 0, None)
    else:
        base = _base(link, store, latest, at)
    base.model.complaints = rows = LazyRows(store)
    pit = log.replay_until(link, seq=seq, at=at, base=base, start=start, spans=spans)
    write(store, pit.model, pit.position, rows.stored)
    return store, pit


def _restored_chain(
    view: Any, seq: int | None, at: datetime | None, kinds: tuple[int, ...]
) -> tuple[RestoredView, int, list[tuple[int, int | None]], str | None] | None:
    """(the store as of the last fitting snapshot or delta of `kinds`, its position, the
    spans of the log still to fold, its latest moment); None when a delta does not follow
    the one before it in its chain (snapshot_store.apply_delta)."""
    t, m = view._table(SNAPSHOTS), view.placeholder
    holds = ", ".join(str(k) for k in kinds)
    with view._tx(commit=False) as c:
        if at is None:
            where, args = f"position <= {m}", [seq if seq is not None else 2**62]
        else:
            where, args = f"(max_moment IS NULL OR max_moment <= {m})", [ts(at)]
        c.execute(
            f"SELECT position, max_moment, holds FROM {t} WHERE holds IN ({holds}) AND {where} "
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
        chain = snapshots.chain(view, c, start, kinds) if found is not None else []
    if not chain:
        return RestoredView.empty(), 0, spans, None
    first, kind, blob = chain[0]
    store, base = (restore(blob, 0), first) if kind == FULL else (RestoredView.empty(), 0)
    links = chain[1:] if kind == FULL else chain
    deltas = [(position, delta) for position, _, delta in links]
    if not snapshot_store.apply_deltas(store.connection, deltas, base):
        store.close()
        return None
    return store, start, spans, found["max_moment"]


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
