"""The satisfaction survey's rule (shared/rules/surveysteps.py): given a complaint's history,
when the complainant answers, then one satisfaction_recorded, or a refusal."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest

from shared.contract import events as ev
from shared.integrity.redecide import Replay
from shared.rules.complaint import Cause, Complaint, IllegalTransition, InvalidCommand
from shared.rules.surveysteps import survey_refusal
from tests.support.domain import NOW, submitted

LATER = NOW + timedelta(days=20)
WEB = Cause("complainant:web")


def closed() -> Complaint:
    c = submitted()
    c.close(outcome="upheld", note="Klaar.", now=NOW + timedelta(days=10), cause=Cause("staff"))
    return c


def test_a_closed_complaint_takes_one_answer_with_sealable_words() -> None:
    c = closed()
    c.record_satisfaction(handling=4, outcome=2, text="  Traag.  ", now=LATER, cause=WEB)
    fact = c.collect_events()[-1].fact
    assert isinstance(fact, ev.SatisfactionRecorded)
    assert (fact.handling, fact.outcome, fact.personal) == (4, 2, ev.TextPersonal(text="Traag."))
    with pytest.raises(IllegalTransition, match="answered"):
        c.record_satisfaction(handling=5, outcome=5, now=LATER, cause=WEB)


def test_no_words_no_personal_part() -> None:
    c = closed()
    c.record_satisfaction(handling=1, outcome=5, text="   ", now=LATER, cause=WEB)
    assert c.collect_events()[-1].fact.personal is None  # type: ignore[attr-defined]


@pytest.mark.parametrize("scores", [(0, 3), (3, 6), (-1, 1)])
def test_scores_outside_one_to_five_are_refused(scores: tuple[int, int]) -> None:
    with pytest.raises(InvalidCommand):
        closed().record_satisfaction(handling=scores[0], outcome=scores[1], now=LATER, cause=WEB)


def test_refused_while_open_and_after_erasure() -> None:
    with pytest.raises(IllegalTransition, match="once the complaint is closed"):
        submitted().record_satisfaction(handling=3, outcome=3, now=LATER, cause=WEB)
    c = closed()
    c.erase(key_id="k1", legal_basis="request", now=LATER, cause=Cause("staff:privacy"))
    with pytest.raises(IllegalTransition, match="erased"):
        c.record_satisfaction(handling=3, outcome=3, now=LATER, cause=WEB)


def test_the_rule_names_erasure_before_an_answer_before_an_open_complaint() -> None:
    assert survey_refusal(closed=False, answered=True, erased=True) == "erased"
    assert survey_refusal(closed=False, answered=True, erased=False) == "answered"
    assert survey_refusal(closed=False, answered=False, erased=False) == "open"
    assert survey_refusal(closed=True, answered=False, erased=False) is None


def test_redecided_on_replay_a_second_answer_is_refused() -> None:
    c = closed()
    c.record_satisfaction(handling=4, outcome=4, now=LATER, cause=WEB)
    facts = [e.fact for e in c.collect_events()]
    second = ev.SatisfactionRecorded(
        **{k: getattr(facts[-1], k) for k in ("complaint_id", "actor", "correlation_id")},
        event_id=uuid4(), version=len(facts) + 1, occurred_at=LATER,
        handling=1, outcome=1,
    )  # fmt: skip
    replay = Replay()
    verdicts = [replay.feed(f) for f in [*facts, second]]
    assert verdicts[:-1] == [None] * len(facts) and "answered" in (verdicts[-1] or "")
