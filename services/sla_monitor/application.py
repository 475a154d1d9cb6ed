"""The SLA monitor's use cases: keep each complaint's timer right, escalate and remind when
one fires.

`SlaService.when_complaint_changed(subject, body)` (re)sets the complaint's timer from its
facts: the kept history and the delivered event (histories.py), else the log read again;
`SlaService.when_timer_fired(subject)` re-checks the complaint under the current policy,
appends at most one `Escalated` (exactly once per breach: the breach id is in the aggregate,
the event id derives from it, and appends are guarded by optimistic concurrency) and one
`measure_overdue` per recorded due date passed (exactly once the same way), then sets the next
timer. Both are idempotent, so redeliveries, restarts and a second instance are safe.
A message that can never be handled (no complaint id, a complaint that does not exist) raises
`Hopeless` (shared/runtime/verdicts.py).
"""

from __future__ import annotations

import asyncio
import logging
from uuid import UUID

from eventsourcing.application import project_aggregate
from eventsourcing.persistence import IntegrityError

from services.sla_monitor import domain
from services.sla_monitor.histories import Histories
from services.sla_monitor.timers import TimerChange, Timers
from shared.config.policy import PolicyHolder
from shared.contract import events as ev
from shared.contract import subjects
from shared.eventstore.application import CONFLICT_RETRIES, ComplaintNotFound, ComplaintsApplication
from shared.rules.complaint import AlreadyDone, Cause, Complaint
from shared.rules.reminders import Reminder
from shared.runtime.clock import Clock, utcnow
from shared.runtime.verdicts import Hopeless

log = logging.getLogger("klachten.sla_monitor")

PAGE = 1000


class SlaApplication(ComplaintsApplication):
    def history(self, complaint_id: UUID) -> tuple[Complaint, list[ev.Event]]:
        """The aggregate and its contract events, from one read (so both agree)."""
        stored = list(self.events.get(complaint_id))
        if not stored:
            raise ComplaintNotFound(str(complaint_id))
        complaint = project_aggregate(None, stored)
        return complaint, [e.fact for e in stored]

    def facts(self, complaint_id: UUID) -> list[ev.Event]:
        """The complaint's contract events as recorded: what the timer needs, no aggregate
        folded; nothing decrypted (the monitor's application has no key store)."""
        facts = [e.fact for e in self.events.get(complaint_id) if hasattr(e, "fact")]
        if not facts:
            raise ComplaintNotFound(str(complaint_id))
        return facts

    def escalate_if_due(
        self, complaint_id: UUID, holder: PolicyHolder, clock: Clock
    ) -> tuple[domain.Escalation | None, list[ev.Event]]:
        """Append the escalation the policy calls for now, if any; return it and the history."""
        for _ in range(CONFLICT_RETRIES):
            complaint, facts = self.history(complaint_id)
            loaded, now = holder.current, clock()
            esc = domain.escalation_for(facts, loaded.policy, loaded.calendar, now)
            if esc is None:
                return None, facts
            try:
                complaint.escalate(
                    level=esc.level,
                    target=esc.target,
                    reason="deadline_missed",
                    top_level=esc.top_level,
                    clock=esc.breach.clock,
                    deadline_missed=esc.breach.deadline,
                    breach_id=esc.breach.breach_id,
                    terms=esc.terms,
                    now=now,
                    cause=Cause(
                        actor=domain.ACTOR,
                        correlation_id=complaint_id,
                        causation_id=_deadline_setter(facts),
                        event_id=esc.event_id,
                    ),
                )
            except AlreadyDone:
                return None, facts
            new = [e.fact for e in complaint.pending_events]  # type: ignore[attr-defined]
            try:
                self.save(complaint)
            except IntegrityError:
                continue  # someone appended meanwhile: decide again on the new history
            return esc, facts + new
        raise IntegrityError(f"complaint {complaint_id}: conflicting writes, giving up for now")

    def remind_if_due(
        self, complaint_id: UUID, clock: Clock
    ) -> tuple[list[Reminder], list[ev.Event]]:
        """Append one `measure_overdue` for each recorded due date passed and not reminded yet
        (in one atomic save); return them and the history. Exactly once per measure or remedy:
        the aggregate knows which were reminded, the event id is named after the reminder
        (JetStream's dedupe), and the append is guarded by optimistic concurrency."""
        for _ in range(CONFLICT_RETRIES):
            complaint, facts = self.history(complaint_id)
            now = clock()
            due = domain.reminders_for(facts, now)
            for reminder in due:
                complaint.remind_overdue(
                    reminder=reminder,
                    now=now,
                    cause=Cause(
                        actor=domain.ACTOR,
                        correlation_id=complaint_id,
                        causation_id=reminder.promised_event_id,
                        event_id=reminder.event_id,
                    ),
                )
            if not due:
                return [], facts
            new = [e.fact for e in complaint.pending_events]  # type: ignore[attr-defined]
            try:
                self.save(complaint)
            except IntegrityError:
                continue  # someone appended meanwhile (another instance?): decide again
            return due, facts + new
        raise IntegrityError(f"complaint {complaint_id}: conflicting writes, giving up for now")

    def complaint_ids(self) -> list[UUID]:
        """Every complaint in the log (its first event), for a sweep after a policy change."""
        link = self.recorder.link  # type: ignore[attr-defined]
        out: list[UUID] = []
        seq, pattern = 1, subjects.event_subject("*", 1, "submitted")
        while True:
            req = {"seq": seq, "next_by_subj": pattern, "batch": PAGE}
            page = link.run(link.direct_batch(subjects.COMPLAINTS_STREAM, req))
            out += [cid for m in page if (cid := subjects.complaint_of(m.subject)) is not None]
            if len(page) < PAGE:
                return out
            seq = page[-1].seq + 1


class SlaService:
    def __init__(
        self, app: SlaApplication, timers: Timers, policies: PolicyHolder, clock: Clock = utcnow
    ) -> None:
        self.app, self.timers, self.policies, self.clock = app, timers, policies, clock
        self.histories = Histories()

    async def when_complaint_changed(self, subject: str, body: bytes | None = None) -> TimerChange:
        complaint_id = _complaint_id(subject)
        facts = self.histories.next(subject, body)
        if facts is None:
            facts = await asyncio.to_thread(self._history, complaint_id)
            self.histories.keep(complaint_id, facts)
        return await self._set_timer(complaint_id, facts)

    async def when_timer_fired(self, subject: str) -> str:
        complaint_id = _complaint_id(subject)
        esc, _ = await asyncio.to_thread(self._escalate, complaint_id)
        reminded, facts = await asyncio.to_thread(self._remind, complaint_id)
        outcome = await self._set_timer(complaint_id, facts)
        said = [f"reminded {r.source} {r.item} due {r.due_by.isoformat()}" for r in reminded]
        if esc is not None:
            b = esc.breach
            missed = f"({b.breach_id}, missed {b.deadline.isoformat()})"
            said.insert(0, f"escalated to level {esc.level} {missed}")
        return "; ".join(said) if said else f"nothing due; timer {outcome}"

    async def sweep(self) -> int:
        """Re-set every complaint's timer (after a policy change moved deadlines)."""
        ids = await asyncio.to_thread(self.app.complaint_ids)
        for complaint_id in ids:
            facts = await asyncio.to_thread(self._history, complaint_id)
            await self._set_timer(complaint_id, facts)
        return len(ids)

    async def _set_timer(self, complaint_id: UUID, facts: list[ev.Event]) -> TimerChange:
        loaded, now = self.policies.current, self.clock()
        state, d = domain.watched(facts, loaded.policy, loaded.calendar)
        at = domain.next_wake(facts, state, d, now)
        version = facts[-1].version
        return await self.timers.set(complaint_id, at, version, d.policy_version, now=now)

    def _history(self, complaint_id: UUID) -> list[ev.Event]:
        try:
            return self.app.facts(complaint_id)
        except ComplaintNotFound as error:
            raise Hopeless(f"complaint {complaint_id} does not exist", attempts=3) from error

    def _remind(self, complaint_id: UUID) -> tuple[list[Reminder], list[ev.Event]]:
        try:
            return self.app.remind_if_due(complaint_id, self.clock)
        except ComplaintNotFound as error:
            raise Hopeless(f"complaint {complaint_id} does not exist", attempts=3) from error

    def _escalate(self, complaint_id: UUID) -> tuple[domain.Escalation | None, list[ev.Event]]:
        try:
            return self.app.escalate_if_due(complaint_id, self.policies, self.clock)
        except ComplaintNotFound as error:
            raise Hopeless(f"complaint {complaint_id} does not exist", attempts=3) from error


def _complaint_id(subject: str) -> UUID:
    try:
        return domain.complaint_id_of_subject(subject)
    except ValueError as error:
        raise Hopeless(str(error)) from error


def _deadline_setter(facts: list[ev.Event]) -> UUID | None:
    """The escalation's cause: the last event that recorded the dates (its `terms`), else the
    last event (old histories recorded no terms)."""
    recorded = [f for f in facts if getattr(f, "terms", None) is not None] or facts
    return recorded[-1].event_id if recorded else None
