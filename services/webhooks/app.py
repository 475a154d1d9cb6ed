"""Wiring of the webhooks service: one durable JetStream pull consumer per subscription of
config/webhooks.toml ("webhooks_<name>" on COMPLAINTS, filtered by its event types), run by
shared/runtime/consumer.py. Each event is posted to the endpoint signed by the Standard Webhooks
scheme (`webhook-id` = the event id); a 2xx acks, anything else is retried with backoff and, once
the deliveries run out, dead-lettered on deadletter.webhooks_<name>. `replay` re-sends a range of
the log to one endpoint. No subscriptions: the service runs and serves its health, idle.
"""

from __future__ import annotations

import asyncio
import logging
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import nats
import nats.errors
import standardwebhooks
from faststream.asgi import AsgiFastStream
from faststream.nats import NatsBroker
from nats.js.errors import NotFoundError

from services.webhooks import domain
from services.webhooks.domain import Subscription, SubscriptionError
from services.webhooks.settings import WebhooksSettings
from shared.contract import events as ev
from shared.contract import subjects
from shared.eventstore.link import JetStreamLink, Unavailable, broker_connect
from shared.eventstore.mapper import unseal
from shared.privacy.keystore import KeyStore, KeyStoreUnavailable
from shared.runtime import observability as obs
from shared.runtime.clock import Clock, utcnow
from shared.runtime.consumer import Hopeless, PullConsumer, RetryPolicy, Verdict, judge
from shared.runtime.logwatch import broker_watch

log = logging.getLogger("klachten.webhooks")

# Our own outage (the bus, the key store): retried and held, never dead-lettered.
TRANSIENT = (Unavailable, KeyStoreUnavailable, nats.errors.Error)


class EndpointFailed(Exception):
    """The endpoint did not take the delivery (no answer, or not a 2xx)."""


def verdict(error: Exception, delivered: int, policy: RetryPolicy) -> Verdict:
    """An endpoint that fails is retried with backoff until the deliveries run out, then the
    event is dead-lettered for that endpoint alone; garbage in the log is dead-lettered at once."""
    return judge(error, delivered, policy, transient=TRANSIENT)


# --- the subscriptions file --------------------------------------------------------------------


def load_subscriptions(path: Path, secrets: Mapping[str, str]) -> tuple[Subscription, ...]:
    """The enabled subscriptions of `path` (none when the file is absent). `secrets`: what
    ``env:`` references may name; ``file:`` paths are relative to the file's folder."""
    if not path.exists():
        log.info("no webhooks file at %s: no subscriptions", path)
        return ()
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise SubscriptionError(f"{path}: {error}") from None

    def secret_of(reference: str, where: str) -> str:
        kind, _, name = reference.partition(":")
        if kind == "env":
            value = secrets.get(name, "")
        else:
            file = path.parent / name
            value = file.read_text(encoding="utf-8").strip() if file.is_file() else ""
        if not value:
            raise SubscriptionError(f"{path}: {where}: secret {reference} is not set")
        try:
            standardwebhooks.Webhook(value)
        except Exception:
            raise SubscriptionError(
                f"{path}: {where}: secret {reference} is no whsec_<base64> secret"
            ) from None
        return value

    try:
        return domain.subscriptions(document, secret_of)
    except SubscriptionError as error:
        raise SubscriptionError(f"{path}: {error}") from None


# --- one endpoint ------------------------------------------------------------------------------


@dataclass
class Endpoint:
    """Posts events to one subscription's URL, signed with its secret."""

    subscription: Subscription
    client: httpx.AsyncClient
    clock: Clock = utcnow
    # Opens sealed personal data; only for a subscription allowed it (None otherwise).
    keystore: Callable[[], KeyStore] | None = None
    _signer: standardwebhooks.Webhook = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._signer = standardwebhooks.Webhook(self.subscription.secret)

    async def handle(self, subject: str, body: bytes) -> str:
        event = domain.read_event(subject, body)
        if not self.subscription.wants(ev.subject_token(type(event))):
            return "not subscribed"  # a filter widened by hand: nothing to send
        return await self.post(event)

    async def post(self, event: ev.Event) -> str:
        personal = self.subscription.personal_data
        if personal and event.sealed is not None and self.keystore is not None:
            event = await asyncio.to_thread(unseal, event, self.keystore())
        body = domain.payload(event, personal_data=personal)
        headers = self.headers(domain.webhook_id(event), self.clock(), body)
        try:
            response = await self.client.post(self.subscription.url, content=body, headers=headers)
        except httpx.HTTPError as error:
            raise EndpointFailed(f"{self.subscription.name}: {type(error).__name__}") from error
        problem = domain.failed(response.status_code)
        if problem is not None:
            raise EndpointFailed(f"{self.subscription.name}: {problem}")
        return f"delivered to {self.subscription.name} ({response.status_code})"

    def headers(self, msg_id: str, now: datetime, body: bytes) -> dict[str, str]:
        # Signed afresh on every try: receivers refuse a timestamp older than five minutes.
        return {
            "content-type": "application/json",
            "webhook-id": msg_id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": self._signer.sign(msg_id, now, body),
        }


def keystore_of(settings: WebhooksSettings) -> Callable[[], KeyStore]:
    """A key store on its own connection, made on first use (a personal-data subscription)."""
    made: list[KeyStore] = []

    def get() -> KeyStore:
        if not made:
            link = JetStreamLink(settings.nats_url, name="klachten-webhooks-keys")
            made.append(KeyStore(link, ttl=settings.key_cache_seconds))
        return made[0]

    return get


# --- the service -------------------------------------------------------------------------------


def bootstrap(
    settings: WebhooksSettings,
    *,
    subscriptions: tuple[Subscription, ...] | None = None,
    secrets: Mapping[str, str] | None = None,
    clock: Clock = utcnow,
) -> AsgiFastStream:
    """The webhooks service's object graph; nothing below reads the environment. Raises
    SubscriptionError when the subscriptions file is unusable: the service must not start."""
    if subscriptions is None:
        subscriptions = load_subscriptions(settings.webhooks_path, secrets or {})
    log.info("webhook subscriptions: %s", ", ".join(s.name for s in subscriptions) or "none")
    broker = NatsBroker(
        **broker_connect(settings.nats_url),
        max_reconnect_attempts=-1,
        name="klachten-webhooks",
        middlewares=obs.prometheus_middleware("webhooks"),
    )
    client = httpx.AsyncClient(timeout=settings.webhooks_timeout, follow_redirects=False)
    keystore = keystore_of(settings)
    policy = RetryPolicy(
        settings.webhooks_max_deliver, settings.webhooks_retry_base, settings.webhooks_retry_cap
    )
    consumers = []
    for subscription in subscriptions:
        endpoint = Endpoint(subscription, client, clock, keystore)
        consumer = PullConsumer(
            broker,
            service="webhooks",
            name=subscription.durable,
            stream=subjects.COMPLAINTS_STREAM,
            filter_subjects=subscription.filter_subjects,
            description=f"webhooks: {subscription.name}",
            policy=policy,
            ack_wait=settings.webhooks_ack_wait,
            handle=endpoint.handle,
            judge=verdict,
            log=log,
        )
        consumer.subscribe(
            settings.webhooks_workers, settings.webhooks_fetch_timeout, advisory=True
        )
        consumers.append(consumer)
    watch = broker_watch("webhooks", broker, settings, consumers)
    started: list[bool] = []

    async def startup() -> None:
        for consumer in consumers:  # create, or bring an older durable to this config
            await consumer.declare()
        started.append(True)

    async def watch_log() -> None:
        watch.start()

    async def shutdown() -> None:
        await watch.stop()
        await client.aclose()

    return AsgiFastStream(
        broker,
        asgi_routes=obs.health_routes(broker, lambda: bool(started), watch),
        on_startup=[startup],
        after_startup=[watch_log],
        after_shutdown=[shutdown],
    )


# --- replay ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Replayed:
    delivered: int
    last_seq: int  # the last stream sequence looked at (delivered or skipped)
    failed_at: int | None = None  # the sequence that could not be delivered; resume there


async def replay(
    settings: WebhooksSettings,
    endpoint: Endpoint,
    from_seq: int,
    to_seq: int | None = None,
    *,
    wait: Callable[[float], Any] = asyncio.sleep,
) -> Replayed:
    """Post every event of `endpoint`'s types from stream sequence `from_seq` (to `to_seq`, else
    to the end as it is now) again, in log order, without touching its durable. Receivers see
    the same `webhook-id` as before. Stops at an event the endpoint does not take after the
    retries of the policy, and says where to resume."""
    policy = RetryPolicy(settings.webhooks_max_deliver, settings.webhooks_retry_base, 60.0)
    nc = await nats.connect(**settings.nats_connect, name="klachten-webhooks-replay")
    try:
        js = nc.jetstream()
        end = (await js.stream_info(subjects.COMPLAINTS_STREAM)).state.last_seq
        end = min(end, to_seq) if to_seq is not None else end
        seq, delivered, looked = max(1, from_seq), 0, from_seq - 1
        while seq <= end:
            try:
                msg = await js.get_msg(
                    subjects.COMPLAINTS_STREAM, seq, subjects.COMPLAINTS_ALL, direct=True, next=True
                )
            except NotFoundError:
                break
            if msg.seq is None or msg.seq > end:
                break
            seq, looked = msg.seq + 1, msg.seq
            if not endpoint.subscription.wants(subjects.claimed_type(msg.subject or "")):
                continue
            for attempt in range(1, policy.max_deliver + 1):
                try:
                    await endpoint.handle(msg.subject or "", msg.data or b"")
                    delivered += 1
                    break
                except Hopeless as error:  # not an event: nothing to send, say so and go on
                    log.error("replay seq %d skipped: %s", msg.seq, error.reason)
                    break
                except EndpointFailed as error:
                    log.warning("replay seq %d, try %d: %s", msg.seq, attempt, error)
                    if attempt < policy.max_deliver:
                        await wait(policy.delay(attempt))
            else:
                return Replayed(delivered, looked - 1, failed_at=msg.seq)
        return Replayed(delivered, looked)
    finally:
        await nc.close()
