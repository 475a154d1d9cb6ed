"""A submission's idempotency claim is its reference's index entry (issue 23 item 2): one entry
per keyed submission, and the key still counts beyond the claims' duplicate window, through
the log (real nats-server, real intake)."""

from __future__ import annotations

import asyncio
import json
from uuid import uuid4

import httpx
import nats

from klachten.stack.natsserver import EmbeddedNats
from services.intake import claims
from shared.config.permissions import IDEMPOTENCY_BUCKET, REFERENCES_BUCKET
from shared.eventstore.buckets import CLAIM_WINDOW, provision_buckets
from tests.support.intake import STAFF, complaint_body, intake_settings, start_intake


async def _post(url: str, body: dict, key: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=url, headers=STAFF, timeout=10) as client:
        return await client.post("/api/complaints", json=body, headers={"Idempotency-Key": key})


async def _messages(nc: nats.NATS, bucket: str) -> int:
    return (await nc.jetstream().stream_info(f"KV_{bucket}")).state.messages


async def test_a_keyed_submission_writes_one_entry_that_indexes_its_reference(
    provisioned_nats: EmbeddedNats,
) -> None:
    service = start_intake(intake_settings(provisioned_nats, search_index="off"))
    try:
        first = await _post(service.url, complaint_body(), "one-entry")
        retry = await _post(service.url, complaint_body(), "one-entry")
        status = await _post(service.url, complaint_body(), str(uuid4()))
    finally:
        service.stop()
    assert (first.status_code, retry.status_code, status.status_code) == (201, 200, 201)
    assert retry.json()["reference"] == first.json()["reference"]
    nc = await nats.connect(provisioned_nats.url)
    try:
        assert await _messages(nc, IDEMPOTENCY_BUCKET) == 0
        assert await _messages(nc, REFERENCES_BUCKET) == 2  # one per complaint, nothing more
        info = await nc.jetstream().stream_info(f"KV_{REFERENCES_BUCKET}")
        kv = await nc.jetstream().key_value(REFERENCES_BUCKET)
        entry = await kv.get(f"ref.{first.json()['reference']}")
    finally:
        await nc.close()
    assert info.config.duplicate_window == CLAIM_WINDOW  # provisioned
    assert entry.value.decode() == first.json()["complaint_id"]  # what by_reference reads


async def test_beyond_the_window_a_key_is_still_the_same_request(
    provisioned_nats: EmbeddedNats,
) -> None:
    """After the duplicate window the claim is made again; the log refuses a second complaint
    for the key, its first claim's fingerprint still refuses other content."""
    nc = await nats.connect(provisioned_nats.url)
    js = nc.jetstream()
    await provision_buckets(nc)  # as `klachten up` does
    info = await js.stream_info(f"KV_{REFERENCES_BUCKET}")
    info.config.duplicate_window = 0.5
    await js.update_stream(info.config)
    service = start_intake(intake_settings(provisioned_nats, search_index="off"))
    try:
        first = await _post(service.url, complaint_body(), "late")
        await asyncio.sleep(1.0)  # the window has passed
        again = await _post(service.url, complaint_body(), "late")
        await asyncio.sleep(1.0)
        other = await _post(service.url, complaint_body(subject="Iets anders"), "late")
        complaints = (await js.stream_info("COMPLAINTS")).state.messages
    finally:
        service.stop()
        await nc.close()
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["complaint_id"] == first.json()["complaint_id"]
    assert again.json()["reference"] == first.json()["reference"]
    assert other.status_code == 422
    assert other.json()[0]["field"] == "Idempotency-Key"
    assert complaints == 1


async def test_a_key_recorded_before_the_claims_is_read_for_its_fingerprint(
    nc: nats.NATS,
) -> None:
    """Keys claimed before Dec 2026: the index entry had no header, the record was apart."""
    js = nc.jetstream()
    await provision_buckets(nc)
    references = await js.key_value(REFERENCES_BUCKET)
    records = await js.key_value(IDEMPOTENCY_BUCKET)
    complaint_id = str(uuid4())
    await references.create("ref.KL-2025-000007", complaint_id.encode())
    record = {"complaint_id": complaint_id, "reference": "KL-2025-000007", "fp": "abc"}
    await records.create("d1", json.dumps(record).encode())
    found = await claims.earlier_fingerprint(js, REFERENCES_BUCKET, "KL-2025-000007", "d1", records)
    unknown = await claims.earlier_fingerprint(
        js, REFERENCES_BUCKET, "KL-2025-000007", "d2", records
    )
    assert found == (True, "abc")
    assert unknown == (False, None)
