"""The advisory committee (Awb afdeling 9.1.3) and the Wkkgz route (issue 16 items 6 and 7),
given events → when command → then events (or the refusal naming its rule)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import msgspec
import pytest

from shared.config import CONFIG_DIR
from shared.config.policy_file import PolicyError, build_calendar, load_policy, parse_policy
from shared.contract import events as ev
from shared.integrity import redecide
from shared.rules import procedure
from shared.rules.complaint import AlreadyDone, Cause, Complaint, IllegalTransition, InvalidCommand
from shared.rules.refusals import words
from tests.support.domain import NOW, personal

POLICY = load_policy(CONFIG_DIR / "policy.toml")
CAL = build_calendar(POLICY.calendar)
STAFF = Cause("staff:alice")
COMMITTEE = "de Commissie klachtadvisering"
TERMS = ev.Terms(
    statutory_by=datetime(2027, 1, 6, 23, 0, tzinfo=UTC), policy_version="p", calendar_version="c"
)
LATER = NOW + timedelta(days=20)


def complaint() -> Complaint:
    return Complaint.submit(
        complaint_id=uuid4(), reference="KL-2026-000001", channel="web", language="nl",
        personal=personal(), received_at=NOW, now=NOW, cause=Cause("complainant"),
        procedure=procedure.CURRENT, category="zorg",
    )  # fmt: skip


def new(c: Complaint) -> list[ev.Event]:
    return [e.fact for e in c.collect_events() if not isinstance(e.fact, ev.Submitted)]


def rule_of(raised: pytest.ExceptionInfo[Exception]) -> str:
    refusal = raised.value.refusal  # type: ignore[attr-defined]
    assert refusal is not None
    assert refusal.rule in words(refusal, "nl") and refusal.rule in words(refusal, "en")
    return f"{refusal.code} ({refusal.rule})"


def referred() -> Complaint:
    c = complaint()
    c.refer_to_committee(committee=COMMITTEE, calendar=CAL, terms=TERMS, now=NOW, cause=STAFF)
    return c


def advised(c: Complaint) -> Complaint:
    c.record_committee_hearing(held_at=LATER, mode="in_person", report="Verslag.", now=LATER,
                               cause=STAFF)  # fmt: skip
    c.record_committee_advice(advice="partly_well_founded", advised_at=LATER, text="Advies.",
                              now=LATER, cause=STAFF)  # fmt: skip
    return c


# --- the advisory committee ---------------------------------------------------------------------


def test_referral_records_ten_weeks_from_receipt_on_the_legal_calendar() -> None:
    c = referred()
    (fact,) = new(c)
    assert isinstance(fact, ev.ReferredToCommittee)
    # Received Wednesday 25 November 2026: ten weeks end with Wednesday 3 February 2027,
    # local midnight in Amsterdam (CET) — the term of Awb 9:11 lid 1 with a committee.
    end = datetime(2027, 2, 3, 23, 0, tzinfo=UTC)
    assert (fact.committee, fact.level, fact.statutory_by) == (COMMITTEE, 0, end)
    assert fact.terms is not None and fact.terms.statutory_by == end
    assert c.statutory_by == end


def test_a_referral_never_shortens_the_term_in_force() -> None:
    c = complaint()
    later = msgspec.structs.replace(TERMS, statutory_by=datetime(2027, 3, 1, 23, tzinfo=UTC))
    c.refer_to_committee(committee=COMMITTEE, calendar=CAL, terms=later, now=NOW, cause=STAFF)
    (fact,) = new(c)
    assert fact.statutory_by == later.statutory_by  # type: ignore[attr-defined]


def test_referral_only_where_the_policy_says_so_and_once_per_level() -> None:
    c = complaint()
    with pytest.raises(IllegalTransition) as none:
        c.refer_to_committee(committee=None, now=NOW, cause=STAFF)
    assert rule_of(none) == "committee_not_in_policy (klachtenbeleid [committee])"
    c = referred()
    with pytest.raises(AlreadyDone):
        c.refer_to_committee(committee=COMMITTEE, now=NOW, cause=STAFF)


def test_the_committee_hears_then_advises_and_its_hearing_is_the_hearing_of_9_10() -> None:
    c = advised(referred())
    _, heard, advice = new(c)
    assert isinstance(heard, ev.CommitteeHearingHeld) and heard.personal is not None
    assert isinstance(advice, ev.CommitteeAdvised) and advice.advice == "partly_well_founded"
    assert c.hearing_settled  # no separate hearing by the organisation is needed


def test_committee_steps_need_a_referral_a_hearing_first_and_a_report() -> None:
    c = complaint()
    with pytest.raises(IllegalTransition) as not_referred:
        c.record_committee_hearing(held_at=NOW, mode="phone", report="x", now=NOW, cause=STAFF)
    assert rule_of(not_referred) == "committee_not_referred (Awb 9:14)"
    c = referred()
    with pytest.raises(IllegalTransition) as unheard:
        c.record_committee_advice(advice="unfounded", advised_at=NOW, text="x", now=NOW,
                                  cause=STAFF)  # fmt: skip
    assert rule_of(unheard) == "committee_advice_without_hearing (Awb 9:15)"
    with pytest.raises(InvalidCommand) as no_report:
        c.record_committee_hearing(held_at=NOW, mode="phone", report=" ", now=NOW, cause=STAFF)
    assert rule_of(no_report) == "hearing_report_missing (Awb 9:15)"
    advised(c)
    with pytest.raises(IllegalTransition) as twice:
        c.record_committee_advice(advice="unfounded", advised_at=LATER, text="x", now=LATER,
                                  cause=STAFF)  # fmt: skip
    assert rule_of(twice) == "committee_already_advised (Awb 9:15 lid 4)"


def test_no_answer_on_a_referred_complaint_before_the_advice() -> None:
    c = referred()
    c.waive_hearing(ground="complainant_waived", now=NOW, cause=STAFF)
    with pytest.raises(IllegalTransition) as early:
        c.respond(text="Antwoord.", resolution="unfounded", now=NOW, cause=STAFF)
    assert rule_of(early) == "committee_advice_missing (Awb 9:15 lid 4)"


def test_the_answer_says_whether_it_departs_from_the_advice_with_reasons_when_it_does() -> None:
    c = advised(referred())
    with pytest.raises(InvalidCommand) as unsaid:
        c.respond(text="Antwoord.", resolution="unfounded", now=LATER, cause=STAFF)
    assert rule_of(unsaid) == "departure_not_said (Awb 9:16)"
    with pytest.raises(InvalidCommand) as bare:
        c.respond(text="Antwoord.", resolution="unfounded", departs_from_advice=True,
                  departure_reasons=" ", now=LATER, cause=STAFF)  # fmt: skip
    assert rule_of(bare) == "departure_without_reasons (Awb 9:16)"
    c.respond(text="Antwoord.", resolution="unfounded", departs_from_advice=True,
              departure_reasons="De commissie woog het dossier niet mee.", now=LATER,
              cause=STAFF)  # fmt: skip
    answer = new(c)[-1]
    assert isinstance(answer, ev.Responded) and answer.departs_from_advice is True
    assert answer.personal == ev.ResponsePersonal(
        text="Antwoord.", departure_reasons="De commissie woog het dossier niet mee."
    )


def test_following_the_advice_needs_no_reasons_and_no_advice_has_nothing_to_depart_from() -> None:
    c = advised(referred())
    c.respond(text="Antwoord.", resolution="partly_well_founded", departs_from_advice=False,
              departure_reasons="ignored", now=LATER, cause=STAFF)  # fmt: skip
    answer = new(c)[-1]
    assert answer.departs_from_advice is False  # type: ignore[attr-defined]
    assert answer.personal == ev.ResponsePersonal(text="Antwoord.")  # type: ignore[attr-defined]
    plain = complaint()
    plain.waive_hearing(ground="complainant_waived", now=NOW, cause=STAFF)
    with pytest.raises(InvalidCommand) as nothing:
        plain.respond(text="A.", resolution="unfounded", departs_from_advice=False, now=NOW,
                      cause=STAFF)  # fmt: skip
    assert rule_of(nothing) == "no_advice_to_depart_from (Awb 9:16)"


def test_where_the_policy_sends_it_to_the_committee_the_answer_waits_for_a_referral() -> None:
    c = complaint()
    c.waive_hearing(ground="complainant_waived", now=NOW, cause=STAFF)
    with pytest.raises(IllegalTransition) as skipped:
        c.respond(text="A.", resolution="unfounded", committee=COMMITTEE, now=NOW, cause=STAFF)
    assert rule_of(skipped) == "committee_referral_missing (Awb 9:14)"


def test_the_policy_says_which_categories_and_levels_go_to_the_committee() -> None:
    policy = parse_policy(
        _policy_with('[committee]\nname = "C"\ncategories = ["zorg"]\nlevels = [2]')
    )
    assert policy.committee_for("zorg", 0) is not None
    assert policy.committee_for(None, 2) is not None
    assert policy.committee_for(None, 1) is None
    assert POLICY.committee_for("zorg", 0) is None  # the shipped policy sets up none
    with pytest.raises(PolicyError, match=r"committee\.levels"):
        parse_policy(_policy_with('[committee]\nname = "C"\nlevels = [3, 4]'))


# --- the Wkkgz route ----------------------------------------------------------------------------


def test_the_shipped_policy_is_a_care_provider_for_care_complaints_only() -> None:
    assert POLICY.wkkgz_applies("zorg") and not POLICY.wkkgz_applies(None)
    external = POLICY.external_for("zorg")
    assert external is not None and external.kind == "disputes_body"


def test_the_klachtenfunctionaris_records_mediation_on_a_care_complaint() -> None:
    c = complaint()
    c.record_mediation(kind="mediation", held_at=NOW, text="Gesprek gevoerd.", agreed=True,
                       wkkgz=True, now=NOW, cause=Cause("staff:kf"))  # fmt: skip
    (fact,) = new(c)
    assert isinstance(fact, ev.MediationRecorded)
    assert (fact.kind, fact.agreed, fact.actor) == ("mediation", True, "staff:kf")
    with pytest.raises(IllegalTransition) as not_care:
        c.record_mediation(kind="support", held_at=NOW, text="x", wkkgz=False, now=NOW,
                           cause=STAFF)  # fmt: skip
    assert rule_of(not_care) == "wkkgz_not_applicable (klachtenbeleid (care_provider))"
    with pytest.raises(InvalidCommand) as empty:
        c.record_mediation(kind="support", held_at=NOW, text=" ", wkkgz=True, now=NOW,
                           cause=STAFF)  # fmt: skip
    assert rule_of(empty) == "mediation_text_missing (Wkkgz art. 15)"


def test_measures_are_recorded_with_their_due_dates_before_the_judgement() -> None:
    c = complaint()
    c.promise_measures(measures=[("Werkinstructie aangepast.", date(2026, 12, 31)),
                                 ("Team geschoold.", date(2027, 1, 29))],
                       wkkgz=True, calendar=CAL, now=NOW, cause=STAFF)  # fmt: skip
    (fact,) = new(c)
    assert isinstance(fact, ev.MeasuresPromised) and fact.personal is not None
    assert [(m.item, m.due_by) for m in fact.measures] == [
        (1, datetime(2026, 12, 31, 23, 0, tzinfo=UTC)),  # the end of that day in Amsterdam
        (2, datetime(2027, 1, 29, 23, 0, tzinfo=UTC)),
    ]
    assert fact.personal.descriptions == ["Werkinstructie aangepast.", "Team geschoold."]
    c.waive_hearing(ground="complainant_waived", now=NOW, cause=STAFF)
    c.respond(text="Oordeel.", resolution="well_founded", now=NOW, cause=STAFF)
    with pytest.raises(IllegalTransition) as late:
        c.promise_measures(measures=[("x", date(2027, 1, 1))], wkkgz=True, now=NOW, cause=STAFF)
    assert rule_of(late) == "measures_after_judgement (Wkkgz art. 17)"


@pytest.mark.parametrize(
    ("measures", "code"),
    [([], "measures_empty"), ([(" ", date(2027, 1, 1))], "measure_without_words"),
     ([("x", date(2026, 11, 24))], "measure_due_in_past")],
)  # fmt: skip
def test_measures_need_words_and_a_day_not_past(measures: list, code: str) -> None:
    with pytest.raises(InvalidCommand) as refused:
        complaint().promise_measures(measures=measures, wkkgz=True, calendar=CAL, now=NOW,
                                     cause=STAFF)  # fmt: skip
    assert rule_of(refused) == f"{code} (Wkkgz art. 17)"


def test_measures_only_on_a_care_complaint() -> None:
    with pytest.raises(IllegalTransition) as refused:
        complaint().promise_measures(measures=[("x", date(2027, 1, 1))], wkkgz=False, now=NOW,
                                     cause=STAFF)  # fmt: skip
    assert rule_of(refused) == "wkkgz_not_applicable (klachtenbeleid (care_provider))"


# --- replay -------------------------------------------------------------------------------------


def test_a_history_with_the_committee_and_the_wkkgz_route_re_decides_without_refusals() -> None:
    c = advised(referred())
    c.record_mediation(kind="support", held_at=LATER, text="Uitleg.", wkkgz=True, now=LATER,
                       cause=STAFF)  # fmt: skip
    c.promise_measures(measures=[("x", date(2027, 1, 4))], wkkgz=True, calendar=CAL, now=LATER,
                       cause=STAFF)  # fmt: skip
    c.respond(text="A.", resolution="unfounded", departs_from_advice=True, departure_reasons="R",
              now=LATER, cause=STAFF)  # fmt: skip
    replay = redecide.Replay()
    facts = [e.fact for e in c.collect_events()]
    assert [replay.feed(f) for f in facts[:-1]] == [None] * (len(facts) - 1)
    unsaid = msgspec.structs.replace(facts[-1], departs_from_advice=None)
    assert "advice" in (redecide.refusal(replay.states[str(c.id)], unsaid) or "")
    assert replay.feed(facts[-1]) is None


def _policy_with(extra: str) -> dict:  # type: ignore[type-arg]
    import tomllib

    text = (CONFIG_DIR / "policy.toml").read_text("utf-8")
    return tomllib.loads(text.replace("[calendar]", extra + "\n\n[calendar]", 1))
