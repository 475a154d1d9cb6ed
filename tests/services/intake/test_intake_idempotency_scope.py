"""Idempotency keys belong to their caller and channel, with a fingerprint on every path
(issue #20, item 6): real intake, real nats-server, real SMTP."""

from __future__ import annotations

import asyncio

import httpx

from services.intake.server import BackgroundIntake
from tests.support.intake import STAFF, complaint_body
from tests.support.mail_samples import plain, registered_id, send


async def _post(client: httpx.AsyncClient, body: dict, key: str, **headers: str) -> httpx.Response:
    return await client.post(
        "/api/complaints", json=body, headers={"Idempotency-Key": key, **headers}
    )


async def test_an_anonymous_caller_cannot_pre_claim_a_staff_key(client: httpx.AsyncClient) -> None:
    squatted = await _post(client, complaint_body(subject="Voorgeclaimd"), "phone-0001")
    staff = await _post(client, complaint_body(channel="phone"), "phone-0001", **STAFF)
    again = await _post(client, complaint_body(channel="phone"), "phone-0001", **STAFF)
    assert squatted.status_code == 201
    assert staff.status_code == 201, staff.text
    assert staff.json()["complaint_id"] != squatted.json()["complaint_id"]
    assert again.status_code == 200 and again.json() == staff.json()


async def test_a_mail_key_returns_nobody_elses_complaint(
    intake: BackgroundIntake, client: httpx.AsyncClient
) -> None:
    mail = plain("Klacht over de stoep", "De stoep is kapot.", "<victim-1@example.nl>")
    code, reply = await asyncio.to_thread(send, intake.settings.smtp_port, mail)
    assert code == 250, reply
    victim = await asyncio.to_thread(registered_id, intake.settings.nats_url, reply)
    probe = await _post(client, complaint_body(), "email:<victim-1@example.nl>")
    bare = await _post(client, complaint_body(), "<victim-1@example.nl>")
    assert probe.status_code == 201 and bare.status_code == 201
    assert victim not in {probe.json()["complaint_id"], bare.json()["complaint_id"]}
    assert reply.decode().rsplit(" ", 1)[1] not in {probe.json()["reference"], bare.text}


async def test_a_key_reused_with_other_content_is_refused_in_the_callers_language(
    client: httpx.AsyncClient,
) -> None:
    assert (await _post(client, complaint_body(), "mijn-sleutel")).status_code == 201
    dutch = await _post(client, complaint_body(subject="Iets anders"), "mijn-sleutel")
    english = await _post(
        client, complaint_body(subject="Iets anders"), "mijn-sleutel", **{"Accept-Language": "en"}
    )
    assert dutch.status_code == 422 and english.status_code == 422
    assert dutch.json()[0]["field"] == "Idempotency-Key"
    assert "andere inhoud" in dutch.json()[0]["message"]
    assert "other content" in english.json()[0]["message"]


async def test_a_message_id_counts_per_sender_and_with_its_content(
    intake: BackgroundIntake,
) -> None:
    port = intake.settings.smtp_port
    first = plain("Klacht over de bus", "De bus reed door.", "<same-1@example.nl>")
    code, reply = await asyncio.to_thread(send, port, first)
    assert code == 250, reply
    retried = await asyncio.to_thread(send, port, first)
    other_words = plain("Klacht over de bus", "Iets heel anders.", "<same-1@example.nl>")
    changed = await asyncio.to_thread(send, port, other_words)
    stranger = plain(
        "Klacht over de bus", "De bus reed door.", "<same-1@example.nl>", sender="Eve <eve@x.nl>"
    )
    theirs = await asyncio.to_thread(send, port, stranger)
    assert retried == (code, reply)  # a sender's retry: the same complaint
    assert changed[0] == 550 and b"Message-ID" in changed[1]
    assert theirs[0] == 250 and theirs[1] != reply  # another sender's mail is its own
