"""The advisory committee (Awb afdeling 9.1.3, art. 9:13-9:16) and the Wkkgz route for care
complaints (Wkkgz art. 15, 17, 18), as pure functions (issue 16 items 6 and 7).

Each check returns the `Refusal` naming the rule broken (or None); words for them are in
shared/rules/refusals.py. Which complaints go to
the committee and whether the organisation is a care provider is the policy's
(shared/rules/policy.py: ``committee_for``, ``wkkgz_applies``); the caller hands the answer in.
Nothing here reads a file, the environment or the clock. None of these steps pauses the
statutory term; the referral lengthens it once, to ten weeks from receipt (Awb 9:11 lid 1).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

from shared.rules.awb import LegalCalendar, Refusal

AWB_9_11 = "Awb 9:11 lid 1"
AWB_9_16 = "Awb 9:16"
AWB_9_14 = "Awb 9:14"
AWB_9_15 = "Awb 9:15"
AWB_9_15_4 = "Awb 9:15 lid 4"
WKKGZ_15 = "Wkkgz art. 15"
WKKGZ_17 = "Wkkgz art. 17"
WKKGZ_18 = "Wkkgz art. 18"
POLICY = "klachtenbeleid [committee]"
CARE_POLICY = "klachtenbeleid (care_provider)"


# --- the advisory committee (Awb 9.1.3) -------------------------------------------------------


def committee_term_end(
    received_at: datetime, weeks: int, calendar: LegalCalendar | None, in_force: datetime | None
) -> datetime:
    """Awb 9:11 lid 1: with a committee the complaint is dealt with within ten weeks (the
    policy's regime's ``weeks_for(committee=True)``) of receipt: the first moment late, rolled
    past ATW days like every statutory term. Never earlier than the end ``in_force`` (an
    extension already given is not taken back). Without a calendar: exactly ``weeks`` weeks."""
    if calendar is None:
        end = received_at + timedelta(weeks=weeks)
    else:
        last = calendar.local_date(received_at) + timedelta(weeks=weeks)
        end = calendar.end_of_day(calendar.statutory_term_end(last))
    return max(end, in_force) if in_force is not None else end


def referral_refusal(*, committee: str | None, answered: bool) -> Refusal | None:
    """Only where the policy sends the complaint (its category, or its level) to a committee,
    before the answer at this level; once per level (a second referral: already done)."""
    if committee is None:
        return Refusal("committee_not_in_policy", POLICY)
    if answered:
        return Refusal("referral_after_answer", AWB_9_14)
    return None


def committee_step_refusal(*, referred: bool, advised: bool) -> Refusal | None:
    """The committee's hearing and advice belong to a referral at this level, before its
    advice is in."""
    if not referred:
        return Refusal("committee_not_referred", AWB_9_14)
    if advised:
        return Refusal("committee_already_advised", AWB_9_15_4)
    return None


def advice_refusal(*, text: str, heard: bool) -> Refusal | None:
    """Awb 9:15 lid 4: a report with findings and advice; the committee heard the complainant first,
    or the hearing was waived on a ground of Awb 9:10 lid 2 (9:15 applies it to the committee)."""
    if not text.strip():
        return Refusal("committee_advice_empty", AWB_9_15_4, "text")
    if not heard:
        return Refusal("committee_advice_without_hearing", AWB_9_15)
    return None


def answer_after_committee_refusal(
    *,
    expected: bool,
    referred: bool,
    advised: bool,
    departs: bool | None,
    reasons: str | None,
) -> Refusal | None:
    """The organisation's answer on a complaint the policy sends to a committee: referred
    first (9:14), after the advice (9:15 lid 4), saying whether it departs from the advice and, if
    it does, why (9:16). Without an advice there is nothing to depart from."""
    if expected and not referred:
        return Refusal("committee_referral_missing", AWB_9_14)
    if referred and not advised:
        return Refusal("committee_advice_missing", AWB_9_15_4)
    if not advised:
        if departs is not None:
            return Refusal("no_advice_to_depart_from", AWB_9_16, "departs_from_advice")
        return None
    if departs is None:
        return Refusal("departure_not_said", AWB_9_16, "departs_from_advice")
    if departs and not (reasons and reasons.strip()):
        return Refusal("departure_without_reasons", AWB_9_16, "departure_reasons")
    return None


# --- the Wkkgz route ------------------------------------------------------------------------


def wkkgz_refusal(*, wkkgz: bool) -> Refusal | None:
    """Mediation and a judgement's measures are the Wkkgz's: a care provider's care complaint."""
    return None if wkkgz else Refusal("wkkgz_not_applicable", CARE_POLICY)


def mediation_refusal(*, wkkgz: bool, text: str) -> Refusal | None:
    if not wkkgz:
        return Refusal("wkkgz_not_applicable", CARE_POLICY)
    if not text.strip():
        return Refusal("mediation_text_missing", WKKGZ_15, "text")
    return None


def measures_refusal(
    *,
    wkkgz: bool,
    answered: bool,
    measures: Sequence[tuple[str, date]],
    today: date,
) -> Refusal | None:
    """Wkkgz art. 17: the judgement says which measures are taken and by when each is
    realised, so they are recorded before the judgement (the answer) at this level; each has
    words and a day not before today."""
    if not wkkgz:
        return Refusal("wkkgz_not_applicable", CARE_POLICY)
    if answered:
        return Refusal("measures_after_judgement", WKKGZ_17)
    if not measures:
        return Refusal("measures_empty", WKKGZ_17, "measures")
    if any(not text.strip() for text, _ in measures):
        return Refusal("measure_without_words", WKKGZ_17, "measures")
    if any(day < today for _, day in measures):
        return Refusal("measure_due_in_past", WKKGZ_17, "measures")
    return None


def measure_due_by(day: date, calendar: LegalCalendar | None) -> datetime:
    """A measure due on ``day`` is late from the end of that day in the organisation's time
    zone (the convention of every date in the log); without a calendar: UTC midnight."""
    if calendar is None:
        return datetime.combine(day + timedelta(days=1), time(), UTC)
    return calendar.end_of_day(day)
