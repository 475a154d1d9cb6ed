"""The webhooks credential against a real nats-server with config/nats-permissions.conf's
users: the service runs as `webhooks` (its durable, the signed post, its own dead letters) and
the credential cannot append events, write keys, take a service's durable or its dead letters."""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import nats
import pytest
from nats.aio.client import Client
from nats.js.api import ConsumerConfig

from klachten.stack.natsserver import EmbeddedNats
from services.webhooks.app import bootstrap
from services.webhooks.domain import Subscription
from services.webhooks.settings import WebhooksSettings
from shared.config import permissions
from shared.config.settings import nats_connect_options
from shared.contract import events as ev
from shared.contract import subjects
from shared.eventstore.buckets import provision_buckets
from shared.eventstore.streams import provision
from tests.services.webhooks.receiver import make_secret
from tests.services.webhooks.test_webhooks_delivery import append, submitted
from tests.support.polling import wait_until

SECRET = make_secret(b"webhooks permissions")


@pytest.fixture
def secured(tmp_path: Path) -> Iterator[EmbeddedNats]:
    credentials, _ = permissions.ensure_credentials(tmp_path)
    server = EmbeddedNats(tmp_path / "nats", credentials=credentials).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def admin(secured: EmbeddedNats) -> AsyncIterator[Client]:
    nc = await nats.connect(secured.url_for("admin"))
    await provision(nc)
    await provision_buckets(nc)
    yield nc
    await nc.close()


async def denied(url: str, subject: str, body: bytes = b"") -> bool:
    errors: list[str] = []

    async def on_error(error: Exception) -> None:
        errors.append(str(error).lower())

    nc = await nats.connect(**nats_connect_options(url), error_cb=on_error)
    try:
        await nc.request(subject, body, timeout=0.5)
    except Exception:
        await nc.flush()
        return any("permissions violation" in e and subject.lower() in e for e in errors)
    finally:
        await nc.close()
    return False


async def test_the_service_runs_as_its_own_user_and_dead_letters_as_itself(
    secured: EmbeddedNats, admin: Client, receiver_factory: Any
) -> None:
    good = await receiver_factory(SECRET)
    refusing = await receiver_factory(make_secret(b"another secret"))
    subscriptions = (
        Subscription("crm", good.url, frozenset({"submitted"}), SECRET),
        Subscription("cases", refusing.url, frozenset({"*"}), SECRET),
    )
    event = submitted(uuid4())
    await append(admin.jetstream(), event)
    settings = WebhooksSettings(
        nats_url=secured.url_for("webhooks"),
        webhooks_max_deliver=2,
        webhooks_retry_base=0.05,
        webhooks_fetch_timeout=0.5,
        data_dir=Path(os.environ["KLACHTEN_DATA_DIR"]),
    )
    dead = await admin.jetstream().subscribe(
        subjects.deadletter_subject("webhooks_cases"),
        stream=subjects.DEADLETTER_STREAM,
        config=ConsumerConfig(),
    )
    async with bootstrap(settings, subscriptions=subscriptions):
        await wait_until(lambda: good.ids, timeout=15, message="delivered as webhooks")
        letter = await dead.next_msg(timeout=15)
    assert good.ids == [str(event.event_id)]
    assert ev.decode(letter.data).event_id == event.event_id


async def test_the_webhooks_credential_is_refused_what_it_must_not_do(
    secured: EmbeddedNats, admin: Client
) -> None:
    url = secured.url_for("webhooks")
    consumer = json.dumps({"stream_name": "COMPLAINTS", "config": {"durable_name": "notifier"}})
    for subject, body in (
        (subjects.event_subject(uuid4(), 1, "submitted"), b"{}"),
        ("$KV.KLACHTEN_KEYS.key.k1", b"x"),
        ("$JS.API.CONSUMER.CREATE.COMPLAINTS.notifier", consumer.encode()),
        ("$JS.API.CONSUMER.MSG.NEXT.COMPLAINTS.sla_monitor", b""),
        (subjects.deadletter_subject("notifier"), b"x"),
        ("$JS.API.STREAM.PURGE.COMPLAINTS", b""),
        ("$JS.API.CONSUMER.DELETE.COMPLAINTS.webhooks_crm", b""),
    ):
        assert await denied(url, subject, body), subject
