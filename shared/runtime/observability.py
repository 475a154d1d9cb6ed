"""Logs, metrics, health and traces shared by the services.

- Logs: one line per record, text or JSON (``KLACHTEN_LOG_FORMAT``), with the complaint id and
  correlation id of the work in hand (`bound(...)`); any ``scheme://user:password@``, private
  link token and e-mail address is masked (`clean`).
- Metrics: Prometheus (prometheus_client's default registry): faststream's middleware for the
  consumers plus the domain counters below; `metrics_body()` is what ``/metrics`` serves.
- Health: one JSON shape for every service, in shared/runtime/health.py (``/health/live``,
  ``/health/ready``); `health_routes` adds ``/metrics`` for the faststream services. Service
  logs are capped (`rotate_log`).
- Traces: `handling(...)` makes each consumed message a span of its complaint's trace (the
  trace id is the complaint id; see shared/runtime/tracing.py for the rest).
(About 340 lines: logs, metrics and the consumer span share the bound complaint context;
splitting them would pass that context through three modules.)
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import json
import logging
import os
import re
import shutil
import signal
import sys
from collections.abc import Awaitable, Callable, Coroutine, Iterator, Mapping
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID

import uvicorn
from faststream.asgi import AsgiResponse, get
from opentelemetry.trace import SpanKind
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Gauge, generate_latest
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from shared.config.permissions import mask
from shared.contract import subjects
from shared.privacy import statuslink, surveylink
from shared.runtime import health, tracing
from shared.runtime.logwatch import LogWatch

complaint_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "complaint_id", default=None
)
correlation_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "correlation_id", default=None
)
T = TypeVar("T")

# --- metrics -------------------------------------------------------------------------------

COMPLAINTS_RECEIVED = Counter(
    "klachten_complaints_received", "Complaints registered by intake", ["channel"]
)
LETTERS_SENT = Counter("klachten_letters_sent", "Letters handed to SMTP", ["event_type"])
NOTIFIER_OUTCOMES = Counter(
    "klachten_notifier_outcomes", "Notifier deliveries by result", ["event_type", "outcome"]
)
ESCALATIONS = Counter("klachten_escalations", "Escalations recorded", ["by"])


@functools.cache
def projection_gauges() -> tuple[Gauge, Gauge]:
    """Position and lag of the read model (made by reporting only, so no other service shows
    a misleading zero)."""
    position = Gauge(
        "klachten_projection_position", "Last stream sequence in the reporting read model"
    )
    lag = Gauge("klachten_projection_lag_events", "Stream sequences the read model is behind")
    return position, lag


DEAD_LETTERS = Counter("klachten_dead_letters", "Messages given up on", ["consumer"])


def metrics_body() -> tuple[bytes, str]:
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


def prometheus_middleware(app_name: str) -> list[Any]:
    """faststream's consumer metrics, labelled by subject *pattern*: a label per complaint
    would grow without bound."""
    from faststream.nats.prometheus.provider import NatsMetricsSettingsProvider
    from faststream.prometheus.middleware import PrometheusMiddleware

    class ByPattern(NatsMetricsSettingsProvider):
        def get_consume_attrs_from_message(self, msg: Any) -> Any:
            attrs = super().get_consume_attrs_from_message(msg)
            return {**attrs, "destination_name": subject_pattern(attrs["destination_name"])}

    return [
        PrometheusMiddleware(
            settings_provider_factory=lambda _msg: ByPattern(),
            registry=REGISTRY,
            app_name=app_name,
        )
    ]


subject_pattern = subjects.subject_pattern  # metric labels: ``complaints.*.*.submitted``


# --- health and metrics for faststream services (AsgiFastStream routes) -----------------------


def health_routes(
    broker: Any, ready: Callable[[], bool | Awaitable[bool]], watch: LogWatch | None = None
) -> list[tuple[str, Any]]:
    """``/health/live`` and ``/health/ready`` in the one health shape (shared/runtime/health.py:
    the broker answers a ping, `ready()`, the `watch` sees no problem), and ``/metrics``."""

    @get(include_in_schema=False)
    async def metrics(scope: Any) -> AsgiResponse:
        body, content_type = metrics_body()
        return AsgiResponse(body, 200, headers={"content-type": content_type})

    return [*health.asgi_routes(broker, ready, watch), ("/metrics", metrics)]


class _HttpServer(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield  # the service owns SIGINT/SIGTERM: it stops the consumers, then the HTTP side


HEADER_TIMEOUT = 10.0  # s a client has for a request line and headers (uvicorn has no limit)


@functools.cache
def header_deadline(seconds: float = HEADER_TIMEOUT) -> type[HttpToolsProtocol]:
    """uvicorn's HTTP protocol, closing a connection that has not sent a request's complete
    headers within ``seconds`` of opening (or of its next request's first byte): half-open
    and slowloris connections are dropped instead of held. Idle keep-alive connections are
    uvicorn's own ``timeout_keep_alive`` (5 s)."""

    class HeaderDeadline(HttpToolsProtocol):
        _deadline: asyncio.TimerHandle | None = None

        def connection_made(self, transport: Any) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm()

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._arm()

        def on_headers_complete(self) -> None:
            self._disarm()
            super().on_headers_complete()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def _arm(self) -> None:
            self._disarm()
            self._deadline = self.loop.call_later(seconds, self.transport.close)

        def _disarm(self) -> None:
            if self._deadline is not None:
                self._deadline.cancel()
                self._deadline = None

    return HeaderDeadline


def run_service(main: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run`` on the loop uvicorn picks itself (``loop="auto"``: uvloop, installed),
    for the services whose ``__main__`` owns the loop; uvicorn's HTTP side takes httptools."""
    with asyncio.Runner(loop_factory=uvicorn.Config(app=None).get_loop_factory()) as runner:
        return runner.run(main)


async def run_with_http(app: Any, host: str, port: int) -> None:
    """Run a faststream app (consumers and hooks) until SIGINT/SIGTERM, serving its HTTP routes
    on host:port. A port in use costs the endpoints (logged), never the service's work."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        lifespan="off",
        log_level="warning",
        access_log=False,
        http=header_deadline(),
    )
    server = _HttpServer(config)

    async def serve_http() -> None:
        try:
            await server.serve()
        except SystemExit:
            logging.getLogger("klachten").warning(
                "health and metrics not served: cannot listen on %s:%d", host, port
            )

    async with app:
        http = asyncio.create_task(serve_http())
        await stop.wait()
        server.should_exit = True
        await http


# --- structured logs -----------------------------------------------------------------------

_TEXT = "%(asctime)s %(levelname)s %(name)s %(message)s"


# An e-mail address as people and mail servers write them (IDN and Unicode local parts
# included): a domain needs a dot and a top level of letters, so "intake@127.0.0.1" (a URL's
# user) is not one. Message-IDs have the same shape and are redacted alike.
_ADDRESS = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@(?:[\w-]+\.)+[^\W\d_]{2,}(?![\w-])", re.UNICODE)
ADDRESS_REDACTED = "<address>"


def clean(text: str) -> str:
    """`text` without passwords in URLs, status-link or survey tokens (shared/privacy/) nor
    e-mail addresses (aiosmtpd logs every sender and recipient at INFO; a log is kept longer
    than an erased complainant's data may be, and is not erased with it)."""
    return _ADDRESS.sub(ADDRESS_REDACTED, surveylink.redact(statuslink.redact(mask(text))))


class MaskSecrets(logging.Filter):
    """Never let a password in a URL or a status-link token reach a log (handlers of other
    libraries included). Arguments are cleaned one by one: uvicorn's access formatter unpacks
    them (client, method, path, ...), so they must stay a tuple."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(clean(a) if isinstance(a, str) else a for a in record.args)
        if isinstance(record.msg, str):
            record.msg = clean(record.msg)
        message = record.getMessage()
        if clean(message) != message:
            record.msg, record.args = clean(message), None
        return True


def mask_access_log() -> None:
    """uvicorn's access logger has its own handler (not the root's): filter it too."""
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, MaskSecrets) for f in access.filters):
        access.addFilter(MaskSecrets())


class ContextFormatter(logging.Formatter):
    """Text with `` complaint_id=… correlation_id=…`` appended, or one JSON object per line."""

    def __init__(self, json_lines: bool) -> None:
        super().__init__(_TEXT)
        self.json_lines = json_lines

    def format(self, record: logging.LogRecord) -> str:
        ids = {"complaint_id": complaint_id_var.get(), "correlation_id": correlation_id_var.get()}
        ids = {k: v for k, v in ids.items() if v}
        if not self.json_lines:
            text = super().format(record)
            return clean(text + "".join(f" {k}={v}" for k, v in ids.items()))
        out: dict[str, Any] = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **ids,
        }
        out.update(tracing.current_ids())
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return clean(json.dumps(out, default=str))


LOG_MAX_BYTES = 16 * 2**20


def rotate_log(path: Path, max_bytes: int = LOG_MAX_BYTES) -> bool:
    """Cap a log that a child process appends to (its stdout, opened O_APPEND): past
    `max_bytes` it is copied to ``<name>.1`` (one older generation) and truncated in place,
    so the writer goes on at the new end without reopening. Lines written between the copy
    and the truncation are lost: these are diagnostics, the log of record is the stream."""
    try:
        if path.stat().st_size < max_bytes:
            return False
        shutil.copyfile(path, path.with_name(path.name + ".1"))
        os.truncate(path, 0)
    except OSError:
        return False  # gone, or the disk is full: try again next time
    return True


def configure_logging(level: str = "INFO", log_format: str = "text") -> None:
    """Root logging for a service process (replaces earlier handlers)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(ContextFormatter(json_lines=log_format.strip().lower() == "json"))
    handler.addFilter(MaskSecrets())
    logging.basicConfig(level=level.upper(), handlers=[handler], force=True)


@contextlib.contextmanager
def bound(
    complaint_id: str | UUID | None, correlation_id: str | UUID | None = None
) -> Iterator[None]:
    """Log records inside carry these ids (correlation defaults to the complaint: the id every
    event of one complaint shares)."""
    cid = str(complaint_id) if complaint_id else None
    tokens = (
        complaint_id_var.set(cid),
        correlation_id_var.set(str(correlation_id) if correlation_id else cid),
    )
    try:
        yield
    finally:
        correlation_id_var.reset(tokens[1])
        complaint_id_var.reset(tokens[0])


def complaint_of(subject: str) -> str | None:
    """The complaint id in ``complaints.<id>.…`` or ``timers.<kind>.<id>.…``."""
    complaint_id = subjects.complaint_of(subject)
    return None if complaint_id is None else str(complaint_id)


# --- traces --------------------------------------------------------------------------------


@contextlib.contextmanager
def handling(
    service: str, subject: str, headers: Mapping[str, str] | None = None
) -> Iterator[None]:
    """One message's work: logs carry its complaint, and it is a CONSUMER span of that
    complaint's trace, the child of the span that published the message (its traceparent)."""
    complaint = complaint_of(subject)
    with bound(complaint):
        if complaint is None:
            yield
            return
        attributes = {
            "messaging.system": "nats",
            "messaging.operation.type": "process",
            "messaging.destination.name": subject,
            "messaging.consumer.group.name": service,
        }
        name = f"process {subject.split('.')[-1]}"
        with tracing.complaint_span(
            name, complaint, headers, kind=SpanKind.CONSUMER, attributes=attributes
        ):
            yield
