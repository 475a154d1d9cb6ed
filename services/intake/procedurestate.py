"""Where a complaint stands in the procedure of issue 16, as the staff API answers it: who
handles it, whom it is about, and whether the complainant was heard at its current level.

Read from the aggregate's state and the recorded facts, never decided again: the rules
(shared/rules/procedure.py) decided when each fact was recorded. The person complained about is
personal data: the employee's reference and details are shown only to the roles that see the
complainant's (``personal``).
"""

from __future__ import annotations

from typing import Any

from shared.contract import events as ev
from shared.rules.complaint import Complaint


def procedure_state(c: Complaint, facts: list[ev.Event], *, personal: bool) -> dict[str, Any]:
    return {
        "procedure": c.procedure,
        "assignment": {"handler": c.handler, "team": c.team, "department": c.department},
        "conduct_subjects": _conduct_subjects(facts, personal=personal),
        "hearing": _hearing(c, facts),
    }


def _conduct_subjects(facts: list[ev.Event], *, personal: bool) -> list[dict[str, Any]]:
    reacted = {f.subject_event_id for f in facts if isinstance(f, ev.ConductSubjectReacted)}
    found = []
    for f in facts:
        if not isinstance(f, ev.ConductSubjectRecorded):
            continue
        entry: dict[str, Any] = {
            "id": str(f.event_id),
            "unit": f.unit,
            "employee_named": f.employee_named,
            "reacted": f.event_id in reacted,
        }
        if personal:
            who = f.personal or ev.ConductSubjectPersonal()
            entry |= {"employee": who.employee, "name": who.name, "email": who.email}
            entry |= {"role": who.role}
        found.append(entry)
    return found


def _hearing(c: Complaint, facts: list[ev.Event]) -> dict[str, Any]:
    """The hearing at the complaint's current level (each level needs its own, Awb 9:10)."""
    waived = [f.ground for f in facts if isinstance(f, ev.HearingWaived) and f.level == c.level]
    invited = [f.at for f in facts if isinstance(f, ev.HearingInvited) and f.level == c.level]
    return {
        "level": c.level,
        # Complaints recorded before the procedure (no `procedure`) are answered without it.
        "required": c.procedure is not None,
        "invited_for": invited[-1].isoformat() if invited else None,
        "heard": c.level in c.heard_levels,
        "waived": waived[-1] if waived else None,
        "settled": c.hearing_settled,
    }
