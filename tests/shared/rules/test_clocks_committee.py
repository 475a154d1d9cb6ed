"""The clocks know the advisory committee (Awb 9:11 lid 1): from the recorded terms of the
registration (a committee from the start, issue 16) and from a referral later on. Before, the
SLA monitor's figures said six weeks while the recorded end it enforces said ten.

Days written out by hand: received Monday 5 October 2026; six weeks end Monday 16 November,
ten weeks Monday 14 December (no ATW day in between).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

import msgspec

from services.sla_monitor.domain import watched
from shared.config.policy import DEFAULT_POLICY_FILE
from shared.config.policy_file import build_calendar, load_policy
from shared.contract import events as ev
from shared.rules import terms as rules
from shared.rules.clocks import clock_state
from shared.rules.complaint import Cause, Complaint
from shared.rules.deadlines import ClockState, deadlines
from shared.rules.policy import Committee, StatutoryRule
from tests.support.domain import personal

BASE = load_policy(DEFAULT_POLICY_FILE)
POLICY = msgspec.structs.replace(
    BASE, committee=Committee(name="de Commissie klachtadvisering", categories=("bejegening",))
)
CAL = build_calendar(POLICY.calendar)
STAFF = Cause(actor="staff:anna")
RECEIVED = datetime(2026, 10, 5, 10, tzinfo=UTC)
TEN_WEEKS, SIX_WEEKS = date(2026, 12, 14), date(2026, 11, 16)


def registered(category: str | None) -> tuple[Complaint, ev.Terms]:
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


def test_a_committee_from_the_start_is_in_the_clocks_and_the_monitors_figures() -> None:
    c, _ = registered("bejegening")
    assert clock_state(facts(c)).committee is True
    _, d = watched(facts(c), POLICY, CAL)
    assert d.statutory_weeks == 10
    assert CAL.due_date(d.statutory_by) == TEN_WEEKS
    assert CAL.due_date(d.unextended_statutory_by) == TEN_WEEKS


def test_a_referral_later_puts_the_committee_in_the_clocks() -> None:
    c, t = registered(None)
    assert clock_state(facts(c)).committee is False
    c.refer_to_committee(
        committee="de Commissie klachtadvisering", now=datetime(2026, 10, 6, 10, tzinfo=UTC),
        cause=STAFF, calendar=CAL, terms=t,
    )  # fmt: skip
    assert clock_state(facts(c)).committee is True
    _, d = watched(facts(c), POLICY, CAL)
    assert d.statutory_weeks == 10
    assert CAL.due_date(d.statutory_by) == TEN_WEEKS == CAL.due_date(d.unextended_statutory_by)


def test_without_a_committee_the_clocks_count_six_weeks() -> None:
    c, _ = registered(None)
    _, d = watched(facts(c), POLICY, CAL)
    assert d.statutory_weeks == 6 and CAL.due_date(d.statutory_by) == SIX_WEEKS


def test_an_extension_notified_between_six_and_ten_weeks_counts_under_a_committee() -> None:
    """The extension's validity is judged against the committee's term, not the six weeks."""
    c, _ = registered("bejegening")
    notified = datetime(2026, 11, 25, 10, tzinfo=UTC)  # after six weeks, before ten
    c_facts = facts(c)
    extended = ev.Extended(
        event_id=uuid4(), complaint_id=c_facts[0].complaint_id, version=2,
        occurred_at=notified, actor="staff:anna", weeks=4,
        previous_statutory_by=RECEIVED, statutory_by=RECEIVED,
    )  # fmt: skip
    state = clock_state([*c_facts, extended])
    assert state.committee is True
    assert deadlines(state, POLICY, CAL).extension_weeks == 4


def test_a_recategorisation_records_the_end_the_clocks_count() -> None:
    """Decide once: whether the committee's ten weeks apply is the clocks' (clock_step, from
    the recorded facts); the end a recategorisation records must be the one the SLA monitor's
    own figures count, from the start, after a referral later on, and without a committee."""
    rule = StatutoryRule(max_extension_weeks=2)  # another statutory rule: the end is re-decided
    policy = msgspec.structs.replace(
        POLICY, statutory=msgspec.structs.replace(POLICY.statutory, categories={"parkeren": rule})
    )
    ends = {}
    for case, category, referred in (("start", "bejegening", False), ("later", None, True),
                                     ("none", None, False)):  # fmt: skip
        c, t = registered(category)
        if referred:
            c.refer_to_committee(
                committee="de Commissie klachtadvisering", cause=STAFF,
                now=datetime(2026, 10, 6, 10, tzinfo=UTC), calendar=CAL, terms=t,
            )  # fmt: skip
        now = datetime(2026, 10, 7, 10, tzinfo=UTC)
        new = rules.recategorisation_terms(facts(c), "parkeren", None, now, policy, CAL)
        c.recategorise(
            category="parkeren", priority=None, reason="Gaat over parkeren.", terms=new,
            before=rules.current_terms(facts(c), policy, CAL), categories=["parkeren"],
            priorities=[None], now=now, cause=STAFF,
        )  # fmt: skip
        _, d = watched(facts(c), policy, CAL)
        assert CAL.due_date(d.statutory_by) == CAL.due_date(d.unextended_statutory_by), case
        ends[case] = CAL.due_date(d.statutory_by)
    assert ends == {"start": TEN_WEEKS, "later": TEN_WEEKS, "none": SIX_WEEKS}
