"""HTTP limits at the edge: request body size (413) and rate limits (429) per client and per
recipient of a letter, shared by every intake process through a NATS KV bucket."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from nats.errors import Error as NatsError
from nats.js.errors import BucketNotFoundError, KeyWrongLastSequenceError, NotFoundError
from nats.js.kv import KeyValue

from shared.config.permissions import RATE_BUCKET
from shared.contract.events import SubmittedPersonal
from shared.eventstore.buckets import rate_bucket_config
from shared.eventstore.link import leader_reads

Scope = dict[str, Any]
ASGIApp = Callable[..., Any]


class BodyTooLarge(Exception):
    pass


# The scope key that tells the web form its body was refused unread (declared too large).
BODY_REFUSED = "klachten.body_refused"


class BodySizeLimit:
    """ASGI middleware: 413 when Content-Length or the bytes actually sent exceed the limit.

    Form uploads (multipart/form-data) carry documents and get their own, larger limit. The
    web form itself (``form_path``) answers its own 413 page, in the page's language: it may
    read up to ``form_max_bytes`` (so the typed text of a form whose files are a little too
    large comes back), catches ``BodyTooLarge`` beyond it, and is told in the scope when a
    declared length was refused unread."""

    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int,
        upload_max_bytes: int = 0,
        form_path: str | None = None,
        form_max_bytes: int = 0,
    ) -> None:
        self.app, self.json_max = app, max_bytes
        self.upload_max = max(upload_max_bytes, max_bytes)
        self.form_path, self.form_max = form_path, max(form_max_bytes, self.upload_max)

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        upload = headers.get(b"content-type", b"").startswith(b"multipart/form-data")
        form = upload and scope.get("path") == self.form_path and scope.get("method") == "POST"
        limit = self.form_max if form else self.upload_max if upload else self.json_max
        declared = headers.get(b"content-length")
        if declared is not None:
            try:
                too_big = int(declared) > limit
            except ValueError:
                await _send_json(send, 400, [{"field": "Content-Length", "message": "invalid"}])
                return
            if too_big and form:
                await self.app({**scope, BODY_REFUSED: limit}, _no_body, send)
                return
            if too_big:
                await _send_413(send, limit)
                return
        seen = 0
        started = False

        async def limited_receive() -> Any:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Any) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await _send_413(send, limit)


async def _no_body() -> Any:
    return {"type": "http.request", "body": b"", "more_body": False}


async def _send_413(send: Any, max_bytes: int) -> None:
    await _send_json(
        send, 413, [{"field": "body", "message": f"the request body exceeds {max_bytes} bytes"}]
    )


async def _send_json(send: Any, status: int, body: Any, headers: list[Any] | None = None) -> None:
    data = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(data)).encode()),
                (b"connection", b"close"),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": data})


log = logging.getLogger("klachten.intake")
DAY = 24 * 3600.0
_ATTEMPTS = 8  # compare-and-set rounds before a hammered entry counts as refused
REJOIN_SECONDS = 30.0  # after NATS failed a hit, the process's own window for this long


class RateLimiter:
    """Sliding window per client: at most ``limit`` requests in ``window`` seconds.

    In memory, per process: the fallback of `SharedRateLimiter`, and the limiter of tests.
    """

    def __init__(
        self, limit: int, window: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit, self.window, self.clock = limit, window, clock
        self._hits: dict[str, deque[float]] = {}

    def check(self, client: str) -> float | None:
        """None when allowed (and counted); else the seconds until the next request may pass."""
        now = self.clock()
        hits = self._hits.setdefault(client, deque())
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if len(hits) >= self.limit:
            return max(0.0, hits[0] + self.window - now)
        hits.append(now)
        if len(self._hits) > 100_000:
            self._forget_idle(now)
        return None

    def _forget_idle(self, now: float) -> None:
        for client in [c for c, h in self._hits.items() if not h or h[-1] <= now - self.window]:
            del self._hits[client]

    async def hit(self, client: str) -> float | None:
        """As `check`; the shared limiter asks NATS."""
        return self.check(client)

    async def join(self, js: Any) -> None:
        """Nothing to join: this limiter is one process's."""


class SharedRateLimiter(RateLimiter):
    """The same sliding window, held in the KV bucket ``INTAKE_RATE`` that every intake
    process reads: two processes do not double the limit (intake scales horizontally).

    One entry per client and ``scope`` (its key a hash: no address or IP in the bucket)
    holds the wall-clock times of its hits within the window; a hit is a compare-and-set
    of that entry, so concurrent processes cannot both take the last place. Until `join`
    (and while NATS does not answer) the process's own window counts: the limit then holds
    per process, never not at all.

    A hit is one round trip (issue 23): the entry as this process last wrote or read it is
    kept, and the write goes straight to it (create for a client not seen, update of the
    known revision otherwise). The limit stays exact across processes: a write based on a
    stale copy is refused by the compare-and-set, and only then is the entry read and the
    hit decided again. A refusal from the copy alone is sound: hits leave an entry only by
    ageing out of the window (the bucket's TTL is longer than any window), which the copy
    applies itself. (A local token bucket synced later would save that round trip too, but
    would let each process overrun the shared limit until it syncs.)
    """

    def __init__(
        self, limit: int, window: float, scope: str, clock: Callable[[], float] = time.time
    ) -> None:
        super().__init__(limit, window, clock)  # wall clock: the times are compared across hosts
        self.scope = scope
        self.kv: KeyValue | None = None
        self._js: Any = None
        self._rejoin_at = 0.0
        self._known: dict[str, tuple[int | None, list[float]]] = {}  # key: (revision, hits)

    async def join(self, js: Any) -> None:
        self._js = js
        try:
            kv = await js.key_value(RATE_BUCKET)
        except BucketNotFoundError:  # a stack provisioned before the bucket existed
            try:
                kv = await js.create_key_value(config=rate_bucket_config())
            except Exception as error:  # no right to create: run `klachten streams` as admin
                log.warning("rate limits per process only: bucket %s: %s", RATE_BUCKET, error)
                self._rejoin_at = time.monotonic() + REJOIN_SECONDS
                return
        self.kv = leader_reads(kv)
        self._known.clear()  # a bucket made again (a server restart) holds none of them

    async def _rejoin(self) -> None:
        """The bucket again after NATS failed a hit: a standalone nats-server forgets a
        memory bucket when it restarts, until provisioning makes it again (buckets.py)."""
        self._rejoin_at = time.monotonic() + REJOIN_SECONDS
        try:
            self.kv = leader_reads(await self._js.key_value(RATE_BUCKET))
        except Exception:  # still gone, or NATS still down: again later
            return
        self._known.clear()
        log.warning("rate limits shared again: bucket %s", RATE_BUCKET)

    async def hit(self, client: str) -> float | None:
        if self.kv is None and self._js is not None and time.monotonic() >= self._rejoin_at:
            await self._rejoin()
        if self.kv is None:
            return self.check(client)
        key = f"{self.scope}.{hashlib.sha256(client.encode()).hexdigest()[:40]}"
        try:
            for _ in range(_ATTEMPTS):
                outcome = await self._hit(self.kv, key)
                if outcome is not _CONFLICT:
                    return outcome  # type: ignore[return-value]
        except (TimeoutError, NatsError, OSError) as error:
            # Per process for a while (not a failed request per hit); then the bucket again.
            log.warning(
                "rate limit of this process only for %.0f s (NATS: %s)", REJOIN_SECONDS, error
            )
            self.kv, self._rejoin_at = None, time.monotonic() + REJOIN_SECONDS
            return self.check(client)
        return 1.0  # other requests of this client keep winning the entry: refuse this one

    async def _hit(self, kv: KeyValue, key: str) -> float | object | None:
        now = self.clock()
        revision, hits = self._known.get(key, (None, []))  # not seen: assume no entry
        hits = sorted(t for t in hits if t > now - self.window)
        if len(hits) >= self.limit:
            return max(0.0, hits[0] + self.window - now)
        hits.append(now)
        value = json.dumps(hits).encode()
        try:
            if revision is None:
                written = await kv.create(key, value)
            else:
                written = await kv.update(key, value, last=revision)
        except KeyWrongLastSequenceError:  # another process wrote it (or it expired): read
            await self._read(kv, key)
            return _CONFLICT
        if len(self._known) > 100_000:
            self._known.clear()  # only a saving: a client not known costs a read on conflict
        self._known[key] = (written, hits)
        return None

    async def _read(self, kv: KeyValue, key: str) -> None:
        try:
            entry = await kv.get(key)
            self._known[key] = (entry.revision, json.loads(entry.value or b"[]"))
        except NotFoundError:  # expired or deleted
            self._known.pop(key, None)


_CONFLICT = object()


def recipients(personal: SubmittedPersonal) -> list[str]:
    """The e-mail addresses a submission's letters go to (the representative's when given,
    as the notifier addresses them), compared in lower case: the key of the letter limit."""
    found = [personal.complainant.email]
    if personal.representative is not None:
        found.append(personal.representative.email or "")
    return sorted({a.strip().lower() for a in found if a and a.strip()})


async def letters_allowed(limiter: RateLimiter, personal: SubmittedPersonal) -> bool:
    """False when a recipient had its day's letters (the form as a relay of our letters to a
    stranger): counted per public submission, never for staff."""
    for address in recipients(personal):
        if await limiter.hit(address) is not None:
            return False
    return True
