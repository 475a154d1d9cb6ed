"""Point in time on the audit trail and the exports (real nats-server): history answers as of a
moment or a stream position like every other read; an export, which is of the log as it is
now, refuses `as_of` with a 422 instead of ignoring it."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.services.reporting.test_reporting_api import AUTH, client, history  # noqa: F401


def test_history_as_of_a_position_or_a_moment(client: TestClient, history: dict) -> None:  # noqa: F811
    url = f"/api/complaints/{history['A'].id}/history"
    full = client.get(url, headers=AUTH).json()["events"]
    second = full[1]
    by_seq = client.get(f"{url}?as_of_seq={second['seq']}", headers=AUTH).json()["events"]
    by_time = client.get(f"{url}?as_of={second['occurred_at']}", headers=AUTH).json()["events"]
    assert by_seq == by_time == full[:2]
    assert client.get(f"{url}?as_of_seq=0", headers=AUTH).json()["events"] == []


@pytest.mark.parametrize(
    ("query", "field"),
    [("as_of_seq=abc", "as_of_seq"), ("as_of=yesterday", "as_of"), ("as_of_seq=-3", "as_of_seq")],
)
def test_history_refuses_a_bad_point_in_time(
    client: TestClient,  # noqa: F811
    history: dict,  # noqa: F811
    query: str,
    field: str,
) -> None:
    r = client.get(f"/api/complaints/{history['A'].id}/history?{query}", headers=AUTH)
    assert r.status_code == 422, r.text
    assert r.json()[0]["field"] == field and r.json()[0]["message"]


@pytest.mark.parametrize("query", ["as_of=2025-03-21T00:00:00Z", "as_of_seq=3", "as_of_seq=abc"])
def test_an_export_refuses_a_point_in_time_instead_of_ignoring_it(
    client: TestClient,  # noqa: F811
    query: str,
) -> None:
    r = client.get(f"/api/export/complaints_status_and_deadlines.jsonl?{query}", headers=AUTH)
    assert r.status_code == 422, r.text
    assert r.json()[0]["field"] in ("as_of", "as_of_seq") and "now" in r.json()[0]["message"]
