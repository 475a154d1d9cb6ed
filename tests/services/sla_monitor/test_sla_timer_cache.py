"""The schedules a Timers instance keeps (timers.py `Known`), on a real nats-server: a timer that
would not change costs no request, a write costs one, and whatever another writer or the server
did to the schedule meanwhile is found out by the compare-and-set or by reading it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import nats
from nats.js import JetStreamContext

from services.sla_monitor.domain import TIMER
from services.sla_monitor.timers import VERSION_HEADER, Timers, at_expression
from shared.contract import subjects
from tests.support.polling import wait_until


class Counted:
    """The JetStream context, counting the requests Timers makes."""

    def __init__(self, js: JetStreamContext) -> None:
        self.js, self.calls = js, 0

    def __getattr__(self, name: str) -> Any:
        self.calls += 1
        return getattr(self.js, name)


def counted(nc: nats.NATS) -> tuple[Timers, Counted]:
    js = Counted(nc.jetstream())
    return Timers(js), js  # type: ignore[arg-type]


async def schedule(nc: nats.NATS, complaint_id: UUID) -> tuple[str, int] | None:
    """The schedule in TIMERS: its Nats-Schedule and version, or None."""
    subject = subjects.timer_schedule_subject(complaint_id, TIMER)
    try:
        msg = await nc.jetstream().get_msg(subjects.TIMERS_STREAM, subject=subject, direct=True)
    except nats.js.errors.NotFoundError:
        return None
    headers = msg.headers or {}
    return headers["Nats-Schedule"], int(headers[VERSION_HEADER])


async def test_a_timer_that_would_not_change_costs_no_request(nc: nats.NATS) -> None:
    timers, js = counted(nc)
    complaint, now = uuid4(), datetime.now(UTC)
    due = now + timedelta(days=5)
    assert await timers.set(complaint, due, 1, "p1", now=now) == "scheduled"
    assert js.calls == 1  # a first version: compare-and-set on an empty subject
    js.calls = 0
    for version in (2, 3, 4):
        assert await timers.set(complaint, due, version, "p1", now=now) == "unchanged"
    assert js.calls == 0
    later = due + timedelta(days=1)
    assert await timers.set(complaint, later, 5, "p1", now=now) == "scheduled"
    assert js.calls == 1  # the compare-and-set on the sequence kept
    assert await schedule(nc, complaint) == (at_expression(later), 5)
    js.calls = 0
    assert await timers.set(complaint, later, 6, "p2", now=now) == "scheduled"  # new policy
    assert js.calls == 1


async def test_a_version_this_instance_did_not_see_reads_the_schedule(nc: nats.NATS) -> None:
    """Versions 2 and 3 were another instance's: it may have set another moment."""
    timers, js = counted(nc)
    other = Timers(nc.jetstream())
    complaint, now = uuid4(), datetime.now(UTC)
    due, moved = now + timedelta(days=5), now + timedelta(days=9)
    await timers.set(complaint, due, 1, "p1", now=now)
    await other.set(complaint, moved, 3, "p1", now=now)
    js.calls = 0
    assert await timers.set(complaint, due, 4, "p1", now=now) == "scheduled"
    assert js.calls == 3  # the compare-and-set on the kept sequence failed: read, write
    assert await schedule(nc, complaint) == (at_expression(due), 4)


async def test_a_newer_schedule_of_another_writer_is_never_replaced(nc: nats.NATS) -> None:
    timers = Timers(nc.jetstream())
    other = Timers(nc.jetstream())
    complaint, now = uuid4(), datetime.now(UTC)
    await timers.set(complaint, now + timedelta(days=5), 1, "p1", now=now)
    await other.set(complaint, now + timedelta(days=9), 4, "p1", now=now)
    assert await timers.set(complaint, now + timedelta(days=2), 3, "p1", now=now) == "superseded"
    assert await schedule(nc, complaint) == (at_expression(now + timedelta(days=9)), 4)


async def test_a_schedule_that_may_have_fired_is_read_again(nc: nats.NATS) -> None:
    """The server removes a schedule when it fires; a moment kept that is near or past is no
    proof that the schedule is still there, so it is read (and set again)."""
    timers, js = counted(nc)
    complaint, now = uuid4(), datetime.now(UTC)
    soon = now + timedelta(seconds=1)
    await timers.set(complaint, soon, 1, "p1", now=now)
    await wait_until(lambda: _gone(nc, complaint), timeout=15)
    js.calls = 0
    assert await timers.set(complaint, soon, 2, "p1", now=now) == "scheduled"
    assert js.calls == 2  # read (nothing there), write


async def _gone(nc: nats.NATS, complaint: UUID) -> bool:
    return await schedule(nc, complaint) is None


async def test_a_first_version_finds_the_schedule_another_instance_set(nc: nats.NATS) -> None:
    """Version 1 tries the empty subject first; another instance's schedule is read then."""
    complaint, now = uuid4(), datetime.now(UTC)
    due = now + timedelta(days=5)
    await Timers(nc.jetstream()).set(complaint, due, 2, "p1", now=now)
    timers, js = counted(nc)
    assert await timers.set(complaint, due - timedelta(days=1), 1, "p1", now=now) == "superseded"
    assert js.calls == 2  # the failed compare-and-set, the read
    assert await Timers(nc.jetstream()).set(complaint, due, 1, "p1", now=now) == "superseded"
    again = uuid4()
    await Timers(nc.jetstream()).set(again, due, 1, "p1", now=now)
    assert await Timers(nc.jetstream()).set(again, due, 1, "p1", now=now) == "unchanged"
    assert await schedule(nc, complaint) == (at_expression(due), 2)
