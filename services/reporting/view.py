"""The reporting view: the read models and the projection's tracking position in one store, so
rows and position are written in one database transaction. A restart resumes exactly after the
last committed event, and a redelivered event changes nothing (the position check inside the
transaction skips it). The SQL here is the backends' common part (tables, upserts, reads);
view_backends.py has what SQLite and PostgreSQL each need.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, ClassVar

from eventsourcing.persistence import Tracking, TrackingRecorder

from services.reporting import aggregates, fold, schema, snapshots
from services.reporting.complaints_log import SOURCE_NAME
from services.reporting.fold import TABLES, ReadModel, Row, Undecodable
from shared.contract import events as ev

DeadLetterSink = Callable[[Undecodable], None]


class ReportingView(TrackingRecorder):
    """Read models + tracking in one store; `apply_batch` is the only writer."""

    placeholder: ClassVar[str]
    blob_type: ClassVar[str] = "BLOB"
    snapshot_every: int = snapshots.EVERY  # events between snapshots (as-of answers); 0: none
    snapshot_marks: int = snapshots.MARKS  # events between places an as-of replay may stop

    def _table(self, name: str) -> str:
        return name

    def _tx(self, *, commit: bool) -> AbstractContextManager[Any]:
        raise NotImplementedError

    def _create_statements(self) -> list[str]:
        snapshot = snapshots.create_statements(self._table, self.blob_type)
        return [*schema.statements(self._table), *snapshot]

    def _tracking_table(self) -> str:
        raise NotImplementedError

    def _indexed_by(self, index: str) -> str:
        """A hint naming the index a query is to use (SQLite's planner prefers the status index
        to a partial one without statistics); PostgreSQL plans by its own statistics."""
        return ""

    def create_table(self) -> None:
        self._reset_if_stale()
        super().create_table()  # type: ignore[misc]

    def _reset_if_stale(self) -> None:
        """A store written by a version whose tables had other columns (or lacked a table) is
        emptied, with this view's tracking, so the runner folds the whole log again: a read
        model is disposable, and the new columns and tables then hold what the log says rather
        than nothing. This is the schema migration: `klachten projections rebuild` and the
        live view fold the same events into the same columns."""
        table = self._table(fold.COMPLAINTS)
        if not self._answers(f"SELECT 1 FROM {table} WHERE 1 = 0"):
            return  # no table yet (a new store): nothing to reset
        # the counters and the snapshots are no read models (no export), but folded alike
        kept = [(aggregates.AGGREGATES, (aggregates.COLUMNS, "")), (snapshots.SNAPSHOTS, (
            ("position", "max_moment", "min_after", "holds", "tables"), ""))]  # fmt: skip
        if all(
            self._answers(f"SELECT {', '.join(columns)} FROM {self._table(name)} WHERE 1 = 0")
            for name, (columns, _) in [*TABLES.items(), *kept]
        ):
            return  # every table has this version's columns (a table added later: reset too)
        # Not _tx: on PostgreSQL create_table already holds the view's lock (see there).
        with self.datastore.transaction(commit=True) as c:  # type: ignore[attr-defined]
            for name in [*TABLES, aggregates.AGGREGATES, snapshots.SNAPSHOTS]:
                c.execute(f"DROP TABLE IF EXISTS {self._table(name)}")
            c.execute(
                f"DELETE FROM {self._tracking_table()} WHERE application_name = '{SOURCE_NAME}'"
            )

    def _answers(self, query: str) -> bool:
        try:
            with self._tx(commit=False) as c:
                c.execute(query)
        except Exception:  # no such table or column: each backend names it its own way
            return False
        return True

    def apply_batch(
        self,
        items: list[tuple[int, ev.Event | Undecodable]],
        tracking: Tracking,
        sink: DeadLetterSink | None = None,
    ) -> list[Undecodable]:
        """Fold `items` in and move the position to `tracking`, atomically; returns the new
        dead letters (undecodable or impossible events), each handed to `sink` before the
        commit so a crash re-publishes it (same Msg-Id) rather than loses it. Items at or
        below the stored position are skipped (redelivery)."""
        with self._tx(commit=True) as c:
            done = self._max_tracking_id(tracking.application_name, c) or 0
            if tracking.notification_id <= done:
                return []
            items = [(s, f) for s, f in items if s > done]
            ids = {str(f.complaint_id) for _, f in items if isinstance(f, ev.Event)}
            model = ReadModel(complaints=self._load(c, ids), position=done)
            stored = {cid: dict(row) for cid, row in model.complaints.items()}  # the counters'
            dead = [d for seq, fact in items if (d := fold.apply(model, seq, fact)) is not None]
            for letter in dead if sink is not None else ():
                sink(letter)
            self._write(c, model, stored)
            snapshots.after_batch(self, c, items, done, tracking.notification_id)
            self._insert_tracking(c, tracking)
        return dead

    def _load(self, c: Any, ids: set[str]) -> dict[str, Row]:
        out: dict[str, Row] = {}
        id_list = sorted(ids)
        table = self._table(fold.COMPLAINTS)
        for start in range(0, len(id_list), 500):
            chunk = id_list[start : start + 500]
            marks = ", ".join(self.placeholder for _ in chunk)
            c.execute(f"SELECT * FROM {table} WHERE complaint_id IN ({marks})", chunk)
            for r in c.fetchall():
                out[r["complaint_id"]] = {k: r[k] for k in fold.COMPLAINT_COLUMNS}
        return out

    def _write(self, c: Any, model: ReadModel, stored: dict[str, Row] | None = None) -> None:
        """Write what `model` changed; `stored`: the complaints' rows before (else read)."""
        rows = [model.complaints[cid] for cid in sorted(model.changed)]
        self._upsert(c, fold.COMPLAINTS, rows, update=True, old=stored)
        for table, new in model.inserts.items():
            self._upsert(c, table, new, update=False)

    def _upsert(
        self,
        c: Any,
        table: str,
        rows: list[Row],
        *,
        update: bool,
        old: dict[Any, Row] | None = None,
    ) -> None:
        """Write `rows`; `old`: the stored rows they replace, when the caller has read them."""
        if not rows:
            return
        columns, pk = TABLES[table]
        if table in aggregates.COUNTED_TABLES:  # the counters move in the same transaction
            if old is None:
                old = self._stored(c, table, pk, [r[pk] for r in rows])
            changes = aggregates.deltas(table, old, rows, pk, update=update)
            aggregates.apply_deltas(
                c, self._table(aggregates.AGGREGATES), self.placeholder, changes
            )
        marks = ", ".join(self.placeholder for _ in columns)
        action = (
            "UPDATE SET " + ", ".join(f"{k} = excluded.{k}" for k in columns if k != pk)
            if update
            else "NOTHING"
        )
        sql = (
            f"INSERT INTO {self._table(table)} ({', '.join(columns)}) VALUES ({marks}) "
            f"ON CONFLICT ({pk}) DO {action}"
        )
        c.executemany(sql, [tuple(r[k] for k in columns) for r in rows])

    def _stored(self, c: Any, table: str, pk: str, keys: list[Any]) -> dict[Any, Row]:
        """The stored rows of `keys` (the old values the counters subtract)."""
        out: dict[Any, Row] = {}
        columns = TABLES[table][0]
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            marks = ", ".join(self.placeholder for _ in chunk)
            c.execute(
                f"SELECT {', '.join(columns)} FROM {self._table(table)} WHERE {pk} IN ({marks})",
                chunk,
            )
            for r in c.fetchall():
                out[r[pk]] = {k: r[k] for k in columns}
        return out

    # --- reads ----------------------------------------------------------------------------

    def rows(self, table: str) -> list[Row]:
        columns, pk = TABLES[table]
        with self._tx(commit=False) as c:
            c.execute(f"SELECT {', '.join(columns)} FROM {self._table(table)} ORDER BY {pk}")
            return [{k: r[k] for k in columns} for r in c.fetchall()]

    def snapshot(self) -> tuple[int, dict[str, list[Row]]]:
        """Position and every table, read in one transaction (a consistent dump)."""
        with self._tx(commit=False) as c:
            position = self._max_tracking_id(SOURCE_NAME, c) or 0
            out = self._tables(c)
        return position, out

    def _tables(self, c: Any) -> dict[str, list[Row]]:
        out: dict[str, list[Row]] = {}
        for table, (columns, pk) in TABLES.items():
            c.execute(f"SELECT {', '.join(columns)} FROM {self._table(table)} ORDER BY {pk}")
            out[table] = [{k: r[k] for k in columns} for r in c.fetchall()]
        return out

    def position(self) -> int:
        return self.max_tracking_id(SOURCE_NAME) or 0
