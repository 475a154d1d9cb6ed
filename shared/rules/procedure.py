"""The complaint procedure of Awb title 9.1 beyond answering (issue 16), as pure functions:
ownership, the person complained about (9:7), the hearing (9:10), informal resolution (9:5)
and declining (9:8).

Each check returns the `Refusal` naming the rule broken (or None); a `Caution` is a warning the
command still goes ahead with. Words for both: shared/rules/refusals.py. The aggregate
(shared/rules/complaint.py and shared/rules/steps.py) calls these with its own state; nothing
here reads a file, the environment or the clock. None of these steps touches a term: the
hearing and the rest run inside the statutory term, which never pauses for them.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from shared.contract import events as ev
from shared.rules.awb import Refusal

# The procedure a complaint is handled under, recorded in its `submitted` event. A complaint
# without one (recorded before issue 16) is answered without the hearing rule, as it was then.
CURRENT = "awb-9.1/2026-12"
AWB_9_5 = "Awb 9:5"
AWB_9_7 = "Awb 9:7"
AWB_9_8_3 = "Awb 9:8 lid 3"
AWB_9_10 = "Awb 9:10"
OWNERSHIP = "klachtenregeling (behandelaar)"

WAIVER_RULE: dict[ev.HearingWaiverGround, str] = {
    "manifestly_unfounded": "Awb 9:10 lid 2 onder a",
    "complainant_waived": "Awb 9:10 lid 2 onder b",
    "no_reaction_in_time": "Awb 9:10 lid 2 onder c",
    # Not a ground of lid 2: lid 1 asks for the opportunity to be heard on the complaint, which
    # a hearing at another level of this same complaint already gave.
    "heard_at_another_level": "Awb 9:10 lid 1",
}
DECLINE_RULE: dict[ev.DeclineGround, str] = {
    "already_handled": "Awb 9:8 lid 1 onder a",
    "older_than_a_year": "Awb 9:8 lid 1 onder b",
    "objection_possible": "Awb 9:8 lid 1 onder c",
    "appeal_possible": "Awb 9:8 lid 1 onder d",
    "before_another_court": "Awb 9:8 lid 1 onder e",
    "criminal_investigation": "Awb 9:8 lid 1 onder f",
    "insufficient_interest": "Awb 9:8 lid 2",
}


@dataclass(frozen=True)
class Caution(Refusal):
    """A warning shown with the command's result; the command was carried out."""


# --- ownership -----------------------------------------------------------------------------


def assignment_kind(
    *, handler: str | None, team: str | None, current_handler: str | None, current_team: str | None
) -> ev.AssignmentKind:
    """A first owner, or a handler picked within the team whose queue holds the complaint, is
    an assignment; any other change of owner is a reassignment (which needs a reason)."""
    if current_handler is None and current_team in (None, team):
        return "assign"
    return "reassign"


def assignment_refusal(
    *,
    kind: ev.AssignmentKind,
    handler: str | None,
    team: str | None,
    reason: str | None,
    conduct_employees: Collection[str],
) -> Refusal | None:
    if handler is None and team is None:
        return Refusal("assignment_empty", OWNERSHIP, "handler")
    if handler is not None and handler in conduct_employees:
        return Refusal("handler_is_conduct_subject", AWB_9_7, "handler")
    if kind == "reassign" and not (reason and reason.strip()):
        return Refusal("reassign_without_reason", OWNERSHIP, "reason")
    return None


def take_refusal(
    *, queue_team: str | None, current_handler: str | None, teams: Collection[str]
) -> Refusal | None:
    """ "Pak op": only a complaint waiting in a team's queue, only by a member of that team."""
    if queue_team is None or current_handler is not None:
        return Refusal("not_in_a_queue", OWNERSHIP)
    if queue_team not in teams:
        return Refusal("take_not_member", OWNERSHIP, "handler", {"team": queue_team})
    return None


def same_unit_cautions(
    *, units: Collection[str], handler_units: Collection[str]
) -> tuple[Caution, ...]:
    """Awb 9:7 forbids only the person involved; a handler of the same unit may handle it, but
    the organisation should see that it is so (a warning, not a refusal)."""
    shared = sorted(set(units) & set(handler_units))
    if not shared:
        return ()
    return (Caution("same_unit", AWB_9_7, values={"unit": ", ".join(shared)}),)


# --- the person complained about -------------------------------------------------------------


def conduct_subject_refusal(
    *, employee: str | None, unit: str | None, handler: str | None
) -> Refusal | None:
    if not (employee and employee.strip()) and not (unit and unit.strip()):
        return Refusal("conduct_subject_empty", "Awb 9:1", "employee")
    if employee is not None and employee == handler:
        return Refusal("conduct_subject_is_handler", AWB_9_7, "employee")
    return None


# --- the hearing (Awb 9:10) ------------------------------------------------------------------


def hearing_refusal(*, answered: bool, settled: bool) -> Refusal | None:
    """A hearing step belongs before the answer at this level, and once per level."""
    if answered:
        return Refusal("hearing_after_answer", AWB_9_10)
    if settled:
        return Refusal("hearing_settled", AWB_9_10)
    return None


def waiver_refusal(
    *,
    ground: ev.HearingWaiverGround,
    explanation: str | None,
    invited: bool,
    heard_elsewhere: bool,
) -> Refusal | None:
    rule = WAIVER_RULE[ground]
    if ground == "manifestly_unfounded" and not (explanation and explanation.strip()):
        return Refusal("waiver_needs_explanation", rule, "explanation")
    if ground == "no_reaction_in_time" and not invited:
        return Refusal("waiver_without_invitation", rule, "ground")
    if ground == "heard_at_another_level" and not heard_elsewhere:
        return Refusal("waiver_not_heard_elsewhere", rule, "ground")
    return None


def answer_refusal(
    *, procedure: str | None, level: int, settled: Collection[int]
) -> Refusal | None:
    """Awb 9:10: no answer before the complainant was heard at this level or the hearing was
    waived on a ground, for a complaint handled under this procedure."""
    if procedure is not None and level not in settled:
        return Refusal("hearing_missing", AWB_9_10)
    return None


# --- informal resolution (Awb 9:5) and declining (Awb 9:8) -----------------------------------


def informal_refusal(*, answered: bool, confirmed_at: datetime, now: datetime) -> Refusal | None:
    if answered:
        return Refusal("informal_after_answer", AWB_9_5)
    if confirmed_at > now:
        return Refusal("confirmation_in_future", AWB_9_5, "confirmed_at")
    return None


def decline_refusal(
    *,
    grounds: Collection[ev.DeclineGround],
    explanation: str,
    answered: bool,
    notice_by: datetime,
    now: datetime,
) -> Refusal | None:
    """Awb 9:8: on the law's grounds, with reasons, before the answer, and while the notice
    can still reach the complainant within four weeks of receipt (awb.not_handled_notice_by)."""
    if not grounds:
        return Refusal("decline_without_ground", "Awb 9:8", "grounds")
    if not explanation.strip():
        return Refusal("decline_without_explanation", "Awb 9:8", "explanation")
    if answered:
        return Refusal("decline_after_answer", "Awb 9:8")
    if now >= notice_by:
        return Refusal("not_handled_too_late", AWB_9_8_3)
    return None
