"""The application recorder: the aggregate recorder plus the notification log eventsourcing's
followers read (notification id = stream sequence) and a subscription to it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Sequence
from typing import Any

from eventsourcing.persistence import ApplicationRecorder, Notification, StoredEvent, Subscription

from shared.contract import subjects
from shared.eventstore.aggregate_recorder import (
    BATCH_MAX,
    JetStreamAggregateRecorder,
    retrieved,
)
from shared.eventstore.layout import (
    TOPIC_HEADER,
    TracedNotification,
    as_id,
    recorded_event,
)
from shared.eventstore.link import RawMsg
from shared.eventstore.subscription import JetStreamSubscription

logger = logging.getLogger(__name__)


READ_AHEAD_MAX = 4  # readers (cursors) at once whose next page is read ahead


class JetStreamApplicationRecorder(JetStreamAggregateRecorder, ApplicationRecorder):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # (first seq, batch) -> the page being read ahead for the reader that will ask for it
        self._ahead: dict[tuple[int, int], asyncio.Future[list[RawMsg]]] = {}

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
            page = await self._page(seq, want, ahead=stop is None)
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

    async def _page(self, seq: int, want: int, *, ahead: bool) -> list[RawMsg]:
        """`want` messages from `seq` on. A full page starts reading the next one while the
        caller works on this one (a reader catching up asks for it next); a short page reached
        the end of the log, so nothing is read ahead. Only a full page read ahead is used: it
        cannot be missing anything, where a short one may be older than the call.

        Every message, filtered by the caller: a subject filter makes the server search its
        subject index per page, and every event has its own subject (a cost that grows with
        the log). The stream's other subjects (tracking records) are few."""
        # Runs on the link's loop only, so the read-ahead needs no lock.
        early = self._ahead.pop((seq, want), None)
        page: list[RawMsg] = []
        if early is not None:
            with contextlib.suppress(Exception):  # it failed: this call asks again, itself
                page = await early
        if len(page) < want:  # none read ahead, or it met the end then: maybe there is more now
            page = await self._fetch(seq, want)
        if ahead and len(page) == want and page:
            nxt = page[-1].seq + 1
            while len(self._ahead) >= READ_AHEAD_MAX:  # other readers' cursors: oldest goes
                self._ahead.pop(next(iter(self._ahead))).cancel()
            task = asyncio.ensure_future(self._fetch(nxt, want))
            task.add_done_callback(retrieved)
            self._ahead[(nxt, want)] = task
        return page

    def _fetch(self, seq: int, want: int) -> Awaitable[list[RawMsg]]:
        return self.link.direct_batch(self.stream, {"seq": seq, "next_by_subj": ">", "batch": want})

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
