"""A snapshot as a database (issue 23): the view's read models and counters at a stream position,
kept as a serialized SQLite database (zlib), so an answer as of then restores it in one step
(`sqlite3.Connection.deserialize`: no Python object per row) into an in-memory store that is a
ReportingView too, folds the rest of the log into it with the view's own upserts (so the
counters move as the live view's do) and answers with the live view's SQL (reads.py).

The snapshot is made from rows read in the live view's transaction, on SQLite and PostgreSQL
alike, and restored as SQLite: reads.py's SQL is the same on both (test_reads_postgres.py).
An older snapshot (msgpack rows, before this module) is restored by inserting its rows.
"""

from __future__ import annotations

import gc
import sqlite3
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import msgspec

from services.reporting import aggregates as agg
from services.reporting.fold import COMPLAINT_COLUMNS, COMPLAINTS, TABLES, ReadModel, Row
from services.reporting.view import ReportingView

_HEADER = b"SQLite format 3\x00"
# the tables a snapshot holds: the read models and the counters (their columns)
COPIED = {**{t: columns for t, (columns, _) in TABLES.items()}, agg.AGGREGATES: agg.COLUMNS}


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

    def get(self, key: str, default: Any = None) -> Any:
        if not super().__contains__(key):
            found = self.view.complaint_row(key)
            if found is None:
                return default
            self[key] = found
        return super().get(key, default)


def encode(view: Any, c: Any) -> bytes:
    """The read models and counters of `view` as its transaction `c` sees them, as a
    compressed SQLite database with the live view's schema (tables, indexes)."""
    store = sqlite3.connect(":memory:")
    statements = RestoredView(store)._create_statements()
    tables = [s for s in statements if not s.startswith("CREATE INDEX")]
    for statement in tables:
        store.execute(statement)
    for table, columns in COPIED.items():
        c.execute(f"SELECT {', '.join(columns)} FROM {view._table(table)}")
        rows = c.fetchall()
        marks = ", ".join("?" for _ in columns)
        store.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
            (tuple(r.values()) if isinstance(r, dict) else tuple(r) for r in rows),
        )
    for statement in statements:  # the indexes once the rows are in: one sort each
        if statement.startswith("CREATE INDEX"):
            store.execute(statement)
    store.commit()
    data = store.serialize()
    store.close()
    return zlib.compress(data, 1)


def restore(blob: bytes, position: int) -> RestoredView:
    """The store a snapshot holds, answering for `position`."""
    data = zlib.decompress(bytes(blob))
    if not data.startswith(_HEADER):
        return _from_rows(_rows_of(data), position)
    connection = sqlite3.connect(":memory:", check_same_thread=False)
    connection.deserialize(data)
    return RestoredView(connection, position)


def _rows_of(data: bytes) -> dict[str, list[Row]]:
    """An older snapshot's tables (msgpack); without the cyclic collector meanwhile."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        return msgspec.msgpack.decode(data)
    finally:
        if collecting:
            gc.enable()


def _from_rows(tables: dict[str, list[Row]], position: int) -> RestoredView:
    view = RestoredView.empty()
    model = ReadModel(
        complaints={r["complaint_id"]: r for r in tables.get(COMPLAINTS, [])},
        inserts={k: v for k, v in tables.items() if k != COMPLAINTS},
    )
    model.changed = set(model.complaints)
    write(view, model, position)
    return view


def write(view: RestoredView, model: ReadModel, position: int) -> None:
    """What `model` folded (its changed complaints, its new rows) into `view`, counters too."""
    with view._tx(commit=True) as c:
        view._write(c, model)
    view.answers_for = position
