"""Intake's spans reach a collector when it is stopped with SIGTERM: uvicorn re-raises the
signal after its shutdown, so the interpreter's exit hooks never run and only the flush in the
lifespan can send what the exporter's batch still holds."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

import httpx

from klachten.stack.natsserver import EmbeddedNats
from tests.support.intake import complaint_body
from tests.support.otlp import otlp_collector
from tests.support.polling import wait_until_sync
from tests.support.ports import free_port
from tests.support.processes import ServiceProcess


def test_a_sigterm_still_sends_the_batched_spans(
    provisioned_nats: EmbeddedNats, tmp_path: Path
) -> None:
    port = free_port()
    with otlp_collector() as collector:
        env = {
            "KLACHTEN_NATS_URL": provisioned_nats.url,
            "KLACHTEN_INTAKE_PORT": str(port),
            "KLACHTEN_SMTP_PORT": str(free_port()),
            "KLACHTEN_DATA_DIR": str(tmp_path),
            "OTEL_EXPORTER_OTLP_ENDPOINT": collector.url,
            "OTEL_BSP_SCHEDULE_DELAY": "600000",  # the batch would wait ten minutes
        }
        intake = ServiceProcess("intake", env, tmp_path).start()
        try:
            base = f"http://127.0.0.1:{port}"
            wait_until_sync(
                lambda: httpx.get(f"{base}/health/ready").status_code == 200,
                timeout=60,
                message="intake ready",
            )
            answer = httpx.post(f"{base}/api/complaints", json=complaint_body())
            assert answer.status_code == 201, answer.text
            cid = UUID(answer.json()["complaint_id"])
            assert collector.spans() == []  # still in the batch
        finally:
            intake.stop()  # SIGTERM
        names = {s.name for s in collector.spans() if s.trace_id == cid.bytes}
    assert {"submit", "publish submitted"} <= names
