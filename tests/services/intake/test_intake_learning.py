"""Learning from complaints (issue 18 items 1-2) through intake's API on a real nats-server:
the vocabulary in force, a public category only from its themes, staff classify, record root
causes and remedies (compensation in cents, a corrective action with owner and due day), the
version recorded; refusals name their rule in Dutch or English."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from shared.config.vocabularies import DEFAULT_VOCABULARIES_FILE, load_vocabulary
from tests.support.intake import READER, STAFF, complaint_body, new_complaint

EN = {**STAFF, "Accept-Language": "en"}
VERSION = load_vocabulary(DEFAULT_VOCABULARIES_FILE).version_id


async def test_the_public_suggests_a_category_only_from_the_vocabulary(
    client: httpx.AsyncClient,
) -> None:
    offered = (await client.get("/api/vocabulary")).json()
    assert offered["version"] == VERSION
    themes = [t["code"] for t in offered["themes"]]
    assert "bejegening" in themes and {"nl": "Bejegening", "en": "Treatment by staff"}.items() <= (
        offered["themes"][0].items()
    )
    formula = await client.post("/api/complaints",
                                json=complaint_body(category='=HYPERLINK("http://x")'))  # fmt: skip
    assert formula.status_code == 422, formula.text
    [problem] = formula.json()
    assert problem["field"] == "category" and "bejegening" in problem["message"]
    chosen = await client.post("/api/complaints", json=complaint_body(category="informatie"))
    assert chosen.status_code == 201, chosen.text
    without = await client.post("/api/complaints", json=complaint_body())
    assert without.status_code == 201, without.text


async def test_staff_register_a_category_from_their_list_never_free_text(
    client: httpx.AsyncClient,
) -> None:
    """A staff registration's category stays outside the seal, so it is a choice too: the
    vocabulary's themes and the policy's own categories (issue 20 item 7)."""
    phone = {"channel": "phone"}
    typed_text = complaint_body(category="Jan de Vries, buurman", **phone)
    typed = await client.post("/api/complaints", headers=STAFF, json=typed_text)
    assert typed.status_code == 422, typed.text
    [problem] = typed.json()
    assert problem["field"] == "category" and "zorg" in problem["message"]
    for category in ("bejegening", "zorg"):  # a theme, and the policy's care category
        chosen = await client.post("/api/complaints", headers=STAFF,
                                   json=complaint_body(category=category, **phone))  # fmt: skip
        assert chosen.status_code == 201, chosen.text


async def test_staff_classify_record_root_causes_and_remedies_with_the_version(
    client: httpx.AsyncClient,
) -> None:
    base = f"/api/complaints/{await new_complaint(client)}"
    classified = await client.post(f"{base}/classification", json={"themes": ["bejegening"]},
                                   headers=STAFF)  # fmt: skip
    assert classified.status_code == 201, classified.text
    learned = classified.json()["learning"]
    assert learned["themes"] == ["bejegening"] and learned["themes_version"] == VERSION
    again = await client.post(f"{base}/classification", json={"themes": ["bejegening"]},
                              headers=STAFF)  # fmt: skip
    assert again.status_code == 200, again.text

    causes = {"root_causes": ["communicatie", "werkwijze"], "note": "Brief was onduidelijk."}
    recorded = await client.post(f"{base}/root-causes", json=causes, headers=STAFF)
    assert recorded.status_code == 201, recorded.text
    assert recorded.json()["learning"]["root_causes"] == ["communicatie", "werkwijze"]

    due = (datetime.now(UTC) + timedelta(days=40)).date().isoformat()
    remedies = {"remedies": [
        {"kind": "apology"},
        {"kind": "compensation", "amount_cents": 2500},
        {"kind": "corrective_action", "owner": "klachten", "due": due,
         "description": "Standaardbrief herschrijven."},
    ]}  # fmt: skip
    given = await client.post(f"{base}/remedies", json=remedies, headers=STAFF)
    assert given.status_code == 201, given.text
    kept = given.json()["learning"]["remedies"]
    assert [r["kind"] for r in kept] == ["apology", "compensation", "corrective_action"]
    assert kept[1]["amount_cents"] == 2500 and kept[2]["owner"] == "klachten"
    assert kept[2]["due_by"] and all(r["vocabulary_version"] == VERSION for r in kept)

    read = await client.get(f"{base}/learning", headers=READER)
    assert read.status_code == 200 and read.json()["remedies"] == kept, read.text
    cannot = await client.post(f"{base}/remedies", json=remedies, headers=READER)
    assert cannot.status_code == 403, cannot.text


@pytest.mark.parametrize(
    ("path", "body", "field", "english"),
    [
        ("classification", {"themes": ["parkeren"]}, "themes", "Not a theme of the current list"),
        ("root-causes", {"root_causes": []}, "root_causes", None),
        ("remedies", {"remedies": [{"kind": "compensation"}]}, "remedies[0].amount_cents",
         "A compensation needs an amount in euro"),
        ("remedies", {"remedies": [{"kind": "corrective_action", "due": "2020-01-01",
                                    "owner": "klachten", "description": "x"}]},
         "remedies[0].due", "lies in the past"),
        ("remedies", {"remedies": [{"kind": "corrective_action", "due": "2999-01-01",
                                    "owner": "niemand", "description": "x"}]},
         "remedies[0].owner", "not a staff member, team or department"),
    ],
)  # fmt: skip
async def test_refusals_name_the_field_and_the_rule_in_english(
    client: httpx.AsyncClient, path: str, body: dict, field: str, english: str | None
) -> None:
    base = f"/api/complaints/{await new_complaint(client)}"
    refused = await client.post(f"{base}/{path}", json=body, headers=EN)
    assert refused.status_code == 422, refused.text
    found = refused.json()
    problems = found if isinstance(found, list) else [found]
    assert any(p.get("field") == field for p in problems), found
    if english:
        assert any(english in p["message"] for p in problems), found
