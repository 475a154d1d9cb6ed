"""The same projection on a real PostgreSQL server: live equals a fresh rebuild.

Uses KLACHTEN_TEST_POSTGRES_URL when set; otherwise the benchmarks' throw-away server
(bench/common.py: initdb + pg_ctl in a temporary directory, fsync off here).
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from klachten.stack import launch
from klachten.stack.natsserver import EmbeddedNats
from services.reporting import rebuild as rb
from services.reporting.projections import start_runner
from services.reporting.view import ReportingView
from services.reporting.view_backends import PostgresReportingView, open_view
from shared.eventstore.application import ComplaintsApplication
from shared.eventstore.link import JetStreamLink
from tests.support.polling import wait_until_sync
from tests.support.ports import free_port
from tests.support.reporting_history import generate


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


# --- several replicas on one database (compose.yaml runs reporting with 2 replicas) ---------


ROOT = Path(__file__).resolve().parents[3]


@dataclass
class Replica:
    proc: subprocess.Popen[bytes]
    base: str
    log: Path

    def health(self) -> dict[str, Any]:
        body: dict[str, Any] = httpx.get(f"{self.base}/health", timeout=5).json()
        return body

    def wait(self, condition: Callable[[dict[str, Any]], bool], timeout: float, what: str) -> None:
        def met() -> bool:
            if self.proc.poll() is not None:
                raise AssertionError(f"{self.base} exited: {self.log.read_text()[-3000:]}")
            return condition(self.health())

        try:
            wait_until_sync(met, timeout=timeout, message=f"{self.base}: {what}")
        except TimeoutError as e:
            raise AssertionError(f"{e}\n{self.log.read_text()[-3000:]}") from e


@contextmanager
def reporting_replicas(n: int, db: str, nats_url: str, tmp_path: Path) -> Iterator[list[Replica]]:
    """`n` real `python -m services.reporting` processes on one store, started together."""
    replicas: list[Replica] = []
    try:
        for i in range(n):
            port, log = free_port(), tmp_path / f"reporting-{i + 1}.log"
            env = {
                **os.environ,
                "KLACHTEN_NATS_URL": nats_url,
                "KLACHTEN_REPORTING_DB": db,
                "KLACHTEN_REPORTING_PORT": str(port),
                "KLACHTEN_DATA_DIR": str(tmp_path / f"data-{i + 1}"),
            }
            with open(log, "wb") as out:
                proc = launch.spawn(launch.command("reporting"), env=env, output=out, cwd=ROOT)
            replicas.append(Replica(proc, f"http://127.0.0.1:{port}", log))
        for replica in replicas:
            replica.wait(lambda h: "projection" in h, timeout=60, what="serving")
        yield replicas
    finally:
        for replica in replicas:
            replica.proc.terminate()
        for replica in replicas:
            try:
                replica.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                replica.proc.kill()
                replica.proc.wait()


def test_two_replicas_share_one_postgres_view_and_equal_a_rebuild(
    provisioned_nats: EmbeddedNats, postgres_url: str, tmp_path: Path
) -> None:
    """Both replicas fold every event into the same tables; neither may stop on the other's
    commit, and the shared view must equal a fresh rebuild."""
    live_url = postgres_url + "?schema=reporting_replicas"
    app = ComplaintsApplication(env={"NATS_URL": provisioned_nats.url})
    try:
        generate(app, 10, seed=3)  # some history before they start: both catch up at once
        with reporting_replicas(2, live_url, provisioned_nats.url, tmp_path) as replicas:
            tally = generate(app, 120, seed=5)  # appended while both follow the log
            assert tally.events >= 300
            end = app.recorder.max_notification_id()
            assert end is not None
            for replica in replicas:
                replica.wait(
                    lambda h: h["position"] == end or h["projection"] != "running",
                    timeout=90,
                    what=f"position {end}",
                )
            for replica in replicas:
                body = replica.health()
                expected = {"projection": "running", "position": end, "nats": True}
                assert body == {"status": "ok", "problems": [], **expected}, (
                    replica.log.read_text()[-3000:]
                )
    finally:
        app.close()
    live = open_view(live_url)
    fresh = open_view(postgres_url, schema="reporting_replicas_fresh")
    link = JetStreamLink(provisioned_nats.url)
    try:
        result = rb.rebuild(link, fresh, live)
    finally:
        link.close()
        _close(live)
        _close(fresh)
    assert result.live_position == end
    assert result.difference is None and result.equal is True


def _create_together(url: str, schema: str, n: int) -> tuple[list[ReportingView], list[str]]:
    barrier = threading.Barrier(n)
    views: list[ReportingView] = []
    errors: list[str] = []

    def create() -> None:
        barrier.wait()
        try:
            views.append(open_view(url, schema=schema))  # its own datastore and connections
        except Exception as e:
            errors.append(f"{type(e).__name__}: {e}")

    threads = [threading.Thread(target=create) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return views, errors


def test_views_created_concurrently_on_an_empty_schema_all_succeed(postgres_url: str) -> None:
    for attempt in range(3):  # each round a new, empty schema: the race is on creation
        views, errors = _create_together(postgres_url, f"reporting_race_{attempt}", 4)
        try:
            assert errors == []
            assert len(views) == 4
            for view in views:
                assert view.position() == 0
                assert view.max_tracking_id("__migration__") == 1
                assert all(rows == [] for rows in view.snapshot()[1].values())
        finally:
            for view in views:
                _close(view)


def _close(view: ReportingView) -> None:
    assert isinstance(view, PostgresReportingView)
    view.datastore.close()
