"""The canonical dump of the read models: one line per row, in a fixed order, so a live store
and a rebuilt one compare by hash, and the first difference can be named."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator

from services.reporting.fold import TABLES, Row


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
