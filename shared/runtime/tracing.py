"""OpenTelemetry traces: one complaint, one trace, across every service.

- The trace id *is* the complaint id (both 128 bits), so every service joins the complaint's
  trace without asking anyone, days or weeks later too, and an operator finds a complaint's
  trace by its id. The root span is intake's ``submit``; its span id is the complaint id's low
  64 bits, so any service can name the root as a parent (`complaint_context`).
- Every append of events is a PRODUCER span; the persistence module stores its W3C
  ``traceparent`` as a header on each event (outside the hash chain: the body and the chain stay
  as they are). A consumer's span is the child of that span when the header belongs to the
  complaint's trace, else of the root (`complaint_context`).
- Export (`configure`): ``KLACHTEN_TRACES_DIR`` writes one JSON object per span per line to
  ``<dir>/<service>.jsonl`` (the SDK's own span JSON; `klachten up` sets it to
  ``$KLACHTEN_DATA_DIR/traces``); the standard ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or
  ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``) sends them to a collector over OTLP/HTTP. With
  neither, no provider is installed and spans are non-recording (they cost next to nothing).
- Both exporters run off the request path, in the SDK's batch processor thread (queue and
  delay: the standard ``OTEL_BSP_*`` variables; a full queue drops spans, never waits).
  `flush` empties the batch: the lifespans call it, because uvicorn re-raises SIGTERM and
  skips interpreter exit; other processes flush at exit. Sampling: the standard
  ``OTEL_TRACES_SAMPLER`` (``traceidratio`` decides per complaint alike in every service,
  the trace id being the complaint id).
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any
from uuid import UUID

import msgspec
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    SpanExporter,
    SpanExportResult,
)
from opentelemetry.sdk.trace.id_generator import RandomIdGenerator
from opentelemetry.sdk.util import ns_to_iso_str
from opentelemetry.trace import NonRecordingSpan, SpanContext, SpanKind, TraceFlags
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from shared.config.settings import Settings
from shared.privacy import statuslink, surveylink

TRACER = "klachten"
_PROPAGATOR = TraceContextTextMapPropagator()
_ENCODER = msgspec.json.Encoder()
# Set while intake starts a complaint's root span: the ids the id generator hands out next.
_root: contextvars.ContextVar[int | None] = contextvars.ContextVar("root", default=None)


def root_span_id(trace_id: int) -> int:
    return (trace_id & 0xFFFFFFFFFFFFFFFF) or 1


class ComplaintIds(RandomIdGenerator):
    """Random ids, except a complaint's root span: trace id = the complaint id, span id = its
    low 64 bits. The SDK asks for a trace id only for a span without a parent, then its
    span id, so the pair is handed out together."""

    def generate_trace_id(self) -> int:
        root = _root.get()
        return root if root is not None else super().generate_trace_id()

    def generate_span_id(self) -> int:
        root = _root.get()
        if root is not None:
            _root.set(None)  # only the root span itself; its children get random ids
            return root_span_id(root)
        return super().generate_span_id()

    def is_trace_id_random(self) -> bool:
        return False


class JsonLinesExporter(SpanExporter):
    """One span per line, a batch appended with a single write() to an O_APPEND file, so
    processes sharing a file never interleave inside a line. At `max_bytes` the file becomes
    ``<name>.1`` (the one older generation kept) and a new one starts, so the embedded default
    never fills a disk; a process that finds its file rotated by another one reopens it."""

    def __init__(self, path: Path, max_bytes: int = 64 * 2**20) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path, self.max_bytes = path, max_bytes
        self.fd = self._open()
        self._resource: tuple[Resource, dict[str, Any]] | None = None

    def _open(self) -> int:
        return os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        try:
            self._rotate_if_due()
            lines = b"".join(self.line(span) for span in spans)
            written = os.write(self.fd, lines)
            if written < len(lines):  # only when the disk fills: the rest fails or drops
                os.write(self.fd, lines[written:])
        except OSError:
            # A full disk: spans are diagnostics, dropped quietly (no traceback per span
            # filling the service log); the log of record is the stream.
            return SpanExportResult.FAILURE
        return SpanExportResult.SUCCESS

    def line(self, span: ReadableSpan) -> bytes:
        """The SDK's span JSON (`ReadableSpan.to_json`, the same object) at half its cost: the
        resource, the same for every span, is encoded once, and msgspec encodes the rest."""
        if self._resource is None or self._resource[0] is not span.resource:
            self._resource = (span.resource, json.loads(span.resource.to_json()))
        status = {"status_code": span.status.status_code.name}
        if span.status.description:
            status["description"] = span.status.description
        parent = span.parent
        fields = {
            "name": span.name,
            "context": ReadableSpan._format_context(span.context) if span.context else None,
            "kind": str(span.kind),
            "parent_id": f"0x{parent.span_id:016x}" if parent is not None else None,
            "start_time": ns_to_iso_str(span.start_time) if span.start_time else None,
            "end_time": ns_to_iso_str(span.end_time) if span.end_time else None,
            "status": status,
            "attributes": ReadableSpan._format_attributes(span.attributes),
            "events": ReadableSpan._format_events(span.events),
            "links": ReadableSpan._format_links(span.links),
            "resource": self._resource[1],
        }
        # A status-link token (a URL, a route attribute) never reaches the span file.
        line = _ENCODER.encode(fields)
        if b"/status/" in line:
            line = surveylink.redact(statuslink.redact(line.decode())).encode()
        return line + b"\n"

    def _rotate_if_due(self) -> None:
        mine = os.fstat(self.fd)
        try:
            current = os.stat(self.path)
        except FileNotFoundError:
            current = None
        if current is not None and current.st_ino == mine.st_ino:
            if mine.st_size < self.max_bytes:
                return
            os.replace(self.path, self.path.with_name(self.path.name + ".1"))
        os.close(self.fd)
        self.fd = self._open()

    def shutdown(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self.fd)


def configure(
    service: str,
    traces_dir: str = "",
    env: Mapping[str, str] | None = None,
    *,
    otlp_endpoint: str | None = None,
) -> bool:
    """Install this process's tracer provider; False (tracing off) when nothing would export.
    `otlp_endpoint`: the settings' (None: what the shared settings `env` gives say, the
    process's environment when None); the exporter itself reads the OTEL_* variables."""
    if otlp_endpoint is None:
        otlp_endpoint = Settings.from_env(env, credentials=False).otlp_endpoint
    processors: list[SpanProcessor] = []
    if traces_dir:
        exporter = JsonLinesExporter(Path(traces_dir) / f"{service}.jsonl")
        processors.append(BatchSpanProcessor(exporter))
    if otlp_endpoint:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        processors.append(BatchSpanProcessor(OTLPSpanExporter()))
    if not processors:
        return False
    resource = Resource.create({"service.name": f"klachten-{service}", "service.namespace": TRACER})
    provider = TracerProvider(resource=resource, id_generator=ComplaintIds())
    for processor in processors:
        provider.add_span_processor(processor)
    trace.set_tracer_provider(provider)
    return True


def flush(timeout_s: float = 5.0) -> None:
    """Export what is batched (span file, OTLP) before a process ends; call it on the way
    out where the interpreter's exit hooks may not run (uvicorn re-raises SIGTERM)."""
    provider = trace.get_tracer_provider()
    if isinstance(provider, TracerProvider):
        provider.force_flush(int(timeout_s * 1000))


def complaint_context(complaint_id: str | UUID, headers: Mapping[str, str] | None = None) -> Any:
    """The context to start a complaint's span in: the span of the current context or of a
    ``traceparent`` header when it belongs to the complaint's trace, else its root span."""
    trace_id = UUID(str(complaint_id)).int
    current = trace.get_current_span().get_span_context()
    if current.is_valid and current.trace_id == trace_id:
        return None  # already inside the complaint's trace
    if headers and "traceparent" in headers:
        extracted = _PROPAGATOR.extract({"traceparent": headers["traceparent"]})
        parent = trace.get_current_span(extracted).get_span_context()
        if parent.is_valid and parent.trace_id == trace_id:
            return extracted
    root = SpanContext(
        trace_id=trace_id,
        span_id=root_span_id(trace_id),
        is_remote=True,
        trace_flags=TraceFlags(TraceFlags.SAMPLED),
    )
    return trace.set_span_in_context(NonRecordingSpan(root), Context())


@contextlib.contextmanager
def complaint_span(
    name: str,
    complaint_id: str | UUID,
    headers: Mapping[str, str] | None = None,
    *,
    kind: SpanKind = SpanKind.INTERNAL,
    attributes: Mapping[str, Any] | None = None,
) -> Iterator[trace.Span]:
    """A span of the complaint's trace (see `complaint_context` for its parent)."""
    attrs = {"klachten.complaint_id": str(complaint_id), **(attributes or {})}
    context = complaint_context(complaint_id, headers)
    tracer = trace.get_tracer(TRACER)
    with tracer.start_as_current_span(name, context=context, kind=kind, attributes=attrs) as span:
        yield span


@contextlib.contextmanager
def complaint_root(name: str, complaint_id: str | UUID) -> Iterator[trace.Span]:
    """The complaint's root span (intake's submit): no parent, ids from the complaint id."""
    token = _root.set(UUID(str(complaint_id)).int)
    try:
        tracer = trace.get_tracer(TRACER)
        attrs = {"klachten.complaint_id": str(complaint_id)}
        with tracer.start_as_current_span(
            name, context=Context(), kind=SpanKind.SERVER, attributes=attrs
        ) as span:
            _root.set(None)
            yield span
    finally:
        _root.reset(token)


def step(name: str) -> contextlib.AbstractContextManager[trace.Span]:
    """A child span of the current one: a step of the work in hand (e.g. "smtp send")."""
    return trace.get_tracer(TRACER).start_as_current_span(name)


def traceparent() -> dict[str, str]:
    """The current span as W3C trace context headers ({} outside a recorded span)."""
    headers: dict[str, str] = {}
    _PROPAGATOR.inject(headers)
    return headers


def current_ids() -> dict[str, str]:
    """Trace and span id of the current span, for log lines ({} when there is none)."""
    ctx = trace.get_current_span().get_span_context()
    if not ctx.is_valid:
        return {}
    return {"trace_id": f"{ctx.trace_id:032x}", "span_id": f"{ctx.span_id:016x}"}
