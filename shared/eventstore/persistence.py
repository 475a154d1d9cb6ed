"""eventsourcing persistence module that stores events in the JetStream stream COMPLAINTS.

Select it with ``PERSISTENCE_MODULE=shared.eventstore.persistence``. Layout (the public contract):

- an event is one message on ``complaints.<originator_id>.<version>.<event_type>``; its body is
  the stored state as-is (the contract JSON, see shared/eventstore/mapper.py); headers carry the
  topic and the hash chain: ``Klachten-Prev-Hash`` (hash of the aggregate's previous event, "" for
  the first) and ``Klachten-Hash`` = sha256(prev ‖ subject ‖ topic ‖ body), and the W3C
  ``traceparent`` of the append's span (shared/runtime/tracing.py; outside the chain: metadata);
- optimistic concurrency per aggregate: every message states the sequence of the aggregate's
  last event (``Nats-Expected-Last-Subject-Sequence`` with ``...-Subject: complaints.<id>.>``,
  0 for a new aggregate); the head comes from the last read of the aggregate (the usual
  get → decide → save), so an append is one round trip;
- several messages (events of one save, or events plus a tracking record) are one atomic batch
  (ADR-50), so an insert is all-or-nothing and its notification ids are contiguous;
- notification id = stream sequence; tracking records are ``tracking.<application>`` messages
  in the same stream, guarded by the subject's last sequence, so they are strictly increasing.

A retry of an append whose acknowledgement was lost fails the OCC check (checked before
dedupe); it is recognised as success when the stored message carries our ``Nats-Msg-Id``.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from uuid import UUID, uuid4

import nats.errors
from eventsourcing.persistence import (
    AggregateRecorder,
    ApplicationRecorder,
    InfrastructureFactory,
    IntegrityError,
    ListenNotifySubscription,
    Mapper,
    Notification,
    OperationalError,
    ProcessRecorder,
    ProgrammingError,
    StoredEvent,
    Subscription,
    Tracking,
    TrackingRecorder,
)
from eventsourcing.utils import resolve_topic, strtobool
from opentelemetry.trace import SpanKind

from shared.contract import subjects
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

logger = logging.getLogger(__name__)
TOPIC_HEADER = "Klachten-Topic"
HASH_HEADER = "Klachten-Hash"
PREV_HASH_HEADER = "Klachten-Prev-Hash"
MULTI_LAST_MAX = 1024
BATCH_MAX = 1000
PUBLISH_ATTEMPTS = 7  # with the back-off below: about 16 s before giving up
_TOKEN = re.compile(r"^[A-Za-z0-9_-]+$")


def chain_hash(prev: str, subject: str, topic: str, body: bytes) -> str:
    return hashlib.sha256(f"{prev}\n{subject}\n{topic}\n".encode() + body).hexdigest()


@lru_cache(maxsize=512)
def event_type_token(topic: str) -> str:
    """The subject's event_type token: the contract's name for the event, else from the topic."""
    try:
        cls = resolve_topic(topic)
        contract = getattr(cls, "contract", None)
        if contract is not None:
            return contract.__struct_config__.tag.removeprefix("complaint.")
    except Exception:
        pass
    token = re.sub(r"[^a-z0-9_-]", "_", topic.rsplit(":", 1)[-1].rsplit(".", 1)[-1].lower())
    return token or "event"


def _token(value: UUID | str, what: str) -> str:
    text = str(value)
    if not _TOKEN.match(text):
        raise ProgrammingError(f"{what} {text!r} cannot be a subject token")
    return text


def _is_recorded_event(m: RawMsg) -> bool:
    """Only messages this recorder wrote are events; anything else is for the audit to flag."""
    parts = m.subject.split(".")
    return (
        len(parts) == 4
        and parts[2].isascii()
        and parts[2].isdigit()
        and bool(m.headers.get(TOPIC_HEADER))
    )


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


@dataclass(frozen=True)
class TracedNotification(Notification):
    """A notification with the W3C trace context its append stored (for followers' spans) and
    its subject's event type token (the mapper checks it against topic and body)."""

    traceparent: str = ""
    event_type: str = ""


@dataclass(frozen=True, eq=False)
class LoadedEvent(StoredEvent):
    """An event read to load its aggregate: the subject's type token and stream sequence, so
    the mapper can check the message's claims and skip (not fail on) one that lies.

    It equals the StoredEvent it was stored as (eventsourcing's recorder contract): where it
    was read from is not part of what was stored."""

    event_type: str = ""
    seq: int = 0

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, StoredEvent):
            return NotImplemented
        return (self.originator_id, self.originator_version, self.topic, self.state) == (
            other.originator_id,
            other.originator_version,
            other.topic,
            other.state,
        )

    __hash__ = None  # type: ignore[assignment]  # equal to a StoredEvent, like a dataclass


@dataclass(frozen=True, slots=True)
class _Head:
    """An aggregate's last stored event: version, chain hash, stream sequence."""

    version: int
    hash: str
    seq: int
    guessed: bool = False


class _GuessedWrong(Exception):
    """A new-aggregate guess met existing events: read the real head and try once more."""


def _version_of(subject: str) -> int:
    return int(subject.split(".")[2])


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
        messages: list[tuple[str, bytes, dict[str, str]]] = []
        before: dict[str, _Head] = {}  # each aggregate's head before this insert
        heads: dict[str, _Head] = {}
        for e in events:
            oid = _token(e.originator_id, "originator id")
            if oid not in before:
                before[oid] = heads[oid] = await self._head(oid, e.originator_version, read_unknown)
            topic = e.topic
            subject = f"{self.prefix}.{oid}.{e.originator_version}.{event_type_token(topic)}"
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
        head = _Head(_version_of(last.subject), last.headers.get(HASH_HEADER, ""), last.seq)
        if head.version >= version:
            raise IntegrityError(f"{oid} already has version {head.version} (inserting {version})")
        return head

    def _remember(self, oid: str, head: _Head) -> None:
        self._heads[oid] = head
        self._heads.move_to_end(oid)
        if len(self._heads) > 10_000:
            self._heads.popitem(last=False)

    async def _tracking_message(self, tracking: Tracking) -> tuple[str, bytes, dict[str, str]]:
        raise ProgrammingError("this recorder does not record tracking")

    async def _publish(
        self, messages: list[tuple[str, bytes, dict[str, str]]], *, guessed: bool = False
    ) -> int:
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
                refused = (
                    WRONG_LAST_SEQUENCE,
                    WRONG_LAST_SEQUENCE_IN_FLIGHT,
                    BATCH_DUPLICATE_MSG_ID,
                )
                if e.err_code not in refused:
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

    async def _already_stored(
        self, messages: list[tuple[str, bytes, dict[str, str]]]
    ) -> int | None:
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
        oid = _token(originator_id, "originator id")
        msgs = [m for m in self.link.run(self._aggregate_messages(oid)) if _is_recorded_event(m)]
        msgs.sort(key=lambda m: _version_of(m.subject))
        if msgs:
            last = msgs[-1]
            head = _Head(_version_of(last.subject), last.headers.get(HASH_HEADER, ""), last.seq)
            self._remember(oid, head)
        events = [
            LoadedEvent(
                originator_id=originator_id,
                originator_version=_version_of(m.subject),
                topic=m.headers.get(TOPIC_HEADER, ""),
                state=m.data,
                event_type=m.subject.rsplit(".", 1)[-1],
                seq=m.seq,
            )
            for m in msgs
            if (gt is None or _version_of(m.subject) > gt)
            and (lte is None or _version_of(m.subject) <= lte)
        ]
        if desc:
            events.reverse()
        return events[:limit] if limit is not None else events

    async def _aggregate_messages(self, oid: str) -> list[RawMsg]:
        # Read-your-writes in a cluster: the leader names the aggregate's last sequence, and
        # only a replica that holds it answers the batch (ADR-53 `min_last_seq`; one that lags
        # hands the request to the leader). A decision or a read-back after a write (here or
        # in another process) never sees an older history, nor "not found".
        filt = f"{self.prefix}.{oid}.>"
        head = await self.link.leader_get(self.stream, {"last_by_subj": filt})
        if head is None:
            return []
        # Every version has its own subject, so "last message per subject" is the whole history.
        request = {"multi_last": [filt], "batch": MULTI_LAST_MAX, "min_last_seq": head.seq}
        try:
            return await self.link.direct_batch(self.stream, request)
        except JetStreamError:
            return await self._scan(filt, 1, head.seq)

    async def _scan(self, filt: str, seq: int, min_last_seq: int) -> list[RawMsg]:
        out: list[RawMsg] = []
        while True:
            request = {"seq": seq, "next_by_subj": filt, "batch": BATCH_MAX}
            request["min_last_seq"] = min_last_seq
            page = await self.link.direct_batch(self.stream, request)
            out.extend(page)
            if len(page) < BATCH_MAX:
                return out
            seq = page[-1].seq + 1


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
        if not _is_recorded_event(m):
            # Not written by this recorder: handed on with an empty topic, so followers
            # dead-letter it as undecodable and the audit reports it; never silently dropped.
            logger.warning("seq %s on %s was not written by this recorder", m.seq, m.subject)
            parts = m.subject.split(".")
            if len(parts) == 4 and parts[2].isascii() and parts[2].isdigit():
                return Notification(
                    id=m.seq,
                    originator_id=_as_id(parts[1]),
                    originator_version=int(parts[2]),
                    topic="",
                    state=m.data,
                )
            return Notification(
                id=m.seq, originator_id=m.subject, originator_version=0, topic="", state=m.data
            )
        _, oid, version, _ = m.subject.split(".", 3)
        return TracedNotification(
            id=m.seq,
            originator_id=_as_id(oid),
            originator_version=int(version),
            topic=m.headers.get(TOPIC_HEADER, ""),
            state=m.data,
            traceparent=m.headers.get("traceparent", ""),
            event_type=m.subject.rsplit(".", 1)[-1],
        )

    def max_notification_id(self) -> int | None:
        last = self.link.run(
            self.link.leader_get(self.stream, {"last_by_subj": f"{self.prefix}.>"})
        )
        return None if last is None else last.seq

    def subscribe(
        self, gt: int | None = None, topics: Sequence[str] = ()
    ) -> Subscription[ApplicationRecorder]:
        return JetStreamSubscription(self, gt=gt, topics=topics)


class JetStreamSubscription(ListenNotifySubscription[JetStreamApplicationRecorder]):
    """Pulls from the stream in order; a core NATS subscription on the stream's subjects
    wakes it up, and a periodic tick covers anything missed during a reconnect."""

    TICK = 1.0

    def __init__(
        self,
        recorder: JetStreamApplicationRecorder,
        gt: int | None = None,
        topics: Sequence[str] = (),
    ) -> None:
        super().__init__(recorder=recorder, gt=gt, topics=topics)
        link = recorder.link
        self._sub = link.run(link.nc.subscribe(f"{recorder.prefix}.>", cb=self._wake))
        self._ticker = threading.Thread(target=self._tick, daemon=True)
        self._ticker.start()

    async def _wake(self, _msg: Any) -> None:
        self._has_been_notified.set()

    def _pull(self) -> None:
        # The base class ends the subscription on any error; a server that is restarting or a
        # cluster that fails over is transient, so keep trying (the tick paces the retries).
        while not self._has_been_stopped:
            try:
                super()._pull()
                return
            except (Unavailable, OperationalError, nats.errors.Error, OSError, TimeoutError):
                logger.warning("subscription pull failed; retrying", exc_info=True)
                threading.Event().wait(self.TICK)

    def _tick(self) -> None:
        while not self._has_been_stopped:
            threading.Event().wait(self.TICK)
            self._has_been_notified.set()

    def stop(self) -> None:
        if not self._has_been_stopped:
            try:
                self._recorder.link.run(self._sub.unsubscribe(), timeout=5)
            except Exception:
                pass
        super().stop()


def _as_id(text: str) -> UUID | str:
    try:
        return UUID(text)
    except ValueError:
        return text


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

    async def _tracking_message(self, tracking: Tracking) -> tuple[str, bytes, dict[str, str]]:
        subject = subjects.tracking_subject(_token(tracking.application_name, "application name"))
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
        subject = subjects.tracking_subject(_token(application_name, "application name"))
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

    async def _tracking_message(self, tracking: Tracking) -> tuple[str, bytes, dict[str, str]]:
        return await JetStreamTrackingRecorder._tracking_message(self, tracking)


class JetStreamFactory(InfrastructureFactory[TrackingRecorder]):
    """Builds JetStream recorders; one NATS connection per factory (i.e. per application)."""

    NATS_URL = "NATS_URL"
    NATS_USER = "NATS_USER"
    NATS_PASSWORD = "NATS_PASSWORD"
    JETSTREAM_STREAM = "JETSTREAM_STREAM"
    CREATE_TABLE = "CREATE_TABLE"

    def __init__(self, env: Any) -> None:
        super().__init__(env)
        self._link: JetStreamLink | None = None
        self._lock = threading.Lock()

    @property
    def link(self) -> JetStreamLink:
        with self._lock:
            if self._link is None:
                url = (
                    self.env.get(self.NATS_URL)
                    or self.env.get("KLACHTEN_NATS_URL")
                    or "nats://127.0.0.1:4222"
                )
                options: dict[str, Any] = {"name": f"klachten-{self.env.name or 'app'}"}
                if self.env.get(self.NATS_USER):
                    options["user"] = self.env.get(self.NATS_USER)
                    options["password"] = self.env.get(self.NATS_PASSWORD, "")
                self._link = JetStreamLink(url, **options)
            return self._link

    @property
    def stream(self) -> str:
        return self.env.get(self.JETSTREAM_STREAM) or subjects.COMPLAINTS_STREAM

    def mapper(
        self, transcoder: Any = None, mapper_class: type[Mapper[Any]] | None = None
    ) -> Mapper[Any]:
        from shared.eventstore.mapper import ContractMapper
        from shared.privacy.shredding import attach_keystore

        if mapper_class is None and not self.env.get(self.MAPPER_TOPIC):
            mapper_class = ContractMapper
        mapper = super().mapper(transcoder=transcoder, mapper_class=mapper_class)
        # Personal data is sealed per complainant (docs/privacy.md); KLACHTEN_KEYSTORE=none
        # gives the analyst's keyless view.
        return attach_keystore(mapper, self.env, lambda: self.link)

    def _signed(self, recorder: Any) -> Any:
        """The recorder signing with the key of the NATS user it connects as (if it has one)."""
        from shared.config.permissions import user_of

        url = self.env.get(self.NATS_URL) or self.env.get("KLACHTEN_NATS_URL") or ""
        principal = self.env.get(self.NATS_USER) or user_of(url)
        recorder.signer = signing.load_signer(self.env.get("KLACHTEN_DATA_DIR"), principal)
        return recorder

    def aggregate_recorder(self, purpose: str = "events") -> AggregateRecorder:
        if purpose == "snapshots":
            return JetStreamAggregateRecorder(self.link, self.stream, prefix="snapshots")
        return self._signed(JetStreamAggregateRecorder(self.link, self.stream))

    def application_recorder(self) -> ApplicationRecorder:
        topic = self.env.get(self.APPLICATION_RECORDER_TOPIC)
        cls = resolve_topic(topic) if topic else JetStreamApplicationRecorder
        return self._signed(cls(self.link, self.stream))

    def tracking_recorder(
        self, tracking_recorder_class: type[TrackingRecorder] | None = None
    ) -> TrackingRecorder:
        if tracking_recorder_class is None:
            topic = self.env.get(self.TRACKING_RECORDER_TOPIC)
            tracking_recorder_class = resolve_topic(topic) if topic else JetStreamTrackingRecorder
        return tracking_recorder_class(self.link, self.stream)

    def process_recorder(self) -> ProcessRecorder:
        topic = self.env.get(self.PROCESS_RECORDER_TOPIC)
        cls = resolve_topic(topic) if topic else JetStreamProcessRecorder
        return self._signed(cls(self.link, self.stream))

    def create_table_enabled(self) -> bool:
        return strtobool(self.env.get(self.CREATE_TABLE) or "yes")

    def close(self) -> None:
        with self._lock:
            if self._link is not None:
                self._link.close()
                self._link = None
