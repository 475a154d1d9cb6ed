"""The aggregate recorder: appends a save's events to COMPLAINTS and reads one aggregate back.

The subject and header layout it writes is shared/eventstore/layout.py. An append is one round
trip: the aggregate's head comes from its last read (the usual get → decide → save), and a new
aggregate claims "no event yet" for the server to check. Several messages (events of one save,
or events plus a tracking record) are one atomic batch (ADR-50), so an insert is all-or-nothing
and its notification ids are contiguous.

A retry of an append whose acknowledgement was lost fails the OCC check (checked before
dedupe); it is recognised as success when the stored message carries our ``Nats-Msg-Id``.
(Just over 300 lines: appending and reading share the cache of heads, so they stay one class.)
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.persistence import (
    AggregateRecorder,
    IntegrityError,
    OperationalError,
    ProgrammingError,
    StoredEvent,
    Tracking,
)
from opentelemetry.trace import SpanKind

from shared.contract import subjects
from shared.eventstore.layout import (
    HASH_HEADER,
    PREV_HASH_HEADER,
    TOPIC_HEADER,
    LoadedEvent,
    chain_hash,
    event_type_token,
    recorded_event,
    subject_token,
    version_of,
)
from shared.eventstore.link import (
    BATCH_DUPLICATE_MSG_ID,
    WRONG_LAST_SEQUENCE,
    WRONG_LAST_SEQUENCE_IN_FLIGHT,
    JetStreamError,
    JetStreamLink,
    RawMsg,
    Unavailable,
)
from shared.integrity import signing
from shared.runtime import tracing

MULTI_LAST_MAX = 1024
BATCH_MAX = 1000
PUBLISH_ATTEMPTS = 7  # with the back-off below: about 16 s before giving up
Message = tuple[str, bytes, dict[str, str]]
# Refusals that may hide a lost acknowledgement: compare the stored Msg-Ids before giving up.
_REFUSED = (WRONG_LAST_SEQUENCE, WRONG_LAST_SEQUENCE_IN_FLIGHT, BATCH_DUPLICATE_MSG_ID)


@contextlib.contextmanager
def _publish_span(events: Sequence[StoredEvent]) -> Iterator[dict[str, str]]:
    """A PRODUCER span of the (first) complaint's trace; yields its ``traceparent`` header."""
    try:
        complaint = UUID(str(events[0].originator_id)) if events else None
    except ValueError:
        complaint = None
    if complaint is None:
        yield {}
        return
    types = ", ".join(dict.fromkeys(event_type_token(e.topic) for e in events))
    attributes = {"messaging.system": "nats", "messaging.operation.type": "send"}
    with tracing.complaint_span(
        f"publish {types}", complaint, kind=SpanKind.PRODUCER, attributes=attributes
    ):
        yield tracing.traceparent()


@dataclass(frozen=True, slots=True)
class _Head:
    """An aggregate's last stored event: version, chain hash, stream sequence."""

    version: int
    hash: str
    seq: int
    guessed: bool = False


def retrieved(task: asyncio.Future[Any]) -> None:
    """For a task that may end unawaited (its caller failed first): its own failure is not
    reported again as "never retrieved"."""
    if not task.cancelled():
        task.exception()


class _GuessedWrong(Exception):
    """A new-aggregate guess met existing events: read the real head and try once more."""


class JetStreamAggregateRecorder(AggregateRecorder):
    def __init__(
        self,
        link: JetStreamLink,
        stream: str = subjects.COMPLAINTS_STREAM,
        prefix: str = "complaints",
    ) -> None:
        self.link, self.stream, self.prefix = link, stream, prefix
        self.signer: signing.Signer | None = None  # set by the factory from the principal's key
        # originator id -> its last known event; saves a read per append.
        self._heads: OrderedDict[str, _Head] = OrderedDict()

    # --- insert ----------------------------------------------------------------------------

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        self._insert(stored_events, kwargs.get("tracking"))
        return None

    def _insert(self, events: Sequence[StoredEvent], tracking: Tracking | None) -> list[int]:
        if not events and tracking is None:
            return []
        keys = [(str(e.originator_id), e.originator_version) for e in events]
        if len(set(keys)) != len(keys):
            raise IntegrityError("the same (originator_id, version) twice in one insert")
        if len(events) + (tracking is not None) > BATCH_MAX:
            raise ProgrammingError(f"an insert holds at most {BATCH_MAX} events")
        # The span and its traceparent are taken here, in the caller's thread (its context).
        with _publish_span(events) as trace_headers:
            return self.link.run(self._insert_async(events, tracking, trace_headers))

    async def _insert_async(
        self, events: Sequence[StoredEvent], tracking: Tracking | None, trace: dict[str, str]
    ) -> list[int]:
        try:
            return await self._append(events, tracking, trace, read_unknown=False)
        except _GuessedWrong:
            return await self._append(events, tracking, trace, read_unknown=True)

    async def _append(
        self,
        events: Sequence[StoredEvent],
        tracking: Tracking | None,
        trace: dict[str, str],
        *,
        read_unknown: bool,
    ) -> list[int]:
        messages: list[Message] = []
        before: dict[str, _Head] = {}  # each aggregate's head before this insert
        heads: dict[str, _Head] = {}
        for e in events:
            oid = subject_token(e.originator_id, "originator id")
            if oid not in before:
                before[oid] = heads[oid] = await self._head(oid, e.originator_version, read_unknown)
            topic = e.topic
            kind = event_type_token(topic)
            subject = str(subjects.EventSubject(oid, e.originator_version, kind, self.prefix))
            digest = chain_hash(heads[oid].hash, subject, topic, e.state)
            headers = {
                "Nats-Msg-Id": str(getattr(e, "event_id", None) or uuid4()),
                # Checked against the stream as it was before the batch, for every message.
                "Nats-Expected-Last-Subject-Sequence": str(before[oid].seq),
                "Nats-Expected-Last-Subject-Sequence-Subject": f"{self.prefix}.{oid}.>",
                TOPIC_HEADER: topic,
                PREV_HASH_HEADER: heads[oid].hash,
                HASH_HEADER: digest,
                **trace,
            }
            if self.signer is not None:
                headers[signing.SIGNATURE_HEADER] = self.signer.header(subject, digest)
            messages.append((subject, e.state, headers))
            heads[oid] = _Head(e.originator_version, digest, len(messages), guessed=False)
        if tracking is not None:
            messages.append(await self._tracking_message(tracking))
        guessed = any(h.guessed for h in before.values())
        last_seq = await self._publish(messages, guessed=guessed)
        first = last_seq - len(messages) + 1
        for oid, head in heads.items():
            self._remember(oid, _Head(head.version, head.hash, first + head.seq - 1))
        return list(range(first, first + len(events)))

    async def _head(self, oid: str, version: int, read_unknown: bool) -> _Head:
        cached = self._heads.get(oid)
        if cached is not None and cached.version == version - 1:
            return cached
        if cached is None and version <= 1 and not read_unknown:
            # A new aggregate: claim "no event yet" and let the server check it (no read).
            return _Head(version - 1, "", 0, guessed=True)
        last = await self.link.leader_get(self.stream, {"last_by_subj": f"{self.prefix}.{oid}.>"})
        if last is None:
            return _Head(version - 1, "", 0)
        head = _Head(
            version_of(last.subject, self.prefix), last.headers.get(HASH_HEADER, ""), last.seq
        )
        if head.version >= version:
            raise IntegrityError(f"{oid} already has version {head.version} (inserting {version})")
        return head

    def _remember(self, oid: str, head: _Head) -> None:
        self._heads[oid] = head
        self._heads.move_to_end(oid)
        if len(self._heads) > 10_000:
            self._heads.popitem(last=False)

    async def _tracking_message(self, tracking: Tracking) -> Message:
        raise ProgrammingError("this recorder does not record tracking")

    async def _publish(self, messages: list[Message], *, guessed: bool = False) -> int:
        error: Exception | None = None
        for attempt in range(PUBLISH_ATTEMPTS):
            if attempt:
                # A leader election or reconnect takes a few seconds: back off, same ids.
                await asyncio.sleep(min(0.25 * 2**attempt, 4.0))
            try:
                if len(messages) == 1:
                    ack = await self.link.publish(*messages[0])
                else:
                    ack = await self.link.publish_batch(messages)
                return int(ack["seq"])
            except Unavailable as e:
                error = e  # the append may or may not have happened: retry with the same ids
            except JetStreamError as e:
                if e.err_code not in _REFUSED:
                    raise OperationalError(str(e)) from e
                stored = await self._already_stored(messages)
                if stored is not None:
                    return stored
                if e.err_code == WRONG_LAST_SEQUENCE_IN_FLIGHT:
                    # Another write to the subject is still being proposed (often our own
                    # earlier attempt, after a failover): not a conflict yet; ask again.
                    error = e
                    continue
                if guessed:
                    raise _GuessedWrong from e
                raise IntegrityError(str(e)) from e
        raise OperationalError(f"JetStream did not acknowledge the append: {error}")

    async def _already_stored(self, messages: list[Message]) -> int | None:
        """The last sequence if every message is stored under our Msg-Id (a lost ack)."""
        last_seq = 0
        for subject, _, headers in messages:
            found = await self.link.leader_get(self.stream, {"last_by_subj": subject})
            if found is None or found.headers.get("Nats-Msg-Id") != headers["Nats-Msg-Id"]:
                return None
            last_seq = max(last_seq, found.seq)
        return last_seq

    # --- select ----------------------------------------------------------------------------

    def select_events(
        self,
        originator_id: UUID | str,
        *,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> Sequence[StoredEvent]:
        oid = subject_token(originator_id, "originator id")
        found = [
            (parsed, m)
            for m in self.link.run(self._aggregate_messages(oid))
            if (parsed := recorded_event(m, self.prefix)) is not None
        ]
        found.sort(key=lambda pm: pm[0].version)
        if found:
            last, m = found[-1]
            self._remember(oid, _Head(last.version, m.headers.get(HASH_HEADER, ""), m.seq))
        events = [
            LoadedEvent(
                originator_id=originator_id,
                originator_version=parsed.version,
                topic=m.headers.get(TOPIC_HEADER, ""),
                state=m.data,
                event_type=parsed.event_type,
                seq=m.seq,
            )
            for parsed, m in found
            if (gt is None or parsed.version > gt) and (lte is None or parsed.version <= lte)
        ]
        if desc:
            events.reverse()
        return events[:limit] if limit is not None else events

    async def _aggregate_messages(self, oid: str) -> list[RawMsg]:
        # Read-your-writes in a cluster: the leader names the aggregate's last sequence, and a
        # history that does not reach it is not used (ADR-53 `min_last_seq` asks again: only a
        # replica that holds it answers; one that lags hands the request to the leader). A
        # decision or a read-back after a write (here or in another process) never sees an
        # older history, nor "not found". Both are asked at once: one round trip, not two,
        # unless a replica lags.
        filt = f"{self.prefix}.{oid}.>"
        # Every version has its own subject, so "last message per subject" is the whole history.
        request: dict[str, Any] = {"multi_last": [filt], "batch": MULTI_LAST_MAX}
        leader = asyncio.ensure_future(self.link.leader_get(self.stream, {"last_by_subj": filt}))
        leader.add_done_callback(retrieved)
        try:
            try:
                found: list[RawMsg] | None = await self.link.direct_batch(self.stream, request)
            except JetStreamError:
                found = None
            head = await leader
        finally:
            if not leader.done():
                leader.cancel()
        if head is None:
            return []
        if found and max(m.seq for m in found) >= head.seq:
            return found
        request["min_last_seq"] = head.seq  # behind the leader (a lagging replica), or refused
        try:
            return await self.link.direct_batch(self.stream, request)
        except JetStreamError:
            return await self._scan(filt, 1, head.seq)

    async def _scan(self, filt: str, seq: int, min_last_seq: int) -> list[RawMsg]:
        out: list[RawMsg] = []
        while True:
            request = {"seq": seq, "next_by_subj": filt, "batch": BATCH_MAX}
            request["min_last_seq"] = min_last_seq  # read-your-writes, as above
            page = await self.link.direct_batch(self.stream, request)
            out.extend(page)
            if len(page) < BATCH_MAX:
                return out
            seq = page[-1].seq + 1
