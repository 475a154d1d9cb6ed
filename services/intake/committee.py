"""The advisory committee (Awb afdeling 9.1.3) and the Wkkgz route (issue 16 items 6-7) as
intake's use cases: refer, the committee's hearing and advice, the answer after it, mediation
by the klachtenfunctionaris, the judgement's measures (docs/procedure.md).

What the policy in force says is looked up here and handed to the command (the committee for
the complaint's category and level, whether the Wkkgz applies, the calendar, the dates in
force); the rules decide (shared/rules/committee.py). ``committee_state`` is what the staff
API shows of it, read from recorded facts.
"""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from services.intake import bodies
from services.intake.application import Intake
from services.intake.procedure import Outcome, _act, _call, _moment, heard
from services.intake.procedurestate import _expected as expected_committee
from shared.config.policy import policy_in_force
from shared.rules.complaint import Cause, Complaint
from shared.rules.terms import current_terms


def answer(c: Complaint, body: bodies.AnswerBody, now: datetime, cause: Cause) -> None:
    """The answer (``/responses``): on a complaint the policy sends to a committee it waits for
    the referral and the advice, and says whether it departs from the advice (Awb 9:16)."""
    policy, _ = policy_in_force()
    c.respond(
        text=body.text,
        resolution=body.resolution,  # type: ignore[arg-type]
        committee=expected_committee(policy, c),
        departs_from_advice=body.departs_from_advice,
        departure_reasons=body.departure_reasons,
        now=now,
        cause=cause,
    )


async def refer(
    intake: Intake, cid: UUID, body: bodies.CommitteeReferralBody, cause: Cause
) -> Outcome:
    """Awb 9:14: the term becomes ten weeks from receipt (decided by the rules on the policy's
    calendar and recorded with the dates in force)."""
    policy, calendar = policy_in_force()

    def command(c: Complaint, now: datetime) -> None:
        c.refer_to_committee(
            committee=expected_committee(policy, c),
            weeks=policy.statutory_rule(c.category).weeks_for(committee=True),
            calendar=calendar,
            terms=current_terms(c.facts, policy, calendar),
            note=body.note,
            now=now,
            cause=cause,
        )

    return await _act(intake, cid, command)


async def record_hearing(
    intake: Intake, cid: UUID, body: bodies.CommitteeHearingBody, cause: Cause
) -> Outcome:
    return await _call(intake, cid, cause, Complaint.record_committee_hearing, **heard(body))


async def record_advice(
    intake: Intake, cid: UUID, body: bodies.CommitteeAdviceBody, cause: Cause
) -> Outcome:
    return await _call(
        intake, cid, cause, Complaint.record_committee_advice,
        advice=body.advice, advised_at=_moment(body.advised_at), text=body.text,
    )  # fmt: skip


async def record_mediation(
    intake: Intake, cid: UUID, body: bodies.MediationBody, cause: Cause
) -> Outcome:
    policy, _ = policy_in_force()

    def command(c: Complaint, now: datetime) -> None:
        c.record_mediation(
            kind=body.kind,  # type: ignore[arg-type]
            held_at=_moment(body.held_at),
            text=body.text,
            agreed=body.agreed,
            wkkgz=policy.wkkgz_applies(c.category),
            now=now,
            cause=cause,
        )

    return await _act(intake, cid, command)


async def promise_measures(
    intake: Intake, cid: UUID, body: bodies.MeasuresBody, cause: Cause
) -> Outcome:
    """Wkkgz art. 17: each measure's day becomes the end of that day on the policy's calendar."""
    policy, calendar = policy_in_force()
    measures = [(m.description, date.fromisoformat(m.due)) for m in body.measures]

    def command(c: Complaint, now: datetime) -> None:
        c.promise_measures(
            measures=measures,
            wkkgz=policy.wkkgz_applies(c.category),
            calendar=calendar,
            now=now,
            cause=cause,
        )

    return await _act(intake, cid, command)
