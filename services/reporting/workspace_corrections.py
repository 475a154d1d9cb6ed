"""The corrections box of the case page (issue 17): correct the category and priority (the
dates they decide are decided again by intake and recorded), link this complaint as a
duplicate of another one (it is closed without a letter), answer a message the complainant
sent after the answer (a letter, no new procedure). The rules are the aggregate's
(shared/rules/correctionsteps.py); intake's routes: services/intake/correctionsapi.py.

Each form posts to ``/workspace/complaints/<id>/corrections/<action>`` and is relayed as every
other action is (workspace.py: the conflict check against the version the page was rendered
from, intake's answer, refusals in words on their field, the typed text kept). The box reads
intake's ``/corrections`` (the choices, the complaint it duplicates, the messages waiting)
and reporting's own read model for the complaints linked to this one as duplicates, so both
complaints show the link.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Request

from services.reporting.http import staff_member
from services.reporting.tables import COMPLAINTS

# action -> the route under /api/complaints/{id} (services/intake/correctionsapi.py)
ENDPOINTS = {"recategorise": "recategorisation", "duplicate": "duplicate", "follow_up": "follow-up"}
# The staff action (shared/runtime/staff.py) each form needs: a form is shown only to who may.
NEEDS = {"recategorise": "investigate", "duplicate": "close", "follow_up": "respond"}
# Appended by a colleague since the page was rendered: look again before acting.
CONFLICTING = {"recategorised", "linked_as_duplicate", "follow_up_answered"}


def body(action: str, form: dict[str, str]) -> dict[str, Any]:
    """The body intake's route reads, from the form as typed (intake refuses in words)."""
    if action == "recategorise":
        return {
            "category": form.get("category", ""),
            "priority": form.get("priority", ""),
            "reason": form.get("reason", ""),
        }
    if action == "duplicate":
        return {"primary": form.get("primary", ""), "reason": form.get("reason", "")}
    return {"reaction_event_id": form.get("reaction_event_id", ""), "text": form.get("text", "")}


def context(request: Request, cid: str, intake_get: Callable[[str], Any]) -> dict[str, Any]:
    """What the box shows: intake's facts (None when intake does not answer: the box then
    offers nothing), the complaints linked to this one, and which forms the member may use.
    ``intake_get``: a GET on intake's staff API with the member's own token (workspace.py)."""
    member = staff_member(request)
    answer = _intake_get(intake_get, f"/api/complaints/{cid}/corrections")
    box = answer if isinstance(answer, dict) else None
    return {
        "corrections": box,
        "duplicates": duplicates_of(request.app.state.view, str(cid)),
        "may_correct": frozenset(f for f, a in NEEDS.items() if member and member.may(a)),  # type: ignore[arg-type]
    }


def duplicates_of(view: Any, cid: str) -> list[dict[str, str]]:
    """The complaints recorded as duplicates of `cid` (reporting's read model)."""
    with view._tx(commit=False) as c:
        c.execute(
            f"SELECT complaint_id, reference FROM {view._table(COMPLAINTS)} "
            f"WHERE duplicate_of = {view.placeholder} ORDER BY reference",
            [cid],
        )
        found = [dict(r) for r in c.fetchall()]
    return [{"complaint_id": r["complaint_id"], "reference": r["reference"]} for r in found]


def _intake_get(get: Callable[[str], Any], path: str) -> Any:
    try:
        answer = get(path)
    except Exception:  # intake away: the rest of the page still works
        return None
    return answer.json() if answer.status_code == 200 else None
