"""A snapshot's bytes (issue 23): the view's read models and counters at a stream position as a
serialized SQLite database (zlib) with the view's schema (schema.py), made from rows read in
the live view's transaction on SQLite and PostgreSQL alike. snapshot_reads.py restores one in
a single step (`sqlite3.Connection.deserialize`: no Python object per row); an older snapshot
(msgpack rows, before this module) decodes to its rows.
"""

from __future__ import annotations

import gc
import sqlite3
import zlib
from typing import Any

import msgspec

from services.reporting import aggregates as agg
from services.reporting import schema
from services.reporting.fold import TABLES, Row

_HEADER = b"SQLite format 3\x00"
# the tables a snapshot holds: the read models and the counters (their columns)
COPIED = {**{t: columns for t, (columns, _) in TABLES.items()}, agg.AGGREGATES: agg.COLUMNS}


def encode(view: Any, c: Any) -> bytes:
    """The read models and counters of `view` as its transaction `c` sees them, as a
    compressed SQLite database with the live view's schema (tables, indexes)."""
    store = sqlite3.connect(":memory:")
    statements = schema.statements()
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


def decode(blob: bytes) -> sqlite3.Connection | dict[str, list[Row]]:
    """A snapshot's database, or an older snapshot's tables (msgpack rows)."""
    data = zlib.decompress(bytes(blob))
    if not data.startswith(_HEADER):
        return _rows_of(data)
    connection = sqlite3.connect(":memory:", check_same_thread=False)
    connection.deserialize(data)
    return connection


def _rows_of(data: bytes) -> dict[str, list[Row]]:
    """An older snapshot's tables (msgpack); without the cyclic collector meanwhile."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        return msgspec.msgpack.decode(data)
    finally:
        if collecting:
            gc.enable()
