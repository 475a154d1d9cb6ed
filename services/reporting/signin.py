"""Signing in and out of the workspace and dashboard (docs/security.md "Staff sign-in").

- ``POST /login``: the API token form (the embedded stack's way, and where no OpenID provider
  is configured); a known token opens a server-side session (sessions.py) holding the token.
- ``GET /login/oidc`` and ``GET /login/oidc/callback``: OpenID Connect (oidc.py), when
  `KLACHTEN_OIDC_ISSUER` and `KLACHTEN_OIDC_CLIENT_ID` are set; the session holds the person's
  access token.
- ``POST /logout``: deletes the session on the server, then the cookie.
Failed sign-ins are counted per client (the socket's peer) and for all clients together (20
times as many): past `KLACHTEN_SIGNIN_ATTEMPTS` in `KLACHTEN_SIGNIN_WINDOW` seconds the answer is
429 with ``Retry-After``, before the token is even looked at.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.reporting import sessions
from services.reporting.oidc import OidcSignIn, SignInFailed
from shared.runtime.staff import StaffMember, member_of

logger = logging.getLogger("klachten.reporting.signin")
WORDS = {
    "nl": {
        "oidc": "Aanmelden met uw organisatie-account",
        "or_token": "Of meld u aan met een toegangstoken",
        "throttled": "Te veel mislukte aanmeldpogingen. Probeer het over {minutes} minuten "
        "opnieuw.",
        "oidc_failed": "Aanmelden bij uw organisatie-account is niet gelukt, of uw account "
        "heeft geen rol voor klachten. Probeer het opnieuw of vraag uw beheerder om een rol.",
    },
    "en": {
        "oidc": "Sign in with your organisation account",
        "or_token": "Or sign in with an access token",
        "throttled": "Too many failed sign-ins. Try again in {minutes} minutes.",
        "oidc_failed": "Signing in with your organisation account did not succeed, or your "
        "account has no role for complaints. Try again or ask your administrator for a role.",
    },
}
ALL_CLIENTS = 20  # the limit for all clients together, in multiples of one client's

THROTTLED = {"description": "too many failed sign-ins: the sign-in page, with Retry-After"}
REFUSED = {"description": "the provider's answer did not sign anyone in: the sign-in page"}
TO_PROVIDER = {"description": "to the provider's sign-in (or, without one, back to the page)"}
SIGNED_IN = {"description": "signed in: to the page asked for, with the session cookie"}
router = APIRouter()


def safe_next(wanted: str) -> str:
    """Only our own pages: never an open redirect to somewhere else."""
    ok = wanted.startswith(("/dashboard", "/workspace")) and "//" not in wanted
    return wanted if ok and "\\" not in wanted else "/dashboard"


def login_page(
    request: Request,
    t: dict[str, Any],
    lang: str,
    next: str,
    status: int,
    error: str | None = None,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    from services.reporting.dashboard_pages import TEMPLATES  # the dashboard's environment

    page = TEMPLATES.get_template("login.html.j2").render(
        t=t,
        lang=lang,
        next=next,
        error=error,
        s=WORDS[lang],
        oidc=getattr(request.app.state, "oidc", None) is not None,
    )
    return HTMLResponse(page, status, headers)


def _client(request: Request) -> str:
    return f"client:{request.client.host if request.client else 'unknown'}"


def throttled(request: Request) -> float | None:
    """Seconds this client must wait before signing in again, or None."""
    store, settings = request.app.state.sessions, request.app.state.settings
    limit, window = settings.signin_attempts, settings.signin_window
    waits = [
        store.wait(_client(request), limit, window),
        store.wait("all", limit * ALL_CLIENTS, window),
    ]
    return max((w for w in waits if w is not None), default=None)


def failed(request: Request) -> None:
    store, window = request.app.state.sessions, request.app.state.settings.signin_window
    store.failed(_client(request), window)
    store.failed("all", window)


def _throttled_page(
    request: Request, t: dict[str, Any], lang: str, next: str, wait: float
) -> HTMLResponse:
    seconds = max(1, int(wait + 0.999))
    words = WORDS[lang]["throttled"].format(minutes=max(1, (seconds + 59) // 60))
    return login_page(request, t, lang, next, 429, words, {"Retry-After": str(seconds)})


def signed_in(
    request: Request,
    member: StaffMember,
    kind: str,
    credential: str,
    target: str,
    lang: str,
    ends: float | None = None,
) -> Response:
    session_id, _ = request.app.state.sessions.create(member, kind, credential, ends)
    response = RedirectResponse(f"{target}?lang={lang}", 303)
    response.set_cookie(
        sessions.COOKIE, session_id, path="/", secure=True, httponly=True, samesite="strict"
    )
    return response


def _texts(target: str, lang: str) -> dict[str, Any]:
    from services.reporting import dashboard_pages

    if target.startswith("/workspace"):
        return dashboard_pages.WORKSPACE_TEXTS[lang]
    return dashboard_pages.TEXTS[lang]


@router.post("/login", response_model=None, responses={429: THROTTLED})
async def login(request: Request) -> Response:
    form = parse_qs((await request.body()).decode(errors="replace"))
    token = (form.get("token") or [""])[0].strip()
    lang = "en" if (form.get("lang") or ["nl"])[0] == "en" else "nl"
    target = safe_next((form.get("next") or ["/dashboard"])[0])
    t = _texts(target, lang)
    wait = await asyncio.to_thread(throttled, request)
    if wait is not None:
        return _throttled_page(request, t, lang, target, wait)
    member = member_of(token, request.app.state.tokens)
    if member is None or not member.may("read"):
        await asyncio.to_thread(failed, request)
        from services.reporting.dashboard_pages import WORKSPACE_TEXTS

        error = WORKSPACE_TEXTS[lang]["login_error"]
        return login_page(request, t, lang, target, 401, error)
    return await asyncio.to_thread(signed_in, request, member, "token", token, target, lang)


def _redirect_uri(request: Request) -> str:
    origin = request.app.state.settings.reporting_origin.rstrip("/")
    return (origin or str(request.base_url).rstrip("/")) + "/login/oidc/callback"


@router.get("/login/oidc", response_model=None, responses={303: TO_PROVIDER, 429: THROTTLED})
async def oidc_start(request: Request) -> Response:
    signin: OidcSignIn | None = getattr(request.app.state, "oidc", None)
    lang = "en" if request.query_params.get("lang") == "en" else "nl"
    target = safe_next(request.query_params.get("next", "/workspace"))
    if signin is None:
        return RedirectResponse(f"{target}?lang={lang}", 303)
    wait = await asyncio.to_thread(throttled, request)
    if wait is not None:
        return _throttled_page(request, _texts(target, lang), lang, target, wait)
    store = request.app.state.sessions
    url = await signin.start(store, _redirect_uri(request), target, lang)
    return RedirectResponse(url, 303)


@router.get(
    "/login/oidc/callback",
    response_model=None,
    responses={303: SIGNED_IN, 401: REFUSED, 429: THROTTLED},
)
async def oidc_callback(request: Request) -> Response:
    signin: OidcSignIn | None = getattr(request.app.state, "oidc", None)
    query = dict(request.query_params)
    lang, target = "nl", "/workspace"
    wait = await asyncio.to_thread(throttled, request)
    if signin is not None and wait is None:
        try:
            pending, done = await signin.finish(
                request.app.state.sessions, _redirect_uri(request), query
            )
        except SignInFailed as error:
            logger.warning("OpenID Connect sign-in refused: %s", error.args[0])
            if len(error.args) > 1:
                lang, target = error.args[1].lang, error.args[1].next
            await asyncio.to_thread(failed, request)
        else:
            assert pending is not None
            return await asyncio.to_thread(
                signed_in,
                request,
                done.member,
                "oidc",
                done.access_token,
                pending.next,
                pending.lang,
                done.expires,
            )
    t = _texts(target, lang)
    if wait is not None:
        return _throttled_page(request, t, lang, target, wait)
    return login_page(request, t, lang, target, 401, WORDS[lang]["oidc_failed"])


@router.post("/logout")
def logout(request: Request) -> RedirectResponse:
    """Ends the session on the server (the old cookie no longer works), then in the browser."""
    session_id = request.cookies.get(sessions.COOKIE, "")
    if session_id:
        request.app.state.sessions.delete(session_id)
    lang = "en" if request.query_params.get("lang") == "en" else "nl"
    response = RedirectResponse(f"/workspace?{urlencode({'lang': lang})}", 303)
    response.delete_cookie(sessions.COOKIE, path="/", secure=True, httponly=True, samesite="strict")
    return response
