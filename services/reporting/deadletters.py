"""Dead-lettering of events the projection cannot fold: ``deadletter.reporting`` in DEADLETTER.

The message body is the original event's bytes; the headers are the shared contract
(shared/contract/deadletters.py). Their ``Nats-Msg-Id`` is derived from the sequence, so a
projection that crashes after publishing and before committing publishes a duplicate that JetStream
drops."""

from __future__ import annotations

import threading

from services.reporting.fold import Undecodable
from shared.contract import deadletters, subjects
from shared.eventstore.link import JetStreamLink
from shared.runtime import observability as obs

CONSUMER = "reporting"


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
        headers = deadletters.headers(
            CONSUMER,
            subjects.COMPLAINTS_STREAM,
            dead.seq,
            dead.reason,
            subject=original.subject if original is not None else None,
        )
        body = original.data if original is not None else b""
        ack = link.run(link.publish(subjects.deadletter_subject(CONSUMER), body, headers))
        if not ack.get("duplicate"):  # a re-publish after a crash is not a new dead letter
            obs.DEAD_LETTERS.labels(CONSUMER).inc()

    def close(self) -> None:
        with self._lock:
            if self._link is not None:
                self._link.close()
                self._link = None
