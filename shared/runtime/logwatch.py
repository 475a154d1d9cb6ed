"""Is the log writable, and is every position we keep inside it? One watch per service.

A `LogWatch` runs its checks every second; each answers None (fine) or a sentence naming the
problem. `/health/ready` is 503 while any problem stands; a problem that appears is logged at
ERROR and sets ``klachten_health_problem{check=…}`` to 1 (0 again, and an INFO line, when it
clears), so an alert needs no log parsing.

- ``log``: the nats-server's monitoring says its store cannot be written (a write error such as
  "no space left on device", which nats-server keeps until it restarts) or its store limit
  (``max_file_store``) is reached. Only the server this process is connected to counts (its
  ``server_id``); no monitoring, no verdict.
- ``shrunk``: the stream's last sequence is below the highest one any process of this data
  folder recorded (shared/eventstore/highwater.py): the log lost events; appends are refused too.
- ``position:<name>``: a durable consumer's delivered sequence or ack floor, or the
  projection's position, lies beyond the stream's last sequence (a restored or shrunken log:
  new events would be skipped).

It also remembers a permissions violation the NATS connection reported (nats-py reports them
out of band; the request only times out), so `classify` can tell a configuration error from
an outage (shared/runtime/failures.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import shutil
import time
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from prometheus_client import Gauge

from shared.contract import subjects
from shared.eventstore import highwater
from shared.runtime import failures

log = logging.getLogger("klachten.health")
Check = Callable[[], Awaitable[str | None]]
PROBLEM = Gauge("klachten_health_problem", "1 while a readiness check fails", ["check"])
STORE_MIN_FREE = 2**20  # below this much room under max_file_store nothing more fits (max_payload)
VIOLATION_MEMORY = 30.0  # s a reported permissions violation explains a timed-out request
_current: LogWatch | None = None


class LogWatch:
    def __init__(self, service: str, checks: dict[str, Check], interval: float = 1.0) -> None:
        self.service, self.checks, self.interval = service, dict(checks), interval
        self.problems: dict[str, str] = {}
        self.checked = asyncio.Event()  # set after the first round of checks
        self._violation: tuple[float, str] | None = None
        self._task: asyncio.Task[None] | None = None

    def add(self, name: str, check: Check) -> None:
        self.checks[name] = check

    def start(self) -> LogWatch:
        global _current
        _current = self
        self._task = asyncio.create_task(self._run(), name=f"{self.service} log watch")
        return self

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def check_now(self) -> None:
        for name, check in list(self.checks.items()):
            try:
                problem = await check()
            except Exception as error:  # unknown is not a problem: the service may work
                log.debug("health check %s failed: %s", name, error)
                problem = None
            self._record(name, problem)
        self.checked.set()

    async def _run(self) -> None:
        while True:
            await self.check_now()
            await asyncio.sleep(self.interval)

    def _record(self, name: str, problem: str | None) -> None:
        before = self.problems.get(name)
        if problem == before:
            return
        if problem is None:
            del self.problems[name]
            log.info("%s: %s is fine again", self.service, name)
        else:
            self.problems[name] = problem
            log.error("%s not ready: %s", self.service, problem)
        PROBLEM.labels(name).set(0 if problem is None else 1)

    @property
    def ready(self) -> bool:
        return not self.problems

    def store_problem(self) -> str | None:
        """Why nothing may be appended now: the store cannot be written, or the log shrank."""
        return self.problems.get("log") or self.problems.get("shrunk")

    def refuse_appends(self) -> None:
        """Fail fast: no write is tried while the log shrank or its store is known full."""
        if shrunk := self.problems.get("shrunk"):
            raise failures.LogShrunk(shrunk)
        if full := self.problems.get("log"):
            raise failures.StorageFull(full)

    def shrunk(self) -> str | None:
        """Why consumers pause now: the log shrank, or its length is not checked yet (a
        delivery right after start must not slip through before the first check)."""
        if not self.checked.is_set():
            return "the length of the log is not checked yet"
        return self.problems.get("shrunk")

    async def on_nats_error(self, error: Exception) -> None:
        """error_cb of a NATS connection: remember a permissions violation, say it loudly."""
        text = str(error)
        if any(w in text.lower() for w in failures.PERMISSION_WORDS):
            self._violation = (time.monotonic(), text)
            log.error(
                "%s: NATS refused an operation: %s (a configuration error)", self.service, text
            )
        else:
            log.warning("%s: NATS: %s", self.service, text)

    def recent_violation(self) -> str | None:
        if self._violation and time.monotonic() - self._violation[0] < VIOLATION_MEMORY:
            return self._violation[1]
        return None

    def classify(self, error: BaseException) -> failures.Kind | None:
        return failures.classify(error, self.store_problem(), self.recent_violation())


def current() -> LogWatch | None:
    """The watch this process started (the SMTP side of intake shares the HTTP side's)."""
    return _current


def refuse_appends() -> None:
    """`LogWatch.refuse_appends` of this process's watch (none started: nothing to refuse)."""
    if _current is not None:
        _current.refuse_appends()


def classify(error: BaseException) -> failures.Kind | None:
    watch = current()
    return watch.classify(error) if watch else failures.classify(error)


def smtp_reply(error: BaseException) -> str:
    """The SMTP reply for a mail we could not record because of `error` (always 4xx/5xx)."""
    kind = classify(error)
    level = logging.WARNING if kind == "unavailable" else logging.ERROR
    log.log(
        level, "could not record an inbound mail (%s): %s: %s", kind or "unexpected",
        type(error).__name__, error, exc_info=kind is None,
    )  # fmt: skip
    return failures.smtp_reply(kind)


# --- the store, as the nats-server's monitoring sees it ------------------------------------


def monitor_url(nats_url: str, nats_port: int, monitor_port: int) -> str:
    """The monitoring URL of the server in `nats_url` (the first of a list): same host, and
    the monitor port shifted like the client port (`klachten up --cluster` numbers nodes so)."""
    first = nats_url.split(",")[0].strip()
    parts = urlsplit(first if "://" in first else f"nats://{first}")
    port = parts.port or nats_port
    return f"http://{parts.hostname or '127.0.0.1'}:{monitor_port + port - nats_port}"


def store_problem(status: int, health: dict[str, Any], jsz: dict[str, Any]) -> str | None:
    """None when the store takes writes; else why not, in words an operator acts on."""
    error = str(health.get("error", ""))
    if status != 200 and failures.is_storage_problem(error):
        return f"storage is full or failing, the log cannot be written: {error}"
    limit = int((jsz.get("config") or {}).get("max_storage") or 0)
    used = int(jsz.get("storage") or 0)
    if limit > 0 and limit - used < STORE_MIN_FREE:
        return (
            f"storage is full: the log store uses {used} of its {limit} bytes (max_file_store); "
            "insufficient resources for another write"
        )
    return None


def store_check(url: str, server_id: Callable[[], str | None]) -> Check:
    """The ``log`` check against the monitoring at `url` (http://host:port)."""

    async def check() -> str | None:
        health, jsz = await asyncio.gather(
            asyncio.to_thread(_get_json, f"{url}/healthz"),
            asyncio.to_thread(_get_json, f"{url}/jsz"),
        )
        if health is None or jsz is None:
            return None
        connected = server_id()
        if connected and jsz[1].get("server_id") not in (None, connected):
            return None  # the monitoring of another server (a cluster, a busy default port)
        return store_problem(health[0], health[1], jsz[1])

    return check


def server_id_of(nc: Any) -> str | None:
    """The id of the server a nats-py client is connected to (it changes on a restart)."""
    info = getattr(nc, "_server_info", None) or {}
    return info.get("server_id")


def restart_reason(error: str, free: int, total: int) -> str | None:
    """A nats-server keeps a write error until it restarts: restart it once there is room."""
    if not failures.is_storage_problem(error):
        return None
    if free < min(64 * 2**20, total // 10):
        return None  # still full: a restart would only fail again
    return f"its store kept a write error ({error}) and {free // 2**20} MiB are free again"


def stuck_store(process: Any) -> str | None:
    """For the supervisor: why this (nats-server) process must be restarted, or None."""
    try:
        url, store = process.monitor_url, process.store_dir
    except Exception:  # not a nats-server, or its ports are not known yet
        return None
    found = _get_json(f"{url}/healthz")
    if found is None or found[0] == 200:
        return None
    usage = shutil.disk_usage(store)
    return restart_reason(str(found[1].get("error", "")), usage.free, usage.total)


def _get_json(url: str, timeout: float = 1.0) -> tuple[int, dict[str, Any]] | None:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        try:
            return error.code, json.loads(error.read())
        except ValueError:
            return error.code, {}
    except (urllib.error.URLError, OSError, ValueError):
        return None


# --- positions -----------------------------------------------------------------------------


def beyond_end(what: str, position: int, last_seq: int) -> str | None:
    if position <= last_seq:
        return None
    return (
        f"{what} is at stream sequence {position}, beyond the end of the log "
        f"(last sequence {last_seq}): the log was restored or shrunk; new events would be "
        "skipped. Verify the log (klachten audit verify) before anything else"
    )


def service_watch(service: str, settings: Any, connection: Callable[[], Any]) -> LogWatch:
    """A watch with the ``log`` check against the server `connection()` is connected to."""
    url = monitor_url(settings.nats_url, settings.nats_port, settings.nats_monitor_port)
    watch = LogWatch(service, {"log": store_check(url, lambda: server_id_of(connection()))})

    async def bounds() -> tuple[int, int, int]:
        state = (await connection().jetstream().stream_info(subjects.COMPLAINTS_STREAM)).state
        return state.first_seq, state.last_seq, state.messages

    watch.add("shrunk", highwater.check(settings.data_dir, service, bounds))
    return watch


def broker_watch(service: str, broker: Any, settings: Any, consumers: list[Any]) -> LogWatch:
    """`service_watch` for a faststream service, plus the position of each durable consumer;
    the consumers pause while the log shrank."""
    watch = service_watch(service, settings, lambda: broker.config.connection_state.connection)
    for consumer in consumers:
        watch.add(f"position:{consumer.name}", consumer.position_problem)
        consumer.paused = watch.shrunk
    return watch


def store_limit(disk_total: int) -> int:
    """max_file_store for a store on a disk of `disk_total` bytes: at least a tenth, and at
    least 1 GiB unless the disk is small (then a quarter), stays free for everything else."""
    headroom = max(disk_total // 10, min(2**30, disk_total // 4))
    return disk_total - headroom
