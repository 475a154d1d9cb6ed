"""What intake's staff API says when it refuses is in the staff member's language: Dutch by
default, English on request, also for a role that may not (403) and for the aggregate's
errors that name no rule (409/422)."""

from __future__ import annotations

import httpx

from tests.support.intake import READER, STAFF, complaint_body

NL, EN = {"Accept-Language": "nl"}, {"Accept-Language": "en"}


async def _complaint(client: httpx.AsyncClient) -> str:
    answer = await client.post("/api/complaints", json=complaint_body(), headers=STAFF)
    assert answer.status_code == 201, answer.text
    return f"/api/complaints/{answer.json()['complaint_id']}"


async def test_a_role_that_may_not_reads_why_in_its_language(client: httpx.AsyncClient) -> None:
    url = f"{await _complaint(client)}/responses"
    body = {"text": "Wij bieden excuses aan.", "resolution": "well_founded"}
    nl = await client.post(url, json=body, headers=READER | NL)
    en = await client.post(url, json=body, headers=READER | EN)
    plain = await client.post(url, json=body, headers=READER)
    assert nl.status_code == en.status_code == plain.status_code == 403
    assert (
        nl.json()
        == plain.json()
        == {
            "error": "forbidden",
            "message": "Klachten beantwoorden mag alleen met de rol behandelaar of leidinggevende. "
            "Uw rol: lezer.",
        }
    )
    assert en.json()["message"] == (
        "Answering complaints needs the role handler or supervisor. Your role: reader."
    )


async def test_an_error_without_a_named_rule_reads_in_the_callers_language(
    client: httpx.AsyncClient,
) -> None:
    url = f"{await _complaint(client)}/closure"
    closed = await client.post(url, json={"outcome": "withdrawn"}, headers=STAFF)
    assert closed.status_code == 201, closed.text
    nl = await client.post(url, json={"outcome": "withdrawn"}, headers=STAFF | NL)
    en = await client.post(url, json={"outcome": "withdrawn"}, headers=STAFF | EN)
    assert nl.status_code == en.status_code == 409
    assert nl.json() == {
        "error": "illegal_transition",
        "message": "De klacht is afgesloten: afsluiten kan niet meer.",
    }
    assert en.json()["message"] == "cannot close: the complaint is closed"


async def test_registering_and_a_missing_complaint_are_said_in_the_callers_language(
    client: httpx.AsyncClient,
) -> None:
    body = complaint_body(channel="phone")
    nl = await client.post("/api/complaints", json=body, headers=READER | NL)
    en = await client.post("/api/complaints", json=body, headers=READER | EN)
    assert nl.status_code == en.status_code == 403
    assert (
        nl.json()["message"]
        == "Klachten registreren mag alleen met de rol behandelaar. Uw rol: lezer."
    )
    assert (
        en.json()["message"] == "Registering complaints needs the role handler. Your role: reader."
    )
    missing = "/api/complaints/6d3c1f3e-0000-4000-8000-000000000000"
    nl = await client.get(missing, headers=STAFF | NL)
    en = await client.get(missing, headers=STAFF | EN)
    assert nl.status_code == en.status_code == 404
    assert nl.json()["message"] == "Deze klacht bestaat niet."
    assert en.json()["message"] == "no such complaint"
