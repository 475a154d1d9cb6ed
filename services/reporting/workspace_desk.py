"""The desk's list page (``/workspace``): one of the lists of workspace_lists.py, filtered,
sorted and paginated in SQL, with each row's subject and the complainant's name read from
intake for the page's rows only, with the user's own token (a role that may not see
personal data sees none; an erased complaint shows none)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from services.reporting import workspace_bulk, workspace_lists, workspace_steps, workspace_words
from services.reporting import workspace_pages as pages
from services.reporting.http import staff_member

router = APIRouter()


@router.get("/workspace", response_class=HTMLResponse)
async def worklist(request: Request) -> HTMLResponse:
    lang = pages.lang(request)
    member = staff_member(request)
    if member is None:
        return pages.login(request, lang)
    query = workspace_lists.ListQuery.from_params(request.query_params)
    query = await workspace_lists.searched(query, pages.intake_url(), pages.token(request))
    org = pages.organisation(request)
    teams = org.teams_of(member.name) if org is not None else ()
    now = request.app.state.clock()
    view = request.app.state.view
    found = await asyncio.to_thread(workspace_lists.list_page, view, query, now, member.name, teams)
    personal = await personal_parts(
        pages.intake_url(), pages.token(request), [r["complaint_id"] for r in found.rows]
    )
    return pages.render(
        "worklist.html.j2",
        lang,
        found=found,
        query=query,
        personal=personal,
        who=workspace_words.actor(f"staff:{member.name}", pages.TEXTS[lang], org, lang),
        teams=teams,
        org=org,
        choices=workspace_steps.choices(org, lang),
        page_size=workspace_lists.PAGE_SIZE,
        bulk_limit=workspace_bulk.limit(request),  # bulk actions (workspace_bulk.py)
    )


async def personal_parts(base: str, token: str, ids: list[str]) -> dict[str, dict[str, Any]]:
    """Each complaint's subject and complainant name from intake, concurrently; {} where the
    role may not see them, the complaint was erased, or intake did not answer."""
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=10.0) as client:

        async def one(cid: str) -> dict[str, Any]:
            try:
                answer = await client.get(f"/api/complaints/{cid}")
            except httpx.HTTPError:
                return {}
            found = answer.json().get("personal") if answer.status_code == 200 else None
            if not found:
                return {}
            return {"subject": found.get("subject"), "name": found["complainant"].get("name")}

        parts = await asyncio.gather(*(one(cid) for cid in ids))
    return dict(zip(ids, parts, strict=True))
