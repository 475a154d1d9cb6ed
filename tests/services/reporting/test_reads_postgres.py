"""reads.py on PostgreSQL: the same SQL answers as domain.py in Python (see test_reads_sql.py),
for generated histories and for times on a boundary, in a throw-away PostgreSQL server."""

from __future__ import annotations

import random
from datetime import UTC

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.reporting import domain, fold, reads
from tests.services.reporting import test_reads_sql as same
from tests.services.reporting.test_counted_once import NOW, _tables, complaint


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    derandomize=True,
)
@given(st.lists(complaint, min_size=1, max_size=10))
def test_answers_in_postgres_equal_python(postgres_url: str, histories: list[dict]) -> None:
    tables = _tables(histories)
    rows = tables[fold.COMPLAINTS]
    schema = f"reads_{random.randrange(10**9)}"
    view = same.written("", tables, db=postgres_url, schema=schema)
    assert reads.summary(view, NOW) == domain.summary(tables, NOW, 0)
    for year in (2026, 2027):
        for tz in (UTC, same.AMSTERDAM):
            assert reads.annual(view, year, tz) == (0, domain.annual(tables, year, tz))
    for want in same.FILTERS:
        assert same.pages(view, want, 3) == same.selected(rows, want), want
    for row in rows:
        assert reads.complaint(view, row["complaint_id"]) == row
