"""The live view's answers in SQL (reads.py, issue 23) equal domain.py's over the same rows:
the summary, the yearly report (in UTC and in Amsterdam, whose new year is 23:00 UTC), the
reports the API answers in SQL, every page of the list under each filter, and one complaint by
id or reference. The rows are real folds of generated histories (test_counted_once.py's),
written into a SQLite view as the projection writes them. PostgreSQL: test_reporting_postgres.
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.reporting import domain, fold, reads
from services.reporting.aggregates import AGGREGATES
from services.reporting.view import ReportingView
from services.reporting.view_backends import open_view
from tests.services.reporting.test_counted_once import NOW, _tables, complaint

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
FILTERS: list[dict[str, Any]] = [
    {},
    {"status": "acknowledged"},
    {"status": "closed", "channel": "web"},
    {"overdue": True},
    {"overdue": False},
    {"hearing": "none"},
    {"hearing": "waived"},
    {"team": "team-a"},
    {"department": "dept-x", "overdue": True},
]


def written(
    folder: str, tables: dict[str, list[fold.Row]], *, db: str = "", schema: str | None = None
) -> ReportingView:
    """A view holding `tables`: SQLite in `folder`, or the PostgreSQL `db` in `schema`."""
    view = open_view(db or str(Path(folder) / "view.sqlite"), schema=schema)
    view.create_table()
    with view._tx(commit=True) as c:
        c.execute(f"DELETE FROM {view._table(AGGREGATES)}")  # a schema used before (PostgreSQL)
        for name, rows in tables.items():
            c.execute(f"DELETE FROM {view._table(name)}")
            view._upsert(c, name, rows, update=True)
    return view


def pages(view: ReportingView, want: dict[str, Any], size: int) -> list[fold.Row]:
    out: list[fold.Row] = []
    after = None
    while True:
        page, after = reads.page(view, NOW, want, after=after, limit=size)
        assert len(page) <= size
        out += page
        if after is None:
            return out


def selected(rows: list[fold.Row], want: dict[str, Any]) -> list[fold.Row]:
    if want.get("hearing") == "none":
        rows, want = [r for r in rows if r["hearing"] is None], {**want, "hearing": None}
    return domain.select(rows, NOW, **want)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,
)
@given(st.lists(complaint, min_size=1, max_size=10))
def test_every_answer_in_sql_equals_the_one_in_python(histories: list[dict]) -> None:
    tables = _tables(histories)
    rows = tables[fold.COMPLAINTS]
    with tempfile.TemporaryDirectory() as folder:
        view = written(folder, tables)
        assert reads.summary(view, NOW) == domain.summary(tables, NOW, 0)
        for year in (2026, 2027, 2028):
            for tz in (UTC, AMSTERDAM):
                assert reads.annual(view, year, tz) == (0, domain.annual(tables, year, tz))
        assert reads.REPORTS["compliance"](view, NOW) == domain.compliance(rows, NOW)
        assert reads.REPORTS["backlog"](view, NOW) == domain.backlog(rows, NOW)
        assert reads.REPORTS["worklist"](view, NOW) == domain.worklist(rows, NOW)
        escalations = tables[fold.ESCALATIONS]
        assert reads.REPORTS["escalations"](view, NOW) == domain.escalations(escalations)
        for want in FILTERS:
            assert pages(view, want, 3) == selected(rows, want), want
        for row in rows:
            assert reads.complaint(view, row["complaint_id"]) == row
        first = min(r["complaint_id"] for r in rows)  # every history has the same reference
        assert reads.complaint_id_of(view, rows[0]["reference"]) == first
        assert reads.complaint_id_of(view, "K-NONE") is None


def test_an_empty_view_answers_as_python_does(tmp_path: Path) -> None:
    view = written(str(tmp_path), {name: [] for name in fold.TABLES})
    empty = {name: [] for name in fold.TABLES}
    assert reads.summary(view, NOW) == domain.summary(empty, NOW, 0)
    assert reads.annual(view, 2027) == (0, domain.annual(empty, 2027))
    assert reads.page(view, NOW, {}, after=None, limit=5) == ([], None)
    assert reads.complaint(view, "00000000-0000-4000-8000-000000000000") is None


def test_times_on_a_boundary_count_alike(tmp_path: Path) -> None:
    """Texts equal to a boundary (an answer on its due moment, a complaint exactly a week old,
    received or closed at a local month's or year's first moment, due exactly now)."""
    base = _tables([{"received": NOW.date(), "hour": 0, "channel": "web", "category": None,
                     "late_days": 0, "steps": []}])[fold.COMPLAINTS][0]  # fmt: skip
    at = {
        "now": fold.ts(NOW),
        "week": fold.ts(NOW - timedelta(days=7)),
        "march": fold.ts(datetime(2027, 3, 1, tzinfo=AMSTERDAM)),
        "year": fold.ts(datetime(2027, 1, 1, tzinfo=AMSTERDAM)),
    }
    variants = [
        {"acknowledged_at": at["now"], "acknowledge_by": at["now"], "status": "acknowledged"},
        {"received_at": at["week"], "acknowledged_at": None, "acknowledge_by": at["now"]},
        {"received_at": at["march"]},
        {"received_at": at["year"], "closed_at": at["year"], "status": "closed"},
        {"statutory_by": at["now"], "respond_by": at["now"], "status": "acknowledged"},
        {"received_at": at["year"], "first_responded_at": at["year"], "statutory_by": at["year"],
         "closed_at": fold.ts(datetime(2028, 1, 1, tzinfo=AMSTERDAM)), "status": "closed"},
    ]  # fmt: skip
    rows = [
        {**base, **v, "complaint_id": f"00000000-0000-4000-8000-{i:012d}"}
        for i, v in enumerate(variants)
    ]
    tables = {name: [] for name in fold.TABLES} | {fold.COMPLAINTS: rows}
    view = written(str(tmp_path), tables)
    assert reads.summary(view, NOW) == domain.summary(tables, NOW, 0)
    for year in (2026, 2027):
        assert reads.annual(view, year, AMSTERDAM) == (0, domain.annual(tables, year, AMSTERDAM))
    for want in FILTERS:
        assert pages(view, want, 2) == selected(rows, want), want
