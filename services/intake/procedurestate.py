"""Where a complaint stands in the procedure of issue 16, as the staff API answers it: who
handles it, whom it is about, whether the complainant was heard at its current level, the
advisory committee (Awb 9.1.3) and the Wkkgz route.

Read from the aggregate's state and the recorded facts, never decided again: the rules
(shared/rules/procedure.py) decided when each fact was recorded. The person complained about is
personal data: the employee's reference and details are shown only to the roles that see the
complainant's (``personal``).
"""

from __future__ import annotations

from typing import Any

from shared.config.policy import policy_in_force
from shared.contract import events as ev
from shared.rules.committee import WKKGZ_18
from shared.rules.complaint import Complaint
from shared.rules.policy import Policy


def procedure_state(c: Complaint, facts: list[ev.Event], *, personal: bool) -> dict[str, Any]:
    return {
        "procedure": c.procedure,
        "assignment": {"handler": c.handler, "team": c.team, "department": c.department},
        "conduct_subjects": _conduct_subjects(facts, personal=personal),
        "hearing": _hearing(c, facts),
    } | committee_state(c, facts, personal=personal)


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


def committee_state(c: Complaint, facts: list[ev.Event], *, personal: bool) -> dict[str, Any]:
    """The committee at the complaint's current level, and the Wkkgz route with its external
    body (the geschilleninstantie, Wkkgz art. 18); the sealed words only to ``personal``."""
    policy, _ = policy_in_force()
    level = c.level
    advice = [f for f in facts if isinstance(f, ev.CommitteeAdvised) and f.level == level]
    referral = [f for f in facts if isinstance(f, ev.ReferredToCommittee) and f.level == level]
    state: dict[str, Any] = {
        "committee": {
            "level": level,
            "expected": _expected(policy, c),
            "referred_to": referral[-1].committee if referral else None,
            "statutory_by": referral[-1].statutory_by.isoformat() if referral else None,
            "heard": any(
                isinstance(f, ev.CommitteeHearingHeld) and f.level == level for f in facts
            ),
            "advice": advice[-1].advice if advice else None,
        }
    }
    if not policy.wkkgz_applies(c.category):
        return state | {"wkkgz": None}
    external = policy.external_for(c.category)
    measures = [
        {"item": m.item, "due_by": m.due_by.isoformat()}
        | ({"description": _words(f, m.item)} if personal else {})
        for f in facts
        if isinstance(f, ev.MeasuresPromised)
        for m in f.measures
    ]
    return state | {
        "wkkgz": {
            "mediations": [
                {"kind": f.kind, "held_at": f.held_at.isoformat(), "agreed": f.agreed}
                for f in facts
                if isinstance(f, ev.MediationRecorded)
            ],
            "measures": measures,
            "external": None
            if external is None
            else {"kind": external.kind, "name": external.name, "url": external.url,
                  "rule": WKKGZ_18},
        }
    }  # fmt: skip


def _words(f: ev.MeasuresPromised, item: int) -> str | None:
    p = f.personal
    return p.descriptions[item - 1] if p is not None and item <= len(p.descriptions) else None


def _expected(policy: Policy, c: Complaint) -> str | None:
    found = policy.committee_for(c.category, c.level)
    return found.name if found else None
