"""The counters the view keeps (services/reporting/aggregates.py): folded event by event, in
batches of any size, they hold exactly what counting the final rows gives, and the summary and
the yearly report read from them equal domain.py's over the view's rows. Exact durations: the
histogram's median, p90 and mean equal domain.stats over the values. A store written before the
counters existed is emptied and folded again.
"""

from __future__ import annotations

import random
import tempfile
from pathlib import Path
from typing import Any

from eventsourcing.persistence import Tracking
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.reporting import aggregates, domain, fold, reads
from services.reporting.complaints_log import SOURCE_NAME
from services.reporting.view import ReportingView
from services.reporting.view_backends import open_view
from tests.services.reporting.test_counted_once import NOW, _build, complaint
from tests.services.reporting.test_reads_sql import AMSTERDAM, written


def _counters(view: ReportingView) -> set[tuple[Any, ...]]:
    with view._tx(commit=False) as c:
        c.execute(f"SELECT * FROM {view._table(aggregates.AGGREGATES)}")
        rows = [tuple(r[k] for k in aggregates.COLUMNS) for r in c.fetchall()]
    return {r for r in rows if any(r[2:])}  # a key back at zero counts nothing


def _folded(folder: str, histories: list[dict], batch: int) -> ReportingView:
    events = [f for h in histories for f in _build(h).facts]  # type: ignore[attr-defined]
    events.sort(key=lambda f: f.occurred_at)
    view = open_view(str(Path(folder) / "live.sqlite"))
    view.create_table()
    items = list(enumerate(events, start=1))
    for start in range(0, len(items), batch):
        chunk = items[start : start + batch]
        view.apply_batch(chunk, Tracking(SOURCE_NAME, chunk[-1][0]))  # type: ignore[arg-type]
    return view


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,
)
@given(st.lists(complaint, min_size=1, max_size=8), st.integers(1, 7))
def test_counters_folded_event_by_event_equal_the_final_rows_counted(
    histories: list[dict], batch: int
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        live = _folded(folder, histories, batch)
        position, tables = live.snapshot()
        assert reads.summary(live, NOW) == domain.summary(tables, NOW, position)
        for year in (2026, 2027, 2028):
            expected = domain.annual(tables, year, AMSTERDAM)
            assert reads.annual(live, year, AMSTERDAM) == (position, expected)
        rows = tables[fold.COMPLAINTS]
        assert reads.REPORTS["backlog"](live, NOW) == domain.backlog(rows, NOW)
        assert reads.REPORTS["compliance"](live, NOW) == domain.compliance(rows, NOW)
        assert reads.REPORTS["worklist"](live, NOW) == domain.worklist(rows, NOW)
        (Path(folder) / "once").mkdir()
        once = written(str(Path(folder) / "once"), tables)  # every row counted in one go
        assert _counters(live) == _counters(once)


def test_histograms_give_domain_stats_exactly() -> None:
    rng = random.Random(7)
    for n in (1, 2, 3, 9, 10, 11, 99, 1000):
        values = [round(rng.uniform(-2, 90), 2) for _ in range(n)] + [0.29, 0.3] * (n % 3)
        hist: dict[int, int] = {}
        for v in values:
            hist[round(v * 100)] = hist.get(round(v * 100), 0) + 1
        assert aggregates.stats_of(hist.items()) == domain.stats(values)
    assert aggregates.stats_of([]) == domain.stats([])


def test_a_store_from_before_the_counters_is_folded_again(tmp_path: Path) -> None:
    db = str(tmp_path / "old.sqlite")
    view = open_view(db)
    view.create_table()
    row = dict.fromkeys(fold.COMPLAINT_COLUMNS) | {"complaint_id": "c1", "status": "submitted"}
    with view._tx(commit=True) as c:
        view._upsert(c, fold.COMPLAINTS, [row], update=True)
        view._insert_tracking(c, Tracking(SOURCE_NAME, 7))
        c.execute(f"DROP TABLE {aggregates.AGGREGATES}")  # as an older version left it
    again = open_view(db)
    again.create_table()
    assert again.position() == 0 and again.rows(fold.COMPLAINTS) == []
    assert _counters(again) == set()
