"""The shared pull-consumer runtime against a real nats-server, on a throwaway stream: each
verdict ends its delivery as it should (ack after a retry, hold on the last delivery, dead
letter + term), and a message whose last delivery died with its handler is dead-lettered from
the max-deliveries advisory (no service test can make a handler die on cue)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import AsyncIterator

import nats
import pytest
from faststream.nats import NatsBroker
from nats.js import JetStreamContext

from klachten.stack.natsserver import EmbeddedNats
from shared.contract import deadletters, subjects
from shared.runtime.consumer import (
    DeadLetter,
    Failure,
    Hold,
    PullConsumer,
    Retry,
    RetryPolicy,
    Verdict,
)
from tests.support.polling import wait_until

STREAM, NAME = "SCRATCH", "scratch"
POLICY = RetryPolicy(max_deliver=3, base=0.05, cap=0.1)


def test_retry_policy() -> None:
    policy = RetryPolicy(max_deliver=5, base=1.0, cap=4.0)
    assert [policy.delay(n) for n in range(1, 6)] == [1, 2, 4, 4, 4]
    assert policy.verdict("transient", "down", 2) == Retry(2.0)
    assert policy.verdict("transient", "down", 5) == Hold(4.0)  # never dead-lettered
    assert policy.verdict("undeliverable", "garbage", 1) == DeadLetter("garbage")
    assert policy.verdict("undeliverable", "lagging", 1, attempts=3) == Retry(1.0)
    assert policy.verdict("undeliverable", "lagging", 3, attempts=3) == DeadLetter("lagging")
    assert policy.verdict("unexpected", "bug", 4) == Retry(4.0)
    verdict = policy.verdict("unexpected", "bug", 5)
    assert isinstance(verdict, DeadLetter) and "exhausted" in verdict.reason
    assert policy.backoff(ack_wait=2.0) == [2.0, 4.0, 4.0, 4.0]  # at most max_deliver - 1


def judge(error: Exception, delivered: int, policy: RetryPolicy) -> Verdict:
    failure: Failure = "transient" if isinstance(error, OSError) else "undeliverable"
    return policy.verdict(failure, f"{type(error).__name__}: {error}", delivered)


@pytest.fixture
async def js(provisioned_nats: EmbeddedNats) -> AsyncIterator[JetStreamContext]:
    nc = await nats.connect(provisioned_nats.url)
    await nc.jetstream().add_stream(name=STREAM, subjects=["scratch.>"], allow_direct=True)
    yield nc.jetstream()
    await nc.close()


def consumer(broker: NatsBroker, calls: Counter[str], *, backoff: bool = False) -> PullConsumer:
    async def handle(subject: str, body: bytes) -> str:
        calls[subject] += 1
        kind = subject.split(".")[1]
        if kind == "flaky" and calls[subject] == 1:
            raise OSError("relay down")
        if kind == "outage" and calls[subject] < POLICY.max_deliver + 2:
            raise OSError("relay down")  # on the last delivery: held, tried again in process
        if kind == "slow":
            await asyncio.sleep(2.5)  # > ack_wait: only the heartbeat keeps it ours
        if kind == "poison":
            raise ValueError(f"cannot read {body!r}")
        return "done"

    return PullConsumer(
        broker,
        service="test",
        name=NAME,
        stream=STREAM,
        filter_subjects=["scratch.>"],
        description="test",
        policy=POLICY,
        ack_wait=1.0,
        backoff=backoff,
        handle=handle,
        judge=judge,
        log=logging.getLogger("test.consumer"),
    )


async def dead_letter(js: JetStreamContext) -> dict[str, str]:
    msg = await js.get_last_msg(subjects.DEADLETTER_STREAM, subjects.deadletter_subject(NAME))
    return dict(msg.headers or {})


async def test_each_verdict_ends_its_delivery(
    provisioned_nats: EmbeddedNats, js: JetStreamContext
) -> None:
    calls: Counter[str] = Counter()
    broker = NatsBroker(provisioned_nats.url)
    consumer(broker, calls, backoff=True).subscribe(workers=2, fetch_timeout=0.5)
    async with broker:
        await broker.start()
        for kind in ("ok", "flaky", "outage", "slow"):
            await js.publish(f"scratch.{kind}", b"{}")
        poison_seq = (await js.publish("scratch.poison", b"garbage")).seq
        await wait_until(
            lambda: calls["scratch.outage"] == POLICY.max_deliver + 2, message="outage over"
        )

        async def settled() -> bool:
            info = await js.consumer_info(STREAM, NAME)
            return info.num_pending == 0 and info.num_ack_pending == 0

        await wait_until(settled, message="every delivery acked or termed")
        info = await js.consumer_info(STREAM, NAME)
        await asyncio.sleep(1.5)  # past the ack wait: nothing comes back
    assert calls == {
        "scratch.ok": 1, "scratch.flaky": 2, "scratch.outage": 5, "scratch.slow": 1,
        "scratch.poison": 1,
    }  # fmt: skip
    assert info.config.filter_subjects == ["scratch.>"] and info.config.max_deliver == 3
    assert info.config.ack_wait == 1.0 and info.config.backoff == [1.0, 1.0]
    headers = await dead_letter(js)
    assert (
        headers.items()
        >= {
            deadletters.REASON: "ValueError: cannot read b'garbage'",
            deadletters.CONSUMER: NAME,
            deadletters.STREAM: STREAM,
            deadletters.STREAM_SEQ: str(poison_seq),
            deadletters.SUBJECT: "scratch.poison",
            deadletters.DELIVERIES: "1",
            "Nats-Msg-Id": f"{NAME}:{STREAM}:{poison_seq}",
        }.items()
    )
    dead = await js.stream_info(subjects.DEADLETTER_STREAM)
    assert dead.state.messages == 1  # the outage was held, never dead-lettered


async def test_a_message_whose_handler_died_on_its_last_delivery_is_dead_lettered(
    provisioned_nats: EmbeddedNats, js: JetStreamContext
) -> None:
    broker = NatsBroker(provisioned_nats.url)
    runtime = consumer(broker, Counter())
    runtime.subscribe(workers=0, fetch_timeout=0.5, advisory=True)  # the advisory only
    config = runtime.config()
    assert config.backoff is None and config.ack_wait == 1.0
    await js.add_consumer(STREAM, config)
    seq = (await js.publish("scratch.ok", b"lost?")).seq
    # An instance that dies mid-handling, every time: it pulls and never answers.
    dying = await js.pull_subscribe_bind(NAME, STREAM)
    async with broker:
        await broker.start()

        async def dead_lettered() -> dict[str, str]:
            with contextlib.suppress(nats.errors.TimeoutError):
                await dying.fetch(1, timeout=0.3)  # the server counts deliveries on a pull
            return await dead_letter(js)

        headers = await wait_until(dead_lettered, timeout=15, message="dead-lettered")
    assert headers[deadletters.REASON] == "max deliveries (3) reached without a decision"
    assert headers[deadletters.STREAM_SEQ] == str(seq)
    assert headers[deadletters.SUBJECT] == "scratch.ok"
    assert headers[deadletters.DELIVERIES] == "3"
    stored = await js.get_last_msg(subjects.DEADLETTER_STREAM, subjects.deadletter_subject(NAME))
    assert stored.data == b"lost?"
