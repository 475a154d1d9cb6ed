"""The improvement actions register in reporting (issue 18 item 3, docs/learning.md): which
actions are open, which complaints are part of each, and what complaints were about per month.

Two read models, both one row per event (the fold only inserts; the history is the register):
- ``improvement_actions``: one row per ``improvement_opened`` / ``improvement_updated``, with the
  whole action as it was after that change (title, owner, due date, status, outcome, theme) and
  the fields the change named; an action as it is now is its row with the highest ``seq``;
- ``improvement_action_links``: one row per joining and leaving: the lead when the action is
  opened, every complaint that joins it (``improvement_linked``) and leaves it again
  (``improvement_unlinked``), ``change`` saying which; a complaint is part of an action while
  its latest row there says ``linked``.

Title and outcome are staff text about the organisation (never personal, not sealed: the form
says so), so the management page can list them and they survive the complainant's erasure.
``per_theme_per_month`` counts complaints received per theme and month (the latest
classification, a complaint with two themes under both; duplicates not counted).
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, tzinfo
from typing import Any

from shared.contract import events as ev

IMPROVEMENTS = "improvement_actions"
IMPROVEMENT_COLUMNS = (
    "seq",
    "action_id",
    "lead_complaint_id",
    "change",
    "title",
    "owner",
    "due_by",
    "status",
    "outcome",
    "theme",
    "changed",
    "occurred_at",
)
LINKS = "improvement_action_links"
LINK_COLUMNS = ("seq", "action_id", "complaint_id", "lead_complaint_id", "change", "occurred_at")
INDEXED = {IMPROVEMENTS: ("action_id",), LINKS: ("complaint_id", "action_id")}
ACTIVE = ("open", "in_progress")

Row = dict[str, Any]


RegisterEvent = (
    ev.ImprovementOpened | ev.ImprovementUpdated | ev.ImprovementLinked | ev.ImprovementUnlinked
)


def rows_of(seq: int, f: RegisterEvent, ts: Any) -> dict[str, list[Row]]:
    """The rows one register event adds (``ts``: the fold's time text)."""
    at = ts(f.occurred_at)
    if isinstance(f, ev.ImprovementLinked | ev.ImprovementUnlinked):
        change = "linked" if isinstance(f, ev.ImprovementLinked) else "unlinked"
        return {LINKS: [_link(seq, f.action_id, f.complaint_id, f.lead_complaint_id, at, change)]}
    opened = isinstance(f, ev.ImprovementOpened)
    action = {
        "seq": seq,
        "action_id": str(f.action_id),
        "lead_complaint_id": str(f.complaint_id),
        "change": "opened" if opened else "updated",
        "title": f.title,
        "owner": f.owner,
        "due_by": ts(f.due_by),
        "status": "open" if opened else f.status,  # type: ignore[union-attr]
        "outcome": None if opened else f.outcome,  # type: ignore[union-attr]
        "theme": f.theme,
        "changed": None if opened else json.dumps(f.changed),  # type: ignore[union-attr]
        "occurred_at": at,
    }
    found = {IMPROVEMENTS: [action]}
    if opened:
        found[LINKS] = [_link(seq, f.action_id, f.complaint_id, f.complaint_id, at, "linked")]
    return found


def _link(seq: int, action_id: Any, complaint_id: Any, lead: Any, at: str, change: str) -> Row:
    return {
        "seq": seq,
        "action_id": str(action_id),
        "complaint_id": str(complaint_id),
        "lead_complaint_id": str(lead),
        "change": change,
        "occurred_at": at,
    }


def _members(links: str) -> str:
    """The link rows of complaints part of their action now: joined, not left since."""
    return (
        f"SELECT * FROM {links} l WHERE l.change = 'linked' AND NOT EXISTS (SELECT 1 FROM "
        f"{links} u WHERE u.action_id = l.action_id AND u.complaint_id = l.complaint_id "
        f"AND u.seq > l.seq)"
    )


# --- reads -----------------------------------------------------------------------------------


def current(view: Any, complaints: str) -> list[Row]:
    """Every action as it is now (its latest row) with its lead's reference and how many
    complaints are part of it, earliest due first."""
    a, links = view._table(IMPROVEMENTS), view._table(LINKS)
    sql = (
        f"SELECT a.*, c.reference AS lead_reference, "
        f"(SELECT COUNT(*) FROM ({_members(links)}) l WHERE l.action_id = a.action_id) "
        f"AS complaints "
        f"FROM {a} a LEFT JOIN {view._table(complaints)} c "
        f"ON c.complaint_id = a.lead_complaint_id "
        f"WHERE a.seq = (SELECT MAX(b.seq) FROM {a} b WHERE b.action_id = a.action_id) "
        f"ORDER BY a.due_by, a.seq"
    )
    with view._tx(commit=False) as c:
        c.execute(sql)
        return [dict(r) for r in c.fetchall()]


def of_complaint(view: Any, complaints: str, cid: str) -> list[Row]:
    """The actions complaint `cid` is part of (as lead or joined), as they are now."""
    links = view._table(LINKS)
    with view._tx(commit=False) as c:
        c.execute(f"SELECT action_id FROM ({_members(links)}) m WHERE m.complaint_id = "
                  f"{view.placeholder}", [cid])  # fmt: skip
        ids = {r["action_id"] for r in c.fetchall()}
    return [r for r in current(view, complaints) if r["action_id"] in ids]


def linked_complaints(view: Any, complaints: str, action_id: str) -> list[Row]:
    """The complaints part of one action (the lead first), with their references."""
    links, m = view._table(LINKS), view.placeholder
    with view._tx(commit=False) as c:
        c.execute(
            f"SELECT l.complaint_id, c.reference, c.themes FROM ({_members(links)}) l "
            f"LEFT JOIN {view._table(complaints)} c ON c.complaint_id = l.complaint_id "
            f"WHERE l.action_id = {m} ORDER BY l.seq",
            [action_id],
        )
        return [dict(r) for r in c.fetchall()]


def history(view: Any, complaints: str, action_id: str) -> list[Row]:
    """Every change of one action in the order of the log: its opening and updates (the
    ``change`` and the fields it named, with the action after it) and every complaint joining
    and leaving (with its reference), each with ``kind`` ``action`` or ``link``."""
    a, links, m = view._table(IMPROVEMENTS), view._table(LINKS), view.placeholder
    with view._tx(commit=False) as c:
        c.execute(f"SELECT * FROM {a} WHERE action_id = {m}", [action_id])
        changes = [{**dict(r), "kind": "action"} for r in c.fetchall()]
        c.execute(
            f"SELECT l.*, c.reference FROM {links} l LEFT JOIN {view._table(complaints)} c "
            f"ON c.complaint_id = l.complaint_id WHERE l.action_id = {m} "
            f"AND l.complaint_id <> l.lead_complaint_id",
            [action_id],
        )
        joins = [{**dict(r), "kind": "link"} for r in c.fetchall()]
    for r in changes:
        r["changed"] = json.loads(r["changed"]) if r["changed"] else []
    return sorted([*changes, *joins], key=lambda r: r["seq"])


def owned_by(view: Any, complaints: str, owners: tuple[str, ...], since: str) -> list[Row]:
    """The actions open or in progress whose owner is one of ``owners`` (a staff id, their
    teams and department) and became so (opened, or the owner changed) at ``since`` or later,
    with the lead's reference and ``at``: that moment. The workspace's notifications."""
    if not owners:
        return []
    a, m = view._table(IMPROVEMENTS), view.placeholder
    marks = ", ".join(m for _ in owners)
    given = (
        f"SELECT MAX(b.occurred_at) FROM {a} b WHERE b.action_id = a.action_id "
        f"AND (b.change = 'opened' OR b.changed LIKE '%\"owner\"%')"
    )
    sql = (
        f"SELECT a.action_id, a.lead_complaint_id, c.reference, a.title, a.owner, a.due_by, "
        f"({given}) AS at FROM {a} a JOIN {view._table(complaints)} c "
        f"ON c.complaint_id = a.lead_complaint_id "
        f"WHERE a.seq = (SELECT MAX(s.seq) FROM {a} s WHERE s.action_id = a.action_id) "
        f"AND a.status IN ('open', 'in_progress') AND a.owner IN ({marks})"
    )
    with view._tx(commit=False) as c:
        c.execute(sql, list(owners))
        found = [dict(r) for r in c.fetchall()]
    return sorted((r for r in found if r["at"] >= since), key=lambda r: r["at"], reverse=True)


def filtered(
    actions: list[Row], *, status: str = "", owner: str = "", theme: str = "", now: str = ""
) -> list[Row]:
    """``status``: a status, ``active`` (open or in progress, the default view), ``overdue``
    (active and past its due date at ``now``) or empty for all."""
    out = []
    for a in actions:
        active = a["status"] in ACTIVE
        if status == "active" and not active:
            continue
        if status == "overdue" and not (active and a["due_by"] <= now):
            continue
        if status not in ("", "active", "overdue") and a["status"] != status:
            continue
        if (owner and a["owner"] != owner) or (theme and a["theme"] != theme):
            continue
        out.append({**a, "overdue": active and a["due_by"] <= now})
    return out


def months_before(now: datetime, tz: tzinfo, count: int = 12) -> list[str]:
    """The ``count`` months up to and including the one of ``now`` in ``tz`` (YYYY-MM)."""
    local = now.astimezone(tz)
    year, month = local.year, local.month
    out = []
    for _ in range(count):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out[::-1]


def per_theme_per_month(rows: list[Row], months: list[str], tz: tzinfo) -> dict[str, list[int]]:
    """Complaints received per theme and month (``rows``: themes as JSON text, received_at):
    theme -> a count per month of ``months``; a complaint with two themes counts under both."""
    counts: Counter[tuple[str, str]] = Counter()
    for r in rows:
        when = datetime.fromisoformat(r["received_at"].replace("Z", "+00:00")).astimezone(tz)
        month = f"{when.year:04d}-{when.month:02d}"
        for theme in set(json.loads(r["themes"] or "[]")):
            counts[theme, month] += 1
    themes = sorted({theme for theme, _ in counts})
    return {t: [counts[t, m] for m in months] for t in themes}


def received_with_themes(view: Any, complaints: str, since: str) -> list[Row]:
    """The classified complaints received from ``since`` on (no duplicates)."""
    with view._tx(commit=False) as c:
        c.execute(
            f"SELECT themes, received_at FROM {view._table(complaints)} "
            f"WHERE received_at >= {view.placeholder} AND themes IS NOT NULL "
            f"AND duplicate_of IS NULL",
            [since],
        )
        return [dict(r) for r in c.fetchall()]


def year_figures(rows: list[Row], year: int, tz: tzinfo) -> dict[str, int]:
    """The yearly report's improvement actions (``rows``: the ``improvement_actions`` table):
    opened in the year, done and dropped in the year, still open or in progress at its end."""

    def year_of(r: Row) -> int:
        return datetime.fromisoformat(r["occurred_at"].replace("Z", "+00:00")).astimezone(tz).year

    latest: dict[str, Row] = {}  # each action as it was at the year's end
    for r in sorted(rows, key=lambda r: r["seq"]):
        if year_of(r) <= year:
            latest[r["action_id"]] = r
    in_year = [r for r in rows if year_of(r) == year]
    ended = {r["action_id"]: r["status"] for r in in_year if r["status"] in ("done", "dropped")}
    return {
        "opened": sum(1 for r in in_year if r["change"] == "opened"),
        "done": sum(1 for s in ended.values() if s == "done"),
        "dropped": sum(1 for s in ended.values() if s == "dropped"),
        "open_at_end": sum(1 for r in latest.values() if r["status"] in ACTIVE),
    }
