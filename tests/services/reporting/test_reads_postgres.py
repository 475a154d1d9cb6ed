"""reads.py on PostgreSQL: the same SQL answers as domain.py in Python (see test_reads_sql.py),
for generated histories and for times on a boundary, in a throw-away PostgreSQL server."""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.common import PostgresUnavailable, throwaway_postgres
from services.reporting import domain, fold, reads
from tests.services.reporting import test_reads_sql as same
from tests.services.reporting.test_counted_once import NOW, _tables, complaint
from tests.support.ports import free_port


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    if url := os.environ.get("KLACHTEN_TEST_POSTGRES_URL"):
        yield url
        return
    with ExitStack() as stack:
        try:
            url = stack.enter_context(throwaway_postgres(free_port(), "klachten-test", fsync=False))
        except PostgresUnavailable as e:
            pytest.skip(str(e))
        yield url


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
