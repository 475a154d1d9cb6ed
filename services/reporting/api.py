"""Reporting's read API: complaints (now or as of a moment), the audit trail, KPI reports, the
yearly report, exports, and /metrics. Routes are sync functions (FastAPI runs them in threads):
each checks the caller and the query, picks the source of the answer (http.answer_source) and
calls reads.py: SQL on the live view, or as of a moment on a store restored from a snapshot
(snapshot_reads.restored); the reports without an SQL twin use domain.py on its rows."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse

from services.reporting import (
    domain,
    early_warning,
    event_words,
    exports,
    handling,
    log,
    reads,
    yearly_web,
)
from services.reporting.http import (
    POINT_IN_TIME,
    Problem,
    answer_source,
    invalid,
    moment_or_seq,
    require_staff,
    strict_query,
    view_and_now,
)
from shared.contract import subjects
from shared.eventstore.link import JetStreamLink
from shared.runtime import observability as obs
from shared.runtime import words

logger = logging.getLogger("klachten.reporting")
FILTERS = ("status", "channel", "category", "overdue", "handler", "team", "department", "hearing")
REPORTS = (
    "summary",
    "response-times",
    "compliance",
    "escalations",
    "backlog",
    "worklist",
    "early-warning",
)

router = APIRouter()


@router.get("/metrics")
def metrics(request: Request) -> Response:
    position = request.app.state.view.position()
    position_gauge, lag_gauge = obs.projection_gauges()
    position_gauge.set(position)
    link: JetStreamLink = request.app.state.link
    try:
        last = link.run(
            link.direct_get(subjects.COMPLAINTS_STREAM, {"last_by_subj": "complaints.>"}),
            timeout=5,
        )
        lag_gauge.set(max(0, (last.seq if last else 0) - position))
    except Exception as error:  # the lag stays at its last value; the rest still serves
        logger.warning("projection lag unknown: %s", error)
    body, content_type = obs.metrics_body()
    return Response(body, media_type=content_type)


@router.get("/api/complaints", dependencies=POINT_IN_TIME)
def complaints(
    request: Request,
    response: Response,
    status: str | None = None,
    channel: str | None = None,
    category: str | None = None,
    overdue: bool | None = None,
    handler: str | None = None,
    team: str | None = None,
    department: str | None = None,
    hearing: str | None = Query(
        None,
        description="invited, held or waived at the complaint's current level; none: no "
        "hearing step there yet (Awb 9:10)",
    ),
    limit: str | None = Query(
        None,
        description=f"page size, 1 to {reads.MAX_PAGE_SIZE} (default {reads.PAGE_SIZE}); "
        'when more follow, the `Link` header has the next page (rel="next")',
    ),
    after: str | None = Query(
        None, description="the last complaint_id of the previous page (from the `Link` header)"
    ),
) -> list[dict[str, Any]]:
    """One page of complaints in complaint_id order (keyset: `after` the previous page's last
    id); the next page's URL is in the `Link` header, absent on the last page."""
    require_staff(request)
    strict_query(request, {*FILTERS, "limit", "after"})
    if hearing not in (None, "none", *handling.HEARING_STEPS):
        raise invalid("hearing", "choose invited, held, waived or none")
    size = _page_size(limit)
    want = dict(status=status, channel=channel, category=category, overdue=overdue,
                handler=handler, team=team, department=department, hearing=hearing)  # fmt: skip
    view, now = view_and_now(request)
    page, last = reads.page(view, now, want, after=after, limit=size)
    if last is not None:
        response.headers["Link"] = f'<{request.url.include_query_params(after=last)}>; rel="next"'
    return page


@router.get("/api/complaints/{key}", dependencies=POINT_IN_TIME)
def complaint(request: Request, key: str) -> dict[str, Any]:
    require_staff(request)
    strict_query(request, set())
    cid = _complaint_id(request, key)
    seq, at = moment_or_seq(request)
    if seq is None and at is None:
        row = reads.complaint(request.app.state.view, cid)
    else:
        row = log.complaint_as_of(request.app.state.link, cid, seq=seq, at=at)
    if row is None:
        raise Problem(
            404, [{"field": "complaint_id", "message": "no such complaint (at that point)"}]
        )
    return domain.with_deadline(row, at or request.app.state.clock())


@router.get("/api/complaints/{key}/history", dependencies=POINT_IN_TIME)
def history(
    request: Request,
    key: str,
    lang: str | None = Query(
        None, description="nl (default) or en: the language of each event's `what`"
    ),
) -> dict[str, Any]:
    """Every event with its place in the log, its hash-link check and `what` it says in words
    (Dutch, or English by `lang=en` or `Accept-Language: en`)."""
    require_staff(request)
    strict_query(request, {"lang"})
    cid = _complaint_id(request, key)
    seq, at = moment_or_seq(request)
    said = words.language(lang or request.headers.get("accept-language"))
    names = event_words.names_for(request.app.state.settings.organisation_file, said)
    events = log.history(
        request.app.state.link, cid, lambda fact: event_words.describe(fact, said, names)
    )
    if not events:
        raise Problem(404, [{"field": "complaint_id", "message": "no such complaint"}])
    events = log.history_as_of(events, seq, at)  # what was known then
    return {
        "complaint_id": cid,
        "chain_ok": all(e["hash_link_ok"] for e in events),
        "events": events,
    }


@router.get("/api/reports/annual/{year}", dependencies=POINT_IN_TIME)
def annual(request: Request, year: str) -> dict[str, Any]:
    require_staff(request)
    strict_query(request, set())
    now = request.app.state.clock()
    if not (year.isascii() and year.isdigit()) or not 2000 <= int(year) <= now.year:
        raise invalid("year", f"use a year from 2000 to {now.year}")
    view, now = view_and_now(request)
    position, body = reads.annual(view, int(year))
    return {**body, "stream_sequence": position, "as_of": now.isoformat()}


@router.get("/api/reports/{name}", dependencies=POINT_IN_TIME)
def report(request: Request, name: str, group_by: str = "channel") -> Any:
    require_staff(request)
    if name not in REPORTS:
        raise invalid("name", f"unknown report; choose from {', '.join(REPORTS)}")
    strict_query(request, {"group_by"} if name == "response-times" else set())
    if group_by not in ("channel", "category", "month"):
        raise invalid("group_by", "choose channel, category or month")
    if name in reads.REPORTS:
        return reads.REPORTS[name](*view_and_now(request))
    src = answer_source(request)
    rows, now = src.tables["complaints_status_and_deadlines"], src.now
    answers: dict[str, Callable[[], Any]] = {
        "summary": lambda: domain.summary(src.tables, now, src.position),
        "response-times": lambda: domain.response_times(rows, group_by),
        "compliance": lambda: domain.compliance(rows, now),
        "escalations": lambda: domain.escalations(src.tables["escalations_by_level_and_reason"]),
        "backlog": lambda: domain.backlog(rows, now),
        "worklist": lambda: domain.worklist(rows, now),
        "early-warning": lambda: early_warning.answer(
            early_warning.warnings(rows, now), now, src.position
        ),
    }
    return answers[name]()


@router.get("/api/export/{filename}")
def export(request: Request, filename: str) -> Response:
    """`<table>.jsonl|csv`: the whole export now (no as_of). `<table>.parquet?since_seq=N`:
    the rows after stream sequence N; the Klachten-Stream-Sequence header is the next N."""
    require_staff(request)
    strict_query(request, {"since_seq"} if filename.endswith(".parquet") else set())
    # In a fixed order (a set's order changes with the process's hash seed): with both given,
    # the answer names as_of_seq, as every other read does.
    for past in ("as_of_seq", "as_of"):
        if past in request.query_params:
            raise invalid(past, "an export is of the log as it is now; a past state: /api/reports")
    name, _, fmt = filename.rpartition(".")
    if name not in exports.NAMES or fmt not in (*exports.FORMATS, "parquet"):
        raise invalid("filename", f"use <{'|'.join(exports.NAMES)}>.<jsonl|csv|parquet>")
    if fmt == "parquet":
        return _parquet(request, name)
    media = "application/x-ndjson" if fmt == "jsonl" else "text/csv"
    lines = exports.export(name, fmt, request.app.state.link, request.app.state.view)
    return StreamingResponse(lines, media_type=f"{media}; charset=utf-8")


@router.get("/")
def root() -> RedirectResponse:
    return RedirectResponse("/dashboard")


def _parquet(request: Request, name: str) -> Response:
    """Rows after ``since_seq`` (default 0) up to the read models' position, which the
    ``Klachten-Stream-Sequence`` header gives for the next request's ``since_seq``."""
    since = request.query_params.get("since_seq", "0")
    if not (since.isascii() and since.isdigit()):
        raise invalid("since_seq", "use a stream sequence: a whole number ≥ 0")
    state = request.app.state
    try:
        body, position = exports.parquet_of_view(name, state.link, state.view, int(since))
    except exports.ExportError as e:
        raise invalid("since_seq", str(e)) from None
    headers = {
        "Klachten-Stream-Sequence": str(position),
        "Content-Disposition": f'attachment; filename="{name}.parquet"',
    }
    return Response(body, media_type="application/vnd.apache.parquet", headers=headers)


def _complaint_id(request: Request, key: str) -> str:
    """A complaint id, or the id of a reference (``K-…``) via the live view."""
    if len(key) == 36 and key.count("-") == 4:
        return key.lower()
    found = reads.complaint_id_of(request.app.state.view, key)
    if found is None:
        raise Problem(
            404, [{"field": "complaint_id", "message": "no complaint with that id or reference"}]
        )
    return found


def _page_size(limit: str | None) -> int:
    if limit is None:
        return reads.PAGE_SIZE
    if not (limit.isascii() and limit.isdigit()) or not 1 <= int(limit) <= reads.MAX_PAGE_SIZE:
        raise invalid("limit", f"use a whole number from 1 to {reads.MAX_PAGE_SIZE}")
    return int(limit)


# The yearly report as a document for people (HTML and PDF): yearly_web.py.
router.include_router(yearly_web.router)
