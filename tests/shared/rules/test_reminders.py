"""Reminders of recorded due dates (shared/rules/reminders.py): given the recorded measures and
remedies → when is a reminder due, which ones, once each; the command on the aggregate appends
one ``measure_overdue`` and refuses one the history does not call for."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

import msgspec
import pytest

from shared.config import CONFIG_DIR
from shared.config.policy_file import build_calendar, load_policy
from shared.contract import events as ev
from shared.integrity import redecide
from shared.rules import procedure, reminders
from shared.rules.complaint import AlreadyDone, Cause, Complaint
from shared.rules.reminders import Reminder
from tests.support.domain import personal

CAL = build_calendar(load_policy(CONFIG_DIR / "policy.toml").calendar)

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
COMPLAINT = uuid4()
FIRST = datetime(2026, 12, 31, 23, 0, tzinfo=UTC)  # end of 31 December in Amsterdam
SECOND = datetime(2027, 1, 29, 23, 0, tzinfo=UTC)
ACTION = datetime(2027, 1, 15, 23, 0, tzinfo=UTC)


def meta(version: int) -> dict[str, object]:
    return {
        "event_id": UUID(int=version),
        "complaint_id": COMPLAINT,
        "version": version,
        "occurred_at": NOW,
        "actor": "staff:ann",
    }


def history() -> list[ev.Event]:
    """Two measures (Wkkgz art. 17) and three remedies, one with a follow-up (issue 18)."""
    return [
        ev.MeasuresPromised(
            **meta(5),  # type: ignore[arg-type]
            measures=[ev.Measure(item=1, due_by=FIRST), ev.Measure(item=2, due_by=SECOND)],
        ),
        ev.RemediesRecorded(
            **meta(6),  # type: ignore[arg-type]
            vocabulary_version="v",
            remedies=[
                ev.Remedy(kind="apology"),
                ev.Remedy(kind="compensation", amount_cents=2500),
                ev.Remedy(kind="corrective_action", owner="klachten", due_by=ACTION),
            ],
        ),
    ]


def reminded(reminder: Reminder, version: int) -> ev.MeasureOverdue:
    return ev.MeasureOverdue(
        **meta(version),  # type: ignore[arg-type]
        source=reminder.source,
        promised_event_id=reminder.promised_event_id,
        item=reminder.item,
        due_by=reminder.due_by,
        owner=reminder.owner,
    )


def test_every_recorded_due_date_is_read_as_recorded_never_recomputed() -> None:
    dates = reminders.due_dates(history())
    assert [(r.source, r.item, r.due_by, r.owner) for r in dates] == [
        ("measure", 1, FIRST, None),
        ("measure", 2, SECOND, None),
        ("remedy", 3, ACTION, "klachten"),  # the remedy's place in its list; the others have none
    ]
    assert {r.promised_event_id for r in dates} == {UUID(int=5), UUID(int=6)}


def test_nothing_is_due_before_the_first_due_date_and_the_timer_wakes_at_it() -> None:
    facts = history()
    assert reminders.reminders_due(facts, NOW) == []
    assert reminders.next_reminder_at(facts) == FIRST
    # The due date is the first instant late: a reminder at that instant, not a second before.
    assert reminders.reminders_due(facts, FIRST - timedelta(microseconds=1)) == []
    assert [r.item for r in reminders.reminders_due(facts, FIRST)] == [1]


def test_every_passed_date_is_due_earliest_first_and_each_only_once() -> None:
    facts = history()
    late = SECOND + timedelta(days=3)  # the monitor was down for weeks: all three at once
    due = reminders.reminders_due(facts, late)
    assert [(r.source, r.due_by) for r in due] == [
        ("measure", FIRST),
        ("remedy", ACTION),
        ("measure", SECOND),
    ]
    facts.append(reminded(due[0], 7))
    assert [r.due_by for r in reminders.reminders_due(facts, late)] == [ACTION, SECOND]
    assert reminders.next_reminder_at(facts) == ACTION  # in the past: the timer fires at once
    facts += [reminded(due[1], 8), reminded(due[2], 9)]
    assert reminders.reminders_due(facts, late) == []
    assert reminders.next_reminder_at(facts) is None


def test_a_reminder_is_named_after_what_it_reminds_of() -> None:
    """The same reminder decided twice (a redelivery, a restart, a second instance) has the
    same event id, so JetStream's dedupe sees the double too."""
    [first, *_] = reminders.due_dates(history())
    [again, *_] = reminders.due_dates(history())
    assert first.event_id == again.event_id
    assert len({r.event_id for r in reminders.due_dates(history())}) == 3


def test_a_history_without_due_dates_has_no_reminder() -> None:
    remedies = history()[1]
    assert isinstance(remedies, ev.RemediesRecorded)
    only_apology = [ev.RemediesRecorded(**meta(6), vocabulary_version="v",  # type: ignore[arg-type]
                                        remedies=[ev.Remedy(kind="apology")])]  # fmt: skip
    assert reminders.next_reminder_at(only_apology) is None
    assert reminders.reminders_due(only_apology, SECOND) == []


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"due_by": FIRST + timedelta(days=1)}, "reminder_not_recorded"),  # not the recorded date
        ({"item": 9}, "reminder_not_recorded"),
        ({"promised_event_id": uuid4()}, "reminder_not_recorded"),
    ],
)
def test_a_reminder_must_be_of_a_recorded_due_date(change: dict[str, object], why: str) -> None:
    first = reminders.due_dates(history())[0]
    other = Reminder(**{**{f: getattr(first, f) for f in first.__struct_fields__}, **change})  # type: ignore[arg-type]
    assert reminders.reminder_refusal(history(), other, SECOND) == why


def test_a_reminder_before_its_date_is_refused_and_after_it_allowed() -> None:
    first = reminders.due_dates(history())[0]
    assert reminders.reminder_refusal(history(), first, NOW) == "reminder_not_due"
    assert reminders.reminder_refusal(history(), first, FIRST) is None


def test_the_event_id_is_the_uuid5_of_the_namespace_and_the_key() -> None:
    from uuid import uuid5

    first = reminders.due_dates(history())[0]
    assert first.event_id == uuid5(reminders.REMINDER_NAMESPACE, first.key)


# --- the command, on the aggregate ------------------------------------------------------------


def promised() -> Complaint:
    """A care complaint whose judgement promised one measure, due at the end of 31 December."""
    c = Complaint.submit(
        complaint_id=uuid4(), reference="KL-2026-000001", channel="web", language="nl",
        personal=personal(), received_at=NOW, now=NOW, cause=Cause("complainant"),
        procedure=procedure.CURRENT, category="zorg",
    )  # fmt: skip
    c.promise_measures(measures=[("Werkinstructie aangepast.", date(2026, 12, 31))],
                       wkkgz=True, calendar=CAL, now=NOW, cause=Cause("staff:ann"))  # fmt: skip
    return c


def test_the_command_appends_one_reminder_and_a_second_is_already_done() -> None:
    c = promised()
    [due] = reminders.reminders_due(c.facts, FIRST)  # type: ignore[attr-defined]
    monitor = Cause("system:sla_monitor", event_id=due.event_id)
    c.remind_overdue(reminder=due, now=FIRST, cause=monitor)
    fact = c.facts[-1]  # type: ignore[attr-defined]
    assert isinstance(fact, ev.MeasureOverdue) and fact.event_id == due.event_id
    assert (fact.source, fact.item, fact.due_by, fact.owner) == ("measure", 1, FIRST, None)
    with pytest.raises(AlreadyDone):
        c.remind_overdue(reminder=due, now=FIRST + timedelta(hours=1), cause=monitor)
    assert reminders.next_reminder_at(c.facts) is None  # type: ignore[attr-defined]


def test_the_command_refuses_a_reminder_before_its_date_in_words() -> None:
    c = promised()
    [due] = reminders.due_dates(c.facts)  # type: ignore[attr-defined]
    with pytest.raises(reminders.ReminderRefused) as refused:
        c.remind_overdue(reminder=due, now=NOW, cause=Cause("system:sla_monitor"))
    assert refused.value.words("nl").startswith("De einddatum van deze maatregel")
    assert refused.value.words("en").startswith("The due date of this measure")


def test_a_history_with_a_reminder_re_decides_without_refusals() -> None:
    c = promised()
    [due] = reminders.due_dates(c.facts)  # type: ignore[attr-defined]
    c.remind_overdue(reminder=due, now=FIRST, cause=Cause("system:sla_monitor"))
    replay = redecide.Replay()
    facts = [e.fact for e in c.collect_events()]
    assert [replay.feed(f) for f in facts] == [None] * len(facts)
    early = msgspec.structs.replace(facts[-1], occurred_at=NOW)  # before the date: refused
    replay = redecide.Replay()
    [replay.feed(f) for f in facts[:-1]]
    assert "due date" in (redecide.refusal(replay.states[str(c.id)], early) or "")
