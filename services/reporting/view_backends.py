"""The view on each backend, chosen by ``KLACHTEN_REPORTING_DB`` (a SQLite path or a
PostgreSQL URL): SQLite with a relaxed fsync, PostgreSQL with advisory locks so that replicas
following the same log take turns; and opening a view by that setting."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

from eventsourcing.persistence import InfrastructureFactory, TrackingRecorder
from eventsourcing.postgres import PostgresTrackingRecorder
from eventsourcing.sqlite import SQLiteTrackingRecorder
from eventsourcing.utils import Environment

from services.reporting.fold import TABLES, Row
from services.reporting.view import ReportingView

PROJECTION_NAME = "reporting"  # the projection's name: its environment prefix and tracking
_IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")


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

    def _indexed_by(self, index: str) -> str:
        return f"INDEXED BY {index}"

    def _tx(self, *, commit: bool) -> AbstractContextManager[Any]:
        return self.datastore.transaction(commit=commit)

    def _tables(self, c: Any) -> dict[str, list[Row]]:
        """Every table as the view's `_tables` reads it, from plain tuples: a `sqlite3.Row`
        per row and a dict built key by key cost three times the SQL (issue 23: the whole
        view is what the dashboard and the reports that fold rows in Python read)."""
        cursor = c.sqlite_cursor  # this transaction's own cursor, closed after it
        cursor.row_factory = None
        out: dict[str, list[Row]] = {}
        for table, (columns, pk) in TABLES.items():
            cursor.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY {pk}")
            out[table] = [dict(zip(columns, r, strict=True)) for r in cursor.fetchall()]
        return out


class PostgresReportingView(ReportingView, PostgresTrackingRecorder):
    placeholder = "%s"
    blob_type = "BYTEA"

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
