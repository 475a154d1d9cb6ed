"""What one submission asks of NATS (issue 23 item 2), counted on a real nats-server: no error
in the server's JetStream API counter for a healthy submission, no read of the complaint right
after a fresh idempotency claim, and a bounded number of requests (the figures themselves are
bench/intake.py --io's; this only keeps them from creeping back)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from uuid import uuid4

import httpx
import nats

from klachten.stack.natsserver import EmbeddedNats
from tests.support.intake import STAFF, complaint_body, intake_settings, start_intake

# The request path of a first complaint: idempotency claim, reference index, key-store probe,
# lookup, pseudonym, key, subject, complaint binding, append (+ a counter block now and then).
FIRST_COMPLAINT_MAX = 10
RETURNING_MAX = 8


def _api_errors(server: EmbeddedNats) -> int:
    return int(httpx.get(f"{server.monitor_url}/jsz", timeout=5).json()["api"]["errors"])


@asynccontextmanager
async def _requests(server: EmbeddedNats) -> AsyncIterator[list[str]]:
    """The subjects of the requests and publishes clients send meanwhile (not replies)."""
    seen: list[str] = []
    nc = await nats.connect(server.url)

    async def note(msg: nats.aio.msg.Msg) -> None:
        if not msg.subject.startswith(("_INBOX.", "$JS.EVENT.", "$JS.ACK.")):
            seen.append(msg.subject)

    await nc.subscribe(">", cb=note)
    await nc.flush()
    try:
        yield seen
        await asyncio.sleep(0.2)  # the last copies on their way to us
    finally:
        await nc.close()


async def _post(client: httpx.AsyncClient, email: str, key: str) -> httpx.Response:
    body = complaint_body()
    body["complainant"] = {**body["complainant"], "email": email}
    return await client.post("/api/complaints", json=body, headers={"Idempotency-Key": key})


async def test_a_submission_is_no_server_error_and_reads_nothing_it_just_claimed(
    provisioned_nats: EmbeddedNats,
) -> None:
    service = start_intake(intake_settings(provisioned_nats, search_index="off"))
    try:
        async with httpx.AsyncClient(base_url=service.url, headers=STAFF, timeout=10) as client:
            assert (await _post(client, "warm@example.nl", "warm")).status_code == 201
            errors = _api_errors(provisioned_nats)
            async with _requests(provisioned_nats) as first:
                created = await _post(client, "nieuw@example.nl", str(uuid4()))
            async with _requests(provisioned_nats) as returning:
                again = await _post(client, "nieuw@example.nl", str(uuid4()))
            errors_after = _api_errors(provisioned_nats)
    finally:
        service.stop()
    assert (created.status_code, again.status_code) == (201, 201)
    assert errors_after == errors  # nothing the server counts as an error
    complaint_reads = [s for s in first if s.startswith("$JS.API.") and "COMPLAINTS" in s]
    assert complaint_reads == [], first
    assert len(first) <= FIRST_COMPLAINT_MAX, first
    assert len(returning) <= RETURNING_MAX, returning


async def test_a_retry_with_the_same_key_is_no_server_error(
    provisioned_nats: EmbeddedNats,
) -> None:
    service = start_intake(intake_settings(provisioned_nats, search_index="off"))
    try:
        async with httpx.AsyncClient(base_url=service.url, headers=STAFF, timeout=10) as client:
            first = await _post(client, "jan@example.nl", "order-1")
            errors = _api_errors(provisioned_nats)
            retry = await _post(client, "jan@example.nl", "order-1")
            errors_after = _api_errors(provisioned_nats)
    finally:
        service.stop()
    assert (first.status_code, retry.status_code) == (201, 200)
    assert retry.json()["reference"] == first.json()["reference"]
    assert errors_after == errors
