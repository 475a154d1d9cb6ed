"""Rate limits shared by every intake process through the KV bucket INTAKE_RATE (issue 20).

In process memory, two intake processes let twice the limit through; here two limiters (and
two running intakes) share one bucket on a real nats-server.
"""

from __future__ import annotations

import asyncio

import httpx
import nats
import pytest
from nats.js.api import KeyValueConfig, StorageType
from nats.js.errors import BucketNotFoundError

from klachten.stack.natsserver import EmbeddedNats
from services.intake import limits
from services.intake.limits import SharedRateLimiter
from shared.config.permissions import RATE_BUCKET
from shared.eventstore.buckets import RATE_MAX_BYTES, RATE_TTL, provision_buckets
from tests.support.intake import intake_settings, start_intake
from tests.support.polling import wait_until

RATE_STREAM = f"KV_{RATE_BUCKET}"


async def test_two_limiters_on_one_bucket_hold_one_limit(nc: nats.NATS) -> None:
    first = SharedRateLimiter(3, 60, "client")
    second = SharedRateLimiter(3, 60, "client")
    for limiter in (first, second):
        await limiter.join(nc.jetstream())
    turns = [first, second, first, second, first, second]
    outcomes = [await limiter.hit("203.0.113.5") for limiter in turns]
    assert outcomes[:3] == [None, None, None]
    assert all(wait is not None and 0 < wait <= 60 for wait in outcomes[3:])
    assert await second.hit("203.0.113.6") is None  # another client has its own window
    kv = await nc.jetstream().key_value(RATE_BUCKET)
    keys = await kv.keys()
    assert len(keys) == 2
    assert not any("203.0.113" in key for key in keys)  # hashed: no address in the bucket


async def test_concurrent_hits_cannot_both_take_the_last_place(nc: nats.NATS) -> None:
    limiters = [SharedRateLimiter(3, 60, "client") for _ in range(2)]
    for limiter in limiters:
        await limiter.join(nc.jetstream())
    outcomes = await asyncio.gather(*(limiters[n % 2].hit("burst") for n in range(12)))
    assert sum(1 for wait in outcomes if wait is None) == 3


async def test_the_window_slides_on_the_wall_clock_of_both(nc: nats.NATS) -> None:
    now = [1_000.0]
    first = SharedRateLimiter(2, 60, "client", clock=lambda: now[0])
    second = SharedRateLimiter(2, 60, "client", clock=lambda: now[0])
    for limiter in (first, second):
        await limiter.join(nc.jetstream())
    assert await first.hit("x") is None
    now[0] += 30
    assert await second.hit("x") is None
    assert await first.hit("x") == 30.0  # the first hit leaves the window in 30 s
    now[0] += 30.5
    assert await second.hit("x") is None
    assert await first.hit("x") is not None


async def test_scopes_do_not_share_a_window(nc: nats.NATS) -> None:
    clients = SharedRateLimiter(1, 60, "client")
    letters = SharedRateLimiter(1, 60, "letters")
    for limiter in (clients, letters):
        await limiter.join(nc.jetstream())
    assert await clients.hit("a@example.nl") is None
    assert await letters.hit("a@example.nl") is None


async def test_before_joining_a_process_limits_alone() -> None:
    limiter = SharedRateLimiter(1, 60, "client")
    assert await limiter.hit("x") is None
    assert await limiter.hit("x") is not None


async def test_provisioning_creates_the_bucket_with_a_day_to_live_in_memory(
    nats_server: EmbeddedNats,
) -> None:
    nc = await nats.connect(nats_server.url)
    try:
        await provision_buckets(nc)
        status = await (await nc.jetstream().key_value(RATE_BUCKET)).status()
        info = await nc.jetstream().stream_info(RATE_STREAM)
    finally:
        await nc.close()
    assert status.ttl == RATE_TTL
    assert RATE_TTL >= 24 * 3600  # the letters' window is a day
    assert info.config.storage == StorageType.MEMORY  # a hit is no fsync (issue 23)
    assert info.config.max_bytes == RATE_MAX_BYTES


async def test_provisioning_moves_a_bucket_on_disk_into_memory(nats_server: EmbeddedNats) -> None:
    """A stack provisioned before Dec 2026 has the bucket on disk; storage cannot change in
    place, so provisioning makes it again (its windows start afresh), once."""
    nc = await nats.connect(nats_server.url)
    js = nc.jetstream()
    try:
        old = KeyValueConfig(bucket=RATE_BUCKET, history=1, ttl=RATE_TTL, storage=StorageType.FILE)
        await (await js.create_key_value(config=old)).put("client.x", b"[1.0]")
        made = {b.name: b.created for b in await provision_buckets(nc)}
        again = {b.name: b.created for b in await provision_buckets(nc)}
        info = await js.stream_info(RATE_STREAM)
    finally:
        await nc.close()
    assert made[RATE_BUCKET] and not again[RATE_BUCKET]
    assert info.config.storage == StorageType.MEMORY
    assert info.state.messages == 0


async def test_a_limiter_whose_bucket_went_limits_alone_and_joins_it_again(
    nats_server: EmbeddedNats, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A standalone nats-server forgets a memory bucket when it restarts: intake (which may not
    create it) limits per process, never not at all, until provisioning makes the bucket
    again, and then shares it again without a restart of its own."""
    monkeypatch.setattr(limits, "REJOIN_SECONDS", 0.0)
    nc = await nats.connect(nats_server.url, reconnect_time_wait=0.1)
    admin = await nats.connect(nats_server.url, reconnect_time_wait=0.1)
    try:
        await provision_buckets(admin)
        limiter = SharedRateLimiter(2, 60, "client")
        await limiter.join(nc.jetstream())
        assert await limiter.hit("x") is None
        nats_server.restart()

        async def gone() -> bool:  # what the restart left, once JetStream answers again
            try:
                await nc.jetstream(timeout=1).key_value(RATE_BUCKET)
            except BucketNotFoundError:
                return admin.is_connected
            return False

        await wait_until(gone, message="the bucket gone with the restart")
        assert await limiter.hit("x") is None  # this process's own window from here
        assert limiter.kv is None
        assert await limiter.hit("x") is None
        assert await limiter.hit("x") is not None
        await provision_buckets(admin)
        assert await limiter.hit("y") is None  # joined again: this hit is in the bucket
        assert limiter.kv is not None
        assert len(await (await admin.jetstream().key_value(RATE_BUCKET)).keys()) == 1
    finally:
        await nc.close()
        await admin.close()


async def test_two_intake_processes_share_the_limit(provisioned_nats: EmbeddedNats) -> None:
    services = [
        start_intake(intake_settings(provisioned_nats, intake_rate_limit=4)) for _ in range(2)
    ]
    body = {"reference": "KL-2026-1", "email": "iemand@example.nl"}
    try:
        codes = []
        for n in range(6):
            async with httpx.AsyncClient(base_url=services[n % 2].url, timeout=10) as client:
                codes.append((await client.post("/api/status", json=body)).status_code)
    finally:
        for service in services:
            service.stop()
    assert codes == [202, 202, 202, 202, 429, 429]
