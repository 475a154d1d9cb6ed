"""The yearly report from SQL-selected rows (yearly_reads.py, issue 23): yearly.figures over the
rows yearly_reads selects for a year equals yearly.figures over every row of the view, on real
folds of generated histories (test_counted_once.py's, varied as test_dashboard_sql.py does)
plus satisfaction answers, improvement actions and complaints on the years' edges (in UTC and
in the policy's zone), for several years (one with nothing in it, one before any complaint
but with a complaint open at its end), on SQLite, on a store restored for an as-of answer,
and on PostgreSQL. The pages themselves: test_yearly_document.py and
tests/e2e/test_yearly_report_browser.py.
"""

from __future__ import annotations

import random
import tempfile
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.reporting import fold, snapshot_reads, yearly, yearly_reads
from services.reporting.improvements import IMPROVEMENTS
from services.reporting.satisfaction import SATISFACTION
from tests.services.reporting.test_counted_once import complaint
from tests.services.reporting.test_dashboard_sql import HISTORIES, _id, varied
from tests.services.reporting.test_reads_sql import AMSTERDAM, written

YEARS = (237, 2020, 2025, 2026, 2027, 2028)  # 2020: nothing in it but the letter of 237, open


def edged(tables: dict[str, list[fold.Row]]) -> dict[str, list[fold.Row]]:
    """`varied` plus rows on the years' edges, answers and improvement actions."""
    rows = tables[fold.COMPLAINTS]
    base = rows[0]
    edge = [  # 2027 in Amsterdam, 2026 in UTC; closed at the first moment of 2028 Amsterdam
        ("2026-12-31T23:30:00", None),
        ("2026-06-01T08:00:00", "2027-12-31T23:00:00"),
        ("2027-01-01T00:00:00", "2027-12-31T23:59:59"),
    ]
    for i, (received, closed) in enumerate(edge, start=900):
        rows.append({**base, "complaint_id": _id(i), "received_at": _utc(received),
                     "closed_at": closed and _utc(closed), "duplicate_of": None,
                     "status": "closed" if closed else "acknowledged",
                     "outcome": "resolved" if closed else None,
                     "themes": '["billing", "waiting"]', "compensation_cents": 1250,
                     "corrective_actions": 1})  # fmt: skip
    ids = [r["complaint_id"] for r in rows]
    moments = ["2026-12-31T23:30:00", "2027-06-01T12:00:00", "2027-12-31T23:00:00",
               "2028-01-10T09:00:00", "2026-02-01T10:00:00"]  # fmt: skip
    tables[SATISFACTION] = [
        {"seq": s, "complaint_id": ids[s % len(ids)], "department": ("d1", None)[s % 2],
         "team": None, "themes": ('["billing"]', None, "[]")[s % 3], "handling_score": 1 + s % 5,
         "outcome_score": 1 + (s * 3) % 5, "occurred_at": _utc(at)}
        for s, at in enumerate(moments, start=1)
    ]  # fmt: skip
    steps = [  # (action, change, status, when)
        ("a1", "opened", "open", moments[4]), ("a2", "opened", "open", moments[0]),
        ("a1", "changed", "in_progress", moments[1]), ("a2", "ended", "done", moments[2]),
        ("a1", "ended", "dropped", moments[3]), ("a3", "opened", "open", moments[1]),
    ]  # fmt: skip
    tables[IMPROVEMENTS] = [
        {"seq": s, "action_id": a, "lead_complaint_id": ids[0], "change": change, "title": "t",
         "owner": None, "due_by": None, "status": status, "outcome": None, "theme": None,
         "changed": None, "occurred_at": _utc(at)}
        for s, (a, change, status, at) in enumerate(steps, start=1)
    ]  # fmt: skip
    return tables


def _utc(text: str) -> str:
    return fold.ts(datetime.fromisoformat(text).replace(tzinfo=UTC))  # type: ignore[return-value]


def _check(view: Any, tables: dict[str, list[fold.Row]], position: int = 0) -> None:
    whole = {name: sorted(rows, key=lambda r: r[fold.TABLES[name][1]])
             for name, rows in tables.items()}  # fmt: skip
    for tz in (AMSTERDAM, UTC):
        for year in YEARS:
            at, selected = yearly_reads.tables(view, year, tz)
            assert at == position
            assert yearly.figures(selected, year, tz) == yearly.figures(whole, year, tz), year


def test_the_selected_rows_give_the_figures_of_every_row(tmp_path: Any) -> None:
    tables = edged(varied(HISTORIES))
    view = written(str(tmp_path), tables)
    _check(view, tables)
    _, selected = yearly_reads.tables(view, 2027, AMSTERDAM)
    assert 0 < len(selected[fold.COMPLAINTS]) < len(tables[fold.COMPLAINTS])
    figures = yearly.figures(selected, 2027, AMSTERDAM)
    assert figures["received"] and figures["open_at_year_end"] and figures["timeliness"]["closed"]
    assert figures["satisfaction"]["answers"] and figures["improvements"]["opened"]
    empty = yearly.figures(yearly_reads.tables(view, 2020, AMSTERDAM)[1], 2020, AMSTERDAM)
    assert empty["received"] == empty["closed"] == 0 and empty["open_at_year_end"] == 1


def test_an_as_of_store_selects_alike() -> None:
    """A store restored for an as-of answer (snapshot_reads) has the same schema: same SQL."""
    tables = edged(varied(HISTORIES))
    store = snapshot_reads._from_rows(tables, 42)
    try:
        _check(store, tables, position=42)
    finally:
        store.close()


def test_an_empty_view(tmp_path: Any) -> None:
    empty: dict[str, list[fold.Row]] = {name: [] for name in fold.TABLES}
    _check(written(str(tmp_path), empty), empty)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,
)
@given(st.lists(complaint, min_size=1, max_size=10))
def test_generated_histories(histories: list[dict]) -> None:
    tables = edged(varied(histories))
    with tempfile.TemporaryDirectory() as folder:
        _check(written(folder, tables), tables)


def test_postgres_selects_alike(postgres_url: str) -> None:
    tables = edged(varied(HISTORIES))
    schema = f"yearly_{random.randrange(10**9)}"
    _check(written("", tables, db=postgres_url, schema=schema), tables)


def test_the_year_bounds_are_the_zone_s() -> None:
    start, end = yearly_reads.bounds(2027, AMSTERDAM)
    assert start == _utc("2026-12-31T23:00:00") and end == _utc("2027-12-31T23:00:00")
    assert datetime.fromisoformat(end) - datetime.fromisoformat(start) == timedelta(days=365)
