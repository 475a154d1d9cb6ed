"""HTTP helpers of reporting: problems (4xx bodies), staff tokens, strict query parameters,
and choosing the source of an answer (the live view, or a replay as of a moment/sequence,
started from the nearest snapshot: snapshots.py)."""

from __future__ import annotations

import asyncio
import threading
import weakref
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import Depends, Query, Request

from services.reporting import log, snapshot_reads
from services.reporting.domain import ReportInputError, parse_as_of
from services.reporting.fold import Row
from shared.runtime.staff import StaffMember, member_of


class Problem(Exception):
    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__(status)
        self.status, self.body, self.headers = status, body, headers or {}


def invalid(field: str, message: str) -> Problem:
    return Problem(422, [{"field": field, "message": message}])


def bearer(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer`` header (None without one)."""
    scheme, _, token = (request.headers.get("authorization") or "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def staff_member(request: Request) -> StaffMember | None:
    """The signed-in staff member: the ``Authorization: Bearer`` header (an API token, or an
    OpenID Connect access token when OIDC is on), else the server-side session of the cookie
    (sessions.py, found by csrf.Guard). Every staff role may read reports and use the workspace
    pages (intake decides each action by role)."""
    token = bearer(request)
    if token is not None:
        member = member_of(token, request.app.state.tokens)
        signin = getattr(request.app.state, "oidc", None)
        if member is None and signin is not None:
            member = signin.tokens.member(token)
    else:
        session = getattr(request.state, "session", None)
        member = session.member if session is not None else None
    return member if member is not None and member.may("read") else None


def credential(request: Request) -> str:
    """What intake is called with on the staff member's behalf: their own bearer token, or
    the one their session holds (the API token they signed in with, or their access token)."""
    token = bearer(request)
    if token is not None:
        return token
    session = getattr(request.state, "session", None)
    return session.credential if session is not None else ""


def staff_name(request: Request) -> str | None:
    member = staff_member(request)
    return member.name if member else None


def require_staff(request: Request) -> str:
    name = staff_name(request)
    if name is None:
        raise Problem(
            401,
            [
                {
                    "field": "Authorization",
                    "message": "staff endpoint: send Authorization: Bearer <token>",
                }
            ],
            {"WWW-Authenticate": 'Bearer realm="klachten"'},
        )
    return name


def strict_query(request: Request, allowed: set[str]) -> None:
    unknown = sorted(set(request.query_params) - allowed - {"as_of", "as_of_seq"})
    if unknown:
        raise Problem(422, [{"field": k, "message": "unknown parameter"} for k in unknown])


def _point_in_time(
    as_of: str | None = Query(
        None,
        description="Answer as of this moment (RFC 3339 with offset, e.g. 2026-01-31T23:59:59Z, "
        "not in the future): the events that occurred at or before it. 422 when malformed.",
    ),
    as_of_seq: str | None = Query(
        None,
        description="Answer as of this COMPLAINTS stream sequence (a whole number ≥ 0, at most "
        "the last sequence): the events stored up to it. Not together with as_of; 422 otherwise.",
    ),
) -> None:
    """Documents the point-in-time parameters; `answer_source` and `moment_or_seq` read and
    check them (with this project's 422 bodies)."""


POINT_IN_TIME = [Depends(_point_in_time)]


@dataclass
class AnswerSource:
    """The read models an answer is computed from, and the moment it answers for: the live
    view, or as of a moment or sequence a store of its own (snapshot_reads.restored) that answers
    with the same SQL (reads.py); `tables` reads every row into Python when a caller wants them."""

    view: Any
    now: datetime
    position: int
    replayed: bool
    rows: dict[str, list[Row]] | None = None

    @property
    def tables(self) -> dict[str, list[Row]]:
        if self.rows is None:
            self.rows = self.view.snapshot()[1]
        return self.rows


def answer_source(request: Request) -> AnswerSource:
    state = request.app.state
    now: datetime = state.clock()
    as_of, as_of_seq = request.query_params.get("as_of"), request.query_params.get("as_of_seq")
    if as_of is not None and as_of_seq is not None:
        raise invalid("as_of_seq", "give as_of or as_of_seq, not both")
    if as_of is not None:
        try:
            moment = parse_as_of(as_of, now)
        except ReportInputError as e:
            raise invalid(e.field, e.message) from None
        store, pit = snapshot_reads.restored(state.view, state.link, at=moment)
        return AnswerSource(store, moment, pit.position, True)
    if as_of_seq is not None:
        seq = sequence(as_of_seq, state)
        store, pit = snapshot_reads.restored(state.view, state.link, seq=seq)
        store.answers_for = seq  # the position asked for, also where no event stands
        return AnswerSource(store, pit.moment or now, seq, True)
    tables = whole_view(state).read()
    return AnswerSource(state.view, now, tables.position, False, tables)


def view_and_now(request: Request) -> tuple[Any, Any]:
    """The view an answer reads in SQL (reads.py) and the moment it answers for: the live
    view now; as of a moment or sequence, the store restored for it (answer_source)."""
    if not {"as_of", "as_of_seq"} & set(request.query_params):
        return request.app.state.view, request.app.state.clock()
    src = answer_source(request)
    return src.view, src.now


class Tables(dict[str, list[Row]]):
    """Every table of the view as one read found them, at `position`; `started` numbers the
    read (a dict subclass, so the shared read below can refer to it weakly)."""

    def __init__(self, started: int, position: int, tables: dict[str, list[Row]]) -> None:
        super().__init__(tables)
        self.started, self.position = started, position


class SharedRead:
    """Answers that fold every row of the live view in Python (some reports, the yearly pages)
    share one read of it: one read runs at a time, and the requests that arrived while it ran
    share the next one, which began after each of them asked (as fresh as its own read would
    be). Eight staff opening the dashboard at once cost two reads, not eight that take turns
    on one interpreter with the projection (issue 23). The rows are only read by the answers;
    the last read is held weakly, so no copy of the view outlives the requests using it."""

    def __init__(self, view: Any) -> None:
        self.view = view
        self._lock = threading.Lock()
        self._started = 0
        self._last: weakref.ref[Tables] | None = None

    def read(self) -> Tables:
        asked = self._started
        with self._lock:
            last = self._last() if self._last is not None else None
            if last is not None and last.started > asked:
                return last
            self._started += 1
            position, tables = self.view.snapshot()
            read = Tables(self._started, position, tables)
            self._last = weakref.ref(read)
            return read


def whole_view(state: Any) -> SharedRead:
    """The app's shared read of its live view (made on first use, also where a test sets
    `state.view` itself)."""
    shared = getattr(state, "whole_view", None)
    if shared is None or shared.view is not state.view:
        shared = state.whole_view = SharedRead(state.view)
    return shared


def sequence(text: str, state: Any) -> int:
    if not (text.isascii() and text.isdigit()):  # "¹".isdigit() is true, int("¹") fails
        raise invalid("as_of_seq", "use a stream sequence: a whole number ≥ 0")
    seq = int(text)
    last = log.last_sequence(state.link)
    if seq > last:
        raise invalid("as_of_seq", f"lies beyond the end of the log (last sequence {last})")
    return seq


def moment_or_seq(request: Request) -> tuple[int | None, datetime | None]:
    as_of, as_of_seq = request.query_params.get("as_of"), request.query_params.get("as_of_seq")
    if as_of is not None and as_of_seq is not None:
        raise invalid("as_of_seq", "give as_of or as_of_seq, not both")
    if as_of is not None:
        try:
            return None, parse_as_of(as_of, request.app.state.clock())
        except ReportInputError as e:
            raise invalid(e.field, e.message) from None
    if as_of_seq is not None:
        return sequence(as_of_seq, request.app.state), None
    return None, None


class WholeViewTurns:
    """ASGI middleware: at most `limit` answers that may fold the whole view in Python (the
    JSON reports, the yearly pages; not the dashboard, which reads SQL: dashboard_reads.py)
    run at once; more wait their turn in the event loop, holding no thread. They are CPU work
    on one interpreter: eight of them at once took the interpreter lock from the live
    projection and the event loop in turns of 5 ms among nine threads (issue 23: new events
    27 s late at 100k complaints, the worklist 2.7 s); waiting costs them nothing they would
    not have waited anyway."""

    PATHS = ("/api/reports/", "/reports/")

    def __init__(self, app: Any, limit: int = 2) -> None:
        self.app, self.turns = app, asyncio.Semaphore(limit)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].startswith(self.PATHS):
            async with self.turns:
                await self.app(scope, receive, send)
        else:
            await self.app(scope, receive, send)
