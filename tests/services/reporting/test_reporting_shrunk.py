"""Reporting stops folding while the log of record is short (issue 19): its `shrunk` check
fires (a high-water record of this data folder lies beyond the stream's end), readiness says
so, the projection holds the next event unfolded, and folds it once the operator recovered.
A service stopped while paused ends at once."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from klachten.stack.natsserver import EmbeddedNats
from services.reporting.app import create_app
from services.reporting.settings import ReportingSettings
from shared.eventstore import highwater
from shared.eventstore.application import ComplaintsApplication
from tests.services.reporting.test_reporting_api import AUTH, NOW, TOKEN, submit
from tests.support.polling import wait_until_sync


def settings_for(folder: Path, server: EmbeddedNats, db: str) -> ReportingSettings:
    url, path = server.url, str(folder / db)
    return ReportingSettings(data_dir=folder, nats_url=url, staff_token=TOKEN, reporting_db=path)


@pytest.mark.timeout(120)
def test_the_projection_pauses_on_a_short_log_and_resumes_after_recovery(
    provisioned_nats: EmbeddedNats, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    app = ComplaintsApplication(env={"NATS_URL": provisioned_nats.url})
    submit(app, "K-A", "2025-03-03T09:00:00Z")
    app.close()
    highwater.record(tmp_path, "notifier", 1000)  # this folder once saw far more of the log
    settings = settings_for(tmp_path, provisioned_nats, "reporting.sqlite3")
    with TestClient(create_app(settings, clock=lambda: NOW)) as http:
        ready = wait_until_sync(
            lambda: (r := http.get("/health/ready")).status_code == 503 and r, timeout=30
        )
        assert any("shrank" in p for p in ready.json()["problems"]), ready.json()
        wait_until_sync(
            lambda: any("projection paused" in r.getMessage() and "shrank" in r.getMessage()
                        for r in caplog.records),
            timeout=30, message="the projection says it paused",
        )  # fmt: skip
        assert http.get("/api/complaints", headers=AUTH).json() == [], "nothing folded"

        highwater.accept(tmp_path)  # klachten recover --accept-shrunken-log (after a restore)
        rows = wait_until_sync(lambda: http.get("/api/complaints", headers=AUTH).json(), timeout=30)
        assert [r["reference"] for r in rows] == ["K-A"]
        assert wait_until_sync(lambda: http.get("/health/ready").status_code == 200, timeout=30)

    highwater.record(tmp_path, "notifier", 1000)
    settings = settings_for(tmp_path, provisioned_nats, "second.sqlite3")
    started = time.monotonic()
    with TestClient(create_app(settings, clock=lambda: NOW)) as http:
        wait_until_sync(lambda: http.get("/health/ready").status_code == 503, timeout=30)
        started = time.monotonic()
    assert time.monotonic() - started < 10, "a paused projection lets the service stop"
