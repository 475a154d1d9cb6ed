"""A handler's question and the complainant's answer (shared/rules/questionsteps.py): given a
complaint's history, when a handler asks or the complainant answers, then question_asked /
question_answered (a new message for the handler), or a refusal in words."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest

from shared.contract import events as ev
from shared.integrity.redecide import Replay
from shared.rules.complaint import (
    AlreadyDone,
    Cause,
    Complaint,
    IllegalTransition,
    InvalidCommand,
)
from shared.rules.questionsteps import question_refusal
from tests.support.domain import NOW, submitted

LATER = NOW + timedelta(days=2)
HANDLER = Cause("staff:handler-1")
WEB = Cause("complainant:web")


def asked() -> tuple[Complaint, ev.QuestionAsked]:
    c = submitted()
    c.ask_question(text="  Op welk loket was u?  ", now=NOW + timedelta(days=1), cause=HANDLER)
    fact = c.collect_events()[-1].fact
    assert isinstance(fact, ev.QuestionAsked)
    return c, fact


def test_a_question_is_sealed_text_by_the_handler_and_stays_open_until_answered() -> None:
    c, q = asked()
    assert q.personal == ev.TextPersonal(text="Op welk loket was u?")
    assert q.actor == "staff:handler-1" and c.open_questions == (q.event_id,)
    c.answer_question(question_event_id=q.event_id, text=" Het stadhuis. ", now=LATER, cause=WEB)
    a = c.collect_events()[-1].fact
    assert isinstance(a, ev.QuestionAnswered) and isinstance(a, ev.ReactionReceived)
    assert (a.question_event_id, a.verified_by, a.channel, a.disagrees) == (
        q.event_id,
        "status_link",
        "web",
        False,
    )
    assert a.personal is not None and a.personal.text == "Het stadhuis."
    # The answer is a new message for the handler until handled, like any reaction.
    assert c.open_questions == () and a.event_id in c.new_reactions
    c.handle_reaction(reaction_event_id=a.event_id, now=LATER, cause=HANDLER)
    assert a.event_id not in c.new_reactions


def test_an_answered_or_unknown_question_is_refused_and_a_repost_records_nothing() -> None:
    c, q = asked()
    c.answer_question(
        question_event_id=q.event_id, text="Ja.", message_id="<k1>", now=LATER, cause=WEB
    )
    with pytest.raises(AlreadyDone):
        c.answer_question(
            question_event_id=q.event_id, text="Ja.", message_id="<k1>", now=LATER, cause=WEB
        )
    for unknown in (q.event_id, uuid4()):
        with pytest.raises(IllegalTransition) as refused:
            c.answer_question(question_event_id=unknown, text="Nee.", now=LATER, cause=WEB)
        assert "al beantwoord" in refused.value.words("nl")
        assert "already answered" in refused.value.words("en")


def test_empty_question_or_answer_is_refused_on_its_field() -> None:
    with pytest.raises(InvalidCommand) as refused:
        submitted().ask_question(text="   ", now=LATER, cause=HANDLER)
    assert refused.value.refusal is not None and refused.value.refusal.field == "text"
    c, q = asked()
    with pytest.raises(InvalidCommand):
        c.answer_question(question_event_id=q.event_id, text=" ", now=LATER, cause=WEB)


def test_refused_when_closed_and_after_erasure_in_both_languages() -> None:
    c, q = asked()
    c.withdraw(now=LATER, cause=WEB)
    for act in (
        lambda: c.ask_question(text="Nog iets?", now=LATER, cause=HANDLER),
        lambda: c.answer_question(question_event_id=q.event_id, text="Ja", now=LATER, cause=WEB),
    ):
        with pytest.raises(IllegalTransition) as refused:
            act()
        assert "afgesloten" in refused.value.words("nl")
        assert "closed" in refused.value.words("en")
    c, q = asked()
    c.erase(key_id="k1", legal_basis="request", now=LATER, cause=Cause("staff:privacy"))
    with pytest.raises(IllegalTransition) as refused:
        c.answer_question(question_event_id=q.event_id, text="Ja", now=LATER, cause=WEB)
    assert "verwijderd" in refused.value.words("nl") and "AVG art. 17" in refused.value.words("nl")
    assert "erased" in refused.value.words("en")


def test_the_rule_names_erasure_before_closure() -> None:
    assert question_refusal(open_=False, erased=True).code == "question_erased"  # type: ignore[union-attr]
    assert question_refusal(open_=False, erased=False).code == "question_closed"  # type: ignore[union-attr]
    assert question_refusal(open_=True, erased=False) is None


def test_redecided_on_replay_an_answer_to_an_answered_question_is_refused() -> None:
    c = submitted()
    c.ask_question(text="Op welk loket was u?", now=NOW, cause=HANDLER)
    q = c.open_questions[0]
    c.answer_question(question_event_id=q, text="Ja.", now=LATER, cause=WEB)
    facts = [e.fact for e in c.collect_events()]
    second = ev.QuestionAnswered(
        complaint_id=c.id, actor="complainant:web", event_id=uuid4(),
        version=len(facts) + 1, occurred_at=LATER, question_event_id=q,
        personal=ev.ReactionPersonal(text="Nogmaals."),
    )  # fmt: skip
    replay = Replay()
    verdicts = [replay.feed(f) for f in [*facts, second]]
    assert verdicts[:-1] == [None] * len(facts) and verdicts[-1]
