"""The security headers of every HTTP answer of intake and reporting (docs/security.md).

One ASGI middleware, `install(app, static_folder)`: a Content-Security-Policy without inline script
or style (the pages load /static/*.css and *.js) that no other site may frame; no referrer, so a
status link's token never leaves in a Referer header; ``nosniff``; and ``no-store`` on every
answer but the static files: nearly every page or API answer shows personal data or a status
link (form confirmation, status page, workspace, APIs), so no browser or proxy cache keeps
one. An answer that sets its own Cache-Control keeps it. Static files are served from the
service's own folder: nothing is loaded from another origin.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
ALWAYS = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
)


STATIC = "/static/"


def headers_for(path: str, present: Iterable[bytes]) -> list[tuple[bytes, bytes]]:
    """The headers to add to an answer on `path` that already has the headers `present`."""
    have = {name.lower() for name in present}
    out = [(name, value) for name, value in ALWAYS if name not in have]
    if b"cache-control" not in have and not path.startswith(STATIC):
        out.append((b"cache-control", b"no-store"))
    return out


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = [name for name, _ in message.get("headers", [])]
                extra = headers_for(scope["path"], present)
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, with_headers)


def install(app: FastAPI, static: Path) -> None:
    """The middleware, and the service's own static files at /static."""
    app.add_middleware(SecurityHeaders)
    app.mount(STATIC.rstrip("/"), StaticFiles(directory=static), name="static")
