"""Cross-site request forgery: no page of another site can make a signed-in browser act.

`Guard` (ASGI middleware) finds the request's session once (cookie ``__Host-klachten_session``,
sessions.py) and puts it in ``request.state.session``. A state-changing request (any method but
GET, HEAD, OPTIONS) that does not carry its own ``Authorization`` header, so that it rides on the
browser's cookie, must
- come from this origin: a ``Sec-Fetch-Site``, when sent, of ``same-origin``, and an
  ``Origin`` header, when sent (browsers send it on every POST), equal to the origin the request
  was made to (or `KLACHTEN_REPORTING_ORIGIN`); ``Origin: null`` (what Chromium sends under our
  ``Referrer-Policy: no-referrer``) only with ``Sec-Fetch-Site: same-origin``;
- be a form (``application/x-www-form-urlencoded``) whose field ``csrf_token`` is the session's
  CSRF token, or on ``POST /login`` (no session yet) a sign-in token this service signed in the
  last two hours.
Otherwise: 403 with a page in Dutch and English, and nothing happens. A request with its own
``Authorization`` header is an API client: a browser never adds one to another site's form. A
request without a live session (other than signing in) acts for nobody and passes on: the page
answers it with the sign-in form (401), as it would a GET.

Every POST form in the templates renders ``{{ csrf_input() }}`` (a jinja global, `install`),
checked by tests/services/reporting/test_signin_csrf.py for every template.
"""

from __future__ import annotations

import contextvars
import hmac
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs

import jinja2
from markupsafe import Markup, escape
from starlette.types import ASGIApp, Receive, Scope, Send

from services.reporting.sessions import COOKIE, Session, SessionStore

SAFE = {"GET", "HEAD", "OPTIONS"}
FIELD = "csrf_token"
MAX_FORM = 2 * 1024 * 1024
_CURRENT: contextvars.ContextVar[tuple[SessionStore, Session | None] | None] = (
    contextvars.ContextVar("klachten_csrf", default=None)
)
REFUSED = {
    "nl": ("Niet uitgevoerd", "Dit formulier kwam niet van deze pagina of is verlopen. Open de "
           "pagina opnieuw en probeer het nog eens."),
    "en": ("Not done", "This form did not come from this page or has expired. Open the page "
           "again and try once more."),
}  # fmt: skip


def csrf_input() -> Markup:
    """The hidden field every POST form carries (empty outside a request)."""
    current = _CURRENT.get()
    if current is None:
        return Markup("")
    store, session = current
    value = session.csrf if session else store.login_token()
    return Markup('<input type="hidden" name="csrf_token" value="{}">').format(escape(value))


def install(env: jinja2.Environment) -> None:
    env.globals["csrf_input"] = csrf_input


def _cookie(headers: dict[str, str]) -> str:
    jar = SimpleCookie()
    try:
        jar.load(headers.get("cookie", ""))
    except Exception:  # a malformed Cookie header is no session
        return ""
    morsel = jar.get(COOKIE)
    return morsel.value if morsel else ""


def own_origin(scope: Scope, headers: dict[str, str]) -> str:
    scheme = scope.get("scheme", "http")
    return f"{scheme}://{headers.get('host', '')}"


def origin_ok(scope: Scope, headers: dict[str, str], configured: str) -> bool:
    site = headers.get("sec-fetch-site")
    if site is not None and site != "same-origin":
        return False
    origin = headers.get("origin")
    if origin is None:
        return True  # not a browser (browsers send Origin on every POST); the token decides
    if origin == "null":  # what Chromium sends under our Referrer-Policy: no-referrer
        return site == "same-origin"
    allowed = {own_origin(scope, headers)} | ({configured.rstrip("/")} if configured else set())
    return origin in allowed


class Guard:
    def __init__(self, app: ASGIApp, origin: str = "") -> None:
        self.app, self.origin = app, origin

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        store: SessionStore = scope["app"].state.sessions
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        session = store.get(_cookie(headers))
        scope.setdefault("state", {})["session"] = session
        token = _CURRENT.set((store, session))
        try:
            rides = session is not None or scope["path"] == "/login"  # else: nobody's cookie
            if scope["method"] not in SAFE and "authorization" not in headers and rides:
                body = await _read(receive)
                if body is None or not self._allowed(scope, headers, body, store, session):
                    await _refuse(scope, send)
                    return
                receive = _replay(body)
            await self.app(scope, receive, send)
        finally:
            _CURRENT.reset(token)

    def _allowed(
        self,
        scope: Scope,
        headers: dict[str, str],
        body: bytes,
        store: SessionStore,
        session: Session | None,
    ) -> bool:
        if not origin_ok(scope, headers, self.origin):
            return False
        media = headers.get("content-type", "").split(";")[0].strip().lower()
        if media != "application/x-www-form-urlencoded":
            return False
        given = (parse_qs(body.decode(errors="replace")).get(FIELD) or [""])[0]
        if session is not None and hmac.compare_digest(session.csrf.encode(), given.encode()):
            return True
        return scope["path"] == "/login" and store.login_token_valid(given)


async def _read(receive: Receive) -> bytes | None:
    body = b""
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        body += message.get("body", b"")
        if len(body) > MAX_FORM:
            return None
        if not message.get("more_body"):
            return body


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive


async def _refuse(scope: Scope, send: Send) -> None:
    lang = "en" if b"lang=en" in scope.get("query_string", b"") else "nl"
    title, text = REFUSED[lang]
    page = (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>'
        f'<link rel="stylesheet" href="/static/login.css"></head><body><main id="main">'
        f"<h1>{title}</h1><p>{text}</p></main></body></html>"
    ).encode()
    headers = [
        (b"content-type", b"text/html; charset=utf-8"),
        (b"content-length", b"%d" % len(page)),
    ]
    await send({"type": "http.response.start", "status": 403, "headers": headers})
    await send({"type": "http.response.body", "body": page})
