"""The notifier's outbox: what it knows about a letter between deciding to send and recording.

One entry per letter in the KV bucket NOTIFIER_OUTBOX (shared/eventstore/buckets.py provisions it),
keyed by a hash of the letter's deterministic Message-ID. "sending" is written BEFORE the SMTP
conversation (with the Date the message carries, so a second attempt is the same message);
"accepted" as soon as the relay took it. A redelivery that finds "accepted" never sends again: only
the record step is retried. Reads go to the stream leader (a replica behind it could still say
"sending"). The one window left is a crash of the notifier itself between the relay's 250 and the
"accepted" put: that letter is sent again, with the same Message-ID and Date."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime
from typing import Literal, Protocol

import msgspec
from nats.js import JetStreamContext
from nats.js.errors import NoStreamResponseError, NotFoundError

from shared.config.permissions import OUTBOX_BUCKET
from shared.eventstore.link import Unavailable

State = Literal["sending", "accepted"]


class Intent(msgspec.Struct, frozen=True, kw_only=True):
    message_id: str
    state: State
    date: datetime  # the message's Date header, the same on every attempt
    relay_response: str | None = None


class Outbox(Protocol):
    async def get(self, message_id: str) -> Intent | None: ...

    async def put(self, intent: Intent) -> None: ...


def key_of(message_id: str) -> str:
    # A Message-ID holds "<", "@" and dots; a KV key may not hold the first two.
    return hashlib.sha256(message_id.encode()).hexdigest()


class KvOutbox:
    """The outbox on JetStream, through the connection `js()` returns when called."""

    def __init__(self, js: Callable[[], JetStreamContext], bucket: str = OUTBOX_BUCKET) -> None:
        self._js, self.bucket = js, bucket

    def _subject(self, message_id: str) -> str:
        return f"$KV.{self.bucket}.{key_of(message_id)}"

    async def get(self, message_id: str) -> Intent | None:
        try:
            # Not a direct get: STREAM.MSG.GET is answered by the leader (read-your-writes).
            msg = await self._js().get_msg(
                f"KV_{self.bucket}", subject=self._subject(message_id), direct=False
            )
        except NotFoundError:
            return None
        return msgspec.json.decode(msg.data or b"", type=Intent)

    async def put(self, intent: Intent) -> None:
        try:
            await self._js().publish(self._subject(intent.message_id), msgspec.json.encode(intent))
        except NoStreamResponseError as error:
            # nats-py turns the server's "no responders" (no stream has the subject) into this.
            # Retried like an outage: no letter goes out before its intent is kept.
            raise Unavailable(
                f"no stream answers for the outbox bucket {self.bucket}: if it does not "
                "exist, provision it with `klachten up` or `klachten streams`"
            ) from error


class MemoryOutbox:
    """For unit tests of the use case."""

    def __init__(self) -> None:
        self.entries: dict[str, Intent] = {}

    async def get(self, message_id: str) -> Intent | None:
        return self.entries.get(message_id)

    async def put(self, intent: Intent) -> None:
        self.entries[intent.message_id] = intent
