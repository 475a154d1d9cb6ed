"""Dead-lettering of events the projection cannot decode: ``deadletter.reporting`` in DEADLETTER.

The message body is the original event's bytes; headers name the reason, the consumer and the
original stream and sequence. ``Nats-Msg-Id`` is derived from the sequence, so a projection that
crashes after publishing and before committing publishes a duplicate that JetStream drops.
"""

from __future__ import annotations

import threading

from services.reporting.fold import Undecodable
from shared import subjects
from shared.jsclient import JetStreamLink

CONSUMER = "reporting"
REASON_HEADER = "Klachten-Deadletter-Reason"
CONSUMER_HEADER = "Klachten-Deadletter-Consumer"
STREAM_HEADER = "Klachten-Deadletter-Stream"
SEQUENCE_HEADER = "Klachten-Deadletter-Sequence"


class NatsDeadLetters:
    """Publishes dead letters over its own connection, opened on first use."""

    def __init__(self, nats_url: str) -> None:
        self.nats_url = nats_url
        self._link: JetStreamLink | None = None
        self._lock = threading.Lock()

    def __call__(self, dead: Undecodable) -> None:
        with self._lock:
            if self._link is None:
                self._link = JetStreamLink(self.nats_url, name="klachten-reporting-deadletters")
            link = self._link
        original = link.run(link.direct_get(subjects.COMPLAINTS_STREAM, {"seq": dead.seq}))
        headers = {
            "Nats-Msg-Id": f"{CONSUMER}-{subjects.COMPLAINTS_STREAM}-{dead.seq}",
            REASON_HEADER: dead.reason.replace("\r", " ").replace("\n", " "),
            CONSUMER_HEADER: CONSUMER,
            STREAM_HEADER: subjects.COMPLAINTS_STREAM,
            SEQUENCE_HEADER: str(dead.seq),
        }
        body = original.data if original is not None else b""
        link.run(link.publish(subjects.deadletter_subject(CONSUMER), body, headers))

    def close(self) -> None:
        with self._lock:
            if self._link is not None:
                self._link.close()
                self._link = None
