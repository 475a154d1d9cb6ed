"""A synchronous handle on JetStream for eventsourcing's (synchronous, threaded) recorders.

nats-py is asyncio-only; eventsourcing calls recorders from any thread. A `JetStreamLink` runs
one event loop in a daemon thread with one NATS connection, and every call is submitted to it.
It exposes only the few raw operations the persistence module needs: publish with headers,
atomic batch publish (ADR-50), direct get of one message and batch direct get (ADR-31), which
nats-py has no helpers for, and a get answered by the stream's leader (read-your-writes in a
cluster, where a direct get may be answered by a lagging replica).
(About 340 lines: every raw JetStream call the recorders make shares one loop thread and one
connection's error handling.)
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import threading
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar
from uuid import uuid4

from nats.aio.client import DEFAULT_INBOX_PREFIX, Client
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeout
from nats.js.errors import KeyNotFoundError, KeyWrongLastSequenceError
from nats.js.kv import KeyValue

from shared.config import permissions
from shared.config.settings import nats_connect_options
from shared.eventstore.headers import HeaderClient

T = TypeVar("T")

WRONG_LAST_SEQUENCE = 10071
# The same refusal without the sequence: the leader still has a write to that subject in flight.
WRONG_LAST_SEQUENCE_IN_FLIGHT = 10164
NO_MESSAGE_FOUND = 10037
# A batch whose Msg-Id was already stored (within the duplicate window): a retried batch.
BATCH_DUPLICATE_MSG_ID = 10201
BATCH_FLOW_EVERY = 100  # ask for an ack every N batch messages so the batch cannot run away


class JetStreamError(Exception):
    def __init__(self, code: int, err_code: int, description: str) -> None:
        super().__init__(f"{description} (code {code}, err_code {err_code})")
        self.code, self.err_code, self.description = code, err_code, description


class Unavailable(Exception):
    """The server did not answer in time or is not reachable (a transient condition)."""


@dataclass(frozen=True, slots=True)
class RawMsg:
    subject: str
    seq: int
    headers: dict[str, str]
    data: bytes
    time: str

    @property
    def timestamp(self) -> datetime:
        text = self.time.rstrip("Z")
        head, _, frac = text.partition(".")
        return datetime.fromisoformat(f"{head}.{(frac + '000000')[:6]}+00:00")


def _raw(msg: Any) -> RawMsg:
    h = msg.headers or {}  # nats-py's own fresh dict per message: no copy
    return RawMsg(
        subject=h.get("Nats-Subject", msg.subject),
        seq=int(h.get("Nats-Sequence", 0)),
        headers=h,
        data=msg.data,
        time=h.get("Nats-Time-Stamp", ""),
    )


class _Batch:
    """The replies of one batch direct get, as they arrive (see `JetStreamLink.direct_batch`)."""

    __slots__ = ("count", "done", "msgs")

    def __init__(self, done: asyncio.Future[list[RawMsg]]) -> None:
        self.msgs: list[RawMsg] = []
        self.count = 0  # replies seen, end marker included: progress for the idle timeout
        self.done = done

    def add(self, msg: Any) -> None:
        self.count += 1
        if self.done.done():
            return
        status = msg.headers.get("Status") if msg.headers else None
        if not status:
            self.msgs.append(_raw(msg))
        elif status in ("204", "404"):
            self.done.set_result(self.msgs)
        else:
            desc = msg.headers.get("Description", "")
            self.done.set_exception(JetStreamError(int(status), 0, desc))


def _parse_headers(block: bytes) -> dict[str, str]:
    """``NATS/1.0\r\nName: value\r\n…`` (a stored message's headers as STREAM.MSG.GET gives
    them) as a dict; the status line is skipped."""
    headers: dict[str, str] = {}
    for line in block.decode().split("\r\n")[1:]:
        name, colon, value = line.partition(":")
        if colon:
            headers[name.strip()] = value.strip()
    return headers


def leader_reads(kv: KeyValue) -> KeyValue:
    """`kv` with its gets answered by the bucket's stream leader, not by any replica (nats-py
    uses direct gets when the bucket allows them): a get that follows a create — here or in
    another process — sees it. nats-py has no option for this (nor for ADR-53's
    ``min_last_seq``), so its switch is set."""
    kv._direct = False
    return kv


async def settled(read: Callable[[], Awaitable[T | None]], patience: float = 5.0) -> T | None:
    """`read()` until it finds something, for up to `patience` s: a racing writer's write can
    be refused to us already ("wrong last sequence") while it is still in flight at the
    leader, not yet readable. None when it never shows."""
    deadline = asyncio.get_running_loop().time() + patience
    delay = 0.01
    while True:
        found = await read()
        if found is not None or asyncio.get_running_loop().time() > deadline:
            return found
        await asyncio.sleep(delay)
        delay = min(delay * 2, 0.25)


async def create_or_read(kv: KeyValue, key: str, value: bytes) -> bytes:
    """Create `key` (create-only) and return the value that won: ours, or a racing
    creator's (waited for while its create is in flight)."""
    try:
        await kv.create(key, value)
        return value
    except (KeyWrongLastSequenceError, KeyNotFoundError):
        pass  # nats-py's create re-reads the key after a refusal: in flight, "not found"

    async def read() -> bytes | None:
        try:
            return (await kv.get(key)).value
        except KeyNotFoundError:
            return None

    won = await settled(read)
    if won is None:
        raise Unavailable(f"{key}: a racing create was refused but never became readable")
    return won


def _check_ack(data: bytes) -> dict[str, Any]:
    ack = json.loads(data) if data else {}
    if "error" in ack:
        e = ack["error"]
        raise JetStreamError(e.get("code", 0), e.get("err_code", 0), e.get("description", ""))
    return ack


async def _log_connect_error(error: Exception) -> None:
    logging.getLogger(__name__).debug("nats: %s", error)


# For commands a person runs: give up after a few seconds with NoServersError instead of
# retrying forever (nats-py's default for the first connect too), and no traceback per try.
# Services keep retrying: a supervisor or an orchestrator is watching them.
COMMAND_CONNECT: dict[str, Any] = {
    "connect_timeout": 3,
    "max_reconnect_attempts": 3,
    "reconnect_time_wait": 1.0,
    "error_cb": _log_connect_error,
}


def broker_connect(url: str) -> dict[str, Any]:
    """``servers`` and ``security`` of a faststream ``NatsBroker``: the connect options of
    `nats_connect_options` (faststream takes credentials only as a security object)."""
    from faststream.nats import NatsToken, NatsUserPassword

    options = nats_connect_options(url)
    servers = options.pop("servers")
    if "token" in options:
        return {"servers": servers, "security": NatsToken(options["token"])}
    if "user" in options:
        security = NatsUserPassword(options["user"], options["password"])
        return {"servers": servers, "security": security, "inbox_prefix": options["inbox_prefix"]}
    return {"servers": servers}


def pull_inbox(broker: Any) -> bytes:
    """The inbox prefix of a faststream pull subscriber: its broker's own (faststream passes
    nats-py's global ``_INBOX.`` otherwise, which a user's permissions refuse)."""
    prefix = broker._connection_kwargs.get("inbox_prefix") or DEFAULT_INBOX_PREFIX
    return (prefix.encode() if isinstance(prefix, str) else bytes(prefix)) + b"."


class JetStreamLink:
    def __init__(self, url: str, *, timeout: float = 5.0, **connect_options: Any) -> None:
        self.timeout = timeout
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True, name="nats")
        self._thread.start()
        self._inboxes: dict[str, _Batch] = {}
        self.nc: Client = self.run(self._connect(url, connect_options))

    async def _connect(self, url: str, options: dict[str, Any]) -> Client:
        options = {"max_reconnect_attempts": -1, **nats_connect_options(url), **options}
        if "user" in options:
            options.setdefault("inbox_prefix", permissions.inbox_prefix(options["user"]))
        nc = HeaderClient()
        await nc.connect(**options)
        self._prefix = nc.new_inbox()
        self._token_at = len(self._prefix) + 1
        await nc.subscribe(f"{self._prefix}.*", cb=self._route)
        return nc

    async def _route(self, msg: Any) -> None:
        batch = self._inboxes.get(msg.subject[self._token_at :])
        if batch is not None:
            batch.add(msg)

    # --- running coroutines from any thread ------------------------------------------------

    def run(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        if threading.current_thread() is self._thread:
            raise RuntimeError("JetStreamLink.run() called from its own loop thread")
        future = asyncio.run_coroutine_threadsafe(coro, self._loop)
        return future.result(timeout)

    def close(self) -> None:
        if self._loop.is_closed():
            return
        for step in (self.nc.drain, self.nc.close, self._cancel_pending):
            try:
                self.run(step(), timeout=self.timeout)
            except Exception:  # closing: nothing is left to save, go on to the next step
                logging.getLogger(__name__).debug("close: %s failed", step, exc_info=True)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=self.timeout)
        if not self._thread.is_alive():
            self._loop.close()

    async def _cancel_pending(self) -> None:
        # nats-py leaves reconnect/flush tasks behind when the server is gone at close time.
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    # --- raw operations (run on the loop) ------------------------------------------------

    async def request(self, subject: str, data: bytes, headers: dict[str, str] | None) -> Any:
        try:
            return await self.nc.request(subject, data, timeout=self.timeout, headers=headers)
        except (TimeoutError, NatsTimeout, NoRespondersError) as e:
            raise Unavailable(f"no answer on {subject}: {e!r}") from e

    async def publish(self, subject: str, data: bytes, headers: dict[str, str]) -> dict[str, Any]:
        msg = await self.request(subject, data, headers)
        return _check_ack(msg.data)

    async def publish_batch(self, messages: list[tuple[str, bytes, dict[str, str]]]) -> dict:
        """Atomic batch publish: all messages are stored, or none (ADR-50)."""
        batch_id = uuid4().hex
        last = len(messages)
        for n, (subject, data, headers) in enumerate(messages, start=1):
            h = {**headers, "Nats-Batch-Id": batch_id, "Nats-Batch-Sequence": str(n)}
            if n == last:
                h["Nats-Batch-Commit"] = "1"
                return await self.publish(subject, data, h)
            if n == 1 or n % BATCH_FLOW_EVERY == 0:
                _check_ack((await self.request(subject, data, h)).data)
            else:
                await self.nc.publish(subject, data, headers=h)
        raise ValueError("empty batch")

    async def direct_get(self, stream: str, request: dict[str, Any]) -> RawMsg | None:
        msg = await self.request(f"$JS.API.DIRECT.GET.{stream}", json.dumps(request).encode(), None)
        status = (msg.headers or {}).get("Status")
        if status == "404":
            return None
        if status:
            raise JetStreamError(int(status), 0, (msg.headers or {}).get("Description", ""))
        return _raw(msg)

    async def leader_get(self, stream: str, request: dict[str, Any]) -> RawMsg | None:
        """One message as the stream's leader holds it (``STREAM.MSG.GET``; a direct get may be
        answered by a replica that has not applied the latest writes yet): for reads that follow
        a write or drive a decision. None when there is no such message."""
        try:
            reply = await self.api(f"STREAM.MSG.GET.{stream}", request)
        except JetStreamError as e:
            if e.err_code == NO_MESSAGE_FOUND:
                return None
            raise
        m = reply["message"]
        return RawMsg(
            subject=m["subject"],
            seq=int(m["seq"]),
            headers=_parse_headers(base64.b64decode(m.get("hdrs") or b"")),
            data=base64.b64decode(m.get("data") or b""),
            time=m.get("time", ""),
        )

    async def direct_batch(self, stream: str, request: dict[str, Any]) -> list[RawMsg]:
        """Batch direct get: read replies until the end-of-batch marker (status 204).

        The replies are collected by the inbox's callback as they arrive and the caller wakes
        once, at the end (a wake-up per message cost more than the message); it gives up when
        no reply came for `timeout` seconds."""
        token = uuid4().hex
        batch = _Batch(self._loop.create_future())
        self._inboxes[token] = batch
        try:
            await self.nc.publish(
                f"$JS.API.DIRECT.GET.{stream}",
                json.dumps(request).encode(),
                reply=f"{self._prefix}.{token}",
            )
            seen = -1
            while seen < batch.count:
                seen = batch.count
                try:
                    return await asyncio.wait_for(asyncio.shield(batch.done), self.timeout)
                except TimeoutError:
                    continue
            raise Unavailable(f"batch direct get on {stream} timed out")
        finally:
            del self._inboxes[token]
            if not batch.done.done():
                batch.done.cancel()

    async def api(self, subject: str, payload: dict[str, Any] | None = None) -> dict[str, Any]:
        body = json.dumps(payload).encode() if payload is not None else b""
        msg = await self.request(f"$JS.API.{subject}", body, None)
        return _check_ack(msg.data)
