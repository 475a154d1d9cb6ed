"""The dashboard from SQL (dashboard_reads.py, issue 23) equals the Python fold of every row it
used to make (domain.compliance, backlog, inflow, worklist, escalations and the early-warning
rule over the whole view): on real folds of generated histories (test_counted_once.py's) plus
rows the histories do not make (English complaints, duplicates open and closed, a closed
complaint with a reply waiting, a burst of one theme this week, equal deadlines, a receipt
date in the year 237), on SQLite, on a store restored for an as-of answer, and on PostgreSQL.
The page itself: the API tests (test_early_warning_api.py, test_reporting_api.py,
test_dashboard_as_of.py) and tests/e2e/test_dashboard_browser.py.
"""

from __future__ import annotations

import random
import tempfile
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.reporting import dashboard_reads, domain, early_warning, fold, snapshot_reads
from services.reporting.dashboard_pages import TEXTS
from services.reporting.dashboard_reads import Figures
from services.reporting.web import dashboard_context
from tests.services.reporting.test_counted_once import NOW, _tables, complaint
from tests.services.reporting.test_reads_sql import AMSTERDAM, written

HISTORIES: list[dict[str, Any]] = [  # open, overdue, escalated, answered, closed in four ways
    {"received": date(2027, 12, 1), "hour": 9, "channel": "web", "category": "service",
     "late_days": 0, "steps": [("acknowledge", 1), ("escalate", 2), ("escalate", 3)]},
    {"received": date(2027, 11, 2), "hour": 23, "channel": "email", "category": None,
     "late_days": 3, "steps": [("acknowledge", 0), ("respond", 3), ("resolved", 1)]},
    {"received": date(2026, 6, 30), "hour": 22, "channel": "phone", "category": "conduct",
     "late_days": 30, "steps": []},
    {"received": date(2027, 12, 19), "hour": 0, "channel": "letter", "category": "service",
     "late_days": 0, "steps": [("acknowledge", 0), ("respond", 2)]},
    {"received": date(2027, 3, 31), "hour": 22, "channel": "api", "category": None,
     "late_days": 0, "steps": [("withdrawn", 2)]},
    {"received": date(2027, 12, 20), "hour": 12, "channel": "web", "category": "conduct",
     "late_days": 0, "steps": [("acknowledge", 0), ("extend", 3), ("pause", 1)]},
    {"received": date(2027, 10, 1), "hour": 8, "channel": "web", "category": None,
     "late_days": 0, "steps": [("decline", 2)]},
    {"received": date(2027, 9, 9), "hour": 8, "channel": "email", "category": "service",
     "late_days": 0, "steps": [("acknowledge", 1), ("escalate", 40), ("not_handled", 1)]},
]  # fmt: skip


def _id(i: int) -> str:
    return f"00000000-0000-4000-8000-{i:012d}"


def varied(histories: list[dict[str, Any]]) -> dict[str, list[fold.Row]]:
    """Folded histories, half of them in English, and rows the histories do not make."""
    tables = _tables(histories)
    rows = tables[fold.COMPLAINTS]
    for i, r in enumerate(rows):
        r["language"] = "en" if i % 2 else "nl"
    base = rows[0]
    received = NOW - timedelta(days=2)
    due = fold.ts(NOW + timedelta(days=5))
    extra = [  # a burst about billing this week, one of them in English, one a duplicate
        {"received_at": fold.ts(received - timedelta(hours=h)), "themes": '["billing"]',
         "status": "submitted", "acknowledged_at": None, "acknowledge_by": due,
         "respond_by": due, "statutory_by": due, "closed_at": None, "duplicate_of": None,
         "replies_waiting": 0, "language": "en" if h == 3 else "nl", "reference": f"K-{h}"}
        for h in range(7)
    ]  # fmt: skip
    extra[6] |= {"duplicate_of": _id(0)}  # an open duplicate: in the worklist, not the backlog
    closed = {"status": "closed", "outcome": "resolved", "closed_at": fold.ts(NOW), **{
        k: None for k in ("acknowledge_by", "respond_by", "statutory_by")}}  # fmt: skip
    extra += [
        {**closed, "duplicate_of": _id(1), "received_at": fold.ts(NOW - timedelta(days=400))},
        {**closed, "replies_waiting": 2, "last_reply_at": fold.ts(NOW),
         "received_at": fold.ts(NOW - timedelta(days=90))},  # a reply after closure
        {"status": "acknowledged", "acknowledged_at": fold.ts(NOW - timedelta(days=60)),
         "respond_by": fold.ts(NOW - timedelta(days=1)), "statutory_by": due,
         "received_at": fold.ts(NOW - timedelta(days=61)), "duplicate_of": None,
         "closed_at": None, "channel": "phone"},  # overdue, nearest deadline first
    ]  # fmt: skip
    extra += [dict(extra[-1], received_at=extra[-1]["received_at"]) for _ in range(2)]  # ties
    ancient = fold.ts(datetime(237, 12, 23, 0, 51, 59, tzinfo=UTC))  # a letter's own date
    extra.append({"received_at": ancient, "status": "submitted", "acknowledged_at": None,
                  "duplicate_of": None, "closed_at": None, "channel": "letter"})  # fmt: skip
    rows += [{**base, **e, "complaint_id": _id(i)} for i, e in enumerate(extra)]
    return tables


def folded(tables: dict[str, list[fold.Row]], limit: int, position: int = 0) -> Figures:
    """The dashboard's figures as it folded every row in Python (the view's id order)."""
    rows = sorted(tables[fold.COMPLAINTS], key=lambda r: r["complaint_id"])
    work = domain.worklist(rows, NOW)
    return Figures(
        position=position,
        total=len(rows),
        compliance=domain.compliance(rows, NOW),
        escalations=domain.escalations(tables[fold.ESCALATIONS]),
        backlog=domain.backlog(rows, NOW),
        inflow=domain.inflow(rows),
        worklist=work[:limit],
        worklist_total=len(work),
        warnings=early_warning.warnings(rows, NOW),
    )


def _check(view: Any, tables: dict[str, list[fold.Row]], position: int = 0) -> None:
    for limit in (1, 3, dashboard_reads.WORKLIST_MAX):
        assert dashboard_reads.figures(view, NOW, limit) == folded(tables, limit, position)
    rows = tables[fold.COMPLAINTS]
    with view._tx(commit=False) as c:  # the policy's zone from the counters, another by rows
        for tz in (UTC, AMSTERDAM):
            assert dashboard_reads.inflow(view, c, tz, len(rows)) == domain.inflow(rows, tz)


def test_the_dashboard_in_sql_equals_the_python_fold(tmp_path: Any) -> None:
    tables = varied(HISTORIES)
    view = written(str(tmp_path), tables)
    _check(view, tables)
    figures = dashboard_reads.figures(view, NOW)
    assert figures.warnings and figures.warnings[0].topic == "billing"
    assert figures.worklist[0]["overdue"] and figures.worklist_total > 3
    assert {r["language"] for r in figures.worklist} == {"nl", "en"}
    assert figures.escalations["total"] >= 3 and figures.total > figures.backlog["open"]
    page = dashboard_context(view, NOW, TEXTS["en"], "en")
    assert page["total"] == figures.total and page["signals"][0]["topic"] == "billing"


def test_an_as_of_store_answers_alike(tmp_path: Any) -> None:
    """A store restored for an as-of answer (snapshot_reads) has the same schema: same SQL."""
    tables = varied(HISTORIES)
    store = snapshot_reads._from_rows(tables, 42)
    try:
        _check(store, tables, position=42)
    finally:
        store.close()


def test_an_empty_view(tmp_path: Any) -> None:
    empty = {name: [] for name in fold.TABLES}
    view = written(str(tmp_path), empty)
    assert dashboard_reads.figures(view, NOW) == folded(empty, dashboard_reads.WORKLIST_MAX)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,
)
@given(st.lists(complaint, min_size=1, max_size=10))
def test_generated_histories(histories: list[dict]) -> None:
    tables = varied(histories)
    with tempfile.TemporaryDirectory() as folder:
        _check(written(folder, tables), tables)


def test_the_dashboard_in_postgres_equals_the_python_fold(postgres_url: str) -> None:
    tables = varied(HISTORIES)
    schema = f"dashboard_{random.randrange(10**9)}"
    _check(written("", tables, db=postgres_url, schema=schema), tables)
