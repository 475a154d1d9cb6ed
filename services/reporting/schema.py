"""The view's SQL schema: the read models' tables (tables.py), their indexes and the counters'
table (aggregates.py), for a store whose table names `table` gives (a PostgreSQL schema, or
none). The live view (view.py) adds its snapshots' table; a snapshot (snapshot_store.py) is a
SQLite database made from these statements.
"""

from __future__ import annotations

from collections.abc import Callable

from services.reporting import aggregates
from services.reporting.tables import INDEXES, INT_COLUMNS, TABLES


def statements(table: Callable[[str], str] = str) -> list[str]:
    """CREATE statements of every read model, its indexes and the counters (idempotent)."""
    out = []
    for name, (columns, pk) in TABLES.items():
        cols = ", ".join(
            f"{c} {'BIGINT' if c in INT_COLUMNS else 'TEXT'}" + (" PRIMARY KEY" if c == pk else "")
            for c in columns
        )
        out.append(f"CREATE TABLE IF NOT EXISTS {table(name)} ({cols})")
    for name, columns in INDEXES.items():  # the reads' lookups and ranges (reads.py)
        out += [f"CREATE INDEX IF NOT EXISTS ix_{name}_{c} ON {table(name)} ({c})" for c in columns]
    return [*out, *aggregates.create_statements(table)]
