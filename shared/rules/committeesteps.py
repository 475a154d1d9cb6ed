"""The commands of the advisory committee (Awb afdeling 9.1.3) and of the Wkkgz route (issue 16
items 6 and 7): refer, the committee's hearing and advice; mediation by the
klachtenfunctionaris and the judgement's measures.

A mixin of the Complaint aggregate (shared/rules/complaint.py), like shared/rules/steps.py:
each command checks a rule of shared/rules/committee.py on the complaint's state and triggers
one contract event. What the policy says (the committee for this complaint, whether the Wkkgz
applies, the calendar) comes in as arguments: the aggregate reads no configuration.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import msgspec

from shared.contract import events as ev
from shared.rules import committee as rules
from shared.rules.awb import LegalCalendar, Refusal
from shared.rules.cause import Cause
from shared.rules.errors import AlreadyDone, refuse
from shared.rules.policy import REGIME_WEEKS
from shared.rules.steps import LEEWAY


class CommitteeSteps:
    """Commands of the committee and the Wkkgz route; state from the aggregate's ``apply``."""

    # --- the advisory committee -----------------------------------------------------------

    def refer_to_committee(
        self,
        *,
        committee: str | None,
        now: datetime,
        cause: Cause,
        weeks: int = REGIME_WEEKS["awb_committee"],
        calendar: LegalCalendar | None = None,
        terms: ev.Terms | None = None,
        note: str | None = None,
        statutory_by: datetime | None = None,
    ) -> None:
        """Send the complaint to ``committee`` (the policy's for its category or level; None:
        the policy sends it to none). The term becomes ``weeks`` from receipt (Awb 9:11 lid 1),
        decided here and recorded, also in ``terms`` (the dates in force before, from the
        caller). ``statutory_by`` replaces the decision only in a replay (the recorded end)."""
        s: Any = self
        s._require_open("refer to the committee")
        if s.level in s.referred_levels:
            raise AlreadyDone("the complaint was already referred to the committee")
        refuse(rules.referral_refusal(committee=committee, answered=s.answered))
        in_force = terms.statutory_by if terms else s.statutory_by
        end = statutory_by or rules.committee_term_end(s.received_at, weeks, calendar, in_force)
        s._trigger(
            ev.ReferredToCommittee, now, cause,
            committee=committee, level=s.level, statutory_by=end,
            terms=msgspec.structs.replace(terms, statutory_by=end) if terms else None,
            personal=ev.TextPersonal(text=note) if note and note.strip() else None,
        )  # fmt: skip

    def record_committee_hearing(
        self,
        *,
        held_at: datetime,
        mode: ev.HearingMode,
        report: str,
        now: datetime,
        cause: Cause,
        conduct_subject_heard: bool = False,
    ) -> None:
        """The committee heard the complainant (Awb 9:15): the hearing of 9:10 at this level."""
        s: Any = self
        s._require_open("record the committee's hearing")
        refuse(s._committee_step_refusal())
        if held_at > now + LEEWAY:
            refuse(Refusal("committee_hearing_in_future", rules.AWB_9_15, "held_at"))
        if not report.strip():
            refuse(Refusal("hearing_report_missing", rules.AWB_9_15, "report"))
        s._trigger(
            ev.CommitteeHearingHeld, now, cause,
            held_at=held_at, mode=mode, level=s.level,
            conduct_subject_heard=conduct_subject_heard, personal=ev.TextPersonal(text=report),
        )  # fmt: skip

    def record_committee_advice(
        self,
        *,
        advice: ev.Resolution,
        advised_at: datetime,
        text: str,
        now: datetime,
        cause: Cause,
    ) -> None:
        """The committee's report with its advice reached the organisation (Awb 9:15 lid 4)."""
        s: Any = self
        s._require_open("record the committee's advice")
        refuse(s._committee_step_refusal())
        if advised_at > now + LEEWAY:
            refuse(Refusal("committee_advice_in_future", rules.AWB_9_15_4, "advised_at"))
        heard = s.procedure is None or s.level in s.settled_levels
        refuse(rules.advice_refusal(text=text, heard=heard))
        s._trigger(
            ev.CommitteeAdvised, now, cause,
            advice=advice, advised_at=advised_at, level=s.level,
            personal=ev.TextPersonal(text=text),
        )  # fmt: skip

    def _committee_step_refusal(self) -> Refusal | None:
        """The committee's hearing and advice wait for the referral at this level, once (9:15)."""
        s: Any = self
        referred, advised = s.level in s.referred_levels, s.level in s.advised_levels
        return rules.committee_step_refusal(referred=referred, advised=advised)

    def answer_refusal_of_committee(
        self, *, committee: str | None, departs: bool | None, reasons: str | None
    ) -> Refusal | None:
        """What the committee's rules say of answering now (called by ``respond``)."""
        s: Any = self
        return rules.answer_after_committee_refusal(
            expected=committee is not None,
            referred=s.level in s.referred_levels,
            advised=s.level in s.advised_levels,
            departs=departs,
            reasons=reasons,
        )

    # --- the Wkkgz route --------------------------------------------------------------------

    def record_mediation(
        self,
        *,
        kind: ev.MediationKind,
        held_at: datetime,
        text: str,
        wkkgz: bool,
        now: datetime,
        cause: Cause,
        agreed: bool | None = None,
    ) -> None:
        """The klachtenfunctionaris (Wkkgz art. 15) helped the complainant or mediated."""
        s: Any = self
        s._require_open("record mediation")
        refuse(rules.mediation_refusal(wkkgz=wkkgz, text=text))
        if held_at > now + LEEWAY:
            refuse(Refusal("mediation_in_future", rules.WKKGZ_15, "held_at"))
        s._trigger(
            ev.MediationRecorded, now, cause,
            kind=kind, held_at=held_at, agreed=agreed if kind == "mediation" else None,
            personal=ev.TextPersonal(text=text),
        )  # fmt: skip

    def promise_measures(
        self,
        *,
        measures: Sequence[tuple[str, date]],
        wkkgz: bool,
        now: datetime,
        cause: Cause,
        calendar: LegalCalendar | None = None,
    ) -> None:
        """The judgement's measures and the day each is realised by (Wkkgz art. 17); the due
        moment is decided here on the policy's calendar and recorded."""
        s: Any = self
        s._require_open("promise measures")
        today = calendar.local_date(now) if calendar else now.date()
        refuse(
            rules.measures_refusal(wkkgz=wkkgz, answered=s.answered, measures=measures, today=today)
        )
        s._trigger(
            ev.MeasuresPromised, now, cause,
            measures=[
                ev.Measure(item=i, due_by=rules.measure_due_by(day, calendar))
                for i, (_, day) in enumerate(measures, start=1)
            ],
            level=s.level,
            personal=ev.MeasuresPersonal(descriptions=[text for text, _ in measures]),
        )  # fmt: skip
