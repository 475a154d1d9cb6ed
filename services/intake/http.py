"""HTTP plumbing shared by the API and the web form: problems, JSON bodies, callers, limits."""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID

from fastapi import Request
from fastapi.responses import JSONResponse

from services.intake import domain
from shared.eventstore.application import ComplaintNotFound
from shared.rules.complaint import Cause
from shared.runtime import oidc
from shared.runtime.staff import Action, StaffMember, authenticate, forbidden

JSON_TYPES = ("application/json",)


class Problem(Exception):
    """An answer other than success: a status and a JSON body (usually ``[{field, message}]``)."""

    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__(status)
        self.status, self.body, self.headers = status, body, headers or {}

    def response(self) -> JSONResponse:
        return JSONResponse(self.body, status_code=self.status, headers=self.headers)


def field_problem(status: int, field: str, message: str) -> Problem:
    return Problem(status, [{"field": field, "message": message}])


def language(request: Request) -> domain.Lang:
    return domain.negotiate(request.headers.get("accept-language"))


async def json_body(request: Request) -> Any:
    """The parsed JSON body; 415 for another content type, 422 for malformed JSON."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in JSON_TYPES and not media.endswith("+json"):
        raise field_problem(415, "Content-Type", "send application/json")
    raw = await request.body()
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise field_problem(422, "body", f"malformed JSON: {error}") from None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def fingerprint(data: Any) -> str:
    """The same request body, whatever its key order or spacing, gives the same fingerprint."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def idempotency_key(request: Request) -> str | None:
    key = request.headers.get("idempotency-key")
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > 255:
        raise field_problem(422, "Idempotency-Key", "use 1 to 255 characters")
    return key


def staff_member(request: Request) -> StaffMember | None:
    """The caller's staff identity; None without a header; 401 for a bad token."""
    header = request.headers.get("authorization")
    if header is None:
        return None
    member = authenticate(header, request.app.state.tokens)
    scheme, _, token = header.partition(" ")
    if member is None and scheme.lower() == "bearer" and (checker := access_tokens(request)):
        member = checker.member(token)  # a staff member's OpenID Connect access token
    if member is None:
        raise Problem(
            401,
            {"error": "unauthorized", "message": "unknown or malformed bearer token"},
            {"WWW-Authenticate": 'Bearer realm="klachten"'},
        )
    return member


def access_tokens(request: Request) -> oidc.AccessTokens | None:
    """The check of OpenID Connect access tokens the settings ask for (once per app)."""
    state = request.app.state
    checker = getattr(state, "access_tokens", False)
    if checker is False:
        checker = state.access_tokens = oidc.access_tokens(state.settings)
    return checker


def require(request: Request, action: Action) -> StaffMember:
    member = staff_member(request)
    if member is None:
        raise Problem(
            401,
            {"error": "unauthorized", "message": "staff endpoint: send Authorization: Bearer"},
            {"WWW-Authenticate": 'Bearer realm="klachten"'},
        )
    if not member.may(action):
        words = forbidden(member, action, language(request))
        raise Problem(403, {"error": "forbidden", "message": words})
    return member


def client_of(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def rate_limit(request: Request) -> None:
    wait = await request.app.state.rate_limiter.hit(client_of(request))
    if wait is not None:
        raise Problem(
            429,
            {"error": "too_many_requests", "message": "too many requests; try again later"},
            {"Retry-After": str(max(1, int(wait + 0.999)))},
        )


# Submissions one intake process works on at once; beyond it the caller is asked to come back
# (503 + Retry-After) instead of waiting in a queue without bound (issue 23). At saturation
# on two shared cores (about 120/s, 32 concurrent: p50 250 ms) 32 were in flight; more only
# lengthen the wait of every one of them (docs/benchmarks.md).
MAX_IN_FLIGHT = 32
BUSY = {
    "nl": "Het is nu erg druk. Uw klacht is niet ontvangen; probeer het over een paar "
    "seconden opnieuw.",
    "en": "We are very busy right now. Your complaint was not received; please try again "
    "in a few seconds.",
}


class Busy(Problem):
    """Every slot is taken: 503 with Retry-After (the web form answers it with its page)."""


class InFlight:
    """A bounded number of requests in progress (one event loop: a plain counter)."""

    def __init__(self, limit: int = MAX_IN_FLIGHT, retry_after: int = 1) -> None:
        self.limit, self.retry_after, self.now = limit, retry_after, 0

    @contextlib.asynccontextmanager
    async def slot(self, lang: domain.Lang) -> AsyncIterator[None]:
        if self.now >= self.limit:
            raise Busy(
                503,
                {"error": "busy", "message": BUSY[lang]},
                {"Retry-After": str(self.retry_after)},
            )
        self.now += 1
        try:
            yield
        finally:
            self.now -= 1


def in_flight(
    request: Request, lang: domain.Lang | None = None
) -> contextlib.AbstractAsyncContextManager[None]:
    """A slot of the app's submission limit (`MAX_IN_FLIGHT`, or the settings'
    ``intake_max_in_flight`` when there is one), shared by the API and the web form; `Busy`
    (503 + Retry-After, in `lang` or the Accept-Language) when all are taken."""
    state = request.app.state
    limit = getattr(state, "in_flight", None)
    if limit is None:
        size = getattr(state.settings, "intake_max_in_flight", MAX_IN_FLIGHT)
        limit = state.in_flight = InFlight(size)
    return limit.slot(lang or language(request))


def complaint_uuid(text: str) -> UUID:
    """The complaint id in a path; a malformed one is no such complaint (404)."""
    try:
        return UUID(text)
    except ValueError:
        raise ComplaintNotFound(text) from None


def cause_of(member: StaffMember, acts_on: UUID | None = None) -> Cause:
    """A staff action's metadata; `acts_on`: the complainant's message it acts on, its cause."""
    return Cause(actor=f"staff:{member.name}", causation_id=acts_on)
