"""The dashboard as of a moment or a log position (a store restored from snapshots and the log,
answered with the same SQL as the live view: dashboard_reads.py), against a real nats-server:
as of now it is the live page, as of the last position the same complaints; as of a week ago
this week's burst is not there yet."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from klachten.stack.natsserver import EmbeddedNats
from services.reporting.app import create_app
from services.reporting.settings import ReportingSettings
from shared.eventstore.application import ComplaintsApplication
from tests.services.reporting.test_early_warning_api import _submit
from tests.support.polling import wait_until_sync

TOKEN = "test-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)


@pytest.fixture
def client(provisioned_nats: EmbeddedNats, tmp_path: Path) -> Iterator[TestClient]:
    app = ComplaintsApplication(env={"NATS_URL": provisioned_nats.url})
    i = 0
    for week in range(1, 5):
        for category in ("service", "billing"):
            i += 1
            _submit(app, i, NOW - timedelta(weeks=week, hours=i), category)
    for hour in range(7):  # this week: seven about billing
        i += 1
        _submit(app, i, NOW - timedelta(hours=hour + 1), "billing")
    app.close()
    settings = ReportingSettings(
        data_dir=tmp_path,
        nats_url=provisioned_nats.url,
        staff_token=TOKEN,
        reporting_db=str(tmp_path / "reporting.sqlite3"),
    )
    with TestClient(create_app(settings, clock=lambda: NOW)) as http:
        wait_until_sync(
            lambda: len(http.get("/api/complaints?limit=100", headers=AUTH).json()) == i
        )
        yield http


def test_the_dashboard_as_of_now_is_the_live_one_and_a_week_ago_is_not(
    client: TestClient,
) -> None:
    live = client.get("/dashboard", headers=AUTH)
    assert live.status_code == 200, live.text
    assert 'data-signal="billing"' in live.text and 'data-kpi="total">15<' in live.text
    now = client.get(f"/dashboard?as_of={NOW:%Y-%m-%dT%H:%M:%SZ}", headers=AUTH)
    assert now.status_code == 200, now.text
    assert now.text == live.text
    position = client.get("/health").json()["position"]
    at_seq = client.get(f"/dashboard?as_of_seq={position}", headers=AUTH)  # as of its last event
    assert at_seq.status_code == 200, at_seq.text
    assert f"(logpositie {position})" in at_seq.text and 'data-kpi="total">15<' in at_seq.text
    before = f"{NOW - timedelta(days=7):%Y-%m-%dT%H:%M:%SZ}"
    then = client.get(f"/dashboard?as_of={before}&lang=en", headers=AUTH)
    assert then.status_code == 200, then.text
    assert 'data-kpi="total">8<' in then.text and "data-signal=" not in then.text
    assert "No topic comes back strikingly often this week." in then.text
