"""HTTP limits at the edge: request body size (413) and a per-client rate limit (429)."""

from __future__ import annotations

import json
import time
from collections import deque
from collections.abc import Callable
from typing import Any

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


class RateLimiter:
    """Sliding window per client: at most ``limit`` requests in ``window`` seconds.

    In memory, per process: enough against a single noisy client on the public form; a
    horizontally scaled deployment puts the limit in the reverse proxy as well.
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
