"""One complaint, one trace: ids from the complaint, parents from traceparent headers, the
header on stored events (real nats-server), and both exporters (JSON Lines, OTLP/HTTP) as
a service process would configure them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID, uuid4

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from typer.testing import CliRunner

from klachten.cli import app as cli
from klachten.commands.trace import read_spans
from klachten.stack.natsserver import EmbeddedNats
from shared.eventstore.application import ComplaintsApplication
from shared.eventstore.link import JetStreamLink
from shared.runtime import tracing
from tests.support.domain import submitted
from tests.support.otlp import otlp_collector

ROOT = Path(__file__).parents[2]


@pytest.fixture(scope="module")
def exporter() -> Iterator[InMemorySpanExporter]:
    """The process's tracer provider can be set once: reuse it if a test already did."""
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider(id_generator=tracing.ComplaintIds())
        trace.set_tracer_provider(provider)
    memory = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(memory))
    yield memory
    memory.shutdown()  # later tests' spans are not kept


@pytest.fixture
def spans(exporter: InMemorySpanExporter) -> Iterator[InMemorySpanExporter]:
    exporter.clear()
    yield exporter


def _by_name(finished: tuple[ReadableSpan, ...]) -> dict[str, ReadableSpan]:
    return {s.name: s for s in finished}


def test_the_root_span_is_the_complaint(spans: InMemorySpanExporter) -> None:
    cid = uuid4()
    with tracing.complaint_root("submit", cid), tracing.complaint_span("inner", cid):
        pass
    with tracing.complaint_span("later", cid):  # another day, another service
        pass
    found = _by_name(spans.get_finished_spans())
    root, inner, later = found["submit"], found["inner"], found["later"]
    assert root.context.trace_id == cid.int and root.parent is None
    assert root.context.span_id == cid.int & 0xFFFFFFFFFFFFFFFF
    assert inner.context.trace_id == cid.int and inner.parent.span_id == root.context.span_id
    assert later.context.trace_id == cid.int and later.parent.span_id == root.context.span_id
    assert inner.context.span_id != root.context.span_id


def test_a_consumer_is_the_child_of_the_publishers_span(spans: InMemorySpanExporter) -> None:
    cid = uuid4()
    publisher = f"00-{cid.int:032x}-{'ab' * 8}-01"
    foreign = f"00-{uuid4().int:032x}-{'cd' * 8}-01"
    with tracing.complaint_span("joined", cid, {"traceparent": publisher}):
        header = tracing.traceparent()["traceparent"]
    with tracing.complaint_span("not fooled", cid, {"traceparent": foreign}):
        pass
    found = _by_name(spans.get_finished_spans())
    assert found["joined"].parent.span_id == int("ab" * 8, 16)
    assert header.split("-")[1:3] == [f"{cid.int:032x}", f"{found['joined'].context.span_id:016x}"]
    assert found["not fooled"].context.trace_id == cid.int
    assert found["not fooled"].parent.span_id == tracing.root_span_id(cid.int)


def test_stored_events_carry_the_traceparent_of_their_append(
    spans: InMemorySpanExporter, provisioned_nats: EmbeddedNats
) -> None:
    app = ComplaintsApplication(env={"NATS_URL": provisioned_nats.url})
    link = JetStreamLink(provisioned_nats.url)
    try:
        complaint = submitted()
        with tracing.complaint_root("submit", complaint.id):
            app.save(complaint)
        stored = link.run(link.direct_get("COMPLAINTS", {"last_by_subj": "complaints.>"}))
    finally:
        link.close()
        app.close()
    found = _by_name(spans.get_finished_spans())
    publish = found["publish submitted"]
    assert publish.kind == trace.SpanKind.PRODUCER
    assert publish.parent.span_id == found["submit"].context.span_id
    assert stored is not None
    assert stored.headers["traceparent"] == (
        f"00-{complaint.id.int:032x}-{publish.context.span_id:016x}-01"
    )


_EMIT = """
import sys
from shared.runtime import tracing
from uuid import UUID
assert tracing.configure("intake", sys.argv[2])
cid = UUID(sys.argv[1])
with tracing.complaint_root("submit", cid), tracing.complaint_span("publish submitted", cid):
    pass
"""


def _emit(cid: UUID, traces_dir: str = "", **env: str) -> None:
    subprocess.run(
        [sys.executable, "-c", _EMIT, str(cid), traces_dir],
        cwd=ROOT,
        env={**os.environ, **env},
        check=True,
        timeout=60,
    )


def test_a_service_writes_json_lines_and_klachten_trace_shows_the_tree(tmp_path: Path) -> None:
    cid, other = uuid4(), uuid4()
    _emit(cid, str(tmp_path))
    _emit(other, str(tmp_path))  # a second process appends to the same file
    lines = (tmp_path / "intake.jsonl").read_text().splitlines()
    assert len(lines) == 4 and all(json.loads(line)["name"] for line in lines)
    result = CliRunner().invoke(cli, ["trace", str(cid), "--traces-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    shown = result.output.splitlines()
    assert shown[0].startswith(f"trace {cid.int:032x} (2 spans)")
    assert shown[1].endswith("klachten-intake: submit")
    assert shown[2].endswith("  klachten-intake: publish submitted")  # indented: a child
    missing = CliRunner().invoke(cli, ["trace", str(uuid4()), "--traces-dir", str(tmp_path)])
    assert missing.exit_code == 1
    env = {"KLACHTEN_NATS_URL": "nats://127.0.0.1:9"}  # nothing listens: no lookup possible
    bad = CliRunner().invoke(cli, ["trace", "KL-2026-1", "--traces-dir", str(tmp_path)], env=env)
    said = " ".join(bad.output.replace("│", " ").split())  # unwrap the error box
    assert bad.exit_code == 2 and "give the complaint id" in said, said


def test_spans_reach_an_otlp_collector_over_http() -> None:
    cid = uuid4()
    with otlp_collector() as collector:
        _emit(cid, OTEL_EXPORTER_OTLP_ENDPOINT=collector.url)
    spans = collector.spans()
    assert {s.name for s in spans} == {"submit", "publish submitted"}
    assert {s.trace_id for s in spans} == {cid.bytes}
    assert collector.services() == {"klachten-intake"}


def test_span_files_rotate_and_keep_one_older_generation(
    spans: InMemorySpanExporter, tmp_path: Path
) -> None:
    cid = uuid4()
    for n in range(60):
        with tracing.complaint_span(f"step {n}", cid):
            pass
    made = [s.name for s in spans.get_finished_spans()]
    path, older = tmp_path / "notifier.jsonl", tmp_path / "notifier.jsonl.1"
    one, two = tracing.JsonLinesExporter(path, 4000), tracing.JsonLinesExporter(path, 4000)
    for i, span in enumerate(spans.get_finished_spans()):  # two processes, taking turns
        (one if i % 2 else two).export([span])
    lines = [line for f in (older, path) for line in f.read_text().splitlines()]
    kept = [json.loads(line)["name"] for line in lines]
    longest = max(len(line) + 1 for line in lines)
    assert older.stat().st_size >= 4000 and path.stat().st_size < 4000 + longest
    assert kept == made[len(made) - len(kept) :]  # the newest spans, in order, none torn
    assert 0 < len(kept) < len(made)  # generations before the older one are gone
    assert sorted(s["name"] for s in read_spans(tmp_path, str(cid))) == sorted(kept)


_BATCHED = """
import sys
from pathlib import Path
from uuid import uuid4
from shared.runtime import tracing
assert tracing.configure("intake", sys.argv[1])
file, cid = Path(sys.argv[1]) / "intake.jsonl", uuid4()
with tracing.complaint_root("submit", cid), tracing.complaint_span("publish submitted", cid):
    pass
print(len(file.read_text().splitlines()), end=" ")  # on the request path: nothing written
tracing.flush()  # what the lifespans do before uvicorn re-raises SIGTERM
print(len(file.read_text().splitlines()))
"""


def test_span_files_are_written_off_the_request_path_and_flushed(tmp_path: Path) -> None:
    env = {**os.environ, "OTEL_BSP_SCHEDULE_DELAY": "600000"}  # the batch would wait 10 min
    shown = subprocess.run(
        [sys.executable, "-c", _BATCHED, str(tmp_path)],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=60,
        capture_output=True,
        text=True,
    )
    assert shown.stdout.split() == ["0", "2"]


def test_span_lines_are_the_sdks_span_json(spans: InMemorySpanExporter, tmp_path: Path) -> None:
    cid = uuid4()
    with tracing.complaint_root("submit", cid), tracing.complaint_span("smtp", cid) as span:
        span.add_event("refused", {"code": 451, "recipients": ("a@example.org",)})
        span.set_status(trace.Status(trace.StatusCode.ERROR, "relay down"))
    exporter = tracing.JsonLinesExporter(tmp_path / "intake.jsonl")
    finished = spans.get_finished_spans()
    assert len(finished) == 2
    for made in finished:
        assert json.loads(exporter.line(made)) == json.loads(made.to_json())
