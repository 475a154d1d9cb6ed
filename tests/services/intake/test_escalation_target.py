"""An escalation's ``target`` is a reference, not staff free text outside the seal (issue 20
item 7): a member or team of the organisation file or a role of the policy's ladder; anything
else is refused with words naming the field, in Dutch and English. On a running intake and a
real nats-server (fixtures: conftest)."""

from __future__ import annotations

import httpx

from tests.support.intake import STAFF, complaint_body


async def test_an_unknown_target_is_refused_naming_the_field_and_known_ones_are_taken(
    client: httpx.AsyncClient,
) -> None:
    made = await client.post("/api/complaints", json=complaint_body())
    base = f"/api/complaints/{made.json()['complaint_id']}/escalations"
    free_text = "Jan de Vries, afdeling Burgerzaken, tel. 06-12345678"
    for lang, word in (("nl", "geen medewerker"), ("en", "not a staff member")):
        refused = await client.post(
            base,
            json={"reason": "staff_decision", "target": free_text},
            headers={**STAFF, "Accept-Language": lang},
        )
        assert refused.status_code == 422, refused.text
        errors = refused.json()
        assert [e["field"] for e in errors] == ["target"]
        assert word in errors[0]["message"] and free_text in errors[0]["message"]
    # A team, a member and a role of the ladder (config/organisation.toml, config/policy.toml).
    for target in ("klachten", "staff", "external"):
        taken = await client.post(
            base, json={"reason": "staff_decision", "target": target}, headers=STAFF
        )
        assert taken.status_code == 201, taken.text
    history = await client.get(f"/api/complaints/{made.json()['complaint_id']}", headers=STAFF)
    assert history.json()["escalation_level"] == 3
