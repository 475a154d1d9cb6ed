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

What this instance last wrote or read is kept per complaint (`Known`, at most `SIZE`, least
recently used out), to spare round trips (issue #23):
- a write goes straight to the compare-and-set on the sequence kept (on an empty subject for a
  complaint's first version); if that is no longer the subject's last (another writer, or the
  server removed the fired schedule), it reads and decides as above;
- no write and no read when the schedule would not change: the same moment and policy as kept,
  that moment more than `MARGIN` ahead (the server cannot have fired and removed it, even
  with a clock a little off), and the complaint's version at most one past the last version
  this instance checked the schedule for. Every other writer that could have run meanwhile
  computed from one of those versions, so the same moment, or from a newer one, which must
  not be replaced anyway.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from dataclasses import dataclass
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
SIZE = 10_000  # complaints whose schedule is known; about 200 bytes each
MARGIN = timedelta(seconds=60)  # a kept schedule this near (or past) may have fired: read

# What `Timers.set` did to the complaint's timer.
TimerChange = Literal["scheduled", "unchanged", "superseded", "cancelled", "none"]


def at_expression(moment: datetime) -> str:
    """``@at`` with whole seconds, rounded *up*: a timer must never fire before its deadline."""
    utc = moment.astimezone(UTC)
    whole = utc.replace(microsecond=0)
    if whole < utc:
        whole += timedelta(seconds=1)
    return f"@at {whole.strftime('%Y-%m-%dT%H:%M:%SZ')}"


@dataclass(frozen=True)
class Known:
    """A complaint's schedule as this instance last wrote or read it."""

    seq: int  # its stream sequence; 0: no schedule
    expression: str | None  # its Nats-Schedule
    policy: str | None
    at: datetime | None
    version: int  # the complaint version it was computed from
    checked: int  # the last complaint version this instance found it right for


class Timers:
    def __init__(self, js: JetStreamContext, size: int = SIZE) -> None:
        self.js, self.size = js, size
        self.known: OrderedDict[UUID, Known] = OrderedDict()

    async def set(
        self,
        complaint_id: UUID,
        at: datetime | None,
        version: int,
        policy_version: str,
        now: datetime | None = None,
    ) -> TimerChange:
        """Make the complaint's timer fire at `at` (None: no timer), unless a schedule computed
        from a newer version of the complaint is already in place. `now`: the moment `at` was
        computed at; without it nothing kept is trusted unread."""
        subject = subjects.timer_schedule_subject(complaint_id, TIMER)
        expression = at_expression(at) if at is not None else None
        kept = self.known.get(complaint_id)
        if kept is not None and now is not None and _in_place(kept, version, now):
            same = kept.expression == expression and (not kept.seq or kept.policy == policy_version)
            if same and version <= kept.checked + 1:
                self._keep(complaint_id, kept, checked=version)
                return "unchanged" if kept.seq else "none"
            if at is not None and await self._write(
                complaint_id, at, version, policy_version, kept.seq
            ):
                return "scheduled"
        elif kept is None and version == 1 and at is not None:
            # A complaint's first timer: write it if the subject is empty (most often so).
            if await self._write(complaint_id, at, version, policy_version, 0):
                return "scheduled"
        for _ in range(CAS_ATTEMPTS):
            seq, headers = await self._current(subject)
            if (kept := self.known.get(complaint_id)) is not None and kept.seq != seq:
                del self.known[complaint_id]  # another writer, or the server, changed it
            if seq and int(headers.get(VERSION_HEADER, "0")) > version:
                return "superseded"
            if at is None:
                self.known.pop(complaint_id, None)
                if not seq:
                    self._keep(complaint_id, Known(0, None, None, None, version, version))
                    return "none"
                await self.js.purge_stream(subjects.TIMERS_STREAM, subject=subject)
                return "cancelled"
            if (
                seq
                and headers.get(SCHEDULE_HEADER) == expression
                and headers.get(POLICY_HEADER) == policy_version
            ):
                # Found right for `version`, but only the writer's version is known to have
                # computed it: the versions between may have been another instance's.
                held = int(headers.get(VERSION_HEADER, "0"))
                self._keep(complaint_id, Known(seq, expression, policy_version, at, held, held))
                return "unchanged"
            if await self._write(complaint_id, at, version, policy_version, seq):
                return "scheduled"
        raise RuntimeError(f"timer {subject}: no stable schedule after {CAS_ATTEMPTS} attempts")

    async def _write(
        self, complaint_id: UUID, at: datetime, version: int, policy: str, expected_seq: int
    ) -> bool:
        """Compare-and-set the schedule on `expected_seq`; False: that is no longer the
        subject's last message (another writer, or the schedule fired): look again."""
        try:
            seq = await self._publish(complaint_id, at, version, policy, expected_seq)
        except APIError as error:
            if error.err_code == WRONG_LAST_SEQUENCE:
                self.known.pop(complaint_id, None)
                return False
            raise
        # The compare-and-set succeeded: this is the schedule in place, whatever was kept.
        known = Known(seq, at_expression(at), policy, at, version, version)
        self._keep(complaint_id, known, force=True)
        return True

    def _keep(
        self, complaint_id: UUID, known: Known, checked: int | None = None, force: bool = False
    ) -> None:
        """Keep what was written or read (never over what a newer version left, unless
        `force`: written by compare-and-set)."""
        if checked is not None:
            known = Known(known.seq, known.expression, known.policy, known.at, known.version,
                          max(known.checked, checked))  # fmt: skip
        kept = self.known.get(complaint_id)
        if not force and kept is not None and kept.version > known.version:
            return
        self.known[complaint_id] = known
        self.known.move_to_end(complaint_id)
        while len(self.known) > self.size:
            self.known.popitem(last=False)

    async def _current(self, subject: str) -> tuple[int, dict[str, str]]:
        try:
            msg = await self.js.get_msg(subjects.TIMERS_STREAM, subject=subject, direct=True)
        except NotFoundError:
            return 0, {}
        return int(msg.seq or 0), dict(msg.headers or {})

    async def _publish(
        self, complaint_id: UUID, at: datetime, version: int, policy: str, expected_seq: int
    ) -> int:
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
        ack = await self.js.publish(
            subjects.timer_schedule_subject(complaint_id, TIMER),
            json.dumps(body).encode(),
            stream=subjects.TIMERS_STREAM,
            headers=headers,
        )
        return ack.seq


def _in_place(kept: Known, version: int, now: datetime) -> bool:
    """What is kept may stand for the schedule in the stream: computed from this version or an
    older one, and not due yet (the server removes a schedule once it fired)."""
    return kept.version <= version and (kept.at is None or kept.at > now + MARGIN)
