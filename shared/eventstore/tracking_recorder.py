"""The tracking and process recorders: an application's position in another's notification log,
stored as ``tracking.<application>`` messages in the same stream as the events, so a process
application's new events and its tracking record are one atomic batch."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from eventsourcing.persistence import (
    IntegrityError,
    OperationalError,
    ProcessRecorder,
    Tracking,
    TrackingRecorder,
)

from shared.contract import subjects
from shared.eventstore.aggregate_recorder import Message
from shared.eventstore.application_recorder import JetStreamApplicationRecorder
from shared.eventstore.layout import subject_token
from shared.eventstore.link import (
    WRONG_LAST_SEQUENCE,
    WRONG_LAST_SEQUENCE_IN_FLIGHT,
    JetStreamError,
    JetStreamLink,
)


class JetStreamTrackingRecorder(TrackingRecorder):
    def __init__(
        self, link: JetStreamLink, stream: str = subjects.COMPLAINTS_STREAM, **_: Any
    ) -> None:
        self.link, self.tracking_stream = link, stream

    def insert_tracking(self, tracking: Tracking) -> None:
        async def insert() -> None:
            subject, body, headers = await self._tracking_message(tracking)
            try:
                await self.link.publish(subject, body, headers)
            except JetStreamError as e:
                conflict = e.err_code in (WRONG_LAST_SEQUENCE, WRONG_LAST_SEQUENCE_IN_FLIGHT)
                raise (IntegrityError if conflict else OperationalError)(str(e)) from e

        self.link.run(insert())

    async def _tracking_message(self, tracking: Tracking) -> Message:
        subject = subjects.tracking_subject(
            subject_token(tracking.application_name, "application name")
        )
        current = await self.link.leader_get(self.tracking_stream, {"last_by_subj": subject})
        if current is not None and int(current.data) >= tracking.notification_id:
            raise IntegrityError(
                f"tracking {tracking.notification_id} of {tracking.application_name} is not "
                f"above the recorded {int(current.data)}"
            )
        headers = {
            "Nats-Msg-Id": uuid4().hex,
            "Nats-Expected-Last-Subject-Sequence": str(current.seq if current else 0),
            "Nats-Expected-Last-Subject-Sequence-Subject": subject,
        }
        return subject, str(tracking.notification_id).encode(), headers

    def max_tracking_id(self, application_name: str) -> int | None:
        subject = subjects.tracking_subject(subject_token(application_name, "application name"))
        last = self.link.run(self.link.leader_get(self.tracking_stream, {"last_by_subj": subject}))
        return None if last is None else int(last.data)


class JetStreamProcessRecorder(
    JetStreamTrackingRecorder, JetStreamApplicationRecorder, ProcessRecorder
):
    def __init__(
        self,
        link: JetStreamLink,
        stream: str = subjects.COMPLAINTS_STREAM,
        prefix: str = "complaints",
    ) -> None:
        JetStreamApplicationRecorder.__init__(self, link, stream, prefix)
        JetStreamTrackingRecorder.__init__(self, link, stream)

    async def _tracking_message(self, tracking: Tracking) -> Message:
        return await JetStreamTrackingRecorder._tracking_message(self, tracking)
