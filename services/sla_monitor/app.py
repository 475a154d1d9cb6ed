"""Wiring of the SLA monitor: two durable JetStream pull consumers shared by every instance —
"sla_monitor" on every complaint event (re-sets the complaint's timer) and "sla_timers" on
fired timers in TIMERS (re-checks, escalates, sets the next timer). Acks are manual: done →
ack; transient trouble → nack with backoff (held in process on the last delivery); hopeless →
DEADLETTER with reason, consumer and stream sequence in headers, then term. The policy is
re-read on SIGHUP and when its file changes; a broken file keeps the last valid policy.
`python -m services.sla_monitor` serves /health/live, /health/ready and /metrics beside.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import nats
import nats.errors
from eventsourcing.persistence import IntegrityError, OperationalError
from faststream.asgi import AsgiFastStream
from faststream.middlewares import AckPolicy
from faststream.nats import JStream, NatsBroker, NatsMessage, PullSub
from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg
from nats.js.api import AckPolicy as JsAckPolicy
from nats.js.api import ConsumerConfig, DeliverPolicy

from services.sla_monitor.application import (
    PolicyHolder,
    SlaApplication,
    SlaService,
    Undecidable,
)
from services.sla_monitor.settings import EVENTS_CONSUMER, TIMERS_CONSUMER, SlaSettings
from services.sla_monitor.timers import Timers
from shared import deadletters, subjects
from shared import observability as obs
from shared.complaint import ComplaintError
from shared.deadlines import SlaError
from shared.jsclient import Unavailable
from shared.settings import nats_servers

log = logging.getLogger("klachten.sla_monitor")

Handler = Callable[[str], Awaitable[str]]
TRANSIENT = (Unavailable, OperationalError, IntegrityError, nats.errors.Error, OSError)
HOPELESS = (Undecidable, SlaError, ComplaintError, ValueError)


def consumer_config(name: str, filter_subject: str, settings: SlaSettings) -> ConsumerConfig:
    return ConsumerConfig(
        durable_name=name,
        description=f"SLA monitor: {filter_subject}",
        filter_subjects=[filter_subject],
        deliver_policy=DeliverPolicy.ALL,
        ack_policy=JsAckPolicy.EXPLICIT,
        ack_wait=settings.sla_ack_wait,  # a killed instance's messages come back after this
        max_deliver=settings.sla_max_deliver,
        max_ack_pending=1000,
    )


class Consumer:
    """Runs one delivery to its end: ack, nack with delay, hold, or dead-letter."""

    def __init__(self, settings: SlaSettings, broker: NatsBroker, name: str, stream: str) -> None:
        self.settings, self.broker, self.name, self.stream = settings, broker, name, stream

    async def deliver(self, msg: NatsMessage, handle: Handler) -> None:
        raw: Msg = msg.raw_message
        delivered = raw.metadata.num_delivered
        while True:
            try:
                outcome = await handle(raw.subject)
            except Exception as error:
                reason = f"{type(error).__name__}: {error}"
                last = delivered >= self.settings.sla_max_deliver
                log.warning("%s %s (delivery %d): %s", self.name, raw.subject, delivered, reason)
                if isinstance(error, TRANSIENT) and last:
                    # An outage must never dead-letter a deadline: keep it and retry here.
                    await asyncio.sleep(self.settings.retry_delay(delivered))
                    continue
                attempts = error.attempts if isinstance(error, Undecidable) else 1
                hopeless = isinstance(error, HOPELESS) and delivered >= attempts
                if hopeless or last:
                    await self._dead_letter(raw, reason)
                    await msg.reject()
                else:
                    await msg.nack(delay=self.settings.retry_delay(delivered))
                return
            log.info("%s %s: %s", self.name, raw.subject, outcome)
            if str(outcome).startswith("escalated"):
                obs.ESCALATIONS.labels("deadline").inc()
            await msg.ack()
            return

    async def _dead_letter(self, raw: Msg, reason: str) -> None:
        md = raw.metadata
        seq = md.sequence.stream
        headers = deadletters.headers(
            self.name, self.stream, seq, reason, subject=raw.subject, deliveries=md.num_delivered
        )
        await self.broker.publish(
            raw.data,
            subject=subjects.deadletter_subject(self.name),
            headers=headers,
            stream=subjects.DEADLETTER_STREAM,
        )
        obs.DEAD_LETTERS.labels(self.name).inc()
        log.error("%s dead-lettered %s (seq %d): %s", self.name, raw.subject, seq, reason)


@dataclass
class _Runtime:
    """What startup() creates and shutdown() closes."""

    nc: NatsClient | None = None
    app: SlaApplication | None = None
    service: SlaService | None = None
    watcher: asyncio.Task[None] | None = None


async def _raw_body(msg: NatsMessage) -> bytes:
    return msg.body  # the handlers read subjects only; bodies are never decoded here


def create_app(settings: SlaSettings) -> AsgiFastStream:
    """Raises PolicyError when the policy file is unusable: the service must not start."""
    policies = PolicyHolder(settings.policy_path)
    log.info("policy %s from %s", policies.current.policy.version_id, settings.policy_path)
    broker = NatsBroker(
        settings.nats_servers,
        max_reconnect_attempts=-1,
        name="klachten-sla",
        middlewares=obs.prometheus_middleware("sla_monitor"),
    )
    events = Consumer(settings, broker, EVENTS_CONSUMER, subjects.COMPLAINTS_STREAM)
    fired = Consumer(settings, broker, TIMERS_CONSUMER, subjects.TIMERS_STREAM)
    run = _Runtime()
    reload_now = asyncio.Event()

    def service() -> SlaService:
        assert run.service is not None, "startup() first"
        return run.service

    async def when_complaint_changed_set_timer(msg: NatsMessage) -> None:
        raw: Msg = msg.raw_message
        with obs.handling("sla_monitor", raw.subject, raw.headers):
            await events.deliver(msg, service().when_complaint_changed)

    async def when_timer_fired_escalate(msg: NatsMessage) -> None:
        raw: Msg = msg.raw_message
        with obs.handling("sla_monitor", raw.subject, raw.headers):
            await fired.deliver(msg, service().when_timer_fired)

    wiring = (
        (EVENTS_CONSUMER, subjects.COMPLAINTS_STREAM, subjects.COMPLAINTS_ALL,
         when_complaint_changed_set_timer),
        (TIMERS_CONSUMER, subjects.TIMERS_STREAM, subjects.TIMERS_FIRED_ALL,
         when_timer_fired_escalate),
    )  # fmt: skip
    for name, stream, filter_subject, handler in wiring:
        # Several pull loops of one message each: a bigger fetch waits for the batch to fill.
        for _ in range(settings.sla_workers):
            broker.subscriber(
                "",
                stream=JStream(stream, declare=False),
                durable=name,
                config=consumer_config(name, filter_subject, settings),
                pull_sub=PullSub(batch_size=1, timeout=settings.sla_fetch_timeout),
                ack_policy=AckPolicy.MANUAL,
                decoder=_raw_body,
            )(handler)

    async def watch_policy() -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(reload_now.wait(), settings.sla_policy_check_interval)
            forced = reload_now.is_set()
            reload_now.clear()
            if policies.reload(only_if_modified=not forced):
                try:
                    count = await service().sweep()
                    log.info("timers of %d complaints re-set under the new policy", count)
                except Exception:
                    log.exception("sweep after policy change failed; timers fix themselves")

    async def startup() -> None:
        url = settings.nats_url
        run.nc = await nats.connect(
            nats_servers(url), max_reconnect_attempts=-1, name="klachten-sla"
        )
        run.app = await asyncio.to_thread(SlaApplication, env={"NATS_URL": url})
        run.service = SlaService(run.app, Timers(run.nc.jetstream()), policies)
        run.watcher = asyncio.create_task(watch_policy())
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, reload_now.set)

    async def shutdown() -> None:
        if run.watcher is not None:
            run.watcher.cancel()
        if run.app is not None:
            await asyncio.to_thread(run.app.close)
        if run.nc is not None:
            await run.nc.close()

    return AsgiFastStream(
        broker,
        asgi_routes=obs.health_routes(broker, lambda: run.service is not None),
        on_startup=[startup],
        after_shutdown=[shutdown],
    )
