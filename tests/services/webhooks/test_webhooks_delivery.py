"""Signed webhooks on a real nats-server to real HTTP receivers that verify every delivery with
the `standardwebhooks` library: each subscribed event arrives signed, without personal data
unless allowed; an endpoint that fails gets the event once it recovers, once; a receiver
holding another secret refuses every delivery (the adversary) and the event is dead-lettered
for that endpoint alone; a replay sends the same idempotency keys again."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import nats
import pytest
from nats.js.api import ConsumerConfig

from klachten.stack.natsserver import EmbeddedNats
from services.webhooks.app import Endpoint, bootstrap, keystore_of, replay
from services.webhooks.domain import Subscription
from services.webhooks.settings import WebhooksSettings
from shared.contract import deadletters, subjects
from shared.contract import events as ev
from shared.eventstore.link import JetStreamLink
from shared.eventstore.mapper import seal
from shared.privacy.keystore import KeyStore
from tests.services.webhooks.receiver import make_secret
from tests.support.polling import wait_until

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
SECRET = make_secret(b"the endpoint's own secret")


def settings(url: str, **overrides: Any) -> WebhooksSettings:
    """Fast retries; the data folder (high-water marks) is the test's, never the checkout's."""
    values = {
        "nats_url": url,
        "webhooks_retry_base": 0.05,
        "webhooks_retry_cap": 0.2,
        "webhooks_fetch_timeout": 0.5,
        "data_dir": Path(os.environ["KLACHTEN_DATA_DIR"]),
    }
    return WebhooksSettings(**{**values, **overrides})


def subscription(name: str, url: str, events: tuple[str, ...], **kw: Any) -> Subscription:
    return Subscription(name, url, frozenset(events), kw.pop("secret", SECRET), **kw)


def submitted(complaint_id: UUID, **kw: Any) -> ev.Submitted:
    return ev.Submitted(
        event_id=uuid4(), complaint_id=complaint_id, version=1, occurred_at=NOW,
        actor="complainant", reference="KL-2026-000001", channel="web", language="nl",
        received_at=NOW, subject_key="pseudonym-of-jan", **kw,
    )  # fmt: skip


def closed(complaint_id: UUID, version: int) -> ev.Closed:
    return ev.Closed(
        event_id=uuid4(), complaint_id=complaint_id, version=version, occurred_at=NOW,
        actor="staff:ann", outcome="resolved",
    )  # fmt: skip


async def append(js: Any, *events: ev.Event) -> None:
    for event in events:
        subject = subjects.event_subject(
            event.complaint_id, event.version, ev.subject_token(type(event))
        )
        await js.publish(subject, ev.encode(event), stream=subjects.COMPLAINTS_STREAM)


PERSONAL = ev.SubmittedPersonal(
    complainant=ev.Complainant(name="Jan Jansen", email="jan@example.nl"),
    subject="Late delivery",
    description="My parcel never arrived.",
)


async def test_subscribed_events_arrive_signed_without_personal_data(
    provisioned_nats: EmbeddedNats, nc: nats.NATS, receiver_factory: Any
) -> None:
    receiver = await receiver_factory(SECRET)
    crm = subscription("crm", receiver.url, ("submitted", "closed"))
    js = nc.jetstream()
    complaint = uuid4()
    sealed = ev.Sealed(key_id="k1", nonce="bm9uY2U=", ciphertext="c2VjcmV0")
    first = submitted(complaint, sealed=sealed)
    ack = ev.Acknowledged(
        event_id=uuid4(), complaint_id=complaint, version=2, occurred_at=NOW, actor="notifier",
        letter=ev.LetterRecord(kind="acknowledgement", template="a", template_version="1",
                               language="nl", content_sha256="0" * 64, message_id="<m>",
                               sent_at=NOW),
        respond_by=NOW, statutory_by=NOW,
    )  # fmt: skip
    last = closed(complaint, 3)
    await append(js, first, ack, last)
    async with bootstrap(settings(provisioned_nats.url), subscriptions=(crm,)):
        await wait_until(lambda: len(receiver.verified) >= 2, timeout=15, message="2 deliveries")
    assert receiver.ids == [str(first.event_id), str(last.event_id)]  # not the acknowledgement
    body = receiver.verified[0]
    assert body["type"] == "complaint.submitted"
    assert body["timestamp"] == body["data"]["occurred_at"]
    assert body["data"]["complaint_id"] == str(complaint)
    assert body["data"]["reference"] == "KL-2026-000001"
    for personal in ("personal", "sealed", "subject_key"):
        assert personal not in body["data"]
    assert receiver.refused == []


async def test_an_endpoint_that_fails_gets_the_event_once_after_it_recovers(
    provisioned_nats: EmbeddedNats, nc: nats.NATS, receiver_factory: Any
) -> None:
    receiver = await receiver_factory(SECRET, fail=4)
    crm = subscription("crm", receiver.url, ("submitted",))
    event = submitted(uuid4())
    await append(nc.jetstream(), event)
    async with bootstrap(settings(provisioned_nats.url), subscriptions=(crm,)):
        await wait_until(lambda: receiver.verified, timeout=20, message="delivered after outage")

        async def acked() -> bool:
            info = await nc.jetstream().consumer_info(subjects.COMPLAINTS_STREAM, crm.durable)
            return info.ack_floor.stream_seq == 1

        await wait_until(acked, timeout=5, message="acknowledged")
    assert receiver.tries == 5  # four refusals, then the one delivery: no second after success
    assert receiver.ids == [str(event.event_id)]


async def test_a_receiver_with_another_secret_refuses_and_only_its_endpoint_dead_letters(
    provisioned_nats: EmbeddedNats, nc: nats.NATS, receiver_factory: Any
) -> None:
    """The adversary: a receiver that does not hold the subscription's secret (or a sender
    that does not) cannot make a signature verify. The other endpoint is not held up."""
    impostor = await receiver_factory(make_secret(b"not the secret"))
    honest = await receiver_factory(SECRET)
    crm = subscription("crm", impostor.url, ("submitted",))
    cases = subscription("cases", honest.url, ("submitted",))
    event = submitted(uuid4())
    js = nc.jetstream()
    await append(js, event)
    dead = await js.subscribe(
        subjects.deadletter_subject(crm.durable),
        stream=subjects.DEADLETTER_STREAM,
        config=ConsumerConfig(),
    )
    run = settings(provisioned_nats.url, webhooks_max_deliver=3)
    async with bootstrap(run, subscriptions=(crm, cases)):
        letter = await dead.next_msg(timeout=20)
    assert honest.ids == [str(event.event_id)]
    assert impostor.verified == [] and len(impostor.refused) == 3
    assert set(impostor.refused) == {"No matching signature found"}
    headers: Mapping[str, str] = letter.headers or {}
    assert headers[deadletters.CONSUMER] == "webhooks_crm"
    assert headers[deadletters.STREAM_SEQ] == "1"
    assert "401" in headers[deadletters.REASON]
    assert ev.decode(letter.data).event_id == event.event_id


async def test_replay_from_a_position_sends_the_same_idempotency_keys(
    provisioned_nats: EmbeddedNats, nc: nats.NATS, receiver_factory: Any
) -> None:
    receiver = await receiver_factory(SECRET)
    crm = subscription("crm", receiver.url, ("submitted", "closed"))
    complaints = [uuid4() for _ in range(3)]
    events = [submitted(c) for c in complaints] + [closed(complaints[0], 2)]
    await append(nc.jetstream(), *events)  # stream sequences 1..4
    run = settings(provisioned_nats.url)
    async with bootstrap(run, subscriptions=(crm,)):
        await wait_until(lambda: len(receiver.ids) == 4, timeout=15, message="4 deliveries")
    import httpx

    async with httpx.AsyncClient() as client:
        done = await replay(run, Endpoint(crm, client), from_seq=3)
    assert (done.delivered, done.last_seq, done.failed_at) == (2, 4, None)
    assert receiver.ids[4:] == [str(events[2].event_id), str(events[3].event_id)]
    assert len(receiver.unique()) == 4  # a receiver that dedupes keeps each event once


async def test_a_subscription_allowed_personal_data_gets_it_opened(
    provisioned_nats: EmbeddedNats, nc: nats.NATS, receiver_factory: Any
) -> None:
    receiver = await receiver_factory(SECRET)
    case = subscription("cases", receiver.url, ("submitted",), personal_data=True)
    keystore = KeyStore(JetStreamLink(provisioned_nats.url), ttl=0)
    event = seal(submitted(uuid4(), personal=PERSONAL), keystore)
    assert event.sealed is not None and event.personal is None
    await append(nc.jetstream(), event)
    run = settings(provisioned_nats.url)
    async with bootstrap(run, subscriptions=(case,)):
        await wait_until(lambda: receiver.verified, timeout=15, message="delivered")
    data = receiver.verified[0]["data"]
    assert data["personal"]["complainant"]["email"] == "jan@example.nl"
    assert "sealed" not in data
    assert keystore_of(run) is not None


@pytest.mark.parametrize("events", [("*",)])
async def test_no_subscriptions_the_service_starts_and_is_ready(
    provisioned_nats: EmbeddedNats, events: tuple[str, ...]
) -> None:
    import httpx

    app = bootstrap(settings(provisioned_nats.url), subscriptions=())
    async with app:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://webhooks") as client:
            response = await client.get("/health/ready")
    assert response.status_code == 200, response.text
    assert events == ("*",)
