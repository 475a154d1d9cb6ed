"""Wiring of the notifier: one durable JetStream pull consumer ("notifier") on the complaint
events that need a letter, shared by every instance. Acks are manual: done → ack; transient
trouble → nack with backoff (held in process on the last delivery); hopeless → DEADLETTER
with reason, consumer and stream sequence in headers, then term. `create_app(settings)` builds
the app (with /health/live, /health/ready and /metrics for `python -m services.notifier`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator

import nats.errors
from eventsourcing.persistence import OperationalError
from faststream.asgi import AsgiFastStream
from faststream.middlewares import AckPolicy
from faststream.nats import JStream, NatsBroker, NatsMessage, PullSub
from nats.aio.msg import Msg
from nats.js.api import AckPolicy as JsAckPolicy
from nats.js.api import ConsumerConfig, DeliverPolicy

from services.notifier import domain
from services.notifier.application import LetterService, MailSettings, NotifierApplication
from services.notifier.mailsink import MailSink
from services.notifier.senders import TransientSendError
from services.notifier.settings import CONSUMER_NAME, NotifierSettings
from shared import deadletters, subjects
from shared import observability as obs
from shared.calendar import BusinessCalendar
from shared.jsclient import Unavailable

log = logging.getLogger("klachten.notifier")

LETTER_EVENTS = ("submitted", "responded", "escalated", "extended", "closed")
MAX_DELIVERIES_ADVISORY = "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.{stream}.{consumer}"
CALENDAR_VERSION = "NL"


def consumer_config(settings: NotifierSettings) -> ConsumerConfig:
    policy = settings.retry_policy
    backoff = policy.backoff(settings.notifier_ack_wait)
    return ConsumerConfig(
        durable_name=CONSUMER_NAME,
        description="Sends and records the letters complaint events oblige us to send",
        filter_subjects=[subjects.events_of_type(t) for t in LETTER_EVENTS],
        deliver_policy=DeliverPolicy.ALL,
        ack_policy=JsAckPolicy.EXPLICIT,
        # The server uses backoff[0] as the ack wait; later entries space out redeliveries of
        # messages whose handler died (crash, lost connection).
        ack_wait=backoff[0],
        backoff=backoff,
        max_deliver=policy.max_deliver,
        max_ack_pending=1000,
    )


def classify(error: Exception) -> tuple[domain.Failure, str, int]:
    if isinstance(error, domain.Undeliverable):
        return "undeliverable", error.reason, error.attempts
    transient = (TransientSendError, Unavailable, OperationalError, nats.errors.Error, OSError)
    kind: domain.Failure = "transient" if isinstance(error, transient) else "unexpected"
    return kind, f"{type(error).__name__}: {error}", 1


class Consumer:
    """Runs one delivery to its end: ack, nack with delay, hold, or dead-letter."""

    def __init__(self, settings: NotifierSettings, broker: NatsBroker) -> None:
        self.settings, self.broker = settings, broker
        self.policy = settings.retry_policy
        self.app: NotifierApplication | None = None
        self.letters: LetterService | None = None

    def start(self) -> None:
        self.app = NotifierApplication(env={"NATS_URL": self.settings.nats_url})
        mail = MailSettings(
            relay=self.settings.relay,
            mail_from=self.settings.mail_from,
            reply_to=self.settings.mail_reply_to or None,
        )
        calendar = BusinessCalendar(version=CALENDAR_VERSION)
        self.letters = LetterService(self.app, mail, self.settings.letterhead, calendar)

    def stop(self) -> None:
        if self.app is not None:
            self.app.close()

    async def deliver(self, msg: NatsMessage) -> None:
        assert self.letters is not None, "Consumer.start() first"
        raw: Msg = msg.raw_message
        delivered = raw.metadata.num_delivered
        async with self._heartbeat(raw):
            while True:
                try:
                    outcome = await self.letters.handle(raw.subject, raw.data)
                except Exception as error:
                    failure, reason, attempts = classify(error)
                    verdict = self.policy.verdict(failure, reason, delivered, attempts)
                    log.warning(
                        "%s (delivery %d): %s → %s", raw.subject, delivered, reason, verdict
                    )
                    if isinstance(verdict, domain.Hold):
                        await asyncio.sleep(verdict.delay)
                        continue
                    if isinstance(verdict, domain.Retry):
                        await msg.nack(delay=verdict.delay)
                    else:
                        await self._dead_letter(msg, verdict.reason)
                    return
                log.info("%s: %s", raw.subject, outcome)
                event_type = raw.subject.rsplit(".", 1)[-1]
                obs.NOTIFIER_OUTCOMES.labels(event_type, str(outcome)).inc()
                if outcome == "sent":
                    obs.LETTERS_SENT.labels(event_type).inc()
                await msg.ack()
                return

    async def _dead_letter(self, msg: NatsMessage, reason: str) -> None:
        raw: Msg = msg.raw_message
        md = raw.metadata
        await self.dead_letter(raw.data, raw.subject, md.sequence.stream, reason, md.num_delivered)
        await msg.reject()  # term: the server never delivers it again

    async def dead_letter(
        self, data: bytes, subject: str, stream_seq: int, reason: str, deliveries: int
    ) -> None:
        headers = deadletters.headers(
            CONSUMER_NAME,
            subjects.COMPLAINTS_STREAM,
            stream_seq,
            reason,
            subject=subject,
            deliveries=deliveries,
        )
        await self.broker.publish(
            data,
            subject=subjects.deadletter_subject(CONSUMER_NAME),
            headers=headers,
            stream=subjects.DEADLETTER_STREAM,
        )
        obs.DEAD_LETTERS.labels(CONSUMER_NAME).inc()
        log.error("dead-lettered %s (seq %d): %s", subject, stream_seq, reason)

    async def on_max_deliveries(self, advisory: bytes) -> None:
        """A message whose last delivery died with its handler (nobody could decide): the
        server stops delivering it, so dead-letter it from the stream rather than lose it."""
        info = json.loads(advisory)
        seq, deliveries = int(info["stream_seq"]), int(info.get("deliveries", 0))
        js = self.broker.config.connection_state.stream
        stored = await js.get_msg(subjects.COMPLAINTS_STREAM, seq, direct=True)
        reason = f"max deliveries ({deliveries}) reached without a decision"
        await self.dead_letter(stored.data or b"", stored.subject or "", seq, reason, deliveries)

    @contextlib.asynccontextmanager
    async def _heartbeat(self, raw: Msg) -> AsyncIterator[None]:
        """Keeps the server from redelivering while we are still working (slow relay, hold)."""

        async def beat() -> None:
            while True:
                await asyncio.sleep(self.settings.notifier_ack_wait / 3)
                with contextlib.suppress(Exception):
                    await raw.in_progress()

        task = asyncio.create_task(beat())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def _raw_body(msg: NatsMessage) -> bytes:
    # Bodies stay bytes: decoding is the use case's job, so garbage reaches it and is
    # dead-lettered with a reason instead of failing inside the framework.
    return msg.body


def create_app(settings: NotifierSettings, *, with_mailsink: bool = False) -> AsgiFastStream:
    broker = NatsBroker(
        settings.nats_servers,
        max_reconnect_attempts=-1,
        name="klachten-notifier",
        middlewares=obs.prometheus_middleware("notifier"),
    )
    consumer = Consumer(settings, broker)
    sink = MailSink(settings.maildir, port=settings.mailsink_port) if with_mailsink else None

    async def when_complaint_event_send_letter(msg: NatsMessage) -> None:
        raw: Msg = msg.raw_message
        with obs.handling("notifier", raw.subject, raw.headers):
            await consumer.deliver(msg)

    # N independent pull loops of one message each on the shared durable, rather than one
    # loop fetching N: a multi-message fetch waits for the batch to fill (up to its timeout)
    # before handing out the first message, and a concurrent subscriber's buffer holds
    # messages without heartbeats (they would be redelivered while waiting).
    for _ in range(settings.notifier_workers):
        broker.subscriber(
            "",
            stream=JStream(subjects.COMPLAINTS_STREAM, declare=False),
            durable=CONSUMER_NAME,
            config=consumer_config(settings),
            pull_sub=PullSub(batch_size=1, timeout=settings.notifier_fetch_timeout),
            ack_policy=AckPolicy.MANUAL,
            decoder=_raw_body,
        )(when_complaint_event_send_letter)

    @broker.subscriber(
        MAX_DELIVERIES_ADVISORY.format(stream=subjects.COMPLAINTS_STREAM, consumer=CONSUMER_NAME),
        queue=CONSUMER_NAME,
        decoder=_raw_body,
    )
    async def when_deliveries_exhausted_dead_letter(msg: NatsMessage) -> None:
        await consumer.on_max_deliveries(msg.body)

    async def startup() -> None:
        if sink is not None:
            await sink.start()
        await asyncio.to_thread(consumer.start)

    async def shutdown() -> None:
        await asyncio.to_thread(consumer.stop)
        if sink is not None:
            await sink.stop()

    return AsgiFastStream(
        broker,
        asgi_routes=obs.health_routes(broker, lambda: consumer.app is not None),
        on_startup=[startup],
        after_shutdown=[shutdown],
    )
