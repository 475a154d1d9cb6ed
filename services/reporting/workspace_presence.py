"""Presence and conflicts on the case page (issue 17): who else has this complaint open, and
what changed since a handler opened the page when their action comes back refused.

Presence: a NATS KV bucket, ``WORKSPACE_PRESENCE`` (shared/eventstore/buckets.py), whose
entries live 60 s (the bucket's max age). One key per complaint and staff member,
``<complaint id>.<staff id, base64url>``, holding the staff id and when they opened the page:
nothing of the complainant. Rendering the case page records the viewer (so a browser without
script counts for a minute) and reads the others with ONE batch direct get of the complaint's
keys (``multi_last``; no consumer, no listing of the whole bucket). With script,
static/workspace.js posts the page's small presence form every 20 s (the answer is the list,
re-rendered). Leaving sends nothing: a beacon on leaving would race the next page's own
record (a form sent from the page is a leave and an arrival at once), so an entry simply
lapses a minute after the last heartbeat. The bucket is shared by every reporting
process; when NATS or the bucket is not there, the page shows no presence and works as before.

Conflicts: the case page's form carries the complaint's version it was rendered from; when an
action comes back refused (the workspace's own check or intake's rule: 409) the page is shown
again with the handler's text kept (workspace.py) and, from here, the events appended after
that version in words (event_words.py): what, by whom, when.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from services.reporting import event_words, workspace_words
from services.reporting import workspace_pages as pages
from services.reporting.http import staff_member
from shared.config.permissions import PRESENCE_BUCKET
from shared.runtime.staff import StaffMember

logger = logging.getLogger("klachten.reporting.presence")
router = APIRouter()
STREAM = f"KV_{PRESENCE_BUCKET}"
BEAT_SECONDS = 20  # static/workspace.js's interval (data-beat on the page)
WAIT = 2.0  # seconds the page waits for NATS at most
MOST_CHANGES = 12  # the latest events shown after a conflict


def key(cid: str, member: str) -> str:
    """The entry of `member` on complaint `cid` (KV keys allow A-Z a-z 0-9 - _ = . only)."""
    who = base64.urlsafe_b64encode(member.encode()).decode().rstrip("=")
    return f"{cid}.{who}"


async def beat(link: Any, cid: str, member: str, opened: str) -> None:
    """Record that `member` has the page open (since `opened`)."""
    body = json.dumps({"member": member, "opened": opened}).encode()
    await link.publish(f"$KV.{PRESENCE_BUCKET}.{key(cid, member)}", body, {})


async def present(link: Any, cid: str) -> list[dict[str, str]]:
    """Every staff member with the complaint open (entries of the last minute), oldest first."""
    found = await link.direct_batch(
        STREAM, {"multi_last": [f"$KV.{PRESENCE_BUCKET}.{cid}.*"], "batch": 200}
    )
    out = []
    for msg in found:
        if (msg.headers or {}).get("KV-Operation") in ("DEL", "PURGE") or not msg.data:
            continue
        try:
            entry = json.loads(msg.data)
            out.append({"member": str(entry["member"]), "opened": str(entry["opened"])})
        except (ValueError, KeyError, TypeError):
            continue
    return sorted(out, key=lambda e: e["opened"])


def _sync(request: Request, work: Any) -> Any:
    """Run `work` (a coroutine) on reporting's NATS link; None when NATS does not answer."""
    link = getattr(request.app.state, "link", None)
    if link is None:
        work.close()
        return None
    try:
        return link.run(work, timeout=WAIT)
    except Exception:  # no bucket, no NATS, a slow answer: the page goes on without presence
        logger.debug("presence unavailable", exc_info=True)
        return None


def others(
    request: Request, cid: str, member: StaffMember, opened: str, lang: str
) -> list[dict[str, str]]:
    """Record `member` and return the others with the complaint open, in words."""

    async def work() -> list[dict[str, str]]:
        link = request.app.state.link
        await beat(link, cid, member.name, opened)
        return await present(link, cid)

    found = _sync(request, work()) or []
    t, org = pages.TEXTS[lang], pages.organisation(request)
    return [
        {
            "member": e["member"],
            "label": str(t["desk"]["presence_since"]).format(
                who=workspace_words.actor(f"staff:{e['member']}", t, org, lang),
                at=workspace_words.compact(e["opened"], lang),
            ),
        }
        for e in found
        if e["member"] != member.name
    ]


def changes(
    request: Request, events: list[dict[str, Any]], kept: dict[str, str], status: int, lang: str
) -> list[dict[str, str]]:
    """After a refused action: the events appended since the version the form was rendered
    from, latest last, in words (empty when nothing was refused or nothing changed)."""
    version = (kept or {}).get("version", "")
    if status != 409 or not (version.isascii() and version.isdigit()):
        return []
    seen = int(version)
    t, org = pages.TEXTS[lang], pages.organisation(request)
    later = [e for e in events if int(e["version"]) > seen][-MOST_CHANGES:]
    return [
        {
            "type": e["type"],
            "line": str(t["desk"]["change_line"]).format(
                at=workspace_words.compact(e["occurred_at"], lang),
                what=event_words.name(e["type"], lang),
                who=workspace_words.actor(e["actor"], t, org, lang),
            ),
        }
        for e in later
    ]


def context(
    request: Request,
    cid: Any,
    events: list[dict[str, Any]],
    extra: dict[str, Any],
    status: int,
    lang: str,
) -> dict[str, Any]:
    """What the case page's presence box (``_presence.html.j2``) shows: the others who have
    it open (the viewer recorded), and after a refusal what changed since the form's version."""
    member = staff_member(request)
    opened = datetime.now(UTC).isoformat()
    found = others(request, str(cid), member, opened, lang) if member is not None else []
    return {
        "presence": found,
        "presence_opened": opened,
        "presence_beat": BEAT_SECONDS,
        "changes": changes(request, events, extra.get("kept") or {}, status, lang),
    }


async def _form(request: Request) -> dict[str, str]:
    raw = parse_qs((await request.body()).decode(errors="replace"))
    return {k: v[0].strip() for k, v in raw.items()}


@router.post("/workspace/complaints/{cid}/presence", response_class=HTMLResponse)
async def heartbeat(request: Request, cid: UUID) -> Response:
    """The script's heartbeat: record the viewer, answer the others as the box's list."""
    lang = pages.lang(request)
    member = staff_member(request)
    if member is None:
        return Response(status_code=401)
    form = await _form(request)
    opened = form.get("opened") or datetime.now(UTC).isoformat()
    try:
        datetime.fromisoformat(opened)
    except ValueError:
        opened = datetime.now(UTC).isoformat()
    found = await asyncio.to_thread(others, request, str(cid), member, opened, lang)
    return pages.render("_presence_list.html.j2", lang, presence=found)
