"""The SLA monitor reminds of an improvement action whose due date passed while it was open (issue
18 item 3), on a real nats-server: one ``measure_overdue`` with source ``improvement_action`` and
the action's owner, on its lead complaint; an action done in time is not reminded; an action
due later sets the complaint's timer to its recorded date. Dates in the past come from
backdating the history (the aggregate's own commands)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID, uuid4

import nats

from klachten.stack.natsserver import EmbeddedNats
from services.reporting import fold
from services.reporting.reminders import REMINDERS
from services.sla_monitor.app import bootstrap
from services.sla_monitor.settings import DEFAULT_POLICY_FILE, EVENTS_CONSUMER, TIMERS_CONSUMER
from shared.config.policy_file import build_calendar, load_policy
from shared.contract import events as ev
from shared.contract import subjects
from shared.eventstore.application import ComplaintsApplication
from shared.rules.complaint import Complaint
from tests.support.domain import letter
from tests.support.polling import wait_until
from tests.support.sla import (
    DAY,
    STAFF,
    consumers_idle,
    new_complaint,
    policy_file,
    scheduled_wake,
    sla_settings,
)

BOTH = ((subjects.COMPLAINTS_STREAM, EVENTS_CONSUMER), (subjects.TIMERS_STREAM, TIMERS_CONSUMER))
CALENDAR = build_calendar(load_policy(DEFAULT_POLICY_FILE).calendar)


def with_action(received: datetime, due_in_days: int, number: int, done: bool = False) -> Complaint:
    """Acknowledged and answered (nothing for the clocks), an action opened the next day."""
    c = new_complaint(received, number)
    term = received + 42 * DAY
    c.acknowledge(letter=letter(), respond_by=term, statutory_by=term,
                  now=received + timedelta(hours=1), cause=STAFF)  # fmt: skip
    c.respond(text="Ons antwoord.", resolution="well_founded", now=received + DAY, cause=STAFF)
    opened_at = received + DAY
    action_id = uuid4()
    c.open_improvement(action_id=action_id, title="Brief herschrijven", owner="klachten",
                       due=CALENDAR.local_date(opened_at) + timedelta(days=due_in_days),
                       calendar=CALENDAR, now=opened_at, cause=STAFF)  # fmt: skip
    if done:
        c.update_improvement(action_id=action_id, status="done", outcome="Herschreven.",
                             now=opened_at + DAY, cause=STAFF)  # fmt: skip
    return c


def overdue(app: ComplaintsApplication, complaint_id: UUID) -> list[ev.MeasureOverdue]:
    return [
        e.fact  # type: ignore[attr-defined]
        for e in app.events.get(complaint_id)
        if isinstance(getattr(e, "fact", None), ev.MeasureOverdue)
    ]


async def test_an_open_actions_passed_due_date_is_reminded_to_its_owner(
    provisioned_nats: EmbeddedNats,
    complaints: ComplaintsApplication,
    nc: nats.NATS,
    tmp_path: Path,
) -> None:
    settings = sla_settings(provisioned_nats.url, policy_file(tmp_path))
    received = datetime.now(UTC) - 60 * DAY
    passed = with_action(received, 10, 1)
    done = with_action(received, 10, 2, done=True)
    later = with_action(datetime.now(UTC) - 3 * DAY, 30, 3)
    for c in (passed, done, later):
        await asyncio.to_thread(complaints.save, c)

    async with bootstrap(settings):
        await wait_until(lambda: overdue(complaints, passed.id), timeout=15, message="reminded")
        await wait_until(lambda: consumers_idle(nc, *BOTH), timeout=15, message="idle")
        opened = next(f for f in later.facts if isinstance(f, ev.ImprovementOpened))  # type: ignore[attr-defined]
        assert await scheduled_wake(nc, later.id) == opened.due_by

    [reminder] = overdue(complaints, passed.id)
    opened = next(f for f in passed.facts if isinstance(f, ev.ImprovementOpened))  # type: ignore[attr-defined]
    assert (reminder.source, reminder.promised_event_id, reminder.item, reminder.owner) == (
        "improvement_action", opened.event_id, 1, "klachten")  # fmt: skip
    assert reminder.due_by == opened.due_by  # as recorded, never recomputed
    assert overdue(complaints, done.id) == [] and overdue(complaints, later.id) == []
    # reporting's reminders read model takes it; the workspace's notifications read that
    facts = [e.fact for e in complaints.events.get(passed.id)]  # type: ignore[attr-defined]
    model = fold.replay(list(enumerate(facts, start=1)))
    [row] = fold.tables_of(model)[REMINDERS]
    assert (row["source"], row["owner"]) == ("improvement_action", "klachten")
