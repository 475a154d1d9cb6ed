"""The application recorder: the aggregate recorder plus the notification log eventsourcing's
followers read (notification id = stream sequence) and a subscription to it."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import ApplicationRecorder, Notification, StoredEvent, Subscription

from shared.contract import subjects
from shared.eventstore.aggregate_recorder import BATCH_MAX, JetStreamAggregateRecorder
from shared.eventstore.layout import (
    TOPIC_HEADER,
    TracedNotification,
    as_id,
    recorded_event,
)
from shared.eventstore.link import RawMsg
from shared.eventstore.subscription import JetStreamSubscription

logger = logging.getLogger(__name__)


class JetStreamApplicationRecorder(JetStreamAggregateRecorder, ApplicationRecorder):
    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        return self._insert(stored_events, kwargs.get("tracking"))

    def select_notifications(
        self,
        start: int | None,
        limit: int,
        stop: int | None = None,
        topics: Sequence[str] = (),
        *,
        inclusive_of_start: bool = True,
    ) -> Sequence[Notification]:
        first = 1 if start is None else (start if inclusive_of_start else start + 1)
        return self.link.run(self._notifications(max(first, 1), limit, stop, set(topics)))

    async def _notifications(
        self, seq: int, limit: int, stop: int | None, topics: set[str]
    ) -> list[Notification]:
        out: list[Notification] = []
        mine = self.prefix + "."
        while len(out) < limit:
            want = BATCH_MAX if topics else min(limit - len(out), BATCH_MAX)
            # Every message, filtered here: a subject filter makes the server search its subject
            # index per page, and every event has its own subject (a cost that grows with the
            # log). The stream's other subjects (tracking records) are few.
            page = await self.link.direct_batch(
                self.stream, {"seq": seq, "next_by_subj": ">", "batch": want}
            )
            for m in page:
                if stop is not None and m.seq > stop:
                    return out
                if not m.subject.startswith(mine):
                    continue
                n = self._notification(m)
                if topics and n.topic not in topics:
                    continue
                out.append(n)
                if len(out) == limit:
                    return out
            if len(page) < want:
                return out
            seq = page[-1].seq + 1
        return out

    def _notification(self, m: RawMsg) -> Notification:
        parsed = recorded_event(m, self.prefix)
        if parsed is None:
            # Not written by this recorder: handed on with an empty topic, so followers
            # dead-letter it as undecodable and the audit reports it; never silently dropped.
            logger.warning("seq %s on %s was not written by this recorder", m.seq, m.subject)
            shaped = subjects.parse_event_subject(m.subject, self.prefix)
            if shaped is not None:
                return Notification(
                    id=m.seq,
                    originator_id=as_id(shaped.complaint_id),
                    originator_version=shaped.version,
                    topic="",
                    state=m.data,
                )
            return Notification(
                id=m.seq, originator_id=m.subject, originator_version=0, topic="", state=m.data
            )
        return TracedNotification(
            id=m.seq,
            originator_id=as_id(parsed.complaint_id),
            originator_version=parsed.version,
            topic=m.headers.get(TOPIC_HEADER, ""),
            state=m.data,
            traceparent=m.headers.get("traceparent", ""),
            event_type=parsed.event_type,
        )

    def max_notification_id(self) -> int | None:
        last = self.link.run(
            self.link.leader_get(self.stream, {"last_by_subj": f"{self.prefix}.>"})
        )
        return None if last is None else last.seq

    def subscribe(
        self, gt: int | None = None, topics: Sequence[str] = ()
    ) -> Subscription[ApplicationRecorder]:
        return JetStreamSubscription(self, self.link, f"{self.prefix}.>", gt=gt, topics=topics)
