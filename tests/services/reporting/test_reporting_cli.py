"""The CLI against a real nats-server: rebuild with comparison, audit history, export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from klachten.stack.natsserver import EmbeddedNats
from services.reporting.cli import app, audit_app, export_app
from services.reporting.projections import start_runner
from shared.eventstore.application import ComplaintsApplication
from tests.support.reporting_history import generate


def test_rebuild_compare_history_export(
    provisioned_nats: EmbeddedNats, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = str(tmp_path / "reporting.sqlite3")
    monkeypatch.setenv("KLACHTEN_NATS_URL", provisioned_nats.url)
    monkeypatch.setenv("KLACHTEN_REPORTING_DB", db)
    application = ComplaintsApplication(env={"NATS_URL": provisioned_nats.url})
    tally = generate(application, 40, seed=5)
    with start_runner(db, provisioned_nats.url) as runner:
        runner.wait(application.recorder.max_notification_id(), timeout=20)
    application.close()
    cli = CliRunner()

    result = cli.invoke(app, ["rebuild", "--backend", "sqlite"])
    assert result.exit_code == 0, result.output
    assert "equal" in result.output and f"replayed {tally.events} events" in result.output

    result = cli.invoke(audit_app, ["history", "K-000003"])
    assert result.exit_code == 0, result.output
    assert "complaint.submitted" in result.output and "ok" in result.output
    assert "ingediend" in result.output  # what each event says, in words (Dutch by default)
    result = cli.invoke(audit_app, ["history", "K-000003", "--lang", "en"])
    assert result.exit_code == 0 and "submitted" in result.output, result.output

    out = tmp_path / "events.jsonl"
    result = cli.invoke(export_app, ["events", "--format", "jsonl", "--out", str(out)])
    assert result.exit_code == 0, result.output
    lines = out.read_text().splitlines()
    assert len(lines) == tally.events and "personal" not in json.loads(lines[0])

    result = cli.invoke(app, ["rebuild", "--backend", "postgres"])
    assert result.exit_code != 0
