"""Fixtures of the reporting tests: a throw-away PostgreSQL 15 per test module (or the server
KLACHTEN_TEST_POSTGRES_URL names), skipped where PostgreSQL is not installed."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack

import pytest

from bench.common import PostgresUnavailable, throwaway_postgres
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
        except RuntimeError as e:  # installed but it would not start: a failure, not a skip
            pytest.fail(str(e))
        yield url
