"""Wiring of the SLA monitor: two durable JetStream pull consumers shared by every instance —
"sla_monitor" on every complaint event (re-sets the complaint's timer) and "sla_timers" on
fired timers in TIMERS (re-checks, escalates, sets the next timer); shared/runtime/consumer.py runs
them. Done → ack; transient trouble → nack with backoff (held in process on the last
delivery); hopeless → DEADLETTER, then term. The policy is re-read on SIGHUP and when its
file changes; a broken file keeps the last valid policy.
`python -m services.sla_monitor` serves /health/live, /health/ready and /metrics beside.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import nats
import nats.errors
from eventsourcing.persistence import IntegrityError, OperationalError
from faststream.asgi import AsgiFastStream
from faststream.nats import NatsBroker
from nats.aio.client import Client as NatsClient

from services.sla_monitor.application import (
    SlaApplication,
    SlaService,
    Undecidable,
)
from services.sla_monitor.settings import EVENTS_CONSUMER, TIMERS_CONSUMER, SlaSettings
from services.sla_monitor.timers import Timers
from shared.config.policy import holder, reload_on_sighup
from shared.contract import subjects
from shared.eventstore.link import Unavailable, broker_connect
from shared.rules.complaint import ComplaintError
from shared.rules.deadlines import SlaError
from shared.runtime import observability as obs
from shared.runtime.consumer import (
    DeadLetter,
    Handler,
    Hold,
    PullConsumer,
    Retry,
    RetryPolicy,
    Verdict,
)
from shared.runtime.logwatch import broker_watch

log = logging.getLogger("klachten.sla_monitor")

TRANSIENT = (Unavailable, OperationalError, IntegrityError, nats.errors.Error, OSError)
HOPELESS = (Undecidable, SlaError, ComplaintError, ValueError)


def verdict(error: Exception, delivered: int, policy: RetryPolicy) -> Verdict:
    reason = f"{type(error).__name__}: {error}"
    last, delay = delivered >= policy.max_deliver, policy.delay(delivered)
    if isinstance(error, TRANSIENT):
        # An outage must never dead-letter a deadline: keep it and retry here.
        return Hold(delay) if last else Retry(delay)
    attempts = error.attempts if isinstance(error, Undecidable) else 1
    hopeless = isinstance(error, HOPELESS) and delivered >= attempts
    return DeadLetter(reason) if hopeless or last else Retry(delay)


@dataclass
class _Runtime:
    """What startup() creates and shutdown() closes."""

    nc: NatsClient | None = None
    app: SlaApplication | None = None
    service: SlaService | None = None
    watcher: asyncio.Task[None] | None = None


def create_app(settings: SlaSettings) -> AsgiFastStream:
    """Raises PolicyError when the policy file is unusable: the service must not start."""
    policies = holder(settings.policy_path)
    log.info("policy %s from %s", policies.current.policy.version_id, settings.policy_path)
    broker = NatsBroker(
        **broker_connect(settings.nats_url),
        max_reconnect_attempts=-1,
        name="klachten-sla",
        middlewares=obs.prometheus_middleware("sla_monitor"),
    )
    run = _Runtime()
    reload_now = asyncio.Event()
    policy = RetryPolicy(settings.sla_max_deliver, settings.sla_retry_base, settings.sla_retry_cap)

    def service() -> SlaService:
        assert run.service is not None, "startup() first"
        return run.service

    def counted(react: Callable[[SlaService, str], Awaitable[str]]) -> Handler:
        async def handle(subject: str, _body: bytes) -> str:  # subjects say all it needs
            outcome = await react(service(), subject)
            if str(outcome).startswith("escalated"):
                obs.ESCALATIONS.labels("deadline").inc()
            return outcome

        return handle

    wiring = (
        (EVENTS_CONSUMER, subjects.COMPLAINTS_STREAM, subjects.COMPLAINTS_ALL,
         SlaService.when_complaint_changed),
        (TIMERS_CONSUMER, subjects.TIMERS_STREAM, subjects.TIMERS_FIRED_ALL,
         SlaService.when_timer_fired),
    )  # fmt: skip
    consumers = []
    for name, stream, filter_subject, react in wiring:
        consumer = PullConsumer(
            broker,
            service="sla_monitor",
            name=name,
            stream=stream,
            filter_subjects=[filter_subject],
            description=f"SLA monitor: {filter_subject}",
            policy=policy,
            ack_wait=settings.sla_ack_wait,
            handle=counted(react),
            judge=verdict,
            log=log,
        )
        consumer.subscribe(settings.sla_workers, settings.sla_fetch_timeout, advisory=True)
        consumers.append(consumer)
    watch = broker_watch("sla_monitor", broker, settings, consumers)

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
            **settings.nats_connect, max_reconnect_attempts=-1, name="klachten-sla"
        )
        # No key store: the monitor decides on dates, never on personal data (docs/security.md).
        env = {"NATS_URL": url, "KLACHTEN_KEYSTORE": "none"}
        run.app = await asyncio.to_thread(SlaApplication, env=env)
        run.service = SlaService(run.app, Timers(run.nc.jetstream()), policies)
        run.watcher = asyncio.create_task(watch_policy())
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
        asgi_routes=obs.health_routes(broker, lambda: run.service is not None, watch),
        on_startup=[startup],
        after_startup=[watch_log],
        after_shutdown=[shutdown],
    )
