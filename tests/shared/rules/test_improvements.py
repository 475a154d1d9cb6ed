"""The improvement actions register (issue 18 item 3, shared/rules/improvements.py): given events
→ when command → then events (or the refusal naming its rule, in Dutch and English); an action
is opened on its lead, changed there, joined by other complaints, survives erasure, and is
reminded of when its due date passes while it is still open; a replay re-decides it all."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import msgspec
import pytest

from shared.config import CONFIG_DIR
from shared.config.policy_file import build_calendar, load_policy
from shared.config.vocabularies import DEFAULT_VOCABULARIES_FILE, load_vocabulary
from shared.contract import events as ev
from shared.integrity import redecide
from shared.rules import improvements, procedure, reminders
from shared.rules.complaint import AlreadyDone, Cause, Complaint, IllegalTransition, InvalidCommand
from shared.rules.refusals import words
from tests.support.domain import NOW, personal

VOCABULARY = load_vocabulary(DEFAULT_VOCABULARIES_FILE)
CAL = build_calendar(load_policy(CONFIG_DIR / "policy.toml").calendar)
STAFF = Cause("staff:alice")
TODAY = CAL.local_date(NOW)
DUE = TODAY + timedelta(days=30)


def complaint() -> Complaint:
    return Complaint.submit(
        complaint_id=uuid4(), reference="KL-2026-000001", channel="web", language="nl",
        personal=personal(), received_at=NOW, now=NOW, cause=Cause("complainant"),
        procedure=procedure.CURRENT, category="informatie",
    )  # fmt: skip


def new(c: Complaint) -> list[ev.Event]:
    """Every fact after the submission (the aggregate's ``facts``; nothing is collected)."""
    return [f for f in c.facts if not isinstance(f, ev.Submitted)]  # type: ignore[attr-defined]


def refused(raised: pytest.ExceptionInfo[Exception]) -> str:
    refusal = raised.value.refusal  # type: ignore[attr-defined]
    assert refusal is not None
    nl, en = words(refusal, "nl"), words(refusal, "en")
    assert refusal.rule in nl and refusal.rule in en and nl != en
    assert "{" not in nl + en and "_" not in nl + en  # words, never codes
    return f"{refusal.code} @ {refusal.field}"


def opened(c: Complaint, **given: object) -> ev.ImprovementOpened:
    action_id = uuid4()
    fields = {"title": "Brief over parkeervergunning herschrijven", "owner": "burgerzaken",
              "due": DUE, "theme": "informatie", **given}  # fmt: skip
    c.open_improvement(action_id=action_id, now=NOW, cause=STAFF, calendar=CAL,
                       vocabulary=VOCABULARY, **fields)  # type: ignore[arg-type]  # fmt: skip
    fact = c.pending_events[-1].fact  # type: ignore[attr-defined]
    assert isinstance(fact, ev.ImprovementOpened)
    return fact


def test_an_action_is_opened_on_its_lead_with_the_due_moment_decided_once() -> None:
    c = complaint()
    fact = opened(c, title="  Brief herschrijven  ")
    assert (fact.title, fact.owner, fact.theme) == (
        "Brief herschrijven",
        "burgerzaken",
        "informatie",
    )
    assert fact.due_by == CAL.end_of_day(DUE)  # the first instant late, recorded
    assert fact.vocabulary_version == VOCABULARY.version_id
    (action,) = improvements.actions_led(new(c)).values()
    assert (action.status, action.lead_complaint_id, action.due_set_by) == (
        "open", c.id, fact.event_id)  # fmt: skip
    with pytest.raises(AlreadyDone):
        c.open_improvement(action_id=fact.action_id, title="x", owner="y", due=DUE, now=NOW,
                           cause=STAFF)  # fmt: skip


@pytest.mark.parametrize(
    ("given", "code"),
    [
        ({"title": "  "}, "improvement_title_missing @ title"),
        ({"owner": ""}, "improvement_owner_missing @ owner"),
        ({"due": TODAY - timedelta(days=1)}, "improvement_due_in_past @ due"),
        ({"theme": "weer"}, "themes_unknown @ theme"),
    ],
)
def test_an_opening_without_what_it_needs_is_refused(given: dict, code: str) -> None:
    with pytest.raises(InvalidCommand) as raised:
        opened(complaint(), **given)
    assert refused(raised) == code


def test_a_due_day_of_today_and_no_theme_are_accepted() -> None:
    fact = opened(complaint(), due=TODAY, theme=None)
    assert fact.theme is None and fact.vocabulary_version is None


def test_every_change_records_the_whole_action_and_what_changed() -> None:
    c = complaint()
    first = opened(c)
    c.update_improvement(action_id=first.action_id, status="in_progress", now=NOW, cause=STAFF)
    later = DUE + timedelta(days=14)
    c.update_improvement(action_id=first.action_id, due=later, owner="klachten", now=NOW,
                         cause=STAFF, calendar=CAL)  # fmt: skip
    c.update_improvement(action_id=first.action_id, status="done", now=NOW, cause=STAFF,
                         outcome="De brief is herschreven en getest.")  # fmt: skip
    updates = [f for f in new(c) if isinstance(f, ev.ImprovementUpdated)]
    assert [u.changed for u in updates] == [["status"], ["owner", "due_by"], ["status", "outcome"]]
    last = updates[-1]
    assert (last.title, last.owner, last.due_by, last.status, last.outcome) == (
        first.title, "klachten", CAL.end_of_day(later), "done", "De brief is herschreven en getest."
    )  # fmt: skip
    action = improvements.actions_led(new(c))[first.action_id]
    assert action.due_set_by == updates[1].event_id  # the reminder is about the new date
    with pytest.raises(AlreadyDone):
        c2 = complaint()
        a = opened(c2)
        c2.update_improvement(action_id=a.action_id, status="open", now=NOW, cause=STAFF)


def test_ending_an_action_needs_its_outcome_and_an_ended_action_no_longer_changes() -> None:
    c = complaint()
    action_id = opened(c).action_id
    with pytest.raises(InvalidCommand) as raised:
        c.update_improvement(action_id=action_id, status="dropped", now=NOW, cause=STAFF)
    assert refused(raised) == "improvement_outcome_missing @ outcome"
    c.update_improvement(action_id=action_id, status="dropped", outcome="Landelijk geregeld.",
                         now=NOW, cause=STAFF)  # fmt: skip
    with pytest.raises(IllegalTransition) as raised:
        c.update_improvement(action_id=action_id, status="open", now=NOW, cause=STAFF)
    assert refused(raised) == "improvement_ended @ None"
    with pytest.raises(IllegalTransition) as raised:
        c.update_improvement(action_id=uuid4(), status="done", now=NOW, cause=STAFF)
    assert refused(raised) == "improvement_unknown @ None"


def test_other_complaints_join_an_open_action_once_and_the_lead_cannot_join_its_own() -> None:
    lead, other = complaint(), complaint()
    fact = opened(lead)
    action = improvements.actions_led(new(lead))[fact.action_id]
    other.link_improvement(action=action, now=NOW, cause=STAFF)
    (linked,) = new(other)
    assert isinstance(linked, ev.ImprovementLinked)
    assert (linked.action_id, linked.lead_complaint_id) == (fact.action_id, lead.id)
    assert improvements.linked_to(new(other)) == {fact.action_id: lead.id}
    with pytest.raises(AlreadyDone):
        other.link_improvement(action=action, now=NOW, cause=STAFF)
    with pytest.raises(IllegalTransition) as raised:
        lead.link_improvement(action=action, now=NOW, cause=STAFF)
    assert refused(raised) == "improvement_link_to_lead @ None"
    done = msgspec.structs.replace(action, status="done")
    with pytest.raises(IllegalTransition) as raised:
        complaint().link_improvement(action=done, now=NOW, cause=STAFF)
    assert refused(raised) == "improvement_ended @ None"
    with pytest.raises(IllegalTransition):
        complaint().link_improvement(action=None, now=NOW, cause=STAFF)


def test_an_action_survives_the_withdrawal_and_erasure_of_its_lead() -> None:
    c = complaint()
    c.withdraw(now=NOW, cause=Cause("complainant"))
    c.erase(key_id="k1", legal_basis="art. 17 AVG", now=NOW, cause=Cause("staff:privacy"))
    fact = opened(c)
    c.update_improvement(action_id=fact.action_id, status="in_progress", now=NOW, cause=STAFF)
    assert improvements.actions_led(new(c))[fact.action_id].status == "in_progress"


def test_an_open_actions_due_date_is_reminded_once_and_an_ended_one_not() -> None:
    c = complaint()
    first = opened(c, due=TODAY)
    second = opened(c, due=TODAY, title="Wachttijd telefoon")
    c.update_improvement(action_id=second.action_id, status="done", outcome="Extra bezetting.",
                         now=NOW, cause=STAFF)  # fmt: skip
    facts = new(c)
    late = first.due_by + timedelta(seconds=1)
    assert reminders.next_reminder_at(facts) == first.due_by
    (due,) = reminders.reminders_due(facts, late)
    assert (due.source, due.promised_event_id, due.item, due.owner) == (
        "improvement_action", first.event_id, 1, "burgerzaken")  # fmt: skip
    c.remind_overdue(reminder=due, now=late, cause=Cause("system:sla_monitor"))
    assert reminders.reminders_due(new(c), late) == []


def test_a_replay_re_decides_the_register_and_finds_a_forged_change() -> None:
    lead, other = complaint(), complaint()
    fact = opened(lead)
    lead.update_improvement(action_id=fact.action_id, due=DUE + timedelta(days=7), now=NOW,
                            cause=STAFF, calendar=CAL)  # fmt: skip
    lead.update_improvement(action_id=fact.action_id, status="done", outcome="Gedaan.", now=NOW,
                            cause=STAFF)  # fmt: skip
    action = improvements.actions_led(new(lead))[fact.action_id]
    other.link_improvement(action=msgspec.structs.replace(action, status="open"), now=NOW,
                           cause=STAFF)  # fmt: skip
    replay = redecide.Replay()
    for c in (lead, other):
        facts = list(c.facts)  # type: ignore[attr-defined]
        assert [replay.feed(f) for f in facts] == [None] * len(facts)
    done = next(f for f in new(lead) if isinstance(f, ev.ImprovementUpdated) and f.status == "done")
    forged = msgspec.structs.replace(done, status="open", outcome=None, changed=["status"],
                                     version=done.version + 1)  # fmt: skip
    assert "closed" in (redecide.refusal(replay.states[str(lead.id)], forged) or "")
