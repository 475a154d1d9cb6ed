"""Leaving an improvement action (issue 18 item 3): a complaint that joined an action leaves it
by ``improvement_unlinked`` on its own subject, may join again, and the lead cannot leave its
own action; an ended action's members stay. A replay re-decides the leaving."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import msgspec
import pytest

from shared.config import CONFIG_DIR
from shared.config.policy_file import build_calendar, load_policy
from shared.contract import events as ev
from shared.integrity import redecide
from shared.rules import improvements, procedure
from shared.rules.complaint import AlreadyDone, Cause, Complaint, IllegalTransition
from shared.rules.refusals import words
from tests.support.domain import NOW, personal

CAL = build_calendar(load_policy(CONFIG_DIR / "policy.toml").calendar)
STAFF = Cause("staff:alice")
DUE = CAL.local_date(NOW) + timedelta(days=30)


def complaint() -> Complaint:
    return Complaint.submit(
        complaint_id=uuid4(), reference="KL-2026-000001", channel="web", language="nl",
        personal=personal(), received_at=NOW, now=NOW, cause=Cause("complainant"),
        procedure=procedure.CURRENT, category="informatie",
    )  # fmt: skip


def facts(c: Complaint) -> list[ev.Event]:
    return list(c.facts)  # type: ignore[attr-defined]


def refused(raised: pytest.ExceptionInfo[Exception]) -> str:
    refusal = raised.value.refusal  # type: ignore[attr-defined]
    nl, en = words(refusal, "nl"), words(refusal, "en")
    assert refusal.rule in nl and refusal.rule in en and nl != en
    assert "{" not in nl + en and "_" not in nl + en  # words, never codes
    return str(refusal.code)


def lead_and_member() -> tuple[Complaint, Complaint, improvements.Action]:
    lead, other = complaint(), complaint()
    action_id = uuid4()
    lead.open_improvement(action_id=action_id, title="Brief herschrijven", owner="klachten",
                          due=DUE, now=NOW, cause=STAFF, calendar=CAL)  # fmt: skip
    action = improvements.actions_led(facts(lead))[action_id]
    other.link_improvement(action=action, now=NOW, cause=STAFF)
    return lead, other, action


def test_a_joined_complaint_leaves_the_action_and_may_join_again() -> None:
    lead, other, action = lead_and_member()
    other.unlink_improvement(action_id=action.action_id, action=action, now=NOW, cause=STAFF)
    left = facts(other)[-1]
    assert isinstance(left, ev.ImprovementUnlinked)
    assert (left.action_id, left.lead_complaint_id) == (action.action_id, lead.id)
    assert improvements.linked_to(facts(other)) == {}
    with pytest.raises(AlreadyDone):
        other.unlink_improvement(action_id=action.action_id, action=action, now=NOW, cause=STAFF)
    other.link_improvement(action=action, now=NOW, cause=STAFF)
    assert improvements.linked_to(facts(other)) == {action.action_id: lead.id}


def test_the_lead_and_a_stranger_cannot_leave_and_an_ended_action_keeps_its_members() -> None:
    lead, other, action = lead_and_member()
    for c in (lead, complaint()):
        with pytest.raises(IllegalTransition) as raised:
            c.unlink_improvement(action_id=action.action_id, action=action, now=NOW, cause=STAFF)
        assert refused(raised) == "improvement_not_linked"
    done = msgspec.structs.replace(action, status="done")
    with pytest.raises(IllegalTransition) as raised:
        other.unlink_improvement(action_id=action.action_id, action=done, now=NOW, cause=STAFF)
    assert refused(raised) == "improvement_ended"


def test_a_replay_re_decides_the_leaving() -> None:
    lead, other, action = lead_and_member()
    other.unlink_improvement(action_id=action.action_id, action=action, now=NOW, cause=STAFF)
    replay = redecide.Replay()
    for c in (lead, other):
        assert [replay.feed(f) for f in facts(c)] == [None] * len(facts(c))
    left = facts(other)[-1]
    again = msgspec.structs.replace(left, event_id=uuid4(), version=left.version + 1)
    assert redecide.refusal(replay.states[str(other.id)], again) is not None
