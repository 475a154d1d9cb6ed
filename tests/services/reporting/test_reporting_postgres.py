"""The same projection on a real PostgreSQL server: live equals a fresh rebuild.

Uses KLACHTEN_TEST_POSTGRES_URL when set; otherwise starts a throw-away server (initdb +
pg_ctl in a temporary directory, as the `postgres` or `nobody` user when running as root).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.reporting import rebuild as rb
from services.reporting.projections import open_view, start_runner
from shared.application import ComplaintsApplication
from shared.jsclient import JetStreamLink
from shared.natsserver import EmbeddedNats
from tests.helpers import free_port
from tests.services.reporting.reporting_history import generate

PG_BIN = Path("/usr/lib/postgresql/15/bin")
PASSWORD = "klachten-test"


def _as_user() -> list[str]:
    if os.geteuid() != 0:
        return []
    for user in ("postgres", "nobody"):
        if (
            shutil.which("runuser")
            and subprocess.run(["id", user], capture_output=True).returncode == 0
        ):
            return ["runuser", "-u", user, "--"]
    pytest.skip("running as root without a postgres/nobody user to run PostgreSQL as")


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    if url := os.environ.get("KLACHTEN_TEST_POSTGRES_URL"):
        yield url
        return
    if not (PG_BIN / "initdb").exists():
        pytest.skip(f"PostgreSQL server binaries not found in {PG_BIN}")
    prefix = _as_user()
    base = Path(tempfile.mkdtemp(prefix="klachten-pg-"))
    base.chmod(0o777)
    (base / "pw").write_text(PASSWORD)
    (base / "pw").chmod(0o644)
    port = free_port()
    data = base / "data"
    subprocess.run(
        [
            *prefix,
            str(PG_BIN / "initdb"),
            "-D",
            str(data),
            "-U",
            "postgres",
            "--pwfile",
            str(base / "pw"),
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "-E",
            "UTF8",
        ],
        check=True,
        capture_output=True,
    )
    options = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off"
    started = subprocess.run(
        [
            *prefix,
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(data),
            "-o",
            options,
            "-l",
            str(base / "log"),
            "-w",
            "start",
        ],
        capture_output=True,
        text=True,
    )
    if started.returncode != 0:
        log = (base / "log").read_text() if (base / "log").exists() else ""
        shutil.rmtree(base, ignore_errors=True)
        pytest.fail(f"PostgreSQL did not start: {started.stderr}\n{log}")
    try:
        yield f"postgresql://postgres:{PASSWORD}@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*prefix, str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"],
            capture_output=True,
        )
        shutil.rmtree(base, ignore_errors=True)


def test_live_projection_equals_fresh_rebuild_postgres(
    provisioned_nats: EmbeddedNats, postgres_url: str
) -> None:
    app = ComplaintsApplication(env={"NATS_URL": provisioned_nats.url})
    try:
        tally = generate(app, 1500, seed=11)
        live_url = postgres_url + "?schema=reporting"
        with start_runner(live_url, provisioned_nats.url) as runner:
            runner.wait(app.recorder.max_notification_id(), timeout=90)
    finally:
        app.close()
    live = open_view(live_url)
    fresh = open_view(postgres_url, schema="reporting_fresh")
    link = JetStreamLink(provisioned_nats.url)
    try:
        started = time.perf_counter()
        result = rb.rebuild(link, fresh, live)
        elapsed = time.perf_counter() - started
    finally:
        link.close()
    print(
        f"\npostgres rebuild: {result.events} events in {elapsed:.2f} s"
        f" = {result.events / elapsed:.0f} events/s"
    )
    assert result.events == tally.events
    assert result.difference is None and result.equal is True
