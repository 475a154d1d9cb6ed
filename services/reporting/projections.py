"""The reporting projection: eventsourcing's Projection over the complaints log, with a view that
is a tracking recorder (SQLite or PostgreSQL, chosen by settings).

View rows and the tracking position are written in one database transaction, so a restart
resumes exactly after the last committed event and a redelivered event changes nothing (the
position check inside the transaction skips it). Events that cannot be decoded, or cannot be
folded (an orphan: no submitted event of its complaint before it), are recorded in
``undecodable_events`` and published to ``deadletter.reporting``; the projection goes on.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, unquote, urlparse

from eventsourcing.persistence import (
    InfrastructureFactory,
    Mapper,
    StoredEvent,
    Tracking,
    TrackingRecorder,
)
from eventsourcing.postgres import PostgresTrackingRecorder
from eventsourcing.projection import Projection, ProjectionRunner
from eventsourcing.sqlite import SQLiteTrackingRecorder
from eventsourcing.utils import Environment
from opentelemetry.trace import SpanKind

from services.reporting import fold
from services.reporting.fold import TABLES, ReadModel, Row, Undecodable
from shared.contract import events as ev
from shared.contract.subjects import COMPLAINTS_STREAM
from shared.eventstore import highwater
from shared.eventstore.application import ComplaintsApplication
from shared.eventstore.link import JetStreamLink
from shared.eventstore.mapper import ContractMapper
from shared.runtime import tracing
from shared.runtime.logwatch import Check, beyond_end

PROJECTION_NAME = "reporting"
SOURCE_NAME = "ComplaintsApplication"  # the application whose log is followed
logger = logging.getLogger("klachten.reporting.projection")
_IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")
_PARAM = re.compile(r"%\((\w+)\)s")


# --- the source application: the same log, read with a mapper that never raises -------------


class TolerantMapper(ContractMapper):
    """Turns an unreadable stored event into an `Undecodable` instead of stopping the runner."""

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        try:
            event = super().to_domain_event(stored_event)
            if hasattr(event, "fact"):  # a contract event: keep the span that appended it
                event.__dict__["traceparent"] = getattr(stored_event, "traceparent", "")
            return event
        except Exception as e:
            return Undecodable(
                seq=int(getattr(stored_event, "id", 0)),
                complaint_id=str(stored_event.originator_id),
                version=stored_event.originator_version,
                reason=f"{type(e).__name__}: {e}"[:500],
            )


class ComplaintsLog(ComplaintsApplication):
    """The log as reporting reads it: no key store, because read models never hold personal
    data (and a key-store outage must not turn into "undecodable" rows)."""

    name = SOURCE_NAME

    def construct_env(self, name: str, env: Any = None) -> Any:
        environment = super().construct_env(name, env)
        environment["KLACHTEN_KEYSTORE"] = "none"
        return environment

    def construct_mapper(self) -> Mapper[Any]:
        return self.factory.mapper(
            transcoder=self.construct_transcoder(), mapper_class=TolerantMapper
        )


# --- the view ---------------------------------------------------------------------------------


class ReportingView(TrackingRecorder):
    """Read models + tracking in one store; `apply_batch` is the only writer."""

    placeholder: ClassVar[str]

    def _table(self, name: str) -> str:
        return name

    def _tx(self, *, commit: bool) -> AbstractContextManager[Any]:
        raise NotImplementedError

    def _create_statements(self) -> list[str]:
        out = []
        for table, (columns, pk) in TABLES.items():
            cols = ", ".join(
                f"{c} {'BIGINT' if c in fold.INT_COLUMNS else 'TEXT'}"
                + (" PRIMARY KEY" if c == pk else "")
                for c in columns
            )
            out.append(f"CREATE TABLE IF NOT EXISTS {self._table(table)} ({cols})")
        return out

    def _tracking_table(self) -> str:
        raise NotImplementedError

    def create_table(self) -> None:
        self._reset_if_stale()
        super().create_table()  # type: ignore[misc]

    def _reset_if_stale(self) -> None:
        """A store written by a version whose tables had other columns is emptied, with this
        view's tracking, so the runner folds the whole log again: a read model is disposable,
        and the new columns then hold what the log says rather than nothing."""
        table = self._table(fold.COMPLAINTS)
        if not self._answers(f"SELECT 1 FROM {table} WHERE 1 = 0"):
            return  # no table yet (a new store): nothing to reset
        if self._answers(f"SELECT {', '.join(fold.COMPLAINT_COLUMNS)} FROM {table} WHERE 1 = 0"):
            return
        # Not _tx: on PostgreSQL create_table already holds the view's lock (see there).
        with self.datastore.transaction(commit=True) as c:  # type: ignore[attr-defined]
            for name in TABLES:
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
            dead = [d for seq, fact in items if (d := fold.apply(model, seq, fact)) is not None]
            for letter in dead if sink is not None else ():
                sink(letter)
            self._write(c, model)
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

    def _write(self, c: Any, model: ReadModel) -> None:
        rows = [model.complaints[cid] for cid in sorted(model.changed)]
        self._upsert(c, fold.COMPLAINTS, rows, update=True)
        for table, new in model.inserts.items():
            self._upsert(c, table, new, update=False)

    def _upsert(self, c: Any, table: str, rows: list[Row], *, update: bool) -> None:
        if not rows:
            return
        columns, pk = TABLES[table]
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
            out: dict[str, list[Row]] = {}
            for table, (columns, pk) in TABLES.items():
                c.execute(f"SELECT {', '.join(columns)} FROM {self._table(table)} ORDER BY {pk}")
                out[table] = [{k: r[k] for k in columns} for r in c.fetchall()]
        return position, out

    def position(self) -> int:
        return self.max_tracking_id(SOURCE_NAME) or 0


class SQLiteReportingView(ReportingView, SQLiteTrackingRecorder):
    placeholder = "?"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # WAL with synchronous=NORMAL: a commit no longer waits for an fsync (the live
        # projection commits once per event: twice the catch-up rate). A power loss may undo
        # the last commits, never split one: rows and tracking go back together and the
        # runner applies those events again. A read model is rebuilt from the log anyway.
        pool = self.datastore.pool
        create = pool._create_connection

        def relaxed() -> Any:
            connection = create()
            connection._sqlite_conn.execute("PRAGMA synchronous=NORMAL")
            return connection

        pool._create_connection = relaxed  # type: ignore[method-assign]

    def construct_create_table_statements(self) -> list[str]:
        return super().construct_create_table_statements() + self._create_statements()

    def _tracking_table(self) -> str:
        return "tracking"

    def _tx(self, *, commit: bool) -> AbstractContextManager[Any]:
        return self.datastore.transaction(commit=commit)


class PostgresReportingView(ReportingView, PostgresTrackingRecorder):
    placeholder = "%s"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        schema = self.datastore.schema
        if not _IDENT.match(schema):
            raise ValueError(f"schema {schema!r} is not a plain identifier")
        from psycopg.sql import SQL

        self.sql_create_statements.insert(0, SQL(f"CREATE SCHEMA IF NOT EXISTS {schema}"))  # type: ignore[arg-type]
        self.sql_create_statements.extend(SQL(s) for s in self._create_statements())  # type: ignore[arg-type]

    def _table(self, name: str) -> str:
        return f"{self.datastore.schema}.{name}"

    def _tracking_table(self) -> str:
        return self._table(self.tracking_table_name)

    @property
    def lock_key(self) -> int:
        """Advisory lock of this view (schema + tracking table): every replica that writes it,
        in any process, uses the same key."""
        name = f"klachten:{self.datastore.schema}.{self.tracking_table_name}"
        return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)

    def create_table(self) -> None:
        # Replicas start together. Unlocked, two concurrent CREATE ... IF NOT EXISTS can both
        # miss the other's uncommitted catalogue row (unique violation on pg_namespace or
        # pg_type), and both insert the library's migration tracking record. A session lock on
        # a second pooled connection wraps the library's own check-then-create unchanged.
        with self.datastore.get_connection() as conn:
            conn.execute("SELECT pg_advisory_lock(%s)", (self.lock_key,))
            try:
                super().create_table()
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (self.lock_key,))

    @contextmanager
    def _tx(self, *, commit: bool) -> Iterator[Any]:
        with self.datastore.transaction(commit=commit) as c:
            if commit:
                # Writers (replicas following the same log) take turns: the lock comes before
                # the position is read, so the second one sees the first one's committed
                # position and skips what it already holds, instead of folding it again and
                # failing on the tracking record (which stops its projection runner).
                c.execute("SELECT pg_advisory_xact_lock(%s)", (self.lock_key,))
            else:
                # Reads (snapshot, dumps) see one moment, also while a replica commits.
                c.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            yield c


# --- the projection -----------------------------------------------------------------------


DeadLetterSink = Callable[[Undecodable], None]


# Events younger than this are projected as a span of their complaint's trace; older ones
# (a rebuild, a new replica catching up) are not, or a replay would write a span per event.
LIVE = timedelta(minutes=5)


class ReportingProjection(Projection[ReportingView]):
    name = PROJECTION_NAME
    sink: ClassVar[DeadLetterSink | None] = None
    # Why folding pauses now (the log shrank: the watch's `shrunk` check), or None; and set
    # when the service stops, so a paused runner thread ends without folding.
    paused: ClassVar[Callable[[], str | None]] = staticmethod(lambda: None)
    closing: ClassVar[threading.Event] = threading.Event()

    def process_event(self, domain_event: Any, tracking: Tracking) -> None:  # type: ignore[override]
        if not self._resumed():
            return  # stopping while paused: neither folded nor tracked, read again next start
        fact = (
            domain_event
            if isinstance(domain_event, Undecodable)
            else getattr(domain_event, "fact", None)
        )
        if not isinstance(fact, ev.Event | Undecodable):
            self.view.apply_batch([], tracking)  # not a complaint event: only move on
            return
        if isinstance(fact, Undecodable) or datetime.now(UTC) - fact.occurred_at > LIVE:
            self.view.apply_batch([(tracking.notification_id, fact)], tracking, self.sink)
            return  # dead letters and old events (a rebuild, a catch-up) get no span
        name = f"project {ev.subject_token(type(fact))}"
        parent = {"traceparent": getattr(domain_event, "traceparent", "")}
        with tracing.complaint_span(name, fact.complaint_id, parent, kind=SpanKind.CONSUMER):
            self.view.apply_batch([(tracking.notification_id, fact)], tracking, self.sink)

    def _resumed(self) -> bool:
        """Wait while the log of record is short (a read model folded from it would count
        wrong and its position would skip the events restored later); False when stopping."""
        said = None
        while (why := self.paused()) is not None:
            if why != said:
                logger.warning("the projection paused: %s", why)
                said = why
            if self.closing.wait(0.5):
                return False
        if said is not None:
            logger.info("the projection resumes")
        return True


def projection_with(
    sink: DeadLetterSink | None, paused: Callable[[], str | None] | None = None
) -> type[ReportingProjection]:
    fields = {"name": PROJECTION_NAME, "sink": sink, "closing": threading.Event()}
    if paused is not None:
        fields["paused"] = staticmethod(paused)
    return type("ReportingProjection", (ReportingProjection,), fields)


# --- choosing the backend -----------------------------------------------------------------


def view_env(db: str, *, schema: str | None = None) -> dict[str, str]:
    """Environment for the view factory from ``KLACHTEN_REPORTING_DB`` (a path or a URL)."""
    key = PROJECTION_NAME.upper() + "_"
    if db.startswith(("postgresql://", "postgres://")):
        u = urlparse(db)
        query = parse_qs(u.query)
        env = {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": u.path.lstrip("/") or "postgres",
            "POSTGRES_HOST": u.hostname or "127.0.0.1",
            "POSTGRES_PORT": str(u.port or 5432),
            "POSTGRES_USER": unquote(u.username or "postgres"),
            "POSTGRES_PASSWORD": unquote(u.password or ""),
            "POSTGRES_SCHEMA": schema or query.get("schema", ["public"])[0],
        }
    else:
        env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": db}
    return {key + k: v for k, v in env.items()}


def view_class_for(db: str) -> type[ReportingView]:
    return (
        PostgresReportingView
        if db.startswith(("postgres://", "postgresql://"))
        else SQLiteReportingView
    )


def open_view(db: str, *, schema: str | None = None) -> ReportingView:
    env = Environment(PROJECTION_NAME, view_env(db, schema=schema))
    factory = InfrastructureFactory[TrackingRecorder].construct(env=env)
    view = factory.tracking_recorder(view_class_for(db))
    assert isinstance(view, ReportingView)
    return view


def start_runner(
    db: str,
    nats_url: str,
    sink: DeadLetterSink | None = None,
    paused: Callable[[], str | None] | None = None,
) -> ProjectionRunner[ComplaintsLog, ReportingView]:
    env = {**view_env(db), "NATS_URL": nats_url}
    return ProjectionRunner(
        application_class=ComplaintsLog,
        projection_class=projection_with(sink, paused),
        view_class=view_class_for(db),
        env=env,
    )


# --- canonical dump -------------------------------------------------------------------------


def dump_lines(tables: dict[str, list[Row]]) -> Iterator[str]:
    for table in TABLES:
        for row in tables.get(table, []):
            yield table + "\t" + json.dumps(row, sort_keys=True, separators=(",", ":"))


def dump_hash(tables: dict[str, list[Row]]) -> str:
    h = hashlib.sha256()
    for line in dump_lines(tables):
        h.update(line.encode() + b"\n")
    return h.hexdigest()


def first_difference(a: dict[str, list[Row]], b: dict[str, list[Row]]) -> str | None:
    for table, (_, pk) in TABLES.items():
        left = {r[pk]: r for r in a.get(table, [])}
        right = {r[pk]: r for r in b.get(table, [])}
        for key in sorted(set(left) | set(right), key=str):
            x, y = left.get(key), right.get(key)
            if x == y:
                continue
            if x is None or y is None:
                return f"{table} {pk}={key}: only in the {'rebuilt' if x is None else 'live'} store"
            cols = [k for k in x if x[k] != y.get(k)]
            detail = ", ".join(f"{k}: live={x[k]!r} rebuilt={y.get(k)!r}" for k in cols)
            return f"{table} {pk}={key}: {detail}"
    return None


def position_problem(view: ReportingView, link: JetStreamLink) -> str | None:
    """Readiness: the read model's position lies inside the log. Beyond its end (a restored
    or shrunken log) the events that get those sequences again would never be folded."""
    last_seq = log_bounds(link)[1]
    return beyond_end("the read model (projection)", view.position(), last_seq)


def log_bounds(link: JetStreamLink) -> tuple[int, int, int]:
    """(first sequence, last sequence, messages) of the log of record, for the shrink check."""
    state = link.run(link.api(f"STREAM.INFO.{COMPLAINTS_STREAM}"), timeout=5)["state"]
    return state["first_seq"], state["last_seq"], state["messages"]


def shrunk_check(data_dir: Path, link: Callable[[], JetStreamLink]) -> Check:
    """The watch's `shrunk` check for reporting (eventstore/highwater.py); it pauses the runner."""
    return highwater.check(data_dir, "reporting", lambda: asyncio.to_thread(log_bounds, link()))
