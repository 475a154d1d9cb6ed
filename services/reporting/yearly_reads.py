"""The rows the yearly report can count for a year, selected in SQL (issue 23 item 1), so a
yearly page, PDF or document reads index ranges instead of every row of the view into Python;
yearly.figures (the one rule) folds them as it folded the whole view. Live and as of a moment
alike: a restored store (snapshot_reads.RestoredView) has the same schema and indexes.

What yearly.figures and the rules it calls (domain.annual, handling, learning, satisfaction,
improvements.year_figures) filter on, for the year [start, end) in the policy's zone:

- complaints received in the year (received_at), closed in it (closed_at), and open at its end
  (received before the end, not closed before it: domain.annual's open_at_year_end);
- escalations, extensions, hearings and satisfaction answers that occurred in the year;
- improvement actions' changes up to the year's end (each action as it stood then).

Times are fixed-width UTC text (fold.ts), so texts compare as times and `year_of(x) == year`
is `start <= x < end`. Each table's rows come in its primary key's order, as the whole view's
read gives them. tests/services/reporting/test_yearly_sql.py: the figures over these rows
equal the figures over every row (SQLite, a restored store, PostgreSQL).
"""

from __future__ import annotations

from datetime import datetime, tzinfo
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
    """Received in the year, closed in it, or open at its end: one indexed range each
    (received_at, closed_at), their ids united."""
    t, m = view._table(COMPLAINTS), view.placeholder
    ids = " UNION ".join(
        f"SELECT complaint_id FROM {t} WHERE {w}"
        for w in (
            f"received_at >= {m} AND received_at < {m}",
            f"closed_at >= {m} AND closed_at < {m}",
            f"closed_at >= {m} AND received_at < {m}",  # closed after the year, open at its end
            f"closed_at IS NULL AND received_at < {m}",  # still open, open at the year's end
        )
    )
    return _select(view, c, COMPLAINTS, f"complaint_id IN ({ids})", [start, end] * 2 + [end] * 3)


def _select(view: Any, c: Any, name: str, where: str, args: list[Any]) -> list[Row]:
    columns, pk = TABLES[name]
    c.execute(
        f"SELECT {', '.join(columns)} FROM {view._table(name)} WHERE {where} ORDER BY {pk}", args
    )
    return [{k: r[k] for k in columns} for r in c.fetchall()]
