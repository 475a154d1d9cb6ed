"""The SLA monitor against a real nats-server, in process (two instances share the consumers).

Deadlines in the past are made by backdating `received_at` (and the whole history), so no
test waits for a clock; every wait polls with a deadline.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import msgspec
import nats

from klachten.stack.natsserver import EmbeddedNats
from services.sla_monitor import domain
from services.sla_monitor.app import bootstrap
from services.sla_monitor.settings import EVENTS_CONSUMER, TIMERS_CONSUMER
from shared.config.policy_file import build_calendar, load_policy
from shared.contract import events as ev
from shared.contract import subjects
from shared.eventstore.application import ComplaintsApplication
from shared.rules import clocks
from shared.rules.deadlines import deadlines
from shared.rules.terms import extension_terms
from tests.support.domain import letter
from tests.support.polling import wait_until
from tests.support.sla import (
    DAY,
    STAFF,
    acked_through,
    answered_in_time,
    backdated,
    consumers_idle,
    escalations,
    fire_now,
    new_complaint,
    policy_file,
    scheduled_wake,
    sla_settings,
)

BOTH = ((subjects.COMPLAINTS_STREAM, EVENTS_CONSUMER), (subjects.TIMERS_STREAM, TIMERS_CONSUMER))


async def test_backdated_complaints_escalate_within_seconds_exactly_once(
    provisioned_nats: EmbeddedNats,
    complaints: ComplaintsApplication,
    nc: nats.NATS,
    tmp_path: Path,
) -> None:
    policy_path = policy_file(tmp_path)
    policy = load_policy(policy_path)
    settings = sla_settings(provisioned_nats.url, policy_path)
    late = [await asyncio.to_thread(backdated, complaints, 60, n) for n in range(10)]
    in_time = [await asyncio.to_thread(answered_in_time, complaints, 60, n) for n in range(3)]
    fresh = new_complaint(datetime.now(UTC))
    await asyncio.to_thread(complaints.save, fresh)

    started = time.monotonic()
    async with bootstrap(settings), bootstrap(settings):
        for cid in late:
            await wait_until(lambda c=cid: escalations(complaints, c), timeout=15)
        took = time.monotonic() - started
        await wait_until(lambda: consumers_idle(nc, *BOTH), timeout=15, message="idle")
        # a timer that fires anyway (stale, early) changes nothing
        fired = max([await fire_now(nc, cid) for cid in in_time])
        await wait_until(lambda: acked_through(nc, BOTH[1], fired), timeout=15, message="fired")
        await wait_until(lambda: consumers_idle(nc, *BOTH), timeout=15, message="idle")
        fresh_wake = await scheduled_wake(nc, fresh.id)
        late_wake = await scheduled_wake(nc, late[0])
        fired = await nc.jetstream().get_last_msg(
            subjects.TIMERS_STREAM, subjects.timer_fired_subject(late[0], domain.TIMER)
        )
    # The timer carried the complaint's trace to the escalation it fired (a span's child).
    assert fired.headers is not None
    assert fired.headers["traceparent"].split("-")[1] == f"{late[0].int:032x}"

    print(f"\n[sla] {len(late)} backdated complaints escalated in {took:.1f} s")
    for cid in late:
        [esc] = escalations(complaints, cid)
        assert (esc.level, esc.target, esc.reason, esc.clock) == (
            1, "supervisor", "deadline_missed", "acknowledge"
        )  # fmt: skip
        assert esc.breach_id == f"{cid}:acknowledge:0"
        assert esc.event_id == domain.breach_event_id(esc.breach_id)
        assert esc.policy_version == policy.version_id
        assert esc.respond_by is not None and esc.respond_by > esc.occurred_at
        assert esc.actor == domain.ACTOR
    assert all(escalations(complaints, cid) == [] for cid in in_time)
    assert escalations(complaints, fresh.id) == []
    calendar = build_calendar(policy.calendar)
    state = clocks.clock_state([e.fact for e in complaints.events.get(fresh.id)])  # type: ignore[attr-defined]
    assert fresh_wake == deadlines(state, policy, calendar).acknowledge_by
    # After the escalation the timer waits for the new level's response term.
    assert late_wake == escalations(complaints, late[0])[0].respond_by


async def test_extension_with_notice_moves_the_statutory_deadline(
    provisioned_nats: EmbeddedNats,
    complaints: ComplaintsApplication,
    nc: nats.NATS,
    tmp_path: Path,
) -> None:
    # Internal response norm longer than the statutory term, so only the statutory clock counts.
    policy_path = policy_file(tmp_path, respond_business_days=90)
    received = datetime.now(UTC) - 45 * DAY  # 6 weeks have passed
    policy = load_policy(policy_path)
    calendar = build_calendar(policy.calendar)
    ids = {}
    for name, extend in (("extended", True), ("not_extended", False)):
        c = new_complaint(received)
        c.acknowledge(letter=letter(), respond_by=received + 200 * DAY,
                      statutory_by=received + 42 * DAY, now=received + timedelta(hours=1),
                      cause=STAFF)  # fmt: skip
        if extend:  # the dates intake decides and records with the extension
            terms = extension_terms(c.facts, 4, policy, calendar)  # type: ignore[attr-defined]
            c.extend(weeks=4, reason="Advies nodig", statutory_by=received + 42 * DAY,
                     now=received + 30 * DAY, cause=STAFF, terms=terms)  # fmt: skip
            decided = c.facts[-1]  # type: ignore[attr-defined]
            # The extension takes effect with its notice, sent before the term ends.
            sent = received + 30 * DAY + timedelta(hours=1)
            notice = msgspec.structs.replace(letter("extension_notice"), sent_at=sent)
            c.record_letter(letter=notice, cause_event_id=decided.event_id, now=sent, cause=STAFF)
        await asyncio.to_thread(complaints.save, c)
        ids[name] = c.id

    async with bootstrap(sla_settings(provisioned_nats.url, policy_path)):
        await wait_until(lambda: escalations(complaints, ids["not_extended"]), timeout=15)
        await wait_until(lambda: consumers_idle(nc, *BOTH), timeout=15, message="idle")
        wake = await scheduled_wake(nc, ids["extended"])

    [esc] = escalations(complaints, ids["not_extended"])
    assert esc.clock == "statutory"
    assert escalations(complaints, ids["extended"]) == []
    facts = [e.fact for e in complaints.events.get(ids["extended"])]  # type: ignore[attr-defined]
    recorded = next(f for f in facts if isinstance(f, ev.Extended)).terms
    assert wake == recorded.statutory_by  # the monitor enforces the recorded date
    d = deadlines(clocks.clock_state(facts), policy, calendar)
    assert calendar.due_date(recorded.statutory_by) >= calendar.due_date(
        d.unextended_statutory_by
    ) + timedelta(weeks=4)
