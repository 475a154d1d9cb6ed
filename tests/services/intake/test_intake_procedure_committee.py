"""The advisory committee (Awb 9.1.3) and the Wkkgz route (issue 16 items 6-7) through intake's
staff API on a real nats-server: refer (the ten weeks recorded), the committee's hearing and
advice, the answer after it (Awb 9:16), mediation by the klachtenfunctionaris only, the
judgement's measures; refusals name their rule in Dutch or English."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from klachten.stack.natsserver import EmbeddedNats
from shared.config import CONFIG_DIR, policy
from tests.support.intake import STAFF, complaint_body, intake_settings, start_intake

ROLES = {"anna": "handler", "kim": "klachtenfunctionaris"}
EN = {"Accept-Language": "en"}
COMMITTEE = '[committee]\nname = "de Commissie klachtadvisering"\ncategories = ["bejegening"]\n'


def as_(name: str, **more: str) -> dict[str, str]:
    return {"Authorization": f"Bearer test-token-of-{name}-0123456789", **more}


@pytest.fixture
async def http(provisioned_nats: EmbeddedNats, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    shipped = (CONFIG_DIR / "policy.toml").read_text("utf-8")
    policy_file = tmp_path / "policy.toml"
    policy_file.write_text(shipped.replace("[calendar]", COMMITTEE + "\n[calendar]", 1), "utf-8")
    before = list(policy._IN_USE)
    policy.use_policy_file(policy_file)  # the in-process intake reads the policy in force
    tokens = ";".join(f"{n}:test-token-of-{n}-0123456789:{r}" for n, r in ROLES.items())
    service = start_intake(intake_settings(provisioned_nats, staff_tokens=tokens))
    try:
        async with httpx.AsyncClient(base_url=service.url, timeout=20) as client:
            yield client
    finally:
        service.stop()
        policy._IN_USE[:] = before


async def new_complaint(http: httpx.AsyncClient, **overrides: Any) -> str:
    response = await http.post("/api/complaints", json=complaint_body(**overrides), headers=STAFF)
    assert response.status_code == 201, response.text
    return f"/api/complaints/{response.json()['complaint_id']}"


def moment(delta: timedelta = timedelta()) -> str:
    return (datetime.now(UTC) + delta).isoformat()


async def test_a_referred_complaint_is_answered_after_the_advice_with_reasons_to_depart(
    http: httpx.AsyncClient,
) -> None:
    base = await new_complaint(http, category="bejegening")
    answer = {"text": "Uw klacht is ongegrond.", "resolution": "unfounded"}
    skipped = await http.post(f"{base}/responses", json=answer, headers=as_("anna"))
    assert skipped.status_code == 409, skipped.text
    assert skipped.json()["rule"] == "Awb 9:14"
    assert "klachtadviescommissie" in skipped.json()["message"]

    referred = await http.post(f"{base}/committee/referral", json={}, headers=as_("anna"))
    assert referred.status_code == 201, referred.text
    state = referred.json()["committee"]
    assert state["referred_to"] == "de Commissie klachtadvisering"
    assert state["statutory_by"] is not None and state["expected"] == state["referred_to"]
    again = await http.post(f"{base}/committee/referral", json={}, headers=as_("anna"))
    assert again.status_code == 200, again.text

    unheard = {"advice": "unfounded", "advised_at": moment(), "text": "Advies."}
    early = await http.post(f"{base}/committee/advice", json=unheard, headers=as_("anna", **EN))
    assert early.status_code == 409 and early.json()["rule"] == "Awb 9:15", early.text
    hearing = {"held_at": moment(), "mode": "in_person", "report": "Verslag van de zitting."}
    heard = await http.post(f"{base}/committee/hearing", json=hearing, headers=as_("anna"))
    assert heard.status_code == 201 and heard.json()["hearing"]["settled"], heard.text
    waiting = await http.post(f"{base}/responses", json=answer, headers=as_("anna"))
    assert waiting.status_code == 409 and waiting.json()["rule"] == "Awb 9:15 lid 4", waiting.text
    advice = {"advice": "well_founded", "advised_at": moment(), "text": "Bevindingen en advies."}
    advised = await http.post(f"{base}/committee/advice", json=advice, headers=as_("anna"))
    assert advised.status_code == 201 and advised.json()["committee"]["advice"] == "well_founded"

    unsaid = await http.post(f"{base}/responses", json=answer, headers=as_("anna", **EN))
    assert unsaid.status_code == 422, unsaid.text
    (problem,) = unsaid.json()
    assert (problem["field"], problem["rule"]) == ("departs_from_advice", "Awb 9:16")
    assert "departs from the committee's advice" in problem["message"]
    bare = answer | {"departs_from_advice": True}
    no_reasons = await http.post(f"{base}/responses", json=bare, headers=as_("anna"))
    assert no_reasons.status_code == 422 and no_reasons.json()[0]["field"] == "departure_reasons"
    reasoned = bare | {"departure_reasons": "De commissie had het dossier niet volledig."}
    answered = await http.post(f"{base}/responses", json=reasoned, headers=as_("anna"))
    assert answered.status_code == 201, answered.text
    assert answered.json()["status"] == "responded"


async def test_the_klachtenfunctionaris_mediates_and_the_judgement_names_measures(
    http: httpx.AsyncClient,
) -> None:
    care = await new_complaint(http, category="zorg")
    mediation = {"kind": "mediation", "held_at": moment(), "text": "Gesprek.", "agreed": False}
    handler = await http.post(f"{care}/mediation", json=mediation, headers=as_("anna"))
    assert handler.status_code == 403, handler.text
    done = await http.post(f"{care}/mediation", json=mediation, headers=as_("kim"))
    assert done.status_code == 201, done.text
    route = done.json()["wkkgz"]
    assert route["mediations"][0]["kind"] == "mediation"
    assert route["external"]["kind"] == "disputes_body"  # the geschilleninstantie
    assert route["external"]["rule"] == "Wkkgz art. 18"

    today = datetime.now(UTC).date()
    past = {"measures": [{"description": "Instructie.", "due": str(today - timedelta(days=2))}]}
    refused = await http.post(f"{care}/measures", json=past, headers=as_("anna", **EN))
    assert refused.status_code == 422, refused.text
    assert (refused.json()[0]["field"], refused.json()[0]["rule"]) == ("measures", "Wkkgz art. 17")
    due = str(today + timedelta(days=30))
    measures = {"measures": [{"description": "Werkinstructie medicatie aangepast.", "due": due}]}
    promised = await http.post(f"{care}/measures", json=measures, headers=as_("anna"))
    assert promised.status_code == 201, promised.text
    (measure,) = promised.json()["wkkgz"]["measures"]
    assert measure["item"] == 1 and measure["due_by"].startswith(due)  # the end of that day
    assert "description" not in measure  # an action's own answer shows no sealed words
    (read,) = (await http.get(care, headers=STAFF)).json()["wkkgz"]["measures"]
    assert read["description"] == "Werkinstructie medicatie aangepast."

    other = await new_complaint(http)
    not_care = await http.post(f"{other}/mediation", json=mediation, headers=as_("kim"))
    assert not_care.status_code == 409, not_care.text
    assert not_care.json()["reason"] == "wkkgz_not_applicable"
    assert (await http.get(other, headers=STAFF)).json()["wkkgz"] is None
