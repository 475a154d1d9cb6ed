"""Parquet exports against a real nats-server with the analyst's NATS credential: incremental
runs continue where the last stopped, no personal data leaves, and docs/analysts-kpis.sql run by
DuckDB over the files gives reporting's /api/reports/summary (read with the `reader` role)."""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from klachten.stack.natsserver import EmbeddedNats
from services.reporting.app import create_app
from services.reporting.cli import export_app
from services.reporting.settings import ReportingSettings
from shared.config import permissions
from shared.eventstore.application import ComplaintsApplication
from shared.eventstore.streams import provision
from tests.support.polling import wait_until_sync
from tests.support.reporting_history import generate

SQL = Path(__file__).resolve().parents[3] / "docs" / "analysts-kpis.sql"
NOW = datetime(2026, 6, 1, tzinfo=UTC)
READER = "reader-token-0123456789"


@pytest.fixture
async def server(tmp_path: Path) -> Any:
    import nats

    credentials, _ = permissions.ensure_credentials(tmp_path / "creds")
    with EmbeddedNats(tmp_path / "nats", credentials=credentials) as started:
        nc = await nats.connect(started.url_for("admin"))
        await provision(nc)
        await nc.close()
        yield started


@pytest.fixture
def logged(server: EmbeddedNats) -> Iterator[int]:
    """A generated history of 80 complaints; yields the last stream sequence."""
    app = ComplaintsApplication(env={"NATS_URL": server.url_for("admin")})
    generate(app, 80, seed=21)
    yield app.recorder.max_notification_id()
    app.close()


def export(server: EmbeddedNats, out: Path, *args: str) -> Any:
    env = {"KLACHTEN_NATS_URL": server.url_for("analyst")}
    return CliRunner().invoke(export_app, ["parquet", "--out", str(out), *args], env=env)


def kpis(folder: Path, as_of: datetime) -> dict[str, list[tuple[Any, ...]]]:
    """Every section of docs/analysts-kpis.sql, run by DuckDB in the export folder."""
    db = duckdb.connect()
    db.execute(f"SET file_search_path = '{folder}'")
    db.execute("SET VARIABLE as_of = ?::TIMESTAMPTZ", [as_of])
    preamble, *sections = re.split(r"^-- name: ", SQL.read_text(), flags=re.M)
    db.execute(preamble)  # the statements before the first section
    out = {}
    for section in sections:
        name, _, query = section.partition("\n")
        out[name.strip()] = db.execute(query).fetchall()
    return out


def test_incremental_parquet_with_the_analyst_credential_reproduces_the_summary(
    server: EmbeddedNats, logged: int, tmp_path: Path
) -> None:
    out = tmp_path / "export"
    middle = logged // 2
    first = export(server, out, "--as-of-seq", str(middle))
    assert first.exit_code == 0, first.output
    second = export(server, out)  # continues after `middle`, up to the end
    assert second.exit_code == 0, second.output
    assert f"sequences {middle + 1}..{logged}" in second.output
    again = export(server, out)
    assert again.exit_code == 0 and "nothing new" in again.output, again.output
    refused = export(server, out, "--since-seq", "3")
    said = " ".join(refused.output.split())  # rich wraps lines
    assert refused.exit_code == 2 and f"continues from sequence {logged};" in said
    env = {"KLACHTEN_NATS_URL": server.url_for("analyst")}
    ignored = CliRunner().invoke(export_app, ["events", "--as-of-seq", "3"], env=env)
    assert ignored.exit_code == 2 and "use parquet" in " ".join(ignored.output.split())

    events = pq.read_table(out / "events").to_pylist()
    assert sorted(e["seq"] for e in events) == list(range(1, logged + 1))  # each once
    text = str(events)
    assert "Person " not in text and "@example.org" not in text  # no personal data
    parts = sorted(p.name for p in (out / "complaints_status_and_deadlines").iterdir())
    assert len(parts) == 3  # the empty schema part and one per run

    settings = ReportingSettings(
        data_dir=tmp_path,
        nats_url=server.url_for("admin"),
        staff_tokens=f"analyst:{READER}:reader",
        reporting_db=str(tmp_path / "reporting.sqlite3"),
    )
    auth = {"Authorization": f"Bearer {READER}"}
    with TestClient(create_app(settings, clock=lambda: NOW)) as http:
        wait_until_sync(lambda: http.get("/health").json()["position"] == logged, timeout=60)
        summary = http.get("/api/reports/summary", headers=auth).json()
        since = http.get(
            f"/api/export/complaints_status_and_deadlines.parquet?since_seq={middle}", headers=auth
        )
        bad = http.get("/api/export/events.parquet?since_seq=x", headers=auth)
    assert since.status_code == 200 and since.headers["klachten-stream-sequence"] == str(logged)
    changed = pq.read_table(io.BytesIO(since.content)).to_pylist()
    assert {r["complaint_id"] for r in changed} == {
        r["complaint_id"]
        for r in pq.read_table(
            out / "complaints_status_and_deadlines" / f"{middle + 1:012d}-{logged:012d}.parquet"
        ).to_pylist()
    }
    assert bad.status_code == 422 and bad.json()[0]["field"] == "since_seq"

    got = kpis(out, NOW)
    assert got["complaints"] == [(summary["complaints"], summary["undecodable_events"])]
    assert dict(got["by_status"]) == summary["by_status"]
    inflow: dict[str, dict[str, int]] = {}
    for month, channel, n in got["inflow"]:
        inflow.setdefault(month, {})[channel] = n
    assert inflow == summary["inflow"]
    keys = ("met", "missed", "pending", "not_applicable", "rate")
    compliance = {r[0]: dict(zip(keys, r[1:], strict=True)) for r in got["compliance"]}
    for norm in compliance.values():
        norm["rate"] = None if norm["rate"] is None else float(norm["rate"])
    assert compliance == summary["compliance"]
    esc = summary["escalations"]
    assert dict(got["escalations_by_level"]) == esc["by_level"]
    assert dict(got["escalations_by_reason"]) == esc["by_reason"]
    assert sum(n for _, n in got["escalations_by_level"]) == esc["total"]
    backlog = summary["backlog"]
    assert got["backlog"] == [(backlog["open"], backlog["overdue"])]
    assert dict(got["backlog_by_status"]) == backlog["by_status"]
    assert dict(got["backlog_ageing"]) == {k: n for k, n in backlog["ageing"].items() if n}
    times = {
        (channel, kind): stats
        for channel, kinds in summary["response_times"]["channel"].items()
        for kind, stats in kinds.items()
        if stats["count"]
    }
    assert {(c, k) for c, k, *_ in got["response_times"]} == set(times)
    for channel, kind, count, median, p90, mean in got["response_times"]:
        want = times[channel, kind]
        assert count == want["count"]
        for value, key in ((median, "median_days"), (p90, "p90_days"), (mean, "mean_days")):
            assert math.isclose(value, want[key], abs_tol=0.011), (channel, kind, key)
    assert dict(got["handling"]) == {k: n for k, n in summary["handling"].items() if n}
    assert summary["complaints"] == 80 and esc["total"] > 0 and backlog["open"] > 0
