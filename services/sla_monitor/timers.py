"""Durable timers: one JetStream message schedule (ADR-51) per complaint in the TIMERS stream.

``timers.schedule.<id>.check`` holds the complaint's single pending wake-up (``Nats-Schedule:
@at <UTC>``); the server publishes its body on ``timers.fired.<id>.check`` at that moment (a
time in the past fires at once) and removes the schedule. Publishing again on the schedule
subject replaces it. The wake-up is the complaint's earliest open deadline, so one timer per
complaint is enough: the handler re-checks every clock when it fires and sets the next one.

Concurrent writers (event handlers of several instances, the timer handler) are ordered by the
complaint version the wake-up was computed from: a schedule computed from an older history
never replaces one from a newer history, enforced with a compare-and-set on the subject
(``Nats-Expected-Last-Subject-Sequence``). A stale timer can only fire early, never late; an
early timer finds nothing to do and sets the right one.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Literal
from uuid import UUID

from nats.js import JetStreamContext
from nats.js.errors import APIError, NotFoundError

from services.sla_monitor.domain import TIMER
from shared.contract import subjects
from shared.runtime import tracing

WRONG_LAST_SEQUENCE = 10071
CAS_ATTEMPTS = 10
VERSION_HEADER = "Klachten-Version"
POLICY_HEADER = "Klachten-Policy"
SCHEDULE_HEADER = "Nats-Schedule"

# What `Timers.set` did to the complaint's timer.
TimerChange = Literal["scheduled", "unchanged", "superseded", "cancelled", "none"]


def at_expression(moment: datetime) -> str:
    """``@at`` with whole seconds, rounded *up*: a timer must never fire before its deadline."""
    utc = moment.astimezone(UTC)
    whole = utc.replace(microsecond=0)
    if whole < utc:
        whole += timedelta(seconds=1)
    return f"@at {whole.strftime('%Y-%m-%dT%H:%M:%SZ')}"


class Timers:
    def __init__(self, js: JetStreamContext) -> None:
        self.js = js

    async def set(
        self, complaint_id: UUID, at: datetime | None, version: int, policy_version: str
    ) -> TimerChange:
        """Make the complaint's timer fire at `at` (None: no timer), unless a schedule computed
        from a newer version of the complaint is already in place."""
        subject = subjects.timer_schedule_subject(complaint_id, TIMER)
        for _ in range(CAS_ATTEMPTS):
            seq, headers = await self._current(subject)
            if seq and int(headers.get(VERSION_HEADER, "0")) > version:
                return "superseded"
            if at is None:
                if not seq:
                    return "none"
                await self.js.purge_stream(subjects.TIMERS_STREAM, subject=subject)
                return "cancelled"
            expression = at_expression(at)
            if (
                seq
                and headers.get(SCHEDULE_HEADER) == expression
                and headers.get(POLICY_HEADER) == policy_version
            ):
                return "unchanged"
            try:
                await self._publish(complaint_id, at, version, policy_version, seq)
            except APIError as error:
                if error.err_code == WRONG_LAST_SEQUENCE:
                    continue  # another writer got there first: look again
                raise
            return "scheduled"
        raise RuntimeError(f"timer {subject}: no stable schedule after {CAS_ATTEMPTS} attempts")

    async def _current(self, subject: str) -> tuple[int, dict[str, str]]:
        try:
            msg = await self.js.get_msg(subjects.TIMERS_STREAM, subject=subject, direct=True)
        except NotFoundError:
            return 0, {}
        return int(msg.seq or 0), dict(msg.headers or {})

    async def _publish(
        self, complaint_id: UUID, at: datetime, version: int, policy: str, expected_seq: int
    ) -> None:
        body = {
            "complaint_id": str(complaint_id),
            "version": version,
            "wake_at": at.astimezone(UTC).isoformat(),
            "policy_version": policy,
        }
        headers = {
            SCHEDULE_HEADER: at_expression(at),
            "Nats-Schedule-Target": subjects.timer_fired_subject(complaint_id, TIMER),
            "Nats-Expected-Last-Subject-Sequence": str(expected_seq),
            VERSION_HEADER: str(version),
            POLICY_HEADER: policy,
            # Copied onto the fired message: its handling is a child of the span that set it.
            **tracing.traceparent(),
        }
        await self.js.publish(
            subjects.timer_schedule_subject(complaint_id, TIMER),
            json.dumps(body).encode(),
            stream=subjects.TIMERS_STREAM,
            headers=headers,
        )
