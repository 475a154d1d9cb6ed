"""Wiring of the SLA monitor: two durable JetStream pull consumers shared by every instance —
"sla_monitor" on every complaint event (`when_complaint_changed`: re-sets the complaint's
timer) and "sla_timers" on fired timers in TIMERS (`when_timer_fired`: re-checks, escalates,
sets the next timer); shared/runtime/consumer.py runs them. Done → ack; transient trouble →
nack with backoff (held in process on the last delivery); hopeless → DEADLETTER, then term.
The policy is re-read on SIGHUP and when its file changes; a broken file keeps the last valid
policy. `bootstrap(settings, **overrides)` builds it all; `python -m services.sla_monitor`
serves /health/live, /health/ready and /metrics beside.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass

import nats
import nats.errors
from eventsourcing.persistence import IntegrityError, OperationalError
from faststream.asgi import AsgiFastStream
from faststream.nats import NatsBroker
from nats.aio.client import Client as NatsClient

from services.sla_monitor.application import SlaApplication, SlaService
from services.sla_monitor.settings import EVENTS_CONSUMER, TIMERS_CONSUMER, SlaSettings
from services.sla_monitor.timers import Timers
from shared.config.policy import PolicyHolder, holder, reload_on_sighup
from shared.contract import subjects
from shared.eventstore.link import Unavailable, broker_connect
from shared.rules.complaint import ComplaintError
from shared.rules.deadlines import SlaError
from shared.runtime import observability as obs
from shared.runtime.clock import Clock, utcnow
from shared.runtime.consumer import (
    SERVICE_LOG_LEVEL,
    Handler,
    PullConsumer,
    RetryPolicy,
    Verdict,
    judge,
)
from shared.runtime.logwatch import broker_watch

log = logging.getLogger("klachten.sla_monitor")

TRANSIENT = (Unavailable, OperationalError, IntegrityError, nats.errors.Error, OSError)
# Domain errors a redelivery cannot change (the history or the subject is what it is).
HOPELESS = (SlaError, ComplaintError, ValueError)
# Re-setting a timer on every complaint event is routine, logged at debug (issue #23: a line
# per event); the timer is in TIMERS (its headers: moment, version, policy). What a fired timer
# did (escalated, reminded, nothing due) stays at info.
ROUTINE = logging.DEBUG


def verdict(error: Exception, delivered: int, policy: RetryPolicy) -> Verdict:
    """An outage must never dead-letter a deadline: it is retried, and held on the last
    delivery; a message that can never be handled is dead-lettered."""
    return judge(error, delivered, policy, transient=TRANSIENT, hopeless=HOPELESS)


async def when_complaint_changed(service: SlaService, subject: str, body: bytes) -> str:
    """A complaint event: re-set the complaint's timer (from the history kept and this event,
    or read again)."""
    return await service.when_complaint_changed(subject, body)


async def when_timer_fired(service: SlaService, subject: str, _body: bytes) -> str:
    """A complaint's timer fired: escalate what is due, set the next timer; counted."""
    outcome = await service.when_timer_fired(subject)
    if outcome.startswith("escalated"):
        obs.ESCALATIONS.labels("deadline").inc()
    return outcome


@dataclass
class _Running:
    """What startup creates (a NATS connection, the application: in a thread) and shutdown
    closes."""

    nc: NatsClient | None = None
    app: SlaApplication | None = None
    sla: SlaService | None = None
    watcher: asyncio.Task[None] | None = None

    def service(self) -> SlaService:
        assert self.sla is not None, "startup() first"
        return self.sla


async def watch_policy(
    policies: PolicyHolder, run: _Running, reload_now: asyncio.Event, interval: float
) -> None:
    """Re-read the policy when its file changed (or at once on SIGHUP) and re-set every
    complaint's timer under the new one; a broken file keeps the last valid policy."""
    while True:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(reload_now.wait(), interval)
        forced = reload_now.is_set()
        reload_now.clear()
        if policies.reload(only_if_modified=not forced):
            try:
                count = await run.service().sweep()
                log.info("timers of %d complaints re-set under the new policy", count)
            except Exception:
                log.exception("sweep after policy change failed; timers fix themselves")


def bootstrap(settings: SlaSettings, *, clock: Clock = utcnow) -> AsgiFastStream:
    """The SLA monitor's object graph; nothing below reads the environment. Override for
    tests: the clock. Raises PolicyError when the policy file is unusable: the service must
    not start."""
    policies = holder(settings.policy_path)
    log.info("policy %s from %s", policies.current.policy.version_id, settings.policy_path)
    broker = NatsBroker(
        **broker_connect(settings.nats_url),
        max_reconnect_attempts=-1,
        log_level=SERVICE_LOG_LEVEL,
        name="klachten-sla",
        middlewares=obs.prometheus_middleware("sla_monitor"),
    )
    run = _Running()
    reload_now = asyncio.Event()
    policy = RetryPolicy(settings.sla_max_deliver, settings.sla_retry_base, settings.sla_retry_cap)
    wiring: tuple[tuple[str, str, str, Handler, int], ...] = (
        (EVENTS_CONSUMER, subjects.COMPLAINTS_STREAM, subjects.COMPLAINTS_ALL,
         lambda subject, body: when_complaint_changed(run.service(), subject, body),
         ROUTINE),
        (TIMERS_CONSUMER, subjects.TIMERS_STREAM, subjects.TIMERS_FIRED_ALL,
         lambda subject, body: when_timer_fired(run.service(), subject, body),
         logging.INFO),
    )  # fmt: skip
    consumers = []
    for name, stream, filter_subject, handle, level in wiring:
        consumer = PullConsumer(
            broker,
            service="sla_monitor",
            name=name,
            stream=stream,
            filter_subjects=[filter_subject],
            description=f"SLA monitor: {filter_subject}",
            policy=policy,
            ack_wait=settings.sla_ack_wait,
            handle=handle,
            judge=verdict,
            log=log,
            outcome_level=lambda _, level=level: level,
        )
        consumer.subscribe(settings.sla_workers, settings.sla_fetch_timeout, advisory=True)
        consumers.append(consumer)
    watch = broker_watch("sla_monitor", broker, settings, consumers)

    async def startup() -> None:
        for consumer in consumers:  # create, or bring an older durable to this config
            await consumer.declare()
        run.nc = await nats.connect(
            **settings.nats_connect, max_reconnect_attempts=-1, name="klachten-sla"
        )
        # No key store: the monitor decides on dates, never on personal data (docs/security.md).
        env = {"NATS_URL": settings.nats_url, "KLACHTEN_KEYSTORE": "none"}
        run.app = await asyncio.to_thread(SlaApplication, env=env)
        run.sla = SlaService(run.app, Timers(run.nc.jetstream()), policies, clock)
        interval = settings.sla_policy_check_interval
        run.watcher = asyncio.create_task(watch_policy(policies, run, reload_now, interval))
        reload_on_sighup(reload_now.set)

    async def watch_log() -> None:
        watch.start()

    async def shutdown() -> None:
        await watch.stop()
        if run.watcher is not None:
            run.watcher.cancel()
        if run.app is not None:
            await asyncio.to_thread(run.app.close)
        if run.nc is not None:
            await run.nc.close()

    return AsgiFastStream(
        broker,
        asgi_routes=obs.health_routes(broker, lambda: run.sla is not None, watch),
        on_startup=[startup],
        after_startup=[watch_log],
        after_shutdown=[shutdown],
    )


create_app = bootstrap  # the former name, until every caller says bootstrap
