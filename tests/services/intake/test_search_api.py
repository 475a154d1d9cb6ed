"""Intake's staff search (``GET /api/complaints/search``) on a real nats-server with the real
key store: a complaint registered a moment ago is found by the caller's name and e-mail address
(the index reads the log before it answers); a reader is refused in Dutch and English; after a
real erasure the name finds nothing and the index file no longer holds it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import nats
import pytest

from klachten.stack.natsserver import EmbeddedNats
from services.intake.searchapi import index_path
from services.intake.server import BackgroundIntake
from shared.eventstore.buckets import provision_buckets
from shared.privacy.shredding import PrivateComplaints, execute_erasure, plan_erasure
from tests.support.intake import READER, STAFF, complaint_body, intake_settings, start_intake
from tests.support.polling import wait_until

NAME, EMAIL = "Wubbo Terpstra-Ykema", "wubbo.ykema@example.nl"


@pytest.fixture
async def running(
    provisioned_nats: EmbeddedNats,
) -> AsyncIterator[tuple[BackgroundIntake, httpx.AsyncClient]]:
    nc = await nats.connect(provisioned_nats.url)
    try:
        await provision_buckets(nc)
    finally:
        await nc.close()
    intake = start_intake(intake_settings(provisioned_nats))
    try:
        async with httpx.AsyncClient(base_url=intake.url, timeout=20) as client:
            yield intake, client
    finally:
        intake.stop()


async def _register(client: httpx.AsyncClient, name: str, email: str, subject: str) -> dict:
    body = complaint_body(channel="phone", subject=subject)
    body["complainant"] = {"name": name, "email": email, "language": "nl"}
    made = await client.post("/api/complaints", json=body, headers=STAFF)
    assert made.status_code == 201, made.text
    return made.json()


async def _found(client: httpx.AsyncClient, q: str) -> list[str]:
    answer = await client.get("/api/complaints/search", params={"q": q}, headers=STAFF)
    assert answer.status_code == 200, answer.text
    assert answer.json()["complete"] is True
    return [c["complaint_id"] for c in answer.json()["complaints"]]


async def test_a_registered_caller_is_found_by_name_until_erased(
    running: tuple[BackgroundIntake, httpx.AsyncClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    intake, client = running
    other = await _register(client, "Jan de Vries", "jan@example.nl", "Wachttijd balie")
    made = await _register(client, NAME, EMAIL, "Parkeervergunning kwijt")
    cid = made["complaint_id"]
    # at once: the search reads the log before it answers
    assert await _found(client, "terpstra") == [cid]
    assert await _found(client, "wubbo ykema") == [cid]
    assert await _found(client, EMAIL) == [cid]
    assert await _found(client, made["reference"]) == [cid]
    assert await _found(client, "parkeerverg") == [cid]
    assert await _found(client, "vries") == [other["complaint_id"]]
    # roles that may not see personal data are told why, in their language
    for lang, words in (("nl", "zoeken op naam"), ("en", "searching by name")):
        refused = await client.get(
            "/api/complaints/search",
            params={"q": "terpstra"},
            headers=READER | {"Accept-Language": lang},
        )
        assert refused.status_code == 403 and words in refused.json()["message"].lower()
    assert (await client.get("/api/complaints/search", params={"q": "x"})).status_code == 401
    empty = await client.get("/api/complaints/search", params={"q": " "}, headers=STAFF)
    assert empty.status_code == 422

    path = index_path(intake.settings)
    assert path is not None

    def cleared() -> bool:
        on_disk = b"".join(
            Path(f"{path}{s}").read_bytes()
            for s in ("", "-journal", "-wal")
            if Path(f"{path}{s}").exists()
        )
        return b"terpstra" not in on_disk.lower() and b"wubbo" not in on_disk.lower()

    assert not cleared()  # the index does hold the name

    monkeypatch.setenv("KLACHTEN_DATA_DIR", str(Path(intake.settings.data_dir)))
    app = PrivateComplaints(env={"NATS_URL": intake.settings.nats_url})
    try:
        plan = plan_erasure(app.factory.link, app.keystore, made["reference"])  # type: ignore[attr-defined, arg-type]
        now = datetime.now(UTC)
        execute_erasure(plan, app, actor="staff:privacy", legal_basis="AVG art. 17", now=now)
    finally:
        app.close()
    # the follower is woken by the erased fact: no search is needed to clear the file
    await wait_until(cleared, 20, 0.1, "the index forgets the erased complainant")
    assert await _found(client, "terpstra") == []
    assert await _found(client, EMAIL) == []
    assert await _found(client, "vries") == [other["complaint_id"]]


async def test_intake_takes_complaints_when_its_index_cannot_be_opened(
    provisioned_nats: EmbeddedNats, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    settings = intake_settings(provisioned_nats, search_index=str(blocker / "search.sqlite3"))
    intake = start_intake(settings)
    try:
        async with httpx.AsyncClient(base_url=intake.url, timeout=20) as client:
            await _register(client, NAME, EMAIL, "Parkeervergunning kwijt")
            for lang, words in (("nl", "kon niet worden geopend"), ("en", "could not be opened")):
                answer = await client.get(
                    "/api/complaints/search",
                    params={"q": "terpstra"},
                    headers=STAFF | {"Accept-Language": lang},
                )
                assert answer.status_code == 503 and words in answer.json()["message"]
    finally:
        intake.stop()
