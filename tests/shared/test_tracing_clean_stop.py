"""Spans are written off the handler path and none is lost on a clean stop (issue #23): a
service process that does not flush in a lifespan (sla_monitor, like the notifier, returns from
its loop and exits) writes nothing while it handles a complaint's events, and everything when
SIGTERM stops it. Real nats-server, the service as its own process."""

from __future__ import annotations

import asyncio
from pathlib import Path

import nats
import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

from klachten.commands.trace import read_spans
from klachten.stack.natsserver import EmbeddedNats
from shared.eventstore.application import ComplaintsApplication
from shared.runtime import tracing
from tests.support.domain import NOW
from tests.support.polling import wait_until
from tests.support.ports import free_port
from tests.support.processes import ServiceProcess
from tests.support.sla import new_complaint, policy_file, scheduled_wake, sla_env, sla_settings


def test_the_exporters_run_in_the_batch_processor(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What `configure` installs: a batch processor per exporter, never a per-span write."""
    installed: list[TracerProvider] = []
    monkeypatch.setattr(tracing.trace, "set_tracer_provider", installed.append)
    assert tracing.configure("sla_monitor", str(tmp_path), otlp_endpoint="http://127.0.0.1:9")
    [provider] = installed
    processors = provider._active_span_processor._span_processors
    assert len(processors) == 2 and all(isinstance(p, BatchSpanProcessor) for p in processors)
    provider.shutdown()


async def test_a_clean_stop_writes_every_span_the_monitor_made(
    provisioned_nats: EmbeddedNats, nc: nats.NATS, tmp_path: Path
) -> None:
    traces = tmp_path / "traces"
    env = sla_env(sla_settings(provisioned_nats.url, policy_file(tmp_path)))
    env |= {
        "KLACHTEN_TRACES_DIR": str(traces),
        "KLACHTEN_SLA_PORT": str(free_port()),
        "OTEL_BSP_SCHEDULE_DELAY": "600000",  # a batch would wait ten minutes
    }
    monitor = ServiceProcess("sla_monitor", env, tmp_path, name="sla", stop_wait=30)
    complaints = ComplaintsApplication(env={"NATS_URL": provisioned_nats.url})
    complaint = new_complaint(NOW)
    try:
        await asyncio.to_thread(complaints.save, complaint)
        monitor.start()
        await wait_until(lambda: scheduled_wake(nc, complaint.id), timeout=30, message="timer")
        assert read_spans(traces, str(complaint.id)) == []  # handled: nothing written yet
        monitor.stop()
    finally:
        monitor.stop()
        complaints.close()
    assert monitor.process is not None and monitor.process.returncode == 0
    names = {span["name"] for span in read_spans(traces, str(complaint.id))}
    assert names, "no span of the complaint's handling was written on the way out"
    print(f"\n[tracing] written on SIGTERM: {sorted(names)}")
