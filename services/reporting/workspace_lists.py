"""The lists a desk works from (issue 17): all open, my cases, my team's queue, unassigned,
replies waiting, due this week, overdue (either clock), answered (to close). Filtered, sorted
and paginated in SQL over the read model (``complaints_status_and_deadlines``), so a page costs
one scan and a sort of the matching rows, never a Python pass over every complaint.

The nearest deadline is computed in SQL the way ``domain.next_deadline`` computes it in Python
(the acknowledgement until acknowledged; the level's response and the statutory end until
answered; none once closed); a test holds the two equal.

Decided where the issue leaves room: ``?q=`` searches the **reference** (whole or any part,
case-insensitive) for every role. The read model holds no plaintext personal data, and stays
so: names, e-mail addresses, subjects and descriptions are searched by intake's index inside
the sealed boundary (services/intake/search.py, cleared by erasure); ``searched`` asks it with
the user's own token and the list keeps the reference's matches and the complaints it found
(at most SEARCH_LIMIT), filtered, sorted and paged here as any list. A role that may not see
personal data gets the reference search and a note saying why. The
subject shown in a list is read from intake for the rows of the page only, with the user's own
token, so a role that may not see personal data sees none and an erased complaint shows none.

The handler, team and department columns come with the read model's ownership columns; while
the store has none, the lists that need them say so instead of guessing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx

from services.reporting.domain import OPEN, UNANSWERED
from services.reporting.fold import COMPLAINTS, ts

VIEWS = ("all", "mine", "team", "unassigned", "replies", "week", "overdue", "answered")
OWNER_VIEWS = frozenset({"mine", "team", "unassigned"})
OWNER_COLUMNS = ("handler", "team", "department")
SORTS = {
    "deadline": "next_due",
    "received": "received_at",
    "reference": "reference",
    "level": "escalation_level",
    "status": "status",
    "channel": "channel",
    "reply": "last_reply_at",
}
CHANNELS = ("web", "email", "phone", "letter", "api")
PAGE_SIZE = 25
SEARCH_LIMIT = 1000  # complaints found by intake's search that a list filters on
NONE = "9999"  # sorts after every RFC 3339 text: "no deadline" last


@dataclass(frozen=True)
class ListQuery:
    view: str = "all"
    q: str = ""
    channel: str = ""
    department: str = ""
    level: str = ""
    sort: str = "deadline"
    descending: bool = False
    page: int = 1
    # what intake's search found for q (None: not asked), and the note the page shows
    found: tuple[str, ...] | None = None
    search_note: str = ""

    @classmethod
    def from_params(cls, params: Any) -> ListQuery:
        """From the query string; anything unknown falls back to the default."""
        view = params.get("view", "all")
        if params.get("replies") == "1":  # the earlier checkbox's links keep working
            view = "replies"
        level = params.get("level", "")
        page = params.get("page", "1")
        return cls(
            view=view if view in VIEWS else "all",
            q=params.get("q", "").strip()[:40],
            channel=params.get("channel", "") if params.get("channel") in CHANNELS else "",
            department=params.get("department", "").strip()[:100],
            level=level if level.isascii() and level.isdigit() else "",
            sort=params.get("sort", "") if params.get("sort") in SORTS else _default(view),
            descending=params.get("dir") == "desc",
            page=max(int(page), 1) if page.isascii() and page.isdigit() else 1,
        )

    def link(self, **changes: Any) -> str:
        """The query string of this list with `changes` (back to page 1 unless a page is given)."""
        q = replace(self, **({"page": 1} | changes))
        pairs = {
            "view": q.view, "q": q.q, "channel": q.channel, "department": q.department,
            "level": q.level, "sort": q.sort, "dir": "desc" if q.descending else "",
            "page": str(q.page) if q.page > 1 else "",
        }  # fmt: skip
        return urlencode({k: v for k, v in pairs.items() if v})


def _default(view: str) -> str:
    return "reply" if view == "replies" else "deadline"


def _quoted(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)  # our own constants, never user input


def next_due_sql() -> str:
    """The nearest open deadline as SQL text ('9999' for none): domain.next_deadline."""
    ack = f"CASE WHEN acknowledged_at IS NULL AND acknowledge_by IS NOT NULL THEN acknowledge_by ELSE '{NONE}' END"  # noqa: E501
    unanswered = f"status IN ({_quoted(UNANSWERED)})"
    resp = f"CASE WHEN {unanswered} THEN COALESCE(respond_by, '{NONE}') ELSE '{NONE}' END"
    stat = f"CASE WHEN {unanswered} THEN COALESCE(statutory_by, '{NONE}') ELSE '{NONE}' END"
    nearest = (
        f"CASE WHEN ({ack}) <= ({resp}) AND ({ack}) <= ({stat}) THEN ({ack}) "
        f"WHEN ({resp}) <= ({stat}) THEN ({resp}) ELSE ({stat}) END"
    )
    return f"CASE WHEN status IN ({_quoted(OPEN)}) THEN {nearest} ELSE '{NONE}' END"


@dataclass
class ListPage:
    rows: list[dict[str, Any]]
    total: int
    query: ListQuery
    owners: bool  # the store has the ownership columns
    missing: str = ""  # why the list cannot be shown ("" when it can)


def has_owner_columns(view: Any) -> bool:
    return bool(
        view._answers(
            f"SELECT {', '.join(OWNER_COLUMNS)} FROM {view._table(COMPLAINTS)} WHERE 1 = 0"
        )
    )


def _where(
    q: ListQuery, now: datetime, who: str, teams: tuple[str, ...], owners: bool, mark: str
) -> tuple[list[str], list[Any]]:
    where: list[str] = []
    args: list[Any] = []
    if q.view == "replies":
        where.append("replies_waiting > 0")
    else:
        where.append(f"(status IN ({_quoted(OPEN)}) OR replies_waiting > 0)")
    if q.view == "mine":
        where.append(f"handler = {mark}")
        args.append(who)
    elif q.view == "team":
        marks = ", ".join(mark for _ in teams) or "NULL"
        where.append(f"handler IS NULL AND team IN ({marks})")
        args += list(teams)
    elif q.view == "unassigned":
        where.append("handler IS NULL AND team IS NULL")
    elif q.view == "week":
        where.append(f"next_due >= {mark} AND next_due < {mark}")
        args += [ts(now), ts(now + timedelta(days=7))]
    elif q.view == "answered":  # answered and waiting to be closed (or for the complainant)
        where.append("status = 'responded'")
    elif q.view == "overdue":
        where.append(f"next_due < {mark}")
        args.append(ts(now))
    if q.q:
        by_reference = f"UPPER(reference) LIKE {mark}"
        args.append("%" + q.q.upper().replace("%", "").replace("_", "") + "%")
        if q.found:  # by the primary key alone when the text can be no reference's part
            found = f"complaint_id IN ({', '.join(mark for _ in q.found)})"
            if _reference_like(q.q):
                where.append(f"({by_reference} OR {found})")
            else:
                where.append(found)
                args.pop()
            args += list(q.found)
        else:
            where.append(by_reference)
    if q.channel:
        where.append(f"channel = {mark}")
        args.append(q.channel)
    if q.level:
        where.append(f"escalation_level = {mark}")
        args.append(int(q.level))
    if q.department and owners:
        where.append(f"department = {mark}")
        args.append(q.department)
    return where, args


def _reference_like(text: str) -> bool:
    """Could `text` be part of a reference (``KL-2026-000042``)? Then it searches both."""
    return any(c.isdigit() for c in text) or text.upper() in "KL-"


def list_page(view: Any, q: ListQuery, now: datetime, who: str, teams: tuple[str, ...]) -> ListPage:
    """One page of the list `q` for staff member `who` (a member of `teams`)."""
    owners = has_owner_columns(view)
    if q.view in OWNER_VIEWS and not owners:
        return ListPage([], 0, q, owners, missing="no_owner_column")
    mark = view.placeholder
    where, args = _where(q, now, who, teams, owners, mark)
    extra = ", handler, team, department" if owners else ""
    inner = (
        "SELECT complaint_id, reference, channel, category, language, status, escalation_level, "
        "received_at, acknowledged_at, acknowledge_by, respond_by, statutory_by, "
        "statutory_by_pending, replies_waiting, replies_unverified, last_reply_at, paused"
        f"{extra}, {next_due_sql()} AS next_due FROM {view._table(COMPLAINTS)}"
    )
    base = f"FROM ({inner}) AS listed WHERE {' AND '.join(where)}"
    column = SORTS[q.sort]
    direction = "DESC" if q.descending else "ASC"
    order = f"COALESCE({column}, '{NONE}')" if column in ("last_reply_at",) else column
    sql = (
        f"SELECT * {base} ORDER BY {order} {direction}, received_at ASC, complaint_id ASC "
        f"LIMIT {mark} OFFSET {mark}"
    )
    with view._tx(commit=False) as c:
        c.execute(f"SELECT COUNT(*) AS n {base}", args)
        total = int(c.fetchone()["n"])
        c.execute(sql, [*args, PAGE_SIZE, (q.page - 1) * PAGE_SIZE])
        rows = [dict(r) for r in c.fetchall()]
    stamp = ts(now)
    for r in rows:
        due = r.pop("next_due")
        r["next_deadline"] = None if due == NONE else due
        r["overdue"] = r["next_deadline"] is not None and r["next_deadline"] < stamp
        r["deadline_kind"] = _kind(r)
        for column in OWNER_COLUMNS:
            r.setdefault(column, None)
    return ListPage(rows, total, q, owners)


async def searched(q: ListQuery, base: str, token: str) -> ListQuery:
    """`q` with what intake's search (``GET /api/complaints/search``) finds for its text, asked
    with the staff member's own token; a refusal (the role may not see personal data) or no
    answer leaves the reference search, with a note (texts.json ``search_notes``)."""
    if not q.q:
        return q
    headers = {"Authorization": f"Bearer {token}"}
    params: dict[str, Any] = {"q": q.q, "limit": SEARCH_LIMIT}
    try:
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=10.0) as client:
            answer = await client.get("/api/complaints/search", params=params)
    except httpx.HTTPError:
        return replace(q, search_note="unavailable")
    if answer.status_code == 403:
        return replace(q, search_note="reference_only")
    if answer.status_code != 200:
        return replace(q, search_note="unavailable")
    body = answer.json()
    note = "more" if body["more"] else "" if body["complete"] else "incomplete"
    return replace(q, found=tuple(c["complaint_id"] for c in body["complaints"]), search_note=note)


def _kind(r: dict[str, Any]) -> str | None:
    due = r["next_deadline"]
    if due is None:
        return None
    if r["acknowledged_at"] is None and r["acknowledge_by"] == due:
        return "acknowledge"
    return "respond" if r["respond_by"] == due else "statutory"
