"""The SLA monitor reminds of passed due dates (measures of a Wkkgz judgement; remedies' follow-ups
are the same rule, tests/shared/rules/test_reminders.py): one ``measure_overdue`` per measure,
also across two instances, a stale timer and a restart, on a real nats-server; a measure due
later sets the complaint's timer to its recorded date. Reporting's fold takes the new event
without a row change or a dead letter. Dates in the past come from backdating the history."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from uuid import UUID

import nats

from klachten.stack.natsserver import EmbeddedNats
from services.reporting import fold
from services.sla_monitor.app import bootstrap
from services.sla_monitor.application import SlaApplication
from services.sla_monitor.settings import DEFAULT_POLICY_FILE, EVENTS_CONSUMER, TIMERS_CONSUMER
from shared.config.policy_file import build_calendar, load_policy
from shared.contract import events as ev
from shared.contract import subjects
from shared.eventstore.application import ComplaintsApplication
from shared.rules.complaint import Complaint
from shared.runtime.clock import utcnow
from tests.support.domain import letter
from tests.support.memory import in_memory
from tests.support.polling import wait_until
from tests.support.sla import (
    DAY,
    STAFF,
    acked_through,
    consumers_idle,
    fire_now,
    new_complaint,
    policy_file,
    scheduled_wake,
    sla_settings,
)

BOTH = ((subjects.COMPLAINTS_STREAM, EVENTS_CONSUMER), (subjects.TIMERS_STREAM, TIMERS_CONSUMER))


def care_complaint(received: datetime, due: list[date], number: int = 1) -> Complaint:
    """A care complaint (category zorg: Wkkgz in the shipped policy), acknowledged, its
    judgement's measures promised on the second day and answered on the third: nothing for
    the clocks to escalate, only the measures' due dates to watch."""
    calendar = build_calendar(load_policy(DEFAULT_POLICY_FILE).calendar)
    c = new_complaint(received, number, category="zorg")
    term = received + 42 * DAY
    c.acknowledge(letter=letter(), respond_by=term, statutory_by=term,
                  now=received + timedelta(hours=1), cause=STAFF)  # fmt: skip
    c.promise_measures(
        measures=[(f"Maatregel {n}.", day) for n, day in enumerate(due, start=1)],
        wkkgz=True, calendar=calendar, now=received + DAY, cause=STAFF,
    )  # fmt: skip
    c.respond(text="Ons oordeel.", resolution="well_founded", now=received + 2 * DAY, cause=STAFF)
    return c


def overdue(app: ComplaintsApplication, complaint_id: UUID) -> list[ev.MeasureOverdue]:
    return [
        e.fact  # type: ignore[attr-defined]
        for e in app.events.get(complaint_id)
        if isinstance(getattr(e, "fact", None), ev.MeasureOverdue)
    ]


def test_in_memory_each_passed_measure_is_reminded_once_and_reporting_folds_it() -> None:
    app = in_memory(SlaApplication)
    received = datetime.now(UTC) - 60 * DAY
    first, second = (received + 10 * DAY).date(), (received + 20 * DAY).date()
    c = care_complaint(received, [first, second])
    app.save(c)

    reminded, facts = app.remind_if_due(c.id, utcnow)
    again, _ = app.remind_if_due(c.id, utcnow)

    assert [r.item for r in reminded] == [1, 2] and again == []
    recorded = overdue(app, c.id)
    assert [(r.source, r.item, r.actor) for r in recorded] == [
        ("measure", 1, "system:sla_monitor"),
        ("measure", 2, "system:sla_monitor"),
    ]
    promised = next(f for f in facts if isinstance(f, ev.MeasuresPromised))
    assert [r.due_by for r in recorded] == [m.due_by for m in promised.measures]  # as recorded
    assert {r.causation_id for r in recorded} == {promised.event_id}
    # Reporting folds a history with reminders like any other: no dead letter, the row goes on.
    model = fold.ReadModel()
    assert [fold.apply(model, seq, f) for seq, f in enumerate(facts, start=1)] == [None] * len(
        facts
    )
    assert model.complaints[str(c.id)]["version"] == facts[-1].version


async def test_a_passed_measure_is_reminded_once_across_instances_a_stale_timer_and_a_restart(
    provisioned_nats: EmbeddedNats,
    complaints: ComplaintsApplication,
    nc: nats.NATS,
    tmp_path: Path,
) -> None:
    settings = sla_settings(provisioned_nats.url, policy_file(tmp_path))
    received = datetime.now(UTC) - 60 * DAY
    passed = care_complaint(received, [(received + 10 * DAY).date()], 1)
    later_day = (datetime.now(UTC) + 30 * DAY).date()
    later = care_complaint(datetime.now(UTC) - 3 * DAY, [later_day], 2)
    for c in (passed, later):
        await asyncio.to_thread(complaints.save, c)

    async with bootstrap(settings), bootstrap(settings):  # two instances share the consumers
        await wait_until(lambda: overdue(complaints, passed.id), timeout=15, message="reminded")
        await wait_until(lambda: consumers_idle(nc, *BOTH), timeout=15, message="idle")
        # The measure due later: the complaint's one timer waits for its recorded date.
        promised = next(f for f in later.facts if isinstance(f, ev.MeasuresPromised))  # type: ignore[attr-defined]
        assert await scheduled_wake(nc, later.id) == promised.measures[0].due_by
        assert overdue(complaints, later.id) == []

    async with bootstrap(settings):  # restarted: a stale timer fires again, twice
        fired = max([await fire_now(nc, passed.id) for _ in range(2)])
        await wait_until(lambda: acked_through(nc, BOTH[1], fired), timeout=15, message="fired")
        await wait_until(lambda: consumers_idle(nc, *BOTH), timeout=15, message="idle")

    [reminder] = overdue(complaints, passed.id)
    assert (reminder.source, reminder.item, reminder.owner) == ("measure", 1, None)
    assert await scheduled_wake(nc, passed.id) is None  # nothing left to wait for
