"""The case file from the case page (issue 17): ``GET /workspace/complaints/<id>/case-file``
downloads what ``klachten audit export-case`` writes (shared/integrity/casefile.py): the
complaint's stored events as stored (personal data sealed), the latest signed checkpoint and
the Merkle proof from the complaint's chain head to its root; ``klachten audit verify-case``
or tools/verify_casefile.py checks it without us.

For staff whose roles may (the "case_file" action of shared/runtime/staff.py). Reporting
reads the log and the checkpoints; it cannot sign, so a complaint changed after the latest
checkpoint gets a file whose proof covers it up to that checkpoint, and one the checkpoints do
not cover yet gets the case page back with the reason in words (the checkpointer signs on its
schedule; `klachten audit checkpoint` signs now). Reading the whole log for the heads takes a
while on a large log: it runs in a thread.
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from services.reporting import workspace_pages as pages
from services.reporting.http import staff_member
from shared.contract import subjects
from shared.eventstore.link import JetStreamLink, RawMsg
from shared.integrity import casefile
from shared.integrity import checkpoints as cps
from shared.integrity.audit import read_all, stream_bounds

router = APIRouter()


@router.get("/workspace/complaints/{cid}/case-file", response_model=None)
async def case_file(request: Request, cid: UUID) -> Response:
    lang = pages.lang(request)
    member = staff_member(request)
    if member is None:
        return pages.login(request, lang)
    back = f"/workspace/complaints/{cid}?lang={lang}&case_file="
    if not member.may("case_file"):
        return RedirectResponse(back + "forbidden", 303)
    now = request.app.state.clock()
    try:
        case = await asyncio.to_thread(build, request.app.state.link, str(cid), now)
    except LookupError:
        return RedirectResponse(back + "not_covered", 303)
    reference = _reference(case) or str(cid)
    return Response(
        json.dumps(case, indent=2, ensure_ascii=False) + "\n",
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="case-{reference}.json"'},
    )


def build(link: JetStreamLink, cid: str, now: datetime) -> dict[str, Any]:
    """The case file of `cid` with the latest signed checkpoint; LookupError when there is
    none, or it does not cover the complaint yet, or the log does not match it."""
    first, _ = link.run(stream_bounds(link, subjects.COMPLAINTS_STREAM))
    messages: list[RawMsg] = link.run(_all(link, first), timeout=600)
    signed = link.run(cps.read_checkpoints(link))
    if not signed:
        raise LookupError("no signed checkpoint yet")
    return casefile.build(messages, first, cid, cps.decode(signed[-1].data), now)


async def _all(link: JetStreamLink, first: int) -> list[RawMsg]:
    return [m async for m in read_all(link, subjects.COMPLAINTS_STREAM, first)]


def _reference(case: dict[str, Any]) -> str | None:
    for event in case["events"]:
        if event["subject"].endswith(".submitted"):
            return str(json.loads(event["data"]).get("reference") or "") or None
    return None
