"""Rate limits shared by every intake process through the KV bucket INTAKE_RATE (issue 20).

In process memory, two intake processes let twice the limit through; here two limiters (and
two running intakes) share one bucket on a real nats-server.
"""

from __future__ import annotations

import asyncio

import httpx
import nats

from klachten.stack.natsserver import EmbeddedNats
from services.intake.limits import SharedRateLimiter
from shared.config.permissions import RATE_BUCKET
from shared.eventstore.buckets import RATE_TTL, provision_buckets
from tests.support.intake import intake_settings, start_intake


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


async def test_provisioning_creates_the_bucket_with_a_day_to_live(
    nats_server: EmbeddedNats,
) -> None:
    nc = await nats.connect(nats_server.url)
    try:
        await provision_buckets(nc)
        status = await (await nc.jetstream().key_value(RATE_BUCKET)).status()
    finally:
        await nc.close()
    assert status.ttl == RATE_TTL
    assert RATE_TTL >= 24 * 3600  # the letters' window is a day


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
