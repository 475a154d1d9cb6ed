"""Wiring of the notifier: one durable JetStream pull consumer ("notifier") on the complaint
events that need a letter and on erasures, shared by every instance (shared/runtime/consumer.py
runs it), whose handler `handle_event` hands each event to the use case (application.py):
`send_letter`, or for `complaint.erased` `forget_post` (the paper letters leave the post room).
Done → ack; a relay that is down → the letter waits in process (RelayGate: released as soon as
the relay answers); other transient trouble → nack with delay (held on the last delivery);
hopeless or a letter that cannot be built → DEADLETTER at once, then term.
`bootstrap(settings, **overrides)` builds it all (with /health/live, /health/ready and /metrics
for `python -m services.notifier`)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from email.utils import parseaddr

import nats.errors
from eventsourcing.persistence import OperationalError
from faststream.asgi import AsgiFastStream
from faststream.nats import NatsBroker

from services.notifier import preview
from services.notifier.application import (
    LetterService,
    MailSettings,
    NotifierApplication,
    Sender,
)
from services.notifier.domain import LetterOutcome, Unbuildable
from services.notifier.mailsink import MailSink
from services.notifier.outbox import KvOutbox
from services.notifier.postroom import PostRoom
from services.notifier.senders import RelayGate, TransientSendError, relay_answers, send
from services.notifier.settings import CONSUMER_NAME, NotifierSettings
from shared.config.policy import reload_on_sighup
from shared.contract import subjects
from shared.eventstore.link import Unavailable, broker_connect
from shared.runtime import observability as obs
from shared.runtime.clock import Clock, utcnow
from shared.runtime.consumer import (
    SERVICE_LOG_LEVEL,
    PullConsumer,
    RetryPolicy,
    Verdict,
    judge,
    raw_body,
)
from shared.runtime.logwatch import broker_watch

log = logging.getLogger("klachten.notifier")

LETTER_EVENTS = (
    "submitted",
    "responded",
    "escalated",
    "extended",
    "closed",
    "reaction_received",
    "status_link_requested",
    # The procedure's letters (issue 16, docs/procedure.md "Brieven").
    "conduct_subject_recorded",
    "hearing_invited",
    "resolved_informally",
    "declined",
    "question_asked",  # a handler's question (issue 25)
    "follow_up_answered",  # a handler's answer to a message after the answer (issue 17)
    # The advisory committee and the Wkkgz route (issue 16): procedure_context.py.
    "referred_to_committee",
    "mediation_recorded",
    "measures_promised",
)
# Not a letter: an erased complainant's paper letters leave the post room (application.py).
ERASURE_EVENTS = ("erased",)
TRANSIENT = (Unavailable, OperationalError, nats.errors.Error, OSError)
MAILSINK_LOGGER = "mail.log"  # aiosmtpd's


def verdict(error: Exception, delivered: int, policy: RetryPolicy) -> Verdict:
    """A relay that is down holds the letter here, on the retry schedule, and lets it go as
    soon as the relay answers again (a nak delay cannot be cut short)."""
    return judge(error, delivered, policy, transient=TRANSIENT, hold=(TransientSendError,))


async def send_letter(letters: LetterService, subject: str, body: bytes) -> str:
    """One delivered event: the letter it obliges, sent and recorded; counted by outcome."""
    event_type = subject.rsplit(".", 1)[-1]
    try:
        outcome = await letters.handle(subject, body)
    except Unbuildable as error:
        obs.NOTIFIER_OUTCOMES.labels(event_type, "unbuildable").inc()
        log.error("ALERT: no letter can be built for %s: %s", subject, error.reason)
        raise
    obs.NOTIFIER_OUTCOMES.labels(event_type, str(outcome)).inc()
    if outcome is LetterOutcome.SENT:
        obs.LETTERS_SENT.labels(event_type).inc()
    return outcome


async def forget_post(letters: LetterService, subject: str, body: bytes) -> str:
    """An erasure: the complaint's letters in the post room removed; counted like a letter."""
    removed = await letters.forget(subject, body)
    outcome = "post_erased" if removed else "nothing_in_post_room"
    obs.NOTIFIER_OUTCOMES.labels("erased", outcome).inc()
    return outcome


async def handle_event(letters: LetterService, subject: str, body: bytes) -> str:
    """The consumer's handler: an erasure, or an event that may oblige letters."""
    if subject.rsplit(".", 1)[-1] in ERASURE_EVENTS:
        return await forget_post(letters, subject, body)
    return await send_letter(letters, subject, body)


@dataclass
class _Running:
    """What startup creates (the application connects to NATS: in a thread) and shutdown
    closes."""

    app: NotifierApplication | None = None
    letters: LetterService | None = None

    def service(self) -> LetterService:
        assert self.letters is not None, "startup() first"
        return self.letters


def bootstrap(
    settings: NotifierSettings,
    *,
    with_mailsink: bool = False,
    clock: Clock = utcnow,
    sender: Sender = send,
) -> AsgiFastStream:
    """The notifier's object graph; nothing below reads the environment. Overrides for tests:
    the embedded mail sink, the clock, the SMTP sender."""
    broker = NatsBroker(
        **broker_connect(settings.nats_url),
        max_reconnect_attempts=-1,
        log_level=SERVICE_LOG_LEVEL,
        name="klachten-notifier",
        middlewares=obs.prometheus_middleware("notifier"),
    )
    sink = MailSink(settings.maildir, port=settings.mailsink_port) if with_mailsink else None
    if sink is not None:
        # aiosmtpd logs five lines per letter at info ("mail.log"): a tenth of the notifier's
        # CPU with the development sink in a profile (issue #23); its warnings still show.
        logging.getLogger(MAILSINK_LOGGER).setLevel(logging.WARNING)
    mail = MailSettings(relay=settings.relay, mail_from=settings.mail_from)
    sender_address = parseaddr(settings.mail_from)[1]
    gate = RelayGate(
        lambda: relay_answers(mail.relay, sender_address),
        settings.smtp_relay_probe_interval,
        settings.notifier_retry_cap,
    )
    run = _Running()
    consumer = PullConsumer(
        broker,
        service="notifier",
        name=CONSUMER_NAME,
        stream=subjects.COMPLAINTS_STREAM,
        filter_subjects=[subjects.events_of_type(t) for t in LETTER_EVENTS + ERASURE_EVENTS],
        description="Sends and records the letters complaint events oblige us to send; "
        "takes an erased complainant's letters out of the post room",
        policy=RetryPolicy(
            settings.notifier_max_deliver, settings.notifier_retry_base, settings.notifier_retry_cap
        ),
        ack_wait=settings.notifier_ack_wait,
        handle=lambda subject, body: handle_event(run.service(), subject, body),
        judge=verdict,
        log=log,
        wait=gate.wait,
    )
    consumer.subscribe(settings.notifier_workers, settings.notifier_fetch_timeout, advisory=True)

    async def preview_letter(body: bytes) -> bytes:  # intake asks; one replica answers
        return await preview.answer(run.service(), body)

    preview_subject, queue = subjects.LETTER_PREVIEW_SUBJECT, "notifier-preview"
    broker.subscriber(preview_subject, queue=queue, decoder=raw_body)(preview_letter)
    watch = broker_watch("notifier", broker, settings, [consumer])

    def start() -> None:
        run.app = NotifierApplication(env={"NATS_URL": settings.nats_url})
        outbox = KvOutbox(lambda: broker.config.connection_state.stream)
        run.letters = LetterService(
            run.app, mail, settings.letterhead,
            clock=clock, sender=sender, outbox=outbox, on_accepted=gate.accepted,
            post_room=PostRoom(settings.post_room),
        )  # fmt: skip
        if removed := run.letters.forget_erased():
            log.info("removed %d letters of erased complaints from the post room", removed)

    async def startup() -> None:
        if sink is not None:
            await sink.start()
        await asyncio.to_thread(start)
        await consumer.declare()  # create, or bring an older durable to this config
        reload_on_sighup()  # the policy, as every process reloads it

    async def watch_log() -> None:
        watch.start()

    async def shutdown() -> None:
        await watch.stop()
        if run.app is not None:
            await asyncio.to_thread(run.app.close)
        if sink is not None:
            await sink.stop()

    return AsgiFastStream(
        broker,
        asgi_routes=obs.health_routes(broker, lambda: run.letters is not None, watch),
        on_startup=[startup],
        after_startup=[watch_log],
        after_shutdown=[shutdown],
    )


create_app = bootstrap  # the former name, until every caller says bootstrap
