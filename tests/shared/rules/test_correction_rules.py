"""Corrections (issue 17, shared/rules/correctionsteps.py, terms.py recategorisation_terms):
given a complaint, when a handler corrects its category and priority, links it as a duplicate
or answers a message after the answer, then the events say so with the dates re-decided and
recorded; refused (with the rule, nl/en) where the law or the case forbids it; a replay
re-decides each."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

import msgspec
import pytest

from shared.config.policy import DEFAULT_POLICY_FILE
from shared.config.policy_file import build_calendar, load_policy
from shared.contract import events as ev
from shared.integrity.redecide import Replay
from shared.rules import refusals
from shared.rules import terms as rules
from shared.rules.complaint import AlreadyDone, Cause, Complaint, ComplaintError
from shared.rules.correctionsteps import Primary
from shared.rules.deadlines import ClockState
from shared.rules.policy import StatutoryRule
from tests.support.domain import letter, personal

SHIPPED = load_policy(DEFAULT_POLICY_FILE)
# A policy with a category of its own statutory term: "snel" two weeks, "lang" eight.
POLICY = msgspec.structs.replace(
    SHIPPED,
    statutory=msgspec.structs.replace(
        SHIPPED.statutory,
        categories={
            **SHIPPED.statutory.categories,
            "snel": StatutoryRule(regime="custom", weeks=2),
            "lang": StatutoryRule(regime="custom", weeks=8),
        },
    ),
)
CAL = build_calendar(POLICY.calendar)
ANNA = Cause("staff:anna")
CATEGORIES = ("bejegening", "snel", "lang", "zorg")
PRIORITIES = ("urgent",)


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


RECEIVED = at(date(2026, 10, 5))  # Monday 5 October 2026: six weeks end with 16 November


def registered(category: str | None = None, received: datetime = RECEIVED) -> Complaint:
    state = ClockState(complaint_id="-", received_at=received, channel="web", category=category)
    return Complaint.submit(
        complaint_id=uuid4(), reference="KL-2026-000007", channel="web", language="nl",
        personal=personal(), received_at=received, now=received, cause=ANNA, category=category,
        terms=rules.registration_terms(state, POLICY, CAL, received),
    )  # fmt: skip


def acknowledged(c: Complaint) -> Complaint:
    t = rules.current_terms(c.facts, POLICY, CAL)
    c.acknowledge(letter=letter(), respond_by=t.respond_by, statutory_by=t.statutory_by,
                  now=RECEIVED, cause=ANNA, terms=t)  # fmt: skip
    return c


def correct(c: Complaint, category: str | None, priority: str | None, now: datetime) -> ev.Terms:
    before = rules.current_terms(c.facts, POLICY, CAL)
    terms = rules.recategorisation_terms(list(c.facts), category, priority, now, POLICY, CAL)
    c.recategorise(category=category, priority=priority, reason="Verkeerd ingedeeld.",
                   terms=terms, before=before, categories=CATEGORIES, priorities=PRIORITIES,
                   now=now, cause=ANNA)  # fmt: skip
    return terms


def day(moment: datetime | None) -> date | None:
    return None if moment is None else CAL.due_date(moment)


def test_a_corrected_priority_re_decides_the_internal_norm_and_records_it() -> None:
    c = registered()
    t0 = rules.current_terms(c.facts, POLICY, CAL)
    assert day(t0.respond_by) == date(2026, 10, 19)  # ten business days
    t = correct(c, None, "urgent", at(date(2026, 10, 6)))
    fact = c.facts[-1]
    assert isinstance(fact, ev.Recategorised) and fact.terms == t
    assert (fact.previous_priority, fact.priority) == (None, "urgent")
    assert fact.personal == ev.TextPersonal(text="Verkeerd ingedeeld.")
    assert day(t.respond_by) == date(2026, 10, 8)  # urgent: three business days from receipt
    assert t.statutory_by == t0.statutory_by  # the priority decides no statutory term
    assert rules.current_terms(c.facts, POLICY, CAL) == t  # every reader reads it here
    assert c.priority == "urgent"


def test_a_category_with_its_own_statutory_term_moves_the_statutory_end() -> None:
    c = registered()
    t = correct(c, "snel", None, at(date(2026, 10, 6)))
    assert day(t.statutory_by) == date(2026, 10, 19)  # two weeks from receipt
    assert c.category == "snel" and c.facts[-1].previous_category is None


def test_a_correction_never_ends_the_statutory_term_in_the_past() -> None:
    # Given a complaint received 5 October, on 21 October a two-week category would have
    # ended the term on 19 October: time already past is not taken away (Awb 9:11 lid 1).
    c = registered()
    with pytest.raises(ComplaintError) as refused:
        correct(c, "snel", None, at(date(2026, 10, 21)))
    assert refused.value.refusal.code == "correction_term_past"
    assert "Awb 9:11 lid 1" in refused.value.words("nl")
    assert "already passed" in refused.value.words("en")
    assert not isinstance(c.facts[-1], ev.Recategorised)


def test_after_the_acknowledgement_a_correction_may_not_lengthen_the_term() -> None:
    later = registered()
    t = correct(later, "lang", None, at(date(2026, 10, 6)))  # before anyone was told: allowed
    assert day(t.statutory_by) == date(2026, 11, 30)
    told = acknowledged(registered())
    with pytest.raises(ComplaintError) as refused:
        correct(told, "lang", None, at(date(2026, 10, 6)))
    assert refused.value.refusal.code == "correction_term_later"
    assert "Awb 9:11 lid 2" in refused.value.words("en")
    shorter = correct(told, "snel", None, at(date(2026, 10, 6)))  # shortening, still running
    assert day(shorter.statutory_by) == date(2026, 10, 19)


def test_an_extension_that_took_effect_carries_over_to_the_new_term() -> None:
    c = registered("snel")  # two weeks: ends with 19 October
    ext = rules.extension_terms(list(c.facts), 2, POLICY, CAL)
    c.extend(weeks=2, reason="Advies.", statutory_by=ext.statutory_by, now=at(date(2026, 10, 7)),
             cause=ANNA, terms=ext)  # fmt: skip
    sent = msgspec.structs.replace(letter("extension_notice"), sent_at=at(date(2026, 10, 7)))
    c.record_letter(letter=sent, cause_event_id=c.facts[-1].event_id,
                    now=at(date(2026, 10, 7)), cause=ANNA)  # fmt: skip
    assert day(rules.current_terms(c.facts, POLICY, CAL).statutory_by) == date(2026, 11, 2)
    t = correct(c, None, None, at(date(2026, 10, 8)))  # back to the Awb's six weeks
    assert day(t.statutory_by) == date(2026, 11, 30)  # six weeks plus the two noticed


def test_unknown_codes_an_empty_reason_and_no_change_are_refused_or_done() -> None:
    c = registered("bejegening")
    now = at(date(2026, 10, 6))
    for category, priority, code in (
        ("nergens", None, "correction_category_unknown"),
        ("bejegening", "spoed", "correction_priority_unknown"),
    ):
        with pytest.raises(ComplaintError) as refused:
            correct(c, category, priority, now)
        assert refused.value.refusal.code == code and refused.value.refusal.field
    with pytest.raises(AlreadyDone):
        correct(c, "bejegening", None, now)
    t = rules.current_terms(c.facts, POLICY, CAL)
    with pytest.raises(ComplaintError) as refused:
        c.recategorise(category="snel", priority=None, reason=" ", terms=t, before=t,
                       categories=CATEGORIES, priorities=(), now=now, cause=ANNA)  # fmt: skip
    assert refused.value.refusal.code == "correction_reason_missing"


def test_a_pause_after_a_correction_keeps_the_corrected_norm() -> None:
    c = registered()
    correct(c, None, "urgent", at(date(2026, 10, 5), 11))
    paused = rules.pause_terms(list(c.facts), at(date(2026, 10, 6)), POLICY, CAL)
    c.pause(reason="Wacht op stukken.", now=at(date(2026, 10, 6)), cause=ANNA, terms=paused)
    resumed = rules.resume_terms(list(c.facts), at(date(2026, 10, 7), 9), POLICY, CAL)
    assert day(resumed.respond_by) == date(2026, 10, 9)  # urgent's three days, one paused


def primary(c: Complaint, duplicate_of: object = None) -> Primary:
    return Primary(c.id, c.reference, c.erased, duplicate_of)  # type: ignore[arg-type]


def test_a_duplicate_is_linked_and_closed_without_a_letter_event() -> None:
    first, second = registered(), registered()
    second.link_as_duplicate(primary=primary(first), reason="Zelfde klacht per mail.",
                             now=at(date(2026, 10, 6)), cause=ANNA)  # fmt: skip
    link, closed = second.facts[-2:]
    assert isinstance(link, ev.LinkedAsDuplicate) and link.primary_complaint_id == first.id
    assert link.primary_reference == first.reference
    assert isinstance(closed, ev.Closed) and closed.outcome == "duplicate"
    assert closed.causation_id == link.event_id and closed.event_id != link.event_id
    assert second.duplicate_of == first.id and not second.is_open
    with pytest.raises(AlreadyDone):
        second.link_as_duplicate(primary=primary(first), reason="x", now=RECEIVED, cause=ANNA)


def test_linking_to_itself_an_erased_one_a_duplicate_or_in_a_cycle_is_refused() -> None:
    a, b = registered(), registered()
    now = at(date(2026, 10, 6))
    cases = [
        (a, primary(a), "duplicate_self"),
        (a, Primary(b.id, b.reference, True, None), "duplicate_erased"),
        (a, Primary(b.id, b.reference, False, a.id), "duplicate_cycle"),
        (a, Primary(b.id, b.reference, False, uuid4()), "duplicate_chain"),
    ]
    for c, target, code in cases:
        with pytest.raises(ComplaintError) as refused:
            c.link_as_duplicate(primary=target, reason="Dubbel.", now=now, cause=ANNA)
        assert refused.value.refusal.code == code
        assert refused.value.words("nl") != refused.value.words("en")
    a.erase(key_id="k", legal_basis="AVG art. 17", now=now, cause=ANNA)
    with pytest.raises(ComplaintError) as refused:
        a.link_as_duplicate(primary=primary(b), reason="Dubbel.", now=now, cause=ANNA)
    assert refused.value.refusal.code == "duplicate_erased"


def answered_with_a_reply() -> tuple[Complaint, ev.ReactionReceived]:
    c = registered()
    c.respond(text="Ons antwoord.", resolution="unfounded", now=at(date(2026, 10, 8)), cause=ANNA)
    c.record_reaction(text="Nog een vraag.", disagrees=False, channel="email",
                      now=at(date(2026, 10, 9)), cause=Cause("complainant"))  # fmt: skip
    return c, c.facts[-1]  # type: ignore[return-value]


def test_a_follow_up_is_answered_without_reopening_and_the_message_is_handled() -> None:
    c, reply = answered_with_a_reply()
    c.answer_follow_up(reaction_event_id=reply.event_id, text=" Zie bijlage. ",
                       now=at(date(2026, 10, 12)), cause=ANNA)  # fmt: skip
    answer, handled = c.facts[-2:]
    assert isinstance(answer, ev.FollowUpAnswered) and answer.reaction_event_id == reply.event_id
    assert answer.personal == ev.TextPersonal(text="Zie bijlage.")
    assert isinstance(handled, ev.ReactionHandled) and handled.reaction_event_id == reply.event_id
    assert c.status == "responded" and not c.new_reactions
    with pytest.raises(ComplaintError) as refused:  # handled now
        c.answer_follow_up(reaction_event_id=reply.event_id, text="x", now=RECEIVED, cause=ANNA)
    assert refused.value.refusal.code == "follow_up_not_new"


def test_a_follow_up_before_the_answer_or_in_a_running_procedure_is_refused() -> None:
    c = registered()
    c.record_reaction(text="Hallo?", disagrees=False, channel="email", now=RECEIVED,
                      cause=Cause("complainant"))  # fmt: skip
    with pytest.raises(ComplaintError) as refused:
        c.answer_follow_up(reaction_event_id=c.facts[-1].event_id, text="Antwoord.",
                           now=RECEIVED, cause=ANNA)  # fmt: skip
    assert refused.value.refusal.code == "follow_up_before_answer"
    d, reply = answered_with_a_reply()
    d.escalate(level=1, target="supervisor", reason="complainant_request",
               now=at(date(2026, 10, 10)), cause=ANNA)  # fmt: skip
    with pytest.raises(ComplaintError) as refused:
        d.answer_follow_up(reaction_event_id=reply.event_id, text="Antwoord.", now=RECEIVED,
                           cause=ANNA)  # fmt: skip
    assert refused.value.refusal.code == "follow_up_procedure_running"


def test_every_correction_refusal_has_dutch_and_english_words() -> None:
    from shared.rules.correctionwords import WORDS

    for code in WORDS:
        assert code in refusals.WORDS
        assert WORDS[code]["nl"] != WORDS[code]["en"] and "{rule}" in WORDS[code]["nl"]


def test_a_replay_re_decides_the_corrections_and_refuses_none() -> None:
    a, b = registered(), registered()
    correct(a, "snel", "urgent", at(date(2026, 10, 6)))
    b.link_as_duplicate(primary=primary(a), reason="Dubbel.", now=at(date(2026, 10, 6)),
                        cause=ANNA)  # fmt: skip
    c, reply = answered_with_a_reply()
    c.answer_follow_up(reaction_event_id=reply.event_id, text="Zie hierboven.",
                       now=at(date(2026, 10, 12)), cause=ANNA)  # fmt: skip
    replay = Replay()
    for complaint in (a, b, c):
        for fact in complaint.facts:
            assert replay.feed(fact) is None, fact
    assert rules.terms_as_decided(a.facts[1], a.facts[:1], POLICY, CAL) == a.facts[1].terms


def test_the_sla_monitor_wakes_at_the_recorded_corrected_dates() -> None:
    from services.sla_monitor.domain import wake_at, watched

    c = acknowledged(registered())
    now = at(date(2026, 10, 6))
    t = correct(c, None, "urgent", now)
    state, d = watched(list(c.facts), POLICY, CAL)
    assert (d.respond_by, d.statutory_by) == (t.respond_by, t.statutory_by)
    assert wake_at(state, d, now) == t.respond_by  # the timer moves to the corrected date
    late = acknowledged(registered())
    later = at(date(2026, 10, 12))
    t = correct(late, None, "urgent", later)  # urgent's three days ended on 8 October
    state, d = watched(list(late.facts), POLICY, CAL)
    assert t.respond_by is not None and t.respond_by < later
    assert wake_at(state, d, later) == t.respond_by  # in the past: the timer fires at once


def test_a_reopening_undoes_a_duplicate_link() -> None:
    first, second = registered(), registered()
    second.link_as_duplicate(primary=primary(first), reason="Dubbel.", now=RECEIVED, cause=ANNA)
    assert second.duplicate_of == first.id and second.outcome == "duplicate"
    second.reopen(reason="Toch een andere klacht.", now=at(date(2026, 10, 6)), cause=ANNA)
    assert second.duplicate_of is None and second.is_open and second.outcome is None
