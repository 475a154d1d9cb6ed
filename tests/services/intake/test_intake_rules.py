"""The staff API applies the rules of the law and the policy and names them (nl and en):
extensions (Awb 9:11 lid 2, the policy's cap), not handled (Awb 9:8 lid 3), waiting for the
complainant (the policy's [pausing]) and priority at registration (the policy's norms)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from klachten.stack.natsserver import EmbeddedNats
from shared.config.policy import DEFAULT_POLICY_FILE
from tests.support.intake import (
    READER,
    STAFF,
    complaint_body,
    intake_settings,
    start_intake,
    waive_hearing,
)

EN = {**STAFF, "Accept-Language": "en"}


async def _complaint(client: httpx.AsyncClient, **overrides: Any) -> str:
    answer = await client.post("/api/complaints", json=complaint_body(**overrides), headers=STAFF)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["complaint_id"])


@pytest.fixture
async def capped_client(
    provisioned_nats: EmbeddedNats, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[httpx.AsyncClient]:
    """Intake under a policy that caps extensions at two weeks."""
    text = DEFAULT_POLICY_FILE.read_text("utf-8")
    assert "max_extension_weeks = 4" in text
    policy = tmp_path / "policy.toml"
    policy.write_text(text.replace("max_extension_weeks = 4", "max_extension_weeks = 2"))
    monkeypatch.setenv("KLACHTEN_POLICY_FILE", str(policy))
    service = start_intake(intake_settings(provisioned_nats))
    try:
        async with httpx.AsyncClient(base_url=service.url, timeout=20) as http:
            yield http
    finally:
        service.stop()


async def test_an_extension_beyond_the_policys_cap_is_refused_naming_the_rule(
    capped_client: httpx.AsyncClient,
) -> None:
    cid = await _complaint(capped_client)
    url = f"/api/complaints/{cid}/extensions"
    body = {"weeks": 3, "reason": "Advies nodig"}
    nl = await capped_client.post(url, json=body, headers=STAFF)
    assert nl.status_code == 422, nl.text
    assert nl.json() == [
        {
            "field": "weeks",
            "message": "Verdaag met ten hoogste 2 weken: zo staat het in het klachtenbeleid "
            "(Awb 9:11 lid 2).",
            "rule": "Awb 9:11 lid 2",
        }
    ]
    en = await capped_client.post(url, json=body, headers=EN)
    assert "at most 2 weeks" in en.json()[0]["message"]
    ok = await capped_client.post(url, json={**body, "weeks": 2}, headers=STAFF)
    assert ok.status_code == 201, ok.text
    assert ok.json()["extensions"] == 1


async def test_no_extension_after_the_answer(client: httpx.AsyncClient) -> None:
    cid = await _complaint(client)
    answer = {"text": "Wij bieden excuses aan.", "resolution": "well_founded"}
    await waive_hearing(client, cid)
    answered = await client.post(f"/api/complaints/{cid}/responses", json=answer, headers=STAFF)
    assert answered.status_code == 201
    url = f"/api/complaints/{cid}/extensions"
    body = {"weeks": 2, "reason": "Toch meer tijd"}
    nl = await client.post(url, json=body, headers=STAFF)
    assert nl.status_code == 409, nl.text
    assert nl.json()["reason"] == "extension_after_answer"
    assert nl.json()["rule"] == "Awb 9:11 lid 2"
    assert nl.json()["message"].startswith("De klacht is al beantwoord")
    en = await client.post(url, json=body, headers=EN)
    assert en.json()["message"].startswith("The complaint has already been answered")
    state = (await client.get(f"/api/complaints/{cid}", headers=STAFF)).json()
    assert state["extensions"] == 0 and state["version"] == 3  # submitted, waived, responded


async def test_not_handled_only_within_four_weeks_of_receipt(client: httpx.AsyncClient) -> None:
    now = datetime.now(UTC)
    old = await _complaint(
        client, channel="letter", received_at=(now - timedelta(days=255)).isoformat()
    )
    body = {"outcome": "not_handled", "note": "Gaat over een gedraging van 2019."}
    nl = await client.post(f"/api/complaints/{old}/closure", json=body, headers=STAFF)
    assert nl.status_code == 409, nl.text
    assert nl.json()["rule"] == "Awb 9:8 lid 3"
    assert "binnen vier weken na ontvangst" in nl.json()["message"]
    en = await client.post(f"/api/complaints/{old}/closure", json=body, headers=EN)
    assert "within four weeks of its receipt" in en.json()["message"]
    recent = await _complaint(
        client, channel="letter", received_at=(now - timedelta(days=20)).isoformat()
    )
    ok = await client.post(f"/api/complaints/{recent}/closure", json=body, headers=STAFF)
    assert ok.status_code == 201, ok.text
    assert ok.json()["outcome"] == "not_handled"


async def test_staff_pause_and_resume_the_internal_clock(client: httpx.AsyncClient) -> None:
    cid = await _complaint(client)
    base = f"/api/complaints/{cid}"
    reason = {"reason": "Wij wachten op de kopie van de factuur."}
    assert (await client.post(f"{base}/pause", json=reason, headers=READER)).status_code == 403
    empty = await client.post(f"{base}/pause", json={"reason": " "}, headers=STAFF)
    assert empty.status_code == 422 and empty.json()[0]["field"] == "reason"
    paused = await client.post(f"{base}/pause", json=reason, headers=STAFF)
    assert paused.status_code == 201, paused.text
    assert paused.json()["paused"] is True
    assert paused.json()["deadlines"]["response"] is None  # the policy pauses "respond"
    assert paused.json()["deadlines"]["statutory"] is not None  # never pauses
    again = await client.post(f"{base}/pause", json=reason, headers=STAFF)
    assert again.status_code == 409
    assert again.json()["message"] == "De klacht wacht al op de klager (klachtenbeleid [pausing])."
    resumed = await client.post(f"{base}/resume", headers=STAFF)
    assert resumed.status_code == 201, resumed.text
    assert resumed.json()["paused"] is False
    assert resumed.json()["deadlines"]["response"] is not None
    twice = await client.post(f"{base}/resume", headers=EN)
    assert twice.status_code == 409
    assert twice.json()["message"].startswith("The complaint is not waiting for the complainant")


async def test_staff_set_priority_at_registration_and_it_selects_the_norms(
    client: httpx.AsyncClient,
) -> None:
    # Monday 2 March 2026, 10:00 in Amsterdam: urgent is acknowledged in 1 business day, not 2.
    received = "2026-03-02T10:00:00+01:00"
    normal = await _complaint(client, channel="letter", received_at=received)
    urgent = await _complaint(client, channel="letter", received_at=received, priority="urgent")
    due = {}
    for cid in (normal, urgent):
        state = (await client.get(f"/api/complaints/{cid}", headers=STAFF)).json()
        due[cid] = state["deadlines"]
    assert due[urgent]["acknowledgement"] < due[normal]["acknowledgement"]
    assert due[urgent]["response"] < due[normal]["response"]
    public = await client.post("/api/complaints", json=complaint_body(priority="urgent"))
    assert public.status_code == 422
    assert public.json() == [
        {"field": "priority", "message": "Alleen medewerkers mogen dit veld invullen."}
    ]
    unknown = await client.post("/api/complaints", json=complaint_body(priority="asap"), headers=EN)
    assert unknown.status_code == 422
    assert unknown.json() == [{"field": "priority", "message": "Choose one of: urgent."}]
