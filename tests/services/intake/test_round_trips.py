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

# The request path of a first complaint: the idempotency claim that is the reference's index
# entry (services/intake/claims.py), key-store probe, lookup, key, subject (naming the lookup:
# no back-reference), append (+ a counter block or the log's info now and then; no complaint
# binding since the sealed fact names its key: test_key_binding.py). A returning
# complainant's: claim, probe, the subject's key, append.
FIRST_COMPLAINT_MAX = 8
RETURNING_MAX = 6


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
    # The log watch's periodic STREAM.INFO (is the log shorter than it was?) may land in the
    # window; it reads no complaint (it struck this test once at load 10).
    complaint_reads = [
        s
        for s in first
        if s.startswith("$JS.API.")
        and "COMPLAINTS" in s
        and not s.startswith("$JS.API.STREAM.INFO.")
    ]
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


async def test_the_search_index_reads_the_log_less_than_once_per_submission(
    provisioned_nats: EmbeddedNats,
) -> None:
    """The search index follows the log by batch gets: woken by a submission it reads only
    the submitted facts, once to the end of the log (no second read to learn nothing is left,
    no read of erasures nobody made), and submissions close together share a read; a search
    still finds the one registered a moment ago (it catches up first)."""
    count = 10
    settings = intake_settings(provisioned_nats, search_poll=600.0)
    service = start_intake(settings)
    try:
        async with httpx.AsyncClient(base_url=service.url, headers=STAFF, timeout=10) as client:
            assert (await _post(client, "warm@example.nl", "warm")).status_code == 201
            await asyncio.sleep(0.5)  # the warm-up's read done
            async with _requests(provisioned_nats) as seen:
                for i in range(count):
                    assert (
                        await _post(client, f"r{i}@example.nl", str(uuid4()))
                    ).status_code == 201
                await asyncio.sleep(0.5)  # the last wake's read
            found = await client.get("/api/complaints/search", params={"q": f"r{count - 1}"})
    finally:
        service.stop()
    reads = [s for s in seen if s == "$JS.API.DIRECT.GET.COMPLAINTS"]
    assert len(reads) <= count, seen
    assert found.status_code == 200 and len(found.json()["complaints"]) == 1, found.text
