"""Notifications in the workspace (issue 17): a count in the chrome and a page,
``/workspace/notifications``, for the signed-in staff member.

What is a notification, read from the read model in SQL (indexed by owner; no pass over every
complaint):
- **queue**: a complaint assigned to me, or put in my team's queue without a handler, in the
  last 30 days, and still mine or my team's and open (``assignments_by_handler_and_team``
  joined to the complaint; taking one oneself is no news);
- **reply**: a complainant's message waiting on a complaint I handle (its latest one's time);
- **deadline**: a complaint I handle, not yet answered, whose recorded internal response date
  or statutory end (both clocks, as recorded: never recomputed) is within N days
  (``KLACHTEN_WORKSPACE_DEADLINE_DAYS``, default 5); its moment is N days before the date;
- **signal** (supervisors, the complaints coordinator): a topic early warning finds rising
  (early_warning.py, over the nine weeks it reads), at its newest complaint's time;
- **measure**: a reminder the SLA monitor recorded (``measure_overdue``, read model
  ``reminders_by_owner``) for me, my team or my department as the remedy's or improvement
  action's owner, or on a complaint I handle when the reminder names no owner (a promised
  measure), in the last 30 days;
- **improvement**: an improvement action open or in progress whose owner is me, one of my teams
  or my department (the organisation file: a member's stated department and those of their
  teams), at the moment it became theirs (opened, or its owner changed), in the last 30 days.
Each kind at most 100, the newest first.

"Seen up to": the only per-person state, one entry per staff member in the NATS KV bucket
``WORKSPACE_SEEN`` (key: the staff id, base64url; value: an RFC 3339 moment). Not in the read
model: that is disposable (rebuilt from the log, emptied by a schema change) and may be
PostgreSQL shared by processes; the bucket is shared by every reporting process and needs no
migration. "Mark all as read" stores the newest moment the page showed (not the time of the
click), so what arrives between showing and clicking stays new. Without NATS nothing is new.

The count in the chrome is filled by static/workspace.js from ``/workspace/notifications/count``
(JSON); without script the chrome's link still leads to the page. No e-mail digest (not built).
(A little over 300 lines: one query per kind, kept beside the words each kind says.)
"""

from __future__ import annotations

import asyncio
import base64
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from services.reporting import improvements, reads, workspace_words
from services.reporting import workspace_pages as pages
from services.reporting.domain import OPEN, UNANSWERED
from services.reporting.fold import ASSIGNMENTS, COMPLAINTS, ts
from services.reporting.http import staff_member
from services.reporting.reminders import REMINDERS
from shared.config.permissions import SEEN_BUCKET
from shared.config.vocabularies import words_of

logger = logging.getLogger("klachten.reporting.notifications")
router = APIRouter()
LOOKBACK = timedelta(days=30)
MOST = 100  # of each kind
WAIT = 2.0  # seconds for NATS at most


@dataclass(frozen=True)
class Notice:
    kind: str  # queue | reply | deadline | measure | signal | improvement
    at: str  # RFC 3339 (the read model's text): when it became news
    complaint_id: str
    reference: str
    detail: dict[str, Any]


def _quoted(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)  # our own constants, never user input


def notices(
    view: Any, who: str, teams: tuple[str, ...], now: datetime, days: int,
    departments: tuple[str, ...] = (),
) -> list[Notice]:  # fmt: skip
    """Every notification of staff member `who` (a member of `teams` and `departments`),
    newest first."""
    m = view.placeholder
    team_marks = ", ".join(m for _ in teams) or "NULL"
    units = (*teams, *departments)  # what an owner of a remedy or action may name
    unit_marks = ", ".join(m for _ in units) or "NULL"
    c_table, a_table, r_table = (view._table(t) for t in (COMPLAINTS, ASSIGNMENTS, REMINDERS))
    since, stamp, horizon = ts(now - LOOKBACK), ts(now), ts(now + timedelta(days=days))
    mine_now = f"(c.handler = {m} OR (c.handler IS NULL AND c.team IN ({team_marks})))"
    queue = (
        "SELECT a.complaint_id, c.reference, a.handler, a.team, a.occurred_at AS at "
        f"FROM {a_table} a JOIN {c_table} c ON c.complaint_id = a.complaint_id "
        f"WHERE (a.handler = {m} OR (a.handler IS NULL AND a.team IN ({team_marks}))) "
        f"AND a.kind <> 'take' AND a.occurred_at >= {m} AND c.status IN ({_quoted(OPEN)}) "
        f"AND {mine_now} ORDER BY a.occurred_at DESC LIMIT {MOST}"
    )
    replies = (
        "SELECT complaint_id, reference, replies_waiting, last_reply_at AS at "
        f"FROM {c_table} WHERE handler = {m} AND replies_waiting > 0 "
        f"ORDER BY last_reply_at DESC LIMIT {MOST}"
    )
    unanswered = f"status IN ({_quoted(UNANSWERED)})"
    deadlines = (
        "SELECT complaint_id, reference, respond_by, statutory_by "
        f"FROM {c_table} WHERE handler = {m} AND {unanswered} AND ("
        f"(respond_by >= {m} AND respond_by < {m}) OR (statutory_by >= {m} AND statutory_by < {m}))"
        f" ORDER BY complaint_id LIMIT {MOST}"
    )
    reminders = (
        "SELECT r.complaint_id, c.reference, r.source, r.item, r.due_by, r.owner, "
        f"r.occurred_at AS at FROM {r_table} r JOIN {c_table} c ON c.complaint_id = r.complaint_id "
        f"WHERE (r.owner = {m} OR r.owner IN ({unit_marks}) "
        f"OR (r.owner IS NULL AND c.handler = {m})) AND r.occurred_at >= {m} "
        f"ORDER BY r.occurred_at DESC LIMIT {MOST}"
    )
    out: list[Notice] = []

    def add(kind: str, at: str, r: Any, **detail: Any) -> None:
        out.append(Notice(kind, at, r["complaint_id"], r["reference"], detail))

    with view._tx(commit=False) as c:
        c.execute(queue, [who, *teams, since, who, *teams])
        for r in c.fetchall():
            add("queue", r["at"], r, handler=r["handler"], team=r["team"])
        c.execute(replies, [who])
        for r in c.fetchall():
            add("reply", r["at"] or stamp, r, n=r["replies_waiting"])
        c.execute(deadlines, [who, stamp, horizon, stamp, horizon])
        for r in c.fetchall():
            for clock in ("respond", "statutory"):
                due = r[f"{clock}_by"]
                if due and stamp <= due < horizon:  # news from N days before the date
                    add("deadline", str(ts(_moment(due) - timedelta(days=days))), r,
                        clock=clock, due=due)  # fmt: skip
        c.execute(reminders, [who, *units, who, since])
        for r in c.fetchall():
            add("measure", r["at"], r, source=r["source"], item=r["item"], due=r["due_by"])
    for r in improvements.owned_by(view, COMPLAINTS, (who, *units), str(since))[:MOST]:
        detail = {"title": r["title"], "owner": r["owner"], "due": r["due_by"]}
        out.append(Notice("improvement", r["at"], r["lead_complaint_id"], r["reference"], detail))
    return sorted(out, key=_order, reverse=True)


def departments_of(org: Any, member: str) -> tuple[str, ...]:
    """The member's departments: the one stated, and those of each of their teams."""
    found = org.member(member) if org is not None else None
    if found is None:
        return ()
    stated = (found.department,) if found.department else ()
    of_teams = (org.teams[t].department for t in found.teams if t in org.teams)
    return tuple(dict.fromkeys((*stated, *of_teams)))


def signals(view: Any, now: datetime) -> list[Notice]:
    """Early warning's rising topics as notices, at their newest complaint."""
    return [
        Notice("signal", w["latest"], w["complaints"][0]["complaint_id"],
               w["complaints"][0]["reference"],
               {"topic": w["topic"], "observed": w["observed"], "expected": w["expected"]})
        for w in reads.REPORTS["early-warning"](view, now)["warnings"]
    ]  # fmt: skip


def _order(n: Notice) -> tuple[str, str, str]:
    return (n.at, n.kind, n.complaint_id)


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _key(member: str) -> str:
    return base64.urlsafe_b64encode(member.encode()).decode().rstrip("=")


async def seen_upto(link: Any, member: str) -> str:
    """Up to when `member` has seen their notifications ("" for never)."""
    found = await link.direct_get(f"KV_{SEEN_BUCKET}", {"last_by_subj": _subject(member)})
    if found is None or (found.headers or {}).get("KV-Operation") in ("DEL", "PURGE"):
        return ""
    return found.data.decode()


async def mark_seen(link: Any, member: str, upto: str) -> None:
    """Seen up to `upto`, never back: an older page's click keeps the later marker."""
    before = await seen_upto(link, member)
    if not before or _moment(upto) > _moment(before):
        await link.publish(_subject(member), upto.encode(), {})


def _subject(member: str) -> str:
    return f"$KV.{SEEN_BUCKET}.{_key(member)}"


def _on_link(request: Request, work: Any, fallback: Any) -> Any:
    link = getattr(request.app.state, "link", None)
    if link is None:
        work.close()
        return fallback
    try:
        return link.run(work, timeout=WAIT)
    except Exception:  # no bucket or no NATS: nothing is new, nothing is stored
        logger.debug("notifications' seen marker unavailable", exc_info=True)
        return fallback


def _days(request: Request) -> int:
    settings = getattr(request.app.state, "settings", None)
    return int(getattr(settings, "workspace_deadline_days", 5) or 5)


def _gather(request: Request, member: Any) -> tuple[list[Notice], str]:
    org = pages.organisation(request)
    teams = org.teams_of(member.name) if org is not None else ()
    departments = departments_of(org, member.name)
    now = request.app.state.clock()
    view = request.app.state.view
    found = notices(view, member.name, tuple(teams), now, _days(request), departments)
    if "supervisor" in member.roles:  # the complaints coordinator hears of rising topics
        found = sorted([*found, *signals(request.app.state.view, now)], key=_order, reverse=True)
    link = getattr(request.app.state, "link", None)
    seen = _on_link(request, seen_upto(link, member.name), "") if link is not None else ""
    return found, seen


def unseen(found: list[Notice], seen: str) -> int:
    if not seen:
        return len(found)
    return sum(1 for n in found if n.at > seen)


def words(n: Notice, t: dict[str, Any], org: Any, lang: str) -> str:
    """What a notification says, in the page's language."""
    d = t["desk"]
    if n.kind == "queue":
        if n.detail["handler"]:
            return str(d["notice_queue_mine"])
        team = workspace_words.value("team", n.detail["team"], t, org, lang)
        return str(d["notice_queue_team"]).format(team=team)
    if n.kind == "reply":
        return str(d["notice_reply"]).format(n=n.detail["n"])
    if n.kind == "deadline":
        kind = d["notice_clocks"][n.detail["clock"]]
        return str(d["notice_deadline"]).format(kind=kind, day=pages.day(n.detail["due"], lang))
    if n.kind == "improvement":
        owner = n.detail["owner"]
        field = "handler" if org is not None and owner in org.members else "unit"
        return str(d["notice_improvement"]).format(
            title=n.detail["title"],
            owner=workspace_words.value(field, owner, t, org, lang),
            day=pages.day(n.detail["due"], lang),
        )
    if n.kind == "signal":
        vocabulary = words_of()
        topic = n.detail["topic"]
        topic = vocabulary.word("themes", topic, lang) if vocabulary else topic
        return str(d["notice_signal"]).format(topic=topic, n=n.detail["observed"])
    what = str(d["notice_sources"][n.detail["source"]]).format(item=n.detail["item"])
    return str(d["notice_measure"]).format(what=what, day=pages.day(n.detail["due"], lang))


@router.get("/workspace/notifications", response_class=HTMLResponse)
async def page(request: Request) -> HTMLResponse:
    lang = pages.lang(request)
    member = staff_member(request)
    if member is None:
        return pages.login(request, lang)
    found, seen = await asyncio.to_thread(_gather, request, member)
    org, t = pages.organisation(request), pages.TEXTS[lang]
    rows = [
        {"notice": n, "text": words(n, t, org, lang), "new": not seen or n.at > seen} for n in found
    ]
    return pages.render(
        "notifications.html.j2",
        lang,
        rows=rows,
        bell=unseen(found, seen),
        seen=seen,
        upto=found[0].at if found else "",
        days=_days(request),
        done=request.query_params.get("done", ""),
    )


@router.get("/workspace/notifications/count")
async def count(request: Request) -> Response:
    """The chrome's count (workspace.js): how many are new, and the words for it."""
    member = staff_member(request)
    if member is None:
        return JSONResponse({"unseen": 0}, 401)
    lang = pages.lang(request)
    found, seen = await asyncio.to_thread(_gather, request, member)
    n = unseen(found, seen)
    label = str(pages.TEXTS[lang]["desk"]["notifications_new"]).format(n=n) if n else ""
    return JSONResponse({"unseen": n, "label": label}, headers={"Cache-Control": "no-store"})


@router.post("/workspace/notifications/seen", response_model=None)
async def seen(request: Request) -> Response:
    """Mark every notification up to the newest the page showed as read."""
    lang = pages.lang(request)
    member = staff_member(request)
    if member is None:
        return pages.login(request, lang)
    form = parse_qs((await request.body()).decode(errors="replace"))
    upto = (form.get("upto") or [""])[0].strip()
    try:
        _moment(upto)
    except ValueError:
        return RedirectResponse(f"/workspace/notifications?lang={lang}", 303)
    link = getattr(request.app.state, "link", None)
    if link is not None:
        await asyncio.to_thread(_on_link, request, mark_seen(link, member.name, upto), None)
    return RedirectResponse(f"/workspace/notifications?lang={lang}&done=seen", 303)
