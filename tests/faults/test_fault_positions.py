"""Fault test: positions beyond the end of the log (issue 24). The log shrinks under running
services (as admin: COMPLAINTS deleted and provisioned again, empty, as a restore of an older
copy would leave it). Reporting's read model and the notifier's durable consumer then point
past the last sequence: new events would be skipped without a word. Each service must turn
unready with a reason that names the position and the end of the log, log it at ERROR and
raise ``klachten_health_problem``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import nats
import pytest
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from klachten.stack.natsserver import EmbeddedNats
from klachten.stack.provisioning import provision_streams
from shared.contract import events as ev
from shared.contract import subjects
from shared.eventstore.application import ComplaintsApplication
from shared.eventstore.streams import provision
from shared.rules.complaint import Cause, Complaint
from tests.support.faults import service_env
from tests.support.polling import wait_until_sync
from tests.support.ports import free_port
from tests.support.processes import ServiceProcess

COMPLAINTS = 4


def ready(url: str) -> tuple[int, dict[str, Any]] | None:
    try:
        response = httpx.get(url, timeout=5)
        return response.status_code, response.json()
    except (httpx.HTTPError, ValueError):
        return None


async def shrink_log(url: str) -> None:
    """As admin: COMPLAINTS deleted and provisioned again, empty (its consumers go with it)."""
    nc = await nats.connect(url)
    try:
        await nc.jetstream().delete_stream(subjects.COMPLAINTS_STREAM)
        await provision(nc)
    finally:
        await nc.close()


async def durable_beyond_the_end(url: str, name: str, start: int) -> None:
    """The notifier's durable, back as a restored consumer state would be: past the end."""
    nc = await nats.connect(url)
    try:
        config = ConsumerConfig(
            durable_name=name,
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
            opt_start_seq=start,
            filter_subjects=[subjects.COMPLAINTS_ALL],
        )
        await nc.jetstream().add_consumer(subjects.COMPLAINTS_STREAM, config)
    finally:
        await nc.close()


def submit(app: ComplaintsApplication, n: int) -> None:
    complaint = Complaint.submit(
        complaint_id=uuid4(),
        reference=f"KL-2026-{n:06d}",
        channel="web",
        language="nl",
        personal=ev.SubmittedPersonal(
            complainant=ev.Complainant(name="Jan de Vries", email=f"jan{n}@example.org"),
            subject="Geen reactie",
            description="Ik wacht al maanden.",
        ),
        received_at=datetime.now(UTC),
        now=datetime.now(UTC),
        cause=Cause(actor="complainant"),
    )
    app.save(complaint)


@pytest.fixture
def running(tmp_path: Path) -> Iterator[tuple[EmbeddedNats, dict[str, str], Path]]:
    server = EmbeddedNats(tmp_path / "nats").start()
    asyncio.run(provision_streams(server.url, replicas=1))  # and buckets, as `klachten up`
    ports = {"reporting": free_port(), "mail": free_port()}
    env = service_env(
        server.url,
        tmp_path,
        KLACHTEN_REPORTING_PORT=str(ports["reporting"]),
        KLACHTEN_MAILSINK_PORT=str(ports["mail"]),
        KLACHTEN_SMTP_RELAY_PORT=str(ports["mail"]),
        KLACHTEN_REPORTING_DB=str(tmp_path / "reporting.sqlite3"),
    )
    processes = [
        ServiceProcess("reporting", env, tmp_path),
        ServiceProcess("notifier", env, tmp_path, "--with-mailsink"),
    ]
    health = {
        "reporting": f"http://127.0.0.1:{ports['reporting']}",
        "notifier": f"http://127.0.0.1:{env['KLACHTEN_NOTIFIER_PORT']}",
    }
    try:
        for process in processes:
            process.start()
        yield server, health, tmp_path
    finally:
        for process in processes:
            process.stop()
        server.stop()


def test_positions_beyond_the_end_of_the_log_make_the_services_unready(
    running: tuple[EmbeddedNats, dict[str, str], Path],
) -> None:
    server, health, logs = running
    app = ComplaintsApplication(env={"NATS_URL": server.url})
    try:
        for n in range(COMPLAINTS):
            submit(app, n)
    finally:
        app.close()

    def caught_up() -> bool:
        found = ready(f"{health['reporting']}/health/ready")
        return bool(found and found[0] == 200 and found[1]["position"] >= COMPLAINTS)

    wait_until_sync(caught_up, timeout=90, interval=0.2, message="reporting caught up")
    wait_until_sync(
        lambda: (ready(f"{health['notifier']}/health/ready") or (0,))[0] == 200,
        timeout=90,
        interval=0.2,
        message="notifier ready",
    )
    position = ready(f"{health['reporting']}/health/ready")[1]["position"]  # type: ignore[index]

    asyncio.run(shrink_log(server.url))

    def unready(service: str, *words: str) -> dict[str, Any] | None:
        found = ready(f"{health[service]}/health/ready")
        if (
            found
            and found[0] == 503
            and any(all(w in p for w in words) for p in found[1]["problems"])
        ):
            return found[1]
        return None

    body = wait_until_sync(
        lambda: unready("reporting", f"sequence {position}", "beyond the end", "last sequence 0"),
        timeout=60,
        interval=0.2,
        message="reporting unready: its read model beyond the end of the log",
    )
    assert body["status"] == "degraded"
    metrics = httpx.get(f"{health['reporting']}/metrics", timeout=5).text
    assert 'klachten_health_problem{check="position:projection"} 1.0' in metrics
    wait_until_sync(
        lambda: unready("notifier", "consumer notifier on COMPLAINTS is missing"),
        timeout=60,
        interval=0.2,
        message="notifier unready: its durable consumer went with the stream",
    )

    asyncio.run(durable_beyond_the_end(server.url, "notifier", start=40))
    wait_until_sync(
        lambda: unready("notifier", "consumer notifier", "sequence 39", "last sequence 0"),
        timeout=60,
        interval=0.2,
        message="notifier unready: its durable beyond the end of the log",
    )
    metrics = httpx.get(f"{health['notifier']}/metrics", timeout=5).text
    assert 'klachten_health_problem{check="position:notifier"} 1.0' in metrics
    reporting_log = "".join(p.read_text() for p in logs.glob("reporting.*.log"))
    assert "ERROR" in reporting_log and "beyond the end of the log" in reporting_log
