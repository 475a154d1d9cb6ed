"""Early warning through the reporting API against a real nats-server: the live answer (SQL)
and the as-of answer (a replay of the log) name the same rising topic and complaints."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient

from klachten.stack.natsserver import EmbeddedNats
from services.reporting.app import create_app
from services.reporting.settings import ReportingSettings
from shared.contract import events as ev
from shared.eventstore.application import ComplaintsApplication
from shared.rules.complaint import Cause, Complaint
from tests.support.polling import wait_until_sync

TOKEN = "test-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)


def _submit(app: ComplaintsApplication, i: int, at: datetime, category: str) -> None:
    c = Complaint.submit(
        complaint_id=uuid4(),
        reference=f"KL-2026-{i:06d}",
        channel="web",
        language="nl",
        personal=ev.SubmittedPersonal(
            complainant=ev.Complainant(name="N", email="n@example.org"),
            subject="s",
            description="d",
        ),
        received_at=at,
        now=at,
        cause=Cause(actor="web"),
        category=category,
    )
    app.save(c)


@pytest.fixture
def client(provisioned_nats: EmbeddedNats, tmp_path: Path) -> Iterator[TestClient]:
    app = ComplaintsApplication(env={"NATS_URL": provisioned_nats.url})
    i = 0
    for week in range(1, 9):  # the usual: one a week about each of three topics
        for category in ("service", "conduct", "billing"):
            i += 1
            _submit(app, i, NOW - timedelta(weeks=week, hours=i), category)
    for hour in range(8):  # this week: eight about billing
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


def test_live_and_as_of_answers_warn_of_the_same_topic(client: TestClient) -> None:
    live = client.get("/api/reports/early-warning", headers=AUTH)
    assert live.status_code == 200, live.text
    assert live.json()["as_of"] == NOW.isoformat() and live.json()["window_days"] == 7
    (warning,) = live.json()["warnings"]
    assert warning["topic"] == "billing" and warning["observed"] == 8
    assert [c["reference"] for c in warning["complaints"]][:1] == ["KL-2026-000025"]  # newest
    as_of = client.get(f"/api/reports/early-warning?as_of={NOW:%Y-%m-%dT%H:%M:%SZ}", headers=AUTH)
    assert as_of.json() == live.json()
    before = f"{NOW - timedelta(days=8):%Y-%m-%dT%H:%M:%SZ}"
    then = client.get(f"/api/reports/early-warning?as_of={before}", headers=AUTH).json()
    assert then["warnings"] == [] and then["as_of"].startswith(before[:10])


def test_the_dashboard_shows_the_signal_with_its_complaints_one_click_away(
    client: TestClient,
) -> None:
    page = client.get("/dashboard", headers=AUTH)
    assert page.status_code == 200
    assert 'data-signal="billing"' in page.text
    assert "8 klachten in de afgelopen 7 dagen" in page.text
    signal = page.text.split('data-signal="billing"')[1].split("</div>")[0]
    assert signal.count('href="/workspace/complaints/') == 8  # the burst's complaints
    assert 'href="/reports/yearly/2026?lang=nl"' in page.text  # the annual report, one click
    english = client.get("/dashboard?lang=en", headers=AUTH).text
    assert "8 complaints in the last 7 days" in english


def test_the_coordinator_is_told_in_the_workspace(client: TestClient) -> None:
    page = client.get("/workspace/notifications", headers=AUTH)  # an all-roles token
    assert page.status_code == 200, page.text
    assert 'data-kind="signal"' in page.text
    assert "Opvallend vaak: billing (8 klachten in 7 dagen" in page.text
    assert "KL-2026-000025" in page.text  # its newest complaint, one click away
