"""The procedure steps of issue 16, given events → when command → then events (or the refusal
naming its rule): ownership, the person complained about (Awb 9:7), the hearing (9:10),
informal resolution (9:5) and declining (9:8)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest

from shared.config import CONFIG_DIR
from shared.config.policy_file import build_calendar, load_policy
from shared.contract import events as ev
from shared.rules import awb, procedure
from shared.rules.complaint import AlreadyDone, Cause, Complaint, IllegalTransition, InvalidCommand
from shared.rules.refusals import words
from tests.support.domain import NOW, personal

LEADER, ALICE, BOB = Cause("staff:lead"), Cause("staff:alice"), Cause("staff:bob")
LATER = NOW + timedelta(days=3)


def complaint(procedure_version: str | None = procedure.CURRENT, **kw) -> Complaint:  # type: ignore[no-untyped-def]
    return Complaint.submit(
        complaint_id=uuid4(), reference="KL-2026-000001", channel="web", language="nl",
        personal=personal(), received_at=kw.get("received_at", NOW), now=kw.get("now", NOW),
        cause=Cause("complainant"), procedure=procedure_version,
    )  # fmt: skip


def new(c: Complaint) -> list[ev.Event]:
    return [e.fact for e in c.collect_events() if not isinstance(e.fact, ev.Submitted)]


def rule_of(raised: pytest.ExceptionInfo[Exception]) -> str:
    refusal = raised.value.refusal  # type: ignore[attr-defined]
    assert refusal is not None
    assert refusal.rule in words(refusal, "nl") and refusal.rule in words(refusal, "en")
    return f"{refusal.code} ({refusal.rule})"


# --- ownership ---------------------------------------------------------------------------------


def test_a_complaint_goes_to_a_team_queue_then_a_member_takes_it() -> None:
    c = complaint()
    c.assign(handler=None, team="klantcontact", department="dienstverlening", now=NOW,
             cause=LEADER)  # fmt: skip
    with pytest.raises(InvalidCommand) as outsider:
        c.take(handler="staff:bob", teams=["burgerzaken"], now=NOW, cause=BOB)
    assert rule_of(outsider) == "take_not_member (klachtenregeling (behandelaar))"
    c.take(handler="staff:alice", teams=["klantcontact"], now=NOW, cause=ALICE)
    queued, taken = new(c)
    assert isinstance(queued, ev.Assigned) and isinstance(taken, ev.Assigned)
    assert (queued.kind, queued.handler, queued.team) == ("assign", None, "klantcontact")
    assert (taken.kind, taken.handler, taken.team, taken.department, taken.actor) == (
        "take", "staff:alice", "klantcontact", "dienstverlening", "staff:alice",
    )  # fmt: skip
    with pytest.raises(IllegalTransition) as again:
        c.take(handler="staff:carol", teams=["klantcontact"], now=NOW, cause=LEADER)
    assert rule_of(again) == "not_in_a_queue (klachtenregeling (behandelaar))"
    assert (c.handler, c.team, c.department) == ("staff:alice", "klantcontact", "dienstverlening")


def test_reassigning_needs_a_reason_and_the_same_assignment_twice_is_done() -> None:
    c = complaint()
    c.assign(handler="staff:alice", team="t", department="d", now=NOW, cause=LEADER)
    with pytest.raises(AlreadyDone):
        c.assign(handler="staff:alice", team="t", now=NOW, cause=LEADER)
    with pytest.raises(InvalidCommand) as no_reason:
        c.assign(handler="staff:bob", team="t", reason=" ", now=NOW, cause=LEADER)
    assert rule_of(no_reason).startswith("reassign_without_reason")
    c.assign(handler="staff:bob", team="t", reason="Alice is on leave", now=NOW, cause=LEADER)
    first, second = new(c)
    assert isinstance(second, ev.Assigned) and second.kind == "reassign"
    assert second.previous_handler == "staff:alice" and second.department == "d"
    assert second.personal == ev.TextPersonal(text="Alice is on leave")
    assert isinstance(first, ev.Assigned) and first.kind == "assign" and first.personal is None


def test_nobody_to_assign_to_is_refused_and_a_closed_complaint_is_not_assigned() -> None:
    c = complaint()
    with pytest.raises(InvalidCommand):
        c.assign(handler=None, team=None, now=NOW, cause=LEADER)
    c.close(outcome="withdrawn", now=NOW, cause=LEADER)
    with pytest.raises(IllegalTransition, match="closed"):
        c.assign(handler="staff:alice", team="t", now=NOW, cause=LEADER)


# --- the person complained about (Awb 9:1, 9:7) ------------------------------------------------


def test_the_person_complained_about_may_not_handle_it_and_the_same_unit_is_a_warning() -> None:
    c = complaint()
    cautions = c.record_conduct_subject(
        employee="staff:bob", unit="balie", name="Bob de Vries", now=NOW, cause=LEADER
    )
    assert cautions == ()
    with pytest.raises(InvalidCommand) as refused:
        c.assign(handler="staff:bob", team="balie", now=NOW, cause=LEADER)
    assert rule_of(refused) == "handler_is_conduct_subject (Awb 9:7)"
    [caution] = c.assign(handler="staff:alice", team="balie", now=NOW, cause=LEADER)
    assert (caution.code, caution.rule, caution.values) == (
        "same_unit",
        "Awb 9:7",
        {"unit": "balie"},
    )
    assert "balie" in words(caution, "nl") and "same unit" in words(caution, "en")
    recorded, assigned = new(c)
    assert isinstance(recorded, ev.ConductSubjectRecorded) and isinstance(assigned, ev.Assigned)
    assert recorded.unit == "balie" and recorded.employee_named
    assert recorded.personal == ev.ConductSubjectPersonal(employee="staff:bob", name="Bob de Vries")


def test_the_handler_cannot_be_recorded_as_the_person_concerned_reassign_first() -> None:
    c = complaint()
    c.assign(handler="staff:bob", team="balie", now=NOW, cause=LEADER)
    with pytest.raises(InvalidCommand) as refused:
        c.record_conduct_subject(employee="staff:bob", now=NOW, cause=LEADER)
    assert rule_of(refused) == "conduct_subject_is_handler (Awb 9:7)"
    with pytest.raises(InvalidCommand) as nobody:
        c.record_conduct_subject(name="someone at the desk", now=NOW, cause=LEADER)
    assert rule_of(nobody) == "conduct_subject_empty (Awb 9:1)"
    [caution] = c.record_conduct_subject(unit="balie", now=NOW, cause=LEADER)
    assert caution.code == "same_unit"
    [recorded] = new(c)[1:]
    assert isinstance(recorded, ev.ConductSubjectRecorded)
    assert not recorded.employee_named and recorded.personal is None


def test_the_reaction_of_the_person_concerned_is_kept_sealed_text() -> None:
    c = complaint()
    c.record_conduct_subject(employee="staff:bob", now=NOW, cause=LEADER)
    subject = new(c)[0]
    with pytest.raises(InvalidCommand):
        c.record_conduct_subject_reaction(subject_event_id=uuid4(), text="x", now=NOW, cause=BOB)
    c.record_conduct_subject_reaction(
        subject_event_id=subject.event_id, text="Ik was die dag niet aanwezig.", now=NOW, cause=BOB
    )
    [reacted] = new(c)
    assert isinstance(reacted, ev.ConductSubjectReacted)
    assert reacted.subject_event_id == subject.event_id and reacted.personal is not None


# --- the hearing (Awb 9:10) --------------------------------------------------------------------


def test_no_answer_without_a_hearing_or_a_ground_and_the_hearing_keeps_no_term_waiting() -> None:
    c = complaint()
    with pytest.raises(IllegalTransition) as refused:
        c.respond(text="Uw klacht is ongegrond.", resolution="unfounded", now=NOW, cause=ALICE)
    assert rule_of(refused) == "hearing_missing (Awb 9:10)"
    c.invite_to_hearing(at=LATER, mode="in_person", place="Stadhuis, kamer 2", now=NOW,
                        cause=ALICE, conduct_subject_invited=True)  # fmt: skip
    with pytest.raises(IllegalTransition):
        c.respond(text="Uw klacht is ongegrond.", resolution="unfounded", now=NOW, cause=ALICE)
    with pytest.raises(InvalidCommand) as no_report:
        c.record_hearing(held_at=LATER, mode="in_person", report=" ", now=LATER, cause=ALICE)
    assert rule_of(no_report) == "hearing_report_missing (Awb 9:10 lid 3)"
    c.record_hearing(held_at=LATER, mode="in_person", report="Klager lichtte toe ...",
                     now=LATER, cause=ALICE, conduct_subject_heard=True)  # fmt: skip
    c.respond(text="Uw klacht is ongegrond.", resolution="unfounded", now=LATER, cause=ALICE)
    invited, held, responded = new(c)
    assert isinstance(invited, ev.HearingInvited) and invited.conduct_subject_invited
    assert invited.personal == ev.HearingPlace(place="Stadhuis, kamer 2")
    assert isinstance(held, ev.HearingHeld) and held.level == 0 and held.conduct_subject_heard
    assert isinstance(responded, ev.Responded)
    assert not hasattr(invited, "terms") and not hasattr(held, "terms")  # no term moves


def test_invited_for_the_future_held_in_the_past_in_person_at_a_place() -> None:
    c = complaint()
    with pytest.raises(InvalidCommand, match="past"):
        c.invite_to_hearing(at=NOW - timedelta(days=1), mode="phone", now=NOW, cause=ALICE)
    with pytest.raises(InvalidCommand, match="place"):
        c.invite_to_hearing(at=LATER, mode="in_person", now=NOW, cause=ALICE)
    with pytest.raises(InvalidCommand, match="future"):
        c.record_hearing(held_at=LATER, mode="video", report="r", now=NOW, cause=ALICE)


@pytest.mark.parametrize(
    ("ground", "rule"),
    [
        ("manifestly_unfounded", "Awb 9:10 lid 2 onder a"),
        ("complainant_waived", "Awb 9:10 lid 2 onder b"),
        ("no_reaction_in_time", "Awb 9:10 lid 2 onder c"),
        ("heard_at_another_level", "Awb 9:10 lid 1"),
    ],
)
def test_each_waiver_ground_names_its_article(ground: ev.HearingWaiverGround, rule: str) -> None:
    assert procedure.WAIVER_RULE[ground] == rule


def test_waiving_the_hearing_needs_what_its_ground_needs() -> None:
    c = complaint()
    with pytest.raises(InvalidCommand) as bare:
        c.waive_hearing(ground="manifestly_unfounded", now=NOW, cause=ALICE)
    assert rule_of(bare) == "waiver_needs_explanation (Awb 9:10 lid 2 onder a)"
    with pytest.raises(InvalidCommand) as uninvited:
        c.waive_hearing(ground="no_reaction_in_time", now=NOW, cause=ALICE)
    assert rule_of(uninvited) == "waiver_without_invitation (Awb 9:10 lid 2 onder c)"
    with pytest.raises(InvalidCommand) as unheard:
        c.waive_hearing(ground="heard_at_another_level", now=NOW, cause=ALICE)
    assert rule_of(unheard) == "waiver_not_heard_elsewhere (Awb 9:10 lid 1)"
    c.waive_hearing(ground="complainant_waived", now=NOW, cause=ALICE)
    with pytest.raises(IllegalTransition) as twice:
        c.record_hearing(held_at=NOW, mode="phone", report="r", now=NOW, cause=ALICE)
    assert rule_of(twice) == "hearing_settled (Awb 9:10)"
    c.respond(text="Antwoord", resolution="unfounded", now=NOW, cause=ALICE)
    [waived, _] = new(c)
    assert isinstance(waived, ev.HearingWaived) and waived.ground == "complainant_waived"


def test_each_level_is_heard_or_waived_and_a_hearing_below_counts_as_a_ground() -> None:
    c = complaint()
    c.record_hearing(held_at=NOW, mode="phone", report="gehoord", now=NOW, cause=ALICE)
    c.respond(text="Antwoord", resolution="unfounded", now=NOW, cause=ALICE)
    with pytest.raises(IllegalTransition) as after:
        c.invite_to_hearing(at=LATER, mode="video", now=NOW, cause=ALICE)
    assert rule_of(after) == "hearing_after_answer (Awb 9:10)"
    c.escalate(level=1, target="afdelingshoofd", reason="complainant_request", now=NOW, cause=ALICE)
    with pytest.raises(IllegalTransition):
        c.respond(text="Opnieuw", resolution="unfounded", now=NOW, cause=ALICE)
    c.waive_hearing(ground="heard_at_another_level", now=NOW, cause=ALICE)
    c.respond(text="Opnieuw", resolution="unfounded", now=NOW, cause=ALICE)
    assert c.settled_levels == {0, 1} and c.heard_levels == {0}


def test_no_reaction_in_time_after_an_invitation_is_a_ground() -> None:
    c = complaint()
    c.invite_to_hearing(at=LATER, mode="phone", now=NOW, cause=ALICE)
    c.waive_hearing(ground="no_reaction_in_time", now=LATER, cause=ALICE)
    assert c.hearing_settled


def test_a_complaint_from_before_the_hearing_rule_is_answered_as_then() -> None:
    c = complaint(procedure_version=None)
    c.respond(text="Antwoord", resolution="well_founded", now=NOW, cause=ALICE)
    assert c.status == "responded"


# --- informal resolution (Awb 9:5) -------------------------------------------------------------


def test_informal_resolution_ends_the_formal_procedure_in_its_own_status() -> None:
    c = complaint()
    with pytest.raises(InvalidCommand, match="how"):
        c.resolve_informally(means="phone_call", confirmed_by="phone", confirmed_at=NOW,
                             text=" ", now=NOW, cause=ALICE)  # fmt: skip
    with pytest.raises(InvalidCommand) as future:
        c.resolve_informally(means="phone_call", confirmed_by="phone", confirmed_at=LATER,
                             text="Gebeld, excuses", now=NOW, cause=ALICE)  # fmt: skip
    assert rule_of(future) == "confirmation_in_future (Awb 9:5)"
    c.resolve_informally(means="apology", confirmed_by="email", confirmed_at=NOW,
                         text="Excuses gemaakt; klager tevreden", now=NOW, cause=ALICE)  # fmt: skip
    [resolved] = new(c)
    assert isinstance(resolved, ev.ResolvedInformally) and resolved.confirmed_by == "email"
    assert (c.status, c.is_open) == ("resolved_informally", False)
    with pytest.raises(IllegalTransition, match="closed"):
        c.respond(text="x", resolution="unfounded", now=NOW, cause=ALICE)
    # The complainant may still ask for the formal route: the complaint reopens where it was.
    c.reopen(reason="klager wil alsnog een formele behandeling", now=LATER, cause=ALICE)
    assert c.status == "submitted" and c.is_open


def test_no_informal_resolution_after_the_formal_answer() -> None:
    c = complaint(procedure_version=None)
    c.respond(text="Antwoord", resolution="well_founded", now=NOW, cause=ALICE)
    with pytest.raises(IllegalTransition) as refused:
        c.resolve_informally(means="fix", confirmed_by="phone", confirmed_at=NOW,
                             text="opgelost", now=NOW, cause=ALICE)  # fmt: skip
    assert rule_of(refused) == "informal_after_answer (Awb 9:5)"


# --- declining (Awb 9:8) -----------------------------------------------------------------------

POLICY = load_policy(CONFIG_DIR / "policy.toml")
CAL = build_calendar(POLICY.calendar)


def test_declining_on_grounds_with_reasons_within_four_weeks_of_receipt() -> None:
    received = datetime(2026, 3, 2, 9, tzinfo=UTC)  # a Monday: the four weeks end on 30 March
    c = complaint(received_at=received, now=received)
    with pytest.raises(InvalidCommand) as no_ground:
        c.decline(grounds=[], explanation="x", now=received, cause=ALICE, calendar=CAL)
    assert rule_of(no_ground) == "decline_without_ground (Awb 9:8)"
    with pytest.raises(InvalidCommand) as no_reason:
        c.decline(grounds=["older_than_a_year"], explanation=" ", now=received, cause=ALICE)
    assert rule_of(no_reason) == "decline_without_explanation (Awb 9:8)"
    too_late = awb.not_handled_notice_by(received, CAL)  # local midnight after 30 March
    assert CAL.local_date(too_late - timedelta(microseconds=1)) == date(2026, 3, 30)
    with pytest.raises(IllegalTransition) as late:
        c.decline(grounds=["older_than_a_year"], explanation="2019", now=too_late,
                  cause=ALICE, calendar=CAL)  # fmt: skip
    assert rule_of(late) == "not_handled_too_late (Awb 9:8 lid 3)"
    in_time = too_late - timedelta(minutes=1)
    c.decline(grounds=["older_than_a_year", "appeal_possible", "older_than_a_year"],
              explanation="De gedraging was in 2019.", now=in_time, cause=ALICE,
              calendar=CAL)  # fmt: skip
    [declined] = new(c)
    assert isinstance(declined, ev.Declined)
    assert declined.grounds == ["older_than_a_year", "appeal_possible"]
    assert declined.notice_by == too_late  # decided once, recorded for the letter
    assert (c.status, c.outcome, c.is_open) == ("declined", "not_handled", False)


def test_the_decline_grounds_are_the_articles_lettered_grounds() -> None:
    assert set(procedure.DECLINE_RULE) == set(ev.DeclineGround.__args__)  # type: ignore[attr-defined]
    assert procedure.DECLINE_RULE["insufficient_interest"] == "Awb 9:8 lid 2"
    assert [procedure.DECLINE_RULE[g][-1] for g in list(procedure.DECLINE_RULE)[:6]] == list(
        "abcdef"
    )


def test_no_decline_after_an_answer() -> None:
    c = complaint(procedure_version=None)
    c.respond(text="Antwoord", resolution="unfounded", now=NOW, cause=ALICE)
    with pytest.raises(IllegalTransition) as refused:
        c.decline(grounds=["already_handled"], explanation="x", now=NOW, cause=ALICE)
    assert rule_of(refused) == "decline_after_answer (Awb 9:8)"
