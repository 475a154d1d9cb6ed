"""The rows the yearly report can count for a year, selected in SQL (issue 23 item 1), so a
yearly page, PDF or document reads index ranges instead of every row of the view into Python;
yearly.figures (the one rule) folds them as it folded the whole view. Live and as of a moment
alike: a restored store (snapshot_reads.RestoredView) has the same schema and indexes.

What yearly.figures and the rules it calls (domain.annual, handling, learning, satisfaction,
improvements.year_figures) filter on, for the year [start, end) in the policy's zone:

- complaints received in the year (received_at), closed in it (closed_at), and open at its end
  (received before the end, not closed before it: domain.annual's open_at_year_end; for a past
  year that includes the complaints still open now);
- escalations, extensions, hearings and satisfaction answers that occurred in the year;
- improvement actions' changes up to the year's end (each action as it stood then).

Times are fixed-width UTC text (fold.ts), so texts compare as times and `year_of(x) == year`
is `start <= x < end`. Each table's rows come in its primary key's order, as the whole view's
read gives them. tests/services/reporting/test_yearly_sql.py: the figures over these rows
equal the figures over every row (SQLite, a restored store, PostgreSQL).
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, tzinfo
from operator import itemgetter
from typing import Any

from services.reporting.complaints_log import SOURCE_NAME
from services.reporting.fold import ts
from services.reporting.improvements import IMPROVEMENTS
from services.reporting.satisfaction import SATISFACTION
from services.reporting.tables import COMPLAINTS, ESCALATIONS, EXTENSIONS, HEARINGS, TABLES
from shared.config.policy import local_zone

Row = dict[str, Any]
IN_YEAR = (ESCALATIONS, EXTENSIONS, HEARINGS, SATISFACTION)  # by occurred_at


def bounds(year: int, tz: tzinfo) -> tuple[str, str]:
    """The year's first moment and the next year's, in `tz`, as the view's UTC text."""
    start, end = (ts(datetime(y, 1, 1, tzinfo=tz)) for y in (year, year + 1))
    return start, end  # type: ignore[return-value]


def tables(view: Any, year: int, tz: tzinfo | None = None) -> tuple[int, dict[str, list[Row]]]:
    """The view's position and the rows yearly.figures reads for `year`, one transaction."""
    start, end = bounds(year, tz or local_zone())
    m = view.placeholder
    with view._tx(commit=False) as c:
        position = view._max_tracking_id(SOURCE_NAME, c) or 0
        out = {COMPLAINTS: _complaints(view, c, start, end)}
        for name in IN_YEAR:
            where = f"occurred_at >= {m} AND occurred_at < {m}"
            out[name] = _select(view, c, name, where, [start, end])
        out[IMPROVEMENTS] = _select(view, c, IMPROVEMENTS, f"occurred_at < {m}", [end])
    return position, out


def _complaints(view: Any, c: Any, start: str, end: str) -> list[Row]:
    """Received in the year, closed in it, or open at its end, as four disjoint ranges over
    the received_at and closed_at indexes (UNION ALL: no set of ids to build and probe). When
    the year holds a third of the complaints or more (a young store), one pass over the table
    in its own order instead: rows read through an index come in its order, each from another
    page, at twice the cost of a scan. SQLite is told so (it plans without statistics);
    PostgreSQL plans by its own."""
    t, m = view._table(COMPLAINTS), view.placeholder
    columns, pk = TABLES[COMPLAINTS]
    received = f"received_at >= {m} AND received_at < {m}"
    parts = (  # (WHERE, its arguments)
        (received, [start, end]),
        (f"closed_at >= {m} AND closed_at < {m} AND NOT ({received})", [start, end] * 2),
        (f"closed_at >= {m} AND received_at < {m}", [end, start]),  # open at the end
        (f"closed_at IS NULL AND received_at < {m}", [start]),  # open at the end (and now)
    )
    args = [a for _, part in parts for a in part]
    in_year = _count(c, f"SELECT COUNT(*) AS n FROM {t} WHERE {received}", [start, end])
    if view.placeholder == "?" and in_year * 3 >= _count(c, f"SELECT COUNT(*) AS n FROM {t}"):
        where = " OR ".join(f"({w})" for w, _ in parts)
        return _fetch(c, f"SELECT {', '.join(columns)} FROM {t} NOT INDEXED WHERE {where} "
                         f"ORDER BY {pk}", args, columns)  # fmt: skip
    select = f"SELECT {', '.join(columns)} FROM {t} WHERE "
    rows = _fetch(c, " UNION ALL ".join(select + w for w, _ in parts), args, columns)
    rows.sort(key=itemgetter(pk))  # the whole view's order (ids are ASCII); cheaper than SQL's
    return rows


def _count(c: Any, sql: str, args: list[Any] | None = None) -> int:
    return int(_fetch(c, sql, args or [], ("n",))[0]["n"])


def _select(view: Any, c: Any, name: str, where: str, args: list[Any]) -> list[Row]:
    columns, pk = TABLES[name]
    sql = f"SELECT {', '.join(columns)} FROM {view._table(name)} WHERE {where} ORDER BY {pk}"
    return _fetch(c, sql, args, columns)


def _fetch(c: Any, sql: str, args: list[Any], columns: tuple[str, ...]) -> list[Row]:
    """The rows as dicts; from SQLite from plain tuples (as SQLiteReportingView._tables reads
    the whole view: a `sqlite3.Row` per row and a dict built key by key cost three times)."""
    cursor = getattr(c, "sqlite_cursor", c)  # the live SQLite view's own cursor of this read
    if isinstance(cursor, sqlite3.Cursor):  # that, or a restored store's
        cursor.row_factory = None
        cursor.execute(sql, args)
        return [dict(zip(columns, r, strict=True)) for r in cursor.fetchall()]
    c.execute(sql, args)  # PostgreSQL: rows by column name
    return [{k: r[k] for k in columns} for r in c.fetchall()]
