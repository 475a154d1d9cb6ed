"""The aggregate obeys Awb 9:8 lid 3 and 9:11 lid 2 with the policy's values, and every
refusal names its rule in Dutch and English words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from shared.config.policy_file import build_calendar, load_policy
from shared.rules import awb
from shared.rules.complaint import Cause, IllegalTransition, InvalidCommand
from shared.rules.refusals import WORDS, words
from tests.support.domain import NOW, submitted

STAFF = Cause(actor="staff:handler")
POLICY = load_policy(Path(__file__).parents[2] / "config" / "policy.toml")
CAL = build_calendar(POLICY.calendar)
TERM = NOW + timedelta(weeks=6)


def test_an_extension_longer_than_the_policy_allows_is_refused_naming_the_rule() -> None:
    c = submitted()
    with pytest.raises(InvalidCommand) as refused:
        c.extend(weeks=3, reason="advice", statutory_by=TERM, now=NOW, cause=STAFF, max_weeks=2)
    refusal = refused.value.refusal
    assert refusal is not None and refusal.field == "weeks" and refusal.rule == "Awb 9:11 lid 2"
    assert words(refusal, "nl").startswith("Verdaag met ten hoogste 2 weken")
    assert "at most 2 weeks" in words(refusal, "en")
    c.extend(weeks=2, reason="advice", statutory_by=TERM, now=NOW, cause=STAFF, max_weeks=2)
    assert c.extensions == 1


def test_no_extension_after_the_answer_not_even_with_consent() -> None:
    c = submitted()
    c.respond(text="Our answer", resolution="unfounded", now=NOW, cause=STAFF)
    for consent in (False, True):
        with pytest.raises(IllegalTransition) as refused:
            c.extend(
                weeks=1, reason="late", statutory_by=TERM, now=NOW, cause=STAFF,
                with_consent=consent,
            )  # fmt: skip
        assert refused.value.refusal.code == "extension_after_answer"  # type: ignore[union-attr]
    assert c.extensions == 0


def test_not_handled_only_within_four_weeks_of_receipt() -> None:
    # Received Wednesday 25 November 2026: four weeks end on Wednesday 23 December.
    in_time = submitted()
    last_day = datetime(2026, 12, 23, 22, 59, tzinfo=UTC)  # 23:59 in Amsterdam
    in_time.close(outcome="not_handled", note="older than a year", now=last_day, cause=STAFF,
                  calendar=CAL)  # fmt: skip
    assert in_time.outcome == "not_handled"
    late = submitted()
    with pytest.raises(IllegalTransition) as refused:
        late.close(outcome="not_handled", note="older than a year",
                   now=last_day + timedelta(minutes=1), cause=STAFF, calendar=CAL)  # fmt: skip
    refusal = refused.value.refusal
    assert refusal is not None and refusal.rule == "Awb 9:8 lid 3"
    assert "vier weken na ontvangst" in words(refusal, "nl")
    assert "four weeks of its receipt" in words(refusal, "en")
    # Eight and a half months later (seen accepted on main) is refused just the same.
    with pytest.raises(IllegalTransition):
        late.close(outcome="not_handled", note="x", now=NOW + timedelta(days=255), cause=STAFF)
    late.close(outcome="withdrawn", now=NOW + timedelta(days=255), cause=STAFF)


def test_the_four_weeks_of_awb_9_8_roll_past_a_weekend_and_atw_holidays() -> None:
    # Received Saturday 28 March 2026: four weeks end on Saturday 25 April, which rolls past
    # Sunday 26 April to Monday 27 April, King's Day (ATW art. 3), so Tuesday 28 April.
    received = datetime(2026, 3, 28, 9, 0, tzinfo=UTC)
    notice_by = awb.not_handled_notice_by(received, CAL)
    assert CAL.due_date(notice_by) == datetime(2026, 4, 28).date()


def test_pausing_follows_the_policy_and_stops_after_the_answer() -> None:
    c = submitted()
    with pytest.raises(IllegalTransition) as refused:
        c.pause(reason="documents", now=NOW, cause=STAFF, clocks=())
    assert refused.value.refusal.code == "pause_not_in_policy"  # type: ignore[union-attr]
    with pytest.raises(InvalidCommand):
        c.pause(reason=" ", now=NOW, cause=STAFF, clocks=POLICY.pausing.clocks)
    c.pause(reason="documents", now=NOW, cause=STAFF, clocks=POLICY.pausing.clocks)
    c.resume(now=NOW, cause=STAFF)
    c.respond(text="answer", resolution="well_founded", now=NOW, cause=STAFF)
    with pytest.raises(IllegalTransition) as after:
        c.pause(reason="documents", now=NOW, cause=STAFF, clocks=POLICY.pausing.clocks)
    assert after.value.refusal.code == "pause_after_answer"  # type: ignore[union-attr]


@pytest.mark.parametrize("code", sorted(WORDS))
def test_every_refusal_has_dutch_and_english_words_naming_the_rule(code: str) -> None:
    values = {  # what any refusal fills in
        "max": 2,
        "team": "klantcontact",
        "unit": "balie",
        "version": "2027-1",
        "codes": "onbekend",
        "kind_nl": "vergoeding",
        "kind_en": "compensation",
        "ref": "KL-2026-000041",  # the complaint a duplicate is to be linked to (issue 17)
    }
    refusal = awb.Refusal(code, "Awb 9:11 lid 2", values=values)
    nl, en = words(refusal, "nl"), words(refusal, "en")
    assert "Awb 9:11 lid 2" in nl and "Awb 9:11 lid 2" in en and nl != en
    assert "_" not in nl + en  # words, never codes
