"""A complaint's key is the one its submitted fact is sealed with (issue 23 item 2): the
submission writes no ``complaint.<id>`` binding to the key store (a message and an fsync
less), and a later fact with personal text, written by another intake process that never saw
the submission, is sealed with the same key, so erasing the complainant's key erases it too.
Real intake, real nats-server."""

from __future__ import annotations

import json

import httpx
import nats

from klachten.stack.natsserver import EmbeddedNats
from tests.support.intake import STAFF, complaint_body, intake_settings, start_intake


async def _sealed_keys(url: str, complaint_id: str) -> dict[str, str]:
    """Event type → the key id its personal part is sealed with."""
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        keys = {}
        for version, kind in ((1, "submitted"), (2, "note_added")):
            msg = await js.get_last_msg("COMPLAINTS", f"complaints.{complaint_id}.{version}.{kind}")
            keys[kind] = json.loads(msg.data or b"{}")["sealed"]["key_id"]
        return keys
    finally:
        await nc.close()


async def _key_store_entries(url: str) -> list[str]:
    nc = await nats.connect(url)
    try:
        info = await nc.jetstream().stream_info("KV_KLACHTEN_KEYS", subjects_filter=">")
        return sorted(info.state.subjects or {})
    finally:
        await nc.close()


async def test_a_later_fact_finds_the_key_in_the_submitted_fact_not_a_binding(
    provisioned_nats: EmbeddedNats,
) -> None:
    settings = intake_settings(provisioned_nats, search_index="off")
    first = start_intake(settings)
    try:
        async with httpx.AsyncClient(base_url=first.url, headers=STAFF, timeout=10) as client:
            created = await client.post("/api/complaints", json=complaint_body())
    finally:
        first.stop()
    assert created.status_code == 201, created.text
    cid = created.json()["complaint_id"]
    second = start_intake(settings)  # another process: nothing of the submission in memory
    try:
        async with httpx.AsyncClient(base_url=second.url, headers=STAFF, timeout=10) as client:
            noted = await client.post(
                f"/api/complaints/{cid}/notes", json={"text": "Klager belde nog."}
            )
    finally:
        second.stop()
    assert noted.status_code == 201, noted.text
    keys = await _sealed_keys(provisioned_nats.url, cid)
    assert keys["note_added"] == keys["submitted"]
    entries = await _key_store_entries(provisioned_nats.url)
    assert not [e for e in entries if ".complaint." in e], entries
    assert f"$KV.KLACHTEN_KEYS.key.{keys['submitted']}" in entries
