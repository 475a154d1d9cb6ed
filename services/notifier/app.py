"""Wiring of the notifier: one durable JetStream pull consumer ("notifier") on the complaint
events that need a letter, shared by every instance (shared/runtime/consumer.py runs it). Done →
ack; a relay that is down → the letter waits in process (RelayGate: released as soon as the relay
answers); other transient trouble → nack with delay (held on the last delivery); hopeless or a
letter that cannot be built → DEADLETTER at once, then term. `create_app(settings)` builds the app
(with /health/live, /health/ready and /metrics for `python -m services.notifier`)."""

from __future__ import annotations

import asyncio
import logging
from email.utils import parseaddr

import nats.errors
from eventsourcing.persistence import OperationalError
from faststream.asgi import AsgiFastStream
from faststream.nats import NatsBroker

from services.notifier import domain
from services.notifier.application import LetterService, MailSettings, NotifierApplication
from services.notifier.mailsink import MailSink
from services.notifier.outbox import KvOutbox
from services.notifier.senders import RelayGate, TransientSendError, relay_answers
from services.notifier.settings import CONSUMER_NAME, NotifierSettings
from shared.config.calendar import business_calendar
from shared.config.policy import reload_on_sighup
from shared.contract import subjects
from shared.eventstore.link import Unavailable, broker_connect
from shared.runtime import observability as obs
from shared.runtime.consumer import Failure, Hold, PullConsumer, RetryPolicy, Verdict
from shared.runtime.logwatch import broker_watch

log = logging.getLogger("klachten.notifier")

LETTER_EVENTS = ("submitted", "responded", "escalated", "extended", "closed", "reaction_received")
CALENDAR_VERSION = "NL"
TRANSIENT = (TransientSendError, Unavailable, OperationalError, nats.errors.Error, OSError)


def verdict(error: Exception, delivered: int, policy: RetryPolicy) -> Verdict:
    if isinstance(error, TransientSendError):
        # The relay: the letter waits here, on the documented schedule, and goes as soon as
        # the relay answers again (a nak delay cannot be cut short).
        return Hold(policy.delay(delivered))
    if isinstance(error, domain.Undeliverable):
        return policy.verdict("undeliverable", error.reason, delivered, error.attempts)
    failure: Failure = "transient" if isinstance(error, TRANSIENT) else "unexpected"
    return policy.verdict(failure, f"{type(error).__name__}: {error}", delivered)


def create_app(settings: NotifierSettings, *, with_mailsink: bool = False) -> AsgiFastStream:
    broker = NatsBroker(
        **broker_connect(settings.nats_url),
        max_reconnect_attempts=-1,
        name="klachten-notifier",
        middlewares=obs.prometheus_middleware("notifier"),
    )
    sink = MailSink(settings.maildir, port=settings.mailsink_port) if with_mailsink else None
    app: NotifierApplication | None = None
    letters: LetterService | None = None
    mail = MailSettings(relay=settings.relay, mail_from=settings.mail_from)
    sender_address = parseaddr(settings.mail_from)[1]
    gate = RelayGate(
        lambda: relay_answers(mail.relay, sender_address),
        settings.smtp_relay_probe_interval,
        settings.notifier_retry_cap,
    )

    async def send_letter(subject: str, body: bytes) -> str:
        assert letters is not None, "startup() first"
        event_type = subject.rsplit(".", 1)[-1]
        try:
            outcome = await letters.handle(subject, body)
        except domain.Unbuildable as error:
            obs.NOTIFIER_OUTCOMES.labels(event_type, "unbuildable").inc()
            log.error("ALERT: no letter can be built for %s: %s", subject, error.reason)
            raise
        obs.NOTIFIER_OUTCOMES.labels(event_type, str(outcome)).inc()
        if outcome == "sent":
            obs.LETTERS_SENT.labels(event_type).inc()
        return outcome

    policy = RetryPolicy(
        settings.notifier_max_deliver, settings.notifier_retry_base, settings.notifier_retry_cap
    )
    consumer = PullConsumer(
        broker,
        service="notifier",
        name=CONSUMER_NAME,
        stream=subjects.COMPLAINTS_STREAM,
        filter_subjects=[subjects.events_of_type(t) for t in LETTER_EVENTS],
        description="Sends and records the letters complaint events oblige us to send",
        policy=policy,
        ack_wait=settings.notifier_ack_wait,
        handle=send_letter,
        judge=verdict,
        log=log,
        wait=lambda delay: gate.wait(delay),
    )
    consumer.subscribe(settings.notifier_workers, settings.notifier_fetch_timeout, advisory=True)
    watch = broker_watch("notifier", broker, settings, [consumer])

    def start() -> None:
        nonlocal app, letters
        app = NotifierApplication(env={"NATS_URL": settings.nats_url})
        calendar = business_calendar(CALENDAR_VERSION)
        outbox = KvOutbox(lambda: broker.config.connection_state.stream)
        letters = LetterService(
            app, mail, settings.letterhead, calendar, outbox=outbox, on_accepted=gate.accepted
        )

    async def startup() -> None:
        if sink is not None:
            await sink.start()
        await asyncio.to_thread(start)
        reload_on_sighup()  # the policy, as every process reloads it

    async def watch_log() -> None:
        watch.start()

    async def shutdown() -> None:
        await watch.stop()
        if app is not None:
            await asyncio.to_thread(app.close)
        if sink is not None:
            await sink.stop()

    return AsgiFastStream(
        broker,
        asgi_routes=obs.health_routes(broker, lambda: letters is not None, watch),
        on_startup=[startup],
        after_startup=[watch_log],
        after_shutdown=[shutdown],
    )
