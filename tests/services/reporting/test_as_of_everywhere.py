"""Point in time on every read of reporting's API (real nats-server, issue 21): each GET under
/api, found from the application's own routes so a new endpoint is covered too, answers an
invalid `as_of`/`as_of_seq` with a 422 naming the field, and a valid one with an answer (or, for
the exports, a 422 that says it cannot apply) instead of ignoring it."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from services.reporting.api import REPORTS
from services.reporting.app import create_app
from services.reporting.exports import NAMES
from services.reporting.settings import ReportingSettings
from tests.services.reporting.test_reporting_api import AUTH, client, history  # noqa: F401

BAD = [
    ("as_of=yesterday-ish", "as_of"),
    ("as_of=2025-03-21", "as_of"),  # no time, no offset
    ("as_of=2999-01-01T00:00:00Z", "as_of"),  # in the future
    ("as_of_seq=abc", "as_of_seq"),
    ("as_of_seq=-3", "as_of_seq"),
    ("as_of_seq=1.5", "as_of_seq"),
    ("as_of_seq=99999", "as_of_seq"),  # beyond the log
    ("as_of=2025-03-21T00:00:00Z&as_of_seq=3", "as_of_seq"),
]


def read_paths() -> list[str]:
    """Every GET route of the API, with its path parameters filled in."""
    document = create_app(ReportingSettings()).openapi()
    gets = [p for p, ops in document["paths"].items() if p.startswith("/api/") and "get" in ops]
    filled = {"{key}": "K-A", "{year}": "2025", "{filename}": f"{NAMES[0]}.jsonl"}
    out = []
    for path in gets:
        if "{name}" in path:
            out += [path.replace("{name}", name) for name in REPORTS]
            continue
        for hole, value in filled.items():
            path = path.replace(hole, value)
        assert "{" not in path, f"a new path parameter in {path}: fill it in here"
        out.append(path)
    return out


READS = read_paths()


def test_every_read_is_covered() -> None:
    assert {"/api/complaints", "/api/complaints/K-A/history", "/api/reports/annual/2025"} <= set(
        READS
    )
    assert any(p.startswith("/api/export/") for p in READS)


@pytest.mark.parametrize("path", READS)
def test_a_bad_point_in_time_is_422_on_every_read(client: TestClient, path: str) -> None:  # noqa: F811
    for query, field in BAD:
        r = client.get(f"{path}?{query}", headers=AUTH)
        assert r.status_code == 422, (query, r.text)
        assert r.json()[0]["field"] == field and r.json()[0]["message"], (query, r.json())


@pytest.mark.parametrize("path", READS)
def test_a_good_point_in_time_is_honoured_or_refused_never_ignored(
    client: TestClient,  # noqa: F811
    path: str,
) -> None:
    """Before the first event (by time or by position) nothing was known: every answer differs
    from now's (a complaint not yet there is a 404); an export says it cannot apply."""
    now = client.get(path, headers=AUTH)
    assert now.status_code == 200, now.text
    for query in ("as_of=2025-01-01T00:00:00Z", "as_of_seq=0"):
        then = client.get(f"{path}?{query}", headers=AUTH)
        if path.startswith("/api/export/"):  # of the log as it is now: said, not ignored
            assert then.status_code == 422 and "now" in then.json()[0]["message"], then.text
        elif then.status_code != 404:
            assert then.status_code == 200, (query, then.text)
            assert then.content != now.content, (path, query)
