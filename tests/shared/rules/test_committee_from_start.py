"""A complaint whose category the policy sends to the advisory committee from the start
(issue 16; Awb 9:11 lid 1, 9:15 lid 1): its statutory term is decided at registration as the
committee's ten weeks, the terms name the committee, and no later decider falls back to six.

Days written out by hand: received Monday 5 October 2026; six weeks end Monday 16 November,
ten weeks Monday 14 December (no ATW day in between).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

import msgspec

from shared.config.policy import DEFAULT_POLICY_FILE
from shared.config.policy_file import build_calendar, load_policy
from shared.contract import events as ev
from shared.rules import terms as rules
from shared.rules.complaint import Cause, Complaint
from shared.rules.deadlines import ClockState
from shared.rules.policy import Committee, StatutoryRule
from tests.support.domain import personal

BASE = load_policy(DEFAULT_POLICY_FILE)
POLICY = msgspec.structs.replace(
    BASE,
    committee=Committee(name="de Commissie klachtadvisering", categories=("bejegening",)),
    statutory=msgspec.structs.replace(
        BASE.statutory, categories={"parkeren": StatutoryRule(max_extension_weeks=2)}
    ),
)
CAL = build_calendar(POLICY.calendar)
STAFF = Cause(actor="staff:anna")
RECEIVED = datetime(2026, 10, 5, 10, tzinfo=UTC)
TEN_WEEKS, SIX_WEEKS = date(2026, 12, 14), date(2026, 11, 16)


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def registered(category: str | None = "bejegening") -> tuple[Complaint, ev.Terms]:
    state = ClockState(complaint_id="-", received_at=RECEIVED, channel="letter", category=category)
    t = rules.registration_terms(state, POLICY, CAL, RECEIVED)
    c = Complaint.submit(
        complaint_id=uuid4(), reference="KL-2026-000001", channel="letter", language="nl",
        personal=personal(), received_at=RECEIVED, now=RECEIVED, cause=STAFF,
        category=category, terms=t,
    )  # fmt: skip
    return c, t


def facts(c: Complaint) -> list[ev.Event]:
    return list(c.facts)  # type: ignore[attr-defined]


def test_registration_decides_the_committees_ten_weeks_and_names_it() -> None:
    _, t = registered()
    assert t.committee == "de Commissie klachtadvisering"
    assert CAL.due_date(t.statutory_by) == TEN_WEEKS


def test_without_a_committee_for_the_category_nothing_changes() -> None:
    _, t = registered("parkeren")
    assert t.committee is None and CAL.due_date(t.statutory_by) == SIX_WEEKS
    _, plain = registered(None)
    assert plain.committee is None and CAL.due_date(plain.statutory_by) == SIX_WEEKS


def test_the_referral_at_level_0_changes_nothing() -> None:
    c, t = registered()
    c.refer_to_committee(committee=t.committee, now=at(date(2026, 10, 6)), cause=STAFF,
                         weeks=10, calendar=CAL, terms=t)  # fmt: skip
    last = facts(c)[-1]
    assert isinstance(last, ev.ReferredToCommittee) and last.terms == t
    assert rules.current_terms(facts(c), POLICY, CAL) == t


def test_a_pause_and_resume_keep_the_committee_and_its_end() -> None:
    c, t = registered()
    paused = rules.pause_terms(facts(c), at(date(2026, 10, 6)), POLICY, CAL)
    assert paused.committee == t.committee and paused.statutory_by == t.statutory_by
    c.pause(reason="Wacht op stukken.", now=at(date(2026, 10, 6)), cause=STAFF, terms=paused)
    resumed = rules.resume_terms(facts(c), at(date(2026, 10, 13)), POLICY, CAL)
    assert resumed.committee == t.committee and resumed.statutory_by == t.statutory_by


def test_an_escalation_keeps_the_committee_and_is_capped_at_ten_weeks_not_six() -> None:
    c, t = registered()
    # Level 1's five business days from 11 November end 18 November: after six weeks, well
    # inside ten, so nothing is capped.
    escalated = rules.escalation_terms(facts(c), 1, at(date(2026, 11, 11)), POLICY, CAL)
    assert escalated.committee == t.committee and escalated.statutory_by == t.statutory_by
    assert not escalated.capped


def test_an_extension_counts_from_the_ten_week_end() -> None:
    c, t = registered()
    extended = rules.extension_terms(facts(c), 4, POLICY, CAL)
    assert extended.committee == t.committee
    assert CAL.due_date(extended.statutory_by) == date(2027, 1, 11)


def test_a_recategorisation_keeps_the_committee_and_its_ten_weeks() -> None:
    c, t = registered()
    # "parkeren" has its own statutory rule (another extension cap), so the end is decided
    # again: with the committee recorded, still ten weeks from receipt.
    new = rules.recategorisation_terms(facts(c), "parkeren", None, at(date(2026, 10, 7)),
                                       POLICY, CAL)  # fmt: skip
    assert new.committee == t.committee and CAL.due_date(new.statutory_by) == TEN_WEEKS


def test_the_what_if_replay_decides_the_same_terms() -> None:
    c, t = registered()
    first = facts(c)[0]
    assert rules.terms_as_decided(first, [], POLICY, CAL) == t
