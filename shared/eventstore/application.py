"""The eventsourcing Application base every complaint-changing service uses: get → decide → save.

It persists through the JetStream persistence module (shared.eventstore.persistence) unless the
environment says otherwise; `NATS_URL` / `KLACHTEN_NATS_URL` name the server.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, project_aggregate
from eventsourcing.persistence import IntegrityError

from shared.contract import events as ev
from shared.eventstore.mapper import UnreadableFirstEvent
from shared.rules.complaint import AlreadyDone, Complaint

CONFLICT_RETRIES = 5


class ComplaintNotFound(LookupError):
    pass


class ComplaintsApplication(Application[UUID]):
    env: ClassVar[dict[str, str]] = {"PERSISTENCE_MODULE": "shared.eventstore.persistence"}

    def complaint(self, complaint_id: UUID) -> Complaint:
        try:
            return self.repository.get(complaint_id)
        except AggregateNotFoundError as e:
            unreadable = isinstance(e, UnreadableFirstEvent)  # the reason, not only the id
            raise ComplaintNotFound(str(e) if unreadable else str(complaint_id)) from e

    def complaint_and_facts(self, complaint_id: UUID) -> tuple[Complaint, list[ev.Event]]:
        """The complaint and its contract facts from ONE read of its history: two reads can
        be answered by two replicas of a cluster, one behind the other (a complaint with no
        submission in its facts was dead-lettered that way)."""
        try:
            events = list(self.events.get(complaint_id))
        except UnreadableFirstEvent as e:
            raise ComplaintNotFound(str(e)) from e
        complaint = project_aggregate(None, events)
        if complaint is None:
            raise ComplaintNotFound(str(complaint_id))
        return complaint, [e.fact for e in events if hasattr(e, "fact")]

    def change(self, complaint_id: UUID, decide: Callable[[Complaint], Any]) -> Complaint:
        """Load, apply one command, save; on a concurrent write, reload and decide again.

        A command that finds its effect already present (``AlreadyDone``) saves nothing and
        returns the complaint as it is, so redelivered messages are harmless.
        """
        for attempt in range(CONFLICT_RETRIES):
            complaint = self.complaint(complaint_id)
            try:
                decide(complaint)
            except AlreadyDone:
                return complaint
            try:
                self.save(complaint)
            except IntegrityError:
                if attempt == CONFLICT_RETRIES - 1:
                    raise
                continue
            return complaint
        raise AssertionError("unreachable")
