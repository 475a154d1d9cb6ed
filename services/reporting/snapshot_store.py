"""A snapshot's bytes (issue 23): the view's read models and counters at a stream position as a
serialized SQLite database (zlib) with the view's schema (schema.py), made from rows read in
the live view's transaction on SQLite and PostgreSQL alike. snapshot_reads.py restores one in
a single step (`sqlite3.Connection.deserialize`: no Python object per row); an older snapshot
(msgpack rows, before this module) decodes to its rows.

A delta (`encode_delta`) holds only what changed after an earlier snapshot or delta (its
`base`): the complaints folded since (their `last_seq`), the rows added since (their `seq`)
and the counters whole (a few hundred rows). Its cost follows the events since its base, not
the complaints, so deltas can be taken often; `apply_deltas` lays a chain of them over a
restored store.
"""

from __future__ import annotations

import gc
import sqlite3
import zlib
from typing import Any

import msgspec

from services.reporting import aggregates as agg
from services.reporting import schema
from services.reporting.fold import COMPLAINTS, TABLES, Row

_HEADER = b"SQLite format 3\x00"
_BASE = "snapshot_base"  # a delta's one row: the position of the snapshot or delta it follows
# the tables a snapshot holds: the read models and the counters (their columns)
COPIED = {**{t: columns for t, (columns, _) in TABLES.items()}, agg.AGGREGATES: agg.COLUMNS}


def encode(view: Any, c: Any) -> bytes:
    """The read models and counters of `view` as its transaction `c` sees them, as a
    compressed SQLite database with the live view's schema (tables, indexes)."""
    return _encoded(view, c, None)


def encode_delta(view: Any, c: Any, base: int) -> bytes:
    """What changed in `view` (as `c` sees it) after stream position `base`, as a compressed
    SQLite database without indexes, its base recorded in it (`apply_delta` checks it)."""
    return _encoded(view, c, base)


def _encoded(view: Any, c: Any, base: int | None) -> bytes:
    store = sqlite3.connect(":memory:")
    statements = schema.statements()
    tables = [s for s in statements if not s.startswith("CREATE INDEX")]
    for statement in tables:
        store.execute(statement)
    m = view.placeholder
    for table, columns in COPIED.items():
        since, args = "", []
        if base is not None and table != agg.AGGREGATES:  # the counters: always whole
            since, args = f" WHERE {'last_seq' if table == COMPLAINTS else 'seq'} > {m}", [base]
        c.execute(f"SELECT {', '.join(columns)} FROM {view._table(table)}{since}", args)
        rows = c.fetchall()
        marks = ", ".join("?" for _ in columns)
        store.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
            (tuple(r.values()) if isinstance(r, dict) else tuple(r) for r in rows),
        )
    if base is None:
        for statement in statements:  # the indexes once the rows are in: one sort each
            if statement.startswith("CREATE INDEX"):
                store.execute(statement)
    else:
        store.execute(f"CREATE TABLE {_BASE} (position BIGINT NOT NULL)")
        store.execute(f"INSERT INTO {_BASE} VALUES (?)", [base])
    store.commit()
    data = store.serialize()
    store.close()
    return zlib.compress(data, 1)


def apply_deltas(
    connection: sqlite3.Connection, deltas: list[tuple[int, bytes]], base: int
) -> bool:
    """Lay `deltas` ((position, blob) in stream order, each following the one before) over the
    store `connection` holds as of stream position `base`: their complaints (the newest of
    each) replace the store's, their added rows are added, the last one's counters replace the
    counters. False when a delta was taken after another base (the store is then unusable).
    The complaints are gathered in a table of their own first, so the store's indexes take
    each changed complaint once."""
    if not deltas:
        return True
    staged, columns = f"temp.{COMPLAINTS}", ", ".join(COPIED[COMPLAINTS])
    connection.execute(schema.statements(lambda name: f"temp.{name}")[0])  # complaints' table
    try:
        for position, blob in deltas:
            if not _apply(connection, blob, base, staged, last=position == deltas[-1][0]):
                return False
            base = position
        with connection:
            into = f"INSERT OR REPLACE INTO main.{COMPLAINTS} ({columns})"
            connection.execute(f"{into} SELECT {columns} FROM {staged}")
        return True
    finally:
        connection.execute(f"DROP TABLE {staged}")


def _apply(connection: sqlite3.Connection, blob: bytes, base: int, staged: str, last: bool) -> bool:
    connection.execute("ATTACH DATABASE ':memory:' AS delta")  # not within a transaction
    try:
        connection.deserialize(zlib.decompress(bytes(blob)), name="delta")
        found = connection.execute(f"SELECT position FROM delta.{_BASE}").fetchone()
        if found is None or int(found[0]) != base:
            return False
        with connection:  # one transaction
            for table, columns in COPIED.items():
                names = ", ".join(columns)
                if table == agg.AGGREGATES and not last:
                    continue  # the counters are whole in each: the last one's count
                if table == agg.AGGREGATES:
                    connection.execute(f"DELETE FROM main.{table}")
                into = f"OR REPLACE INTO {staged}" if table == COMPLAINTS else f"INTO main.{table}"
                connection.execute(f"INSERT {into} ({names}) SELECT {names} FROM delta.{table}")
        return True
    finally:
        connection.execute("DETACH DATABASE delta")


def compacted(full: bytes, deltas: list[tuple[int, bytes]], base: int) -> bytes | None:
    """The snapshot `full` (at stream position `base`) with `deltas` laid over it, as one
    snapshot; None for an older snapshot of rows or a chain that does not hold."""
    found = decode(full)
    if not isinstance(found, sqlite3.Connection):
        return None
    try:
        if not apply_deltas(found, deltas, base):
            return None
        return zlib.compress(found.serialize(), 1)
    finally:
        found.close()


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
