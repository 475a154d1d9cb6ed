"""The procedure's commands on a complaint (issue 16): assign, take, record the person complained
about and their reaction, invite to / hold / waive the hearing, resolve informally, decline.

A mixin of the Complaint aggregate (shared/rules/complaint.py), kept apart so the aggregate stays
readable: each command checks a rule of shared/rules/procedure.py on the complaint's state and
triggers one contract event; the events and their ``apply`` live with the aggregate. Commands
that may warn return the cautions (a same-unit handler); refusals raise like every other command.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from shared.contract import events as ev
from shared.rules import awb, procedure
from shared.rules.cause import Cause
from shared.rules.errors import AlreadyDone, InvalidCommand, refuse
from shared.rules.procedure import Caution

LEEWAY = timedelta(minutes=5)  # clocks of writers differ a little; "in the future" means more


class ProcedureSteps:
    """Commands of the procedure steps; state comes from the aggregate's ``apply`` methods."""

    # --- ownership ------------------------------------------------------------------------

    def assign(
        self,
        *,
        handler: str | None,
        team: str | None,
        now: datetime,
        cause: Cause,
        department: str | None = None,
        reason: str | None = None,
        handler_units: Collection[str] = (),
    ) -> tuple[Caution, ...]:
        """Give the complaint to a handler and/or a team (a team alone: its queue).
        ``handler_units``: the handler's teams and department, from configuration."""
        s: Any = self
        s._require_open("assign")
        same = (handler, team, department or s.department) == (s.handler, s.team, s.department)
        if same and (handler or team):
            raise AlreadyDone("the complaint is already assigned so")
        kind = procedure.assignment_kind(
            handler=handler, team=team, current_handler=s.handler, current_team=s.team
        )
        refuse(
            procedure.assignment_refusal(
                kind=kind,
                handler=handler,
                team=team,
                reason=reason,
                conduct_employees=s.conduct_employees,
            )
        )
        s._trigger(
            ev.Assigned, now, cause,
            kind=kind, handler=handler, team=team, department=department or s.department,
            previous_handler=s.handler,
            personal=ev.TextPersonal(text=reason) if reason and reason.strip() else None,
        )  # fmt: skip
        return self._unit_cautions(handler, {*handler_units, *filter(None, (team, department))})

    def take(
        self,
        *,
        handler: str,
        teams: Collection[str],
        now: datetime,
        cause: Cause,
        handler_units: Collection[str] = (),
    ) -> tuple[Caution, ...]:
        """ "Pak op": a member of the team takes the complaint from the team's queue."""
        s: Any = self
        s._require_open("take")
        refuse(procedure.take_refusal(queue_team=s.team, current_handler=s.handler, teams=teams))
        refuse(
            procedure.assignment_refusal(
                kind="take", handler=handler, team=s.team, reason=None,
                conduct_employees=s.conduct_employees,
            )
        )  # fmt: skip
        s._trigger(
            ev.Assigned, now, cause,
            kind="take", handler=handler, team=s.team, department=s.department,
        )  # fmt: skip
        return self._unit_cautions(handler, {*handler_units, *teams})

    def _unit_cautions(self, handler: str | None, units: Collection[str]) -> tuple[Caution, ...]:
        s: Any = self
        if handler is None:
            return ()
        return procedure.same_unit_cautions(units=s.conduct_units, handler_units=units)

    # --- the person complained about ------------------------------------------------------

    def record_conduct_subject(
        self,
        *,
        now: datetime,
        cause: Cause,
        employee: str | None = None,
        unit: str | None = None,
        name: str | None = None,
        email: str | None = None,
        role: str | None = None,
    ) -> tuple[Caution, ...]:
        """Whose conduct the complaint is about (Awb 9:1); the handler may not be that person
        (Awb 9:7: reassign first), and a handler of that unit is a warning."""
        s: Any = self
        s._require_open("record the person complained about")
        refuse(procedure.conduct_subject_refusal(employee=employee, unit=unit, handler=s.handler))
        named = bool(employee or name or email)
        s._trigger(
            ev.ConductSubjectRecorded, now, cause,
            unit=unit or None, employee_named=named,
            personal=ev.ConductSubjectPersonal(employee=employee, name=name, email=email,
                                               role=role) if named or role else None,
        )  # fmt: skip
        if s.handler is None or not unit:
            return ()
        mine = set(filter(None, (s.team, s.department)))
        return procedure.same_unit_cautions(units=(unit,), handler_units=mine)

    def record_conduct_subject_reaction(
        self, *, subject_event_id: UUID, text: str, now: datetime, cause: Cause
    ) -> None:
        s: Any = self
        s._require_open("record the reaction")
        if subject_event_id not in s.conduct_subjects:
            raise InvalidCommand("no person complained about was recorded with that id")
        if not text.strip():
            raise InvalidCommand("the reaction is empty")
        s._trigger(
            ev.ConductSubjectReacted, now, cause,
            subject_event_id=subject_event_id, personal=ev.TextPersonal(text=text),
        )  # fmt: skip

    # --- the hearing (Awb 9:10) -----------------------------------------------------------

    def invite_to_hearing(
        self,
        *,
        at: datetime,
        mode: ev.HearingMode,
        now: datetime,
        cause: Cause,
        place: str | None = None,
        note: str | None = None,
        conduct_subject_invited: bool = False,
    ) -> None:
        s: Any = self
        s._require_open("invite to a hearing")
        refuse(procedure.hearing_refusal(answered=s.answered, settled=s.hearing_settled))
        if at < now - LEEWAY:
            raise InvalidCommand("the hearing's date lies in the past")
        if mode == "in_person" and not (place and place.strip()):
            raise InvalidCommand("a hearing in person needs a place")
        s._trigger(
            ev.HearingInvited, now, cause,
            at=at, mode=mode, level=s.level, conduct_subject_invited=conduct_subject_invited,
            personal=ev.HearingPlace(place=place, note=note) if place or note else None,
        )  # fmt: skip

    def record_hearing(
        self,
        *,
        held_at: datetime,
        mode: ev.HearingMode,
        report: str,
        now: datetime,
        cause: Cause,
        conduct_subject_heard: bool = False,
    ) -> None:
        """The hearing took place; its report (verslag) is required (Awb 9:10 lid 3)."""
        s: Any = self
        s._require_open("record a hearing")
        refuse(procedure.hearing_refusal(answered=s.answered, settled=s.hearing_settled))
        if held_at > now + LEEWAY:
            raise InvalidCommand("the hearing lies in the future")
        if not report.strip():
            refuse(awb.Refusal("hearing_report_missing", "Awb 9:10 lid 3", "report"))
        s._trigger(
            ev.HearingHeld, now, cause,
            held_at=held_at, mode=mode, level=s.level,
            conduct_subject_heard=conduct_subject_heard, personal=ev.TextPersonal(text=report),
        )  # fmt: skip

    def waive_hearing(
        self,
        *,
        ground: ev.HearingWaiverGround,
        now: datetime,
        cause: Cause,
        explanation: str | None = None,
    ) -> None:
        s: Any = self
        s._require_open("waive the hearing")
        refuse(procedure.hearing_refusal(answered=s.answered, settled=s.hearing_settled))
        refuse(
            procedure.waiver_refusal(
                ground=ground,
                explanation=explanation,
                invited=s.level in s.invited_levels,
                heard_elsewhere=bool(s.heard_levels - {s.level}),
            )
        )
        s._trigger(
            ev.HearingWaived, now, cause,
            ground=ground, level=s.level,
            personal=ev.TextPersonal(text=explanation) if explanation else None,
        )  # fmt: skip

    # --- informal resolution (Awb 9:5) and declining (Awb 9:8) ----------------------------

    def resolve_informally(
        self,
        *,
        means: ev.InformalMeans,
        confirmed_by: ev.Confirmation,
        confirmed_at: datetime,
        text: str,
        now: datetime,
        cause: Cause,
    ) -> None:
        """Resolved to the complainant's satisfaction, which they confirmed: the formal
        procedure stops (status ``resolved_informally``)."""
        s: Any = self
        s._require_open("resolve informally")
        if not text.strip():
            raise InvalidCommand("say how the complaint was resolved")
        refuse(
            procedure.informal_refusal(
                answered=s.answered, confirmed_at=confirmed_at, now=now + LEEWAY
            )
        )
        s._trigger(
            ev.ResolvedInformally, now, cause,
            means=means, confirmed_by=confirmed_by, confirmed_at=confirmed_at,
            personal=ev.TextPersonal(text=text),
        )  # fmt: skip

    def decline(
        self,
        *,
        grounds: Collection[ev.DeclineGround],
        explanation: str,
        now: datetime,
        cause: Cause,
        calendar: awb.LegalCalendar | None = None,
        notice_by: datetime | None = None,
    ) -> None:
        """Not handle the complaint (Awb 9:8). ``calendar`` (the policy's) places the end of
        the four weeks; ``notice_by`` replaces it only where that end was decided before (a
        replay reads it from the event)."""
        s: Any = self
        s._require_open("decline")
        end = notice_by or awb.not_handled_notice_by(s.received_at, calendar)
        unique = list(dict.fromkeys(grounds))
        refuse(
            procedure.decline_refusal(
                grounds=unique, explanation=explanation, answered=bool(s.responded_levels),
                notice_by=end, now=now,
            )
        )  # fmt: skip
        s._trigger(
            ev.Declined, now, cause,
            grounds=unique, notice_by=end, personal=ev.TextPersonal(text=explanation),
        )  # fmt: skip
