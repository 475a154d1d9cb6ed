"""Idempotency-Key and references across restarts of the service (real nats-server)."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime

import httpx
import nats

from klachten.stack.natsserver import EmbeddedNats
from services.intake.application import Intake, scoped_key
from services.intake.http import fingerprint
from tests.support.intake import STAFF, complaint_body, intake_settings, start_intake


async def _post(url: str, body: dict, key: str | None = None) -> httpx.Response:
    headers = {"Idempotency-Key": key} if key else {}
    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        return await client.post("/api/complaints", json=body, headers=headers)


async def _submitted_count(url: str) -> int:
    nc = await nats.connect(url)
    try:
        info = await nc.jetstream().stream_info("COMPLAINTS")
        return info.state.messages
    finally:
        await nc.close()


async def test_same_key_same_complaint_across_a_restart(provisioned_nats: EmbeddedNats) -> None:
    settings = intake_settings(provisioned_nats)
    service = start_intake(settings)
    try:
        first = await _post(service.url, complaint_body(), key="order-42")
    finally:
        service.stop()
    assert first.status_code == 201
    # A new process (new port too): no in-memory state survives, only the log and KV.
    service = start_intake(replace(settings, intake_port=settings.intake_port + 0))
    try:
        second = await _post(service.url, complaint_body(), key="order-42")
        other = await _post(service.url, complaint_body(), key="order-43")
    finally:
        service.stop()
    assert second.status_code == 200
    assert second.json()["complaint_id"] == first.json()["complaint_id"]
    assert second.json()["reference"] == first.json()["reference"]
    assert other.json()["reference"].endswith("000002")
    assert await _submitted_count(provisioned_nats.url) == 2


async def test_same_key_survives_a_restart_of_nats_too(provisioned_nats: EmbeddedNats) -> None:
    settings = intake_settings(provisioned_nats)
    service = start_intake(settings)
    try:
        first = await _post(service.url, complaint_body(), key="k-1")
    finally:
        service.stop()
    provisioned_nats.stop()
    provisioned_nats.start()
    service = start_intake(settings)
    try:
        second = await _post(service.url, complaint_body(), key="k-1")
    finally:
        service.stop()
    assert second.json()["complaint_id"] == first.json()["complaint_id"]


async def test_concurrent_requests_with_one_key_make_one_complaint(
    provisioned_nats: EmbeddedNats,
) -> None:
    service = start_intake(intake_settings(provisioned_nats))
    try:
        answers = await asyncio.gather(
            *(_post(service.url, complaint_body(), key="race") for _ in range(8))
        )
    finally:
        service.stop()
    assert {a.json()["complaint_id"] for a in answers} == {answers[0].json()["complaint_id"]}
    assert sorted(a.status_code for a in answers).count(201) == 1
    assert await _submitted_count(provisioned_nats.url) == 1


async def test_a_key_reused_for_another_request_is_refused(provisioned_nats: EmbeddedNats) -> None:
    service = start_intake(intake_settings(provisioned_nats))
    try:
        await _post(service.url, complaint_body(), key="mine")
        other = await _post(service.url, complaint_body(subject="Iets anders"), key="mine")
    finally:
        service.stop()
    assert other.status_code == 422
    assert other.json()[0]["field"] == "Idempotency-Key"


async def test_a_claimed_key_without_an_event_resumes_with_the_same_reference(
    provisioned_nats: EmbeddedNats,
) -> None:
    """A crash between the KV claim and the append: the retry completes the same complaint."""
    nc = await nats.connect(provisioned_nats.url)
    try:
        intake = await Intake.open(nc.jetstream(), app=None)  # type: ignore[arg-type]
        key = scoped_key("complainant", "web", "crash")  # the anonymous caller's key
        claimed = await intake._claim(key, fingerprint(complaint_body()), datetime.now(UTC))
        claimed_id, claimed_ref = claimed
    finally:
        await nc.close()
    service = start_intake(intake_settings(provisioned_nats))
    try:
        answer = await _post(service.url, complaint_body(), key="crash")
    finally:
        service.stop()
    assert answer.status_code == 201
    assert answer.json()["complaint_id"] == str(claimed_id)
    assert answer.json()["reference"] == claimed_ref


async def test_rate_limit_on_public_endpoints_but_not_for_staff(
    provisioned_nats: EmbeddedNats,
) -> None:
    service = start_intake(intake_settings(provisioned_nats, intake_rate_limit=3))
    try:
        async with httpx.AsyncClient(base_url=service.url, timeout=10) as client:
            codes = [(await client.post("/api/complaints", json={})).status_code for _ in range(5)]
            limited = await client.post("/api/complaints", json={})
            staff = await client.post("/api/complaints", json=complaint_body(), headers=STAFF)
    finally:
        service.stop()
    assert codes == [422, 422, 422, 429, 429]
    assert int(limited.headers["retry-after"]) >= 1
    assert staff.status_code == 201
