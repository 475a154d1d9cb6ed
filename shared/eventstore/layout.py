"""What a stored event looks like in the stream COMPLAINTS (the public contract).

- an event is one message on ``complaints.<originator_id>.<version>.<event_type>``; its body is
  the stored state as-is (the contract JSON, see shared/eventstore/mapper.py); headers carry the
  topic and the hash chain: ``Klachten-Prev-Hash`` (hash of the aggregate's previous event, "" for
  the first) and ``Klachten-Hash`` = sha256(prev ‖ subject ‖ topic ‖ body), and the W3C
  ``traceparent`` of the append's span (shared/runtime/tracing.py; outside the chain: metadata);
- optimistic concurrency per aggregate: every message states the sequence of the aggregate's
  last event (``Nats-Expected-Last-Subject-Sequence`` with ``...-Subject: complaints.<id>.>``,
  0 for a new aggregate);
- notification id = stream sequence; tracking records are ``tracking.<application>`` messages
  in the same stream, guarded by the subject's last sequence, so they are strictly increasing.

The auditor, the case file and the reporting log read messages with these names, so they import
this module, not the recorders.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from uuid import UUID

from eventsourcing.persistence import Notification, ProgrammingError, StoredEvent
from eventsourcing.utils import get_topic, register_topic, resolve_topic

from shared.contract import subjects
from shared.eventstore.link import RawMsg
from shared.rules import complaint as complaint_module

TOPIC_HEADER = "Klachten-Topic"
HASH_HEADER = "Klachten-Hash"
PREV_HASH_HEADER = "Klachten-Prev-Hash"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]+$")


# The topic is inside every event's chain hash and in what auditors and analysts read
# (docs/verification.md), so it names the place the aggregate's events were first defined and
# does not follow the code when a module moves: new events are stored under the same topic as
# old ones, and old topics keep resolving.
STORED_MODULES = {"shared.rules.complaint": "shared.complaint"}
register_topic("shared.complaint", complaint_module)


def stored_topic(cls: type) -> str:
    """The topic stored with an event of class `cls`."""
    module, _, name = get_topic(cls).partition(":")
    return f"{STORED_MODULES.get(module, module)}:{name}"


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


def subject_token(value: UUID | str, what: str) -> str:
    """The value as one subject token; refused if it would change the subject's shape."""
    text = str(value)
    if not _TOKEN.match(text):
        raise ProgrammingError(f"{what} {text!r} cannot be a subject token")
    return text


def recorded_event(m: RawMsg, prefix: str = "complaints") -> subjects.EventSubject | None:
    """The subject's parts if a recorder wrote the message; anything else is for the audit."""
    parsed = subjects.parse_event_subject(m.subject, prefix)
    return parsed if parsed is not None and m.headers.get(TOPIC_HEADER) else None


def version_of(subject: str, prefix: str = "complaints") -> int:
    parsed = subjects.parse_event_subject(subject, prefix)
    if parsed is None:
        raise ValueError(f"{subject!r} is not an event subject")
    return parsed.version


def as_id(text: str) -> UUID | str:
    try:
        return UUID(text)
    except ValueError:
        return text


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
