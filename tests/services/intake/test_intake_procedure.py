"""The staff API of the procedure steps (issue 16, docs/procedure.md) against a running intake
on a real nats-server: ownership from the organisation file, the person complained about
(Awb 9:7), the hearing (Awb 9:10), informal resolution (Awb 9:5), declining (Awb 9:8), and
who may do which (401 for a stranger, 403 for a role that may not)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import nats
import pytest

from klachten.stack.natsserver import EmbeddedNats
from tests.support.intake import STAFF, complaint_body, intake_settings, start_intake

ORGANISATION = """\
version = "test-1"

[departments.publiekszaken]
name = "Publiekszaken"

[departments.financien]
name = "Financiën"

[teams.balie]
name = "Balie"
department = "publiekszaken"

[teams.belastingen]
name = "Belastingen"
department = "financien"

[members.anna]
name = "Anna de Boer"
teams = ["balie"]
email = "anna@gemeente.example"

[members.bram]
name = "Bram Visser"
teams = ["balie"]

[members.carla]
name = "Carla Smit"
department = "publiekszaken"

[members.dirk]
name = "Dirk Bakker"
teams = ["belastingen"]
"""
ROLES = {"anna": "handler", "bram": "handler", "carla": "supervisor", "dirk": "handler",
         "rita": "reader"}  # fmt: skip
EN = {"Accept-Language": "en"}


def token(name: str) -> str:
    return f"test-token-of-{name}-0123456789"


def as_(name: str, **more: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(name)}", **more}


@pytest.fixture
async def http(provisioned_nats: EmbeddedNats, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    organisation = tmp_path / "organisation.toml"
    organisation.write_text(ORGANISATION, encoding="utf-8")
    tokens = ";".join(f"{name}:{token(name)}:{role}" for name, role in ROLES.items())
    settings = intake_settings(
        provisioned_nats, staff_tokens=tokens, organisation_file=str(organisation)
    )
    service = start_intake(settings)
    try:
        async with httpx.AsyncClient(base_url=service.url, timeout=20) as client:
            yield client
    finally:
        service.stop()


async def new_complaint(http: httpx.AsyncClient, **overrides: Any) -> str:
    response = await http.post("/api/complaints", json=complaint_body(**overrides), headers=STAFF)
    assert response.status_code == 201, response.text
    return f"/api/complaints/{response.json()['complaint_id']}"


async def test_a_handler_takes_from_the_queue_and_every_assignment_is_in_the_log(
    http: httpx.AsyncClient, provisioned_nats: EmbeddedNats
) -> None:
    base = await new_complaint(http)
    queued = await http.post(f"{base}/assignment", json={"team": "balie"}, headers=as_("carla"))
    assert queued.status_code == 201, queued.text
    assert queued.json()["assignment"] == {
        "handler": None, "team": "balie", "department": "publiekszaken",
    }  # fmt: skip
    outsider = await http.post(f"{base}/take", headers=as_("dirk"))
    assert outsider.status_code == 422, outsider.text
    assert "team balie" in outsider.json()[0]["message"]
    taken = await http.post(f"{base}/take", headers=as_("anna"))
    assert taken.status_code == 201, taken.text
    assert taken.json()["assignment"]["handler"] == "anna" and taken.json()["warnings"] == []
    assert (await http.post(f"{base}/take", headers=as_("bram"))).status_code == 409

    to_bram = {"handler": "bram"}
    refused = await http.post(f"{base}/assignment", json=to_bram, headers=as_("carla", **EN))
    assert refused.status_code == 422, refused.text
    assert (
        refused.json()[0]["field"] == "reason" and "needs a reason" in refused.json()[0]["message"]
    )
    with_reason = to_bram | {"reason": "Anna is met verlof."}
    moved = await http.post(f"{base}/assignment", json=with_reason, headers=as_("carla"))
    assert moved.status_code == 201, moved.text
    assert moved.json()["assignment"] == {
        "handler": "bram", "team": "balie", "department": "publiekszaken",
    }  # fmt: skip
    again = await http.post(f"{base}/assignment", json=with_reason, headers=as_("carla"))
    assert again.status_code == 200  # the same assignment: nothing appended

    unknown = await http.post(f"{base}/assignment", json={"handler": "zoe", "team": "kantine"},
                              headers=as_("carla"))  # fmt: skip
    assert unknown.status_code == 422
    assert [e["field"] for e in unknown.json()] == ["handler", "team"]
    assert "zoe is geen medewerker" in unknown.json()[0]["message"]

    nc = await nats.connect(provisioned_nats.url)
    try:
        js = nc.jetstream()
        cid = base.rsplit("/", 1)[1]
        info = await js.stream_info("COMPLAINTS", subjects_filter=f"complaints.{cid}.*.assigned")
        assert len(info.state.subjects or {}) == 3  # queued, taken, reassigned
    finally:
        await nc.close()


async def test_the_person_complained_about_cannot_handle_it_awb_9_7(
    http: httpx.AsyncClient,
) -> None:
    base = await new_complaint(http)
    recorded = await http.post(f"{base}/conduct-subjects", json={"employee": "anna"}, headers=STAFF)
    assert recorded.status_code == 201, recorded.text
    (subject,) = recorded.json()["conduct_subjects"]
    assert subject["unit"] == "balie" and subject["employee_named"] is True
    assert "employee" not in subject  # an action's answer shows no personal data

    to_anna = {"handler": "anna"}
    nl = await http.post(f"{base}/assignment", json=to_anna, headers=as_("carla"))
    assert nl.status_code == 422, nl.text
    assert nl.json()[0]["rule"] == "Awb 9:7" and nl.json()[0]["field"] == "handler"
    assert "eigen gedraging" in nl.json()[0]["message"] and "(Awb 9:7)" in nl.json()[0]["message"]
    en = await http.post(f"{base}/assignment", json=to_anna, headers=as_("carla", **EN))
    assert "own conduct" in en.json()[0]["message"] and "(Awb 9:7)" in en.json()[0]["message"]

    bram = await http.post(f"{base}/assignment", json={"handler": "bram"}, headers=as_("carla"))
    assert bram.status_code == 201, bram.text
    (warning,) = bram.json()["warnings"]  # the same unit: allowed, but said
    assert (warning["reason"], warning["rule"]) == ("same_unit", "Awb 9:7")
    assert "balie" in warning["message"]
    himself = await http.post(f"{base}/conduct-subjects", json={"employee": "bram"}, headers=STAFF)
    assert himself.status_code == 422 and himself.json()[0]["rule"] == "Awb 9:7"

    reaction = {"text": "Ik was die dag alleen aan de balie."}
    reacted = await http.post(f"{base}/conduct-subjects/{subject['id']}/reaction", json=reaction,
                              headers=as_("bram"))  # fmt: skip
    assert reacted.status_code == 201, reacted.text
    assert reacted.json()["conduct_subjects"][0]["reacted"] is True
    other = "00000000-0000-4000-8000-000000000000"
    missing = await http.post(f"{base}/conduct-subjects/{other}/reaction", json=reaction,
                              headers=as_("bram"))  # fmt: skip
    assert missing.status_code == 404
    full = (await http.get(base, headers=STAFF)).json()["conduct_subjects"][0]
    assert (full["employee"], full["name"], full["email"]) == (
        "anna", "Anna de Boer", "anna@gemeente.example",
    )  # fmt: skip


async def test_no_answer_without_a_hearing_or_a_ground_awb_9_10(http: httpx.AsyncClient) -> None:
    base = await new_complaint(http)
    answer = {"text": "Wij hebben uw klacht onderzocht.", "resolution": "unfounded"}
    early = await http.post(f"{base}/responses", json=answer, headers=as_("anna"))
    assert early.status_code == 409, early.text
    assert early.json()["rule"] == "Awb 9:10" and "niet gehoord" in early.json()["message"]
    english = await http.post(f"{base}/responses", json=answer, headers=as_("anna", **EN))
    assert "has not been heard" in english.json()["message"]

    soon = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    no_place = await http.post(f"{base}/hearing/invitation", json={"at": soon, "mode": "in_person"},
                               headers=as_("anna"))  # fmt: skip
    assert no_place.status_code == 422 and no_place.json()[0]["field"] == "place"
    past = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    late = await http.post(f"{base}/hearing/invitation", json={"at": past, "mode": "phone"},
                           headers=as_("anna"))  # fmt: skip
    assert late.status_code == 422 and late.json()[0]["field"] == "at"
    unfounded = await http.post(f"{base}/hearing/waiver", json={"ground": "manifestly_unfounded"},
                                headers=as_("anna"))  # fmt: skip
    assert unfounded.status_code == 422 and unfounded.json()[0]["rule"] == "Awb 9:10 lid 2 onder a"
    no_reaction = {"ground": "no_reaction_in_time"}
    uninvited = await http.post(f"{base}/hearing/waiver", json=no_reaction, headers=as_("anna"))
    assert uninvited.status_code == 422 and "uitgenodigd" in uninvited.json()[0]["message"]

    invited = await http.post(f"{base}/hearing/invitation", headers=as_("anna"), json={
        "at": soon, "mode": "in_person", "place": "Stadhuis, kamer 2", "note": "Neem de brief mee.",
    })  # fmt: skip
    assert invited.status_code == 201, invited.text
    assert invited.json()["hearing"]["invited_for"] is not None
    waived = await http.post(f"{base}/hearing/waiver", json=no_reaction, headers=as_("anna"))
    assert waived.status_code == 201, waived.text
    assert waived.json()["hearing"] | {"invited_for": None} == {
        "level": 0, "required": True, "invited_for": None, "heard": False,
        "waived": "no_reaction_in_time", "settled": True,
    }  # fmt: skip
    answered = await http.post(f"{base}/responses", json=answer, headers=as_("anna"))
    assert answered.status_code == 201, answered.text

    heard = await new_complaint(http)
    report = {"held_at": datetime.now(UTC).isoformat(), "mode": "phone",
              "report": "Klager lichtte toe dat de balie om 12 uur sloot."}  # fmt: skip
    recorded = await http.post(f"{heard}/hearing/report", json=report, headers=as_("anna"))
    assert recorded.status_code == 201 and recorded.json()["hearing"]["heard"] is True
    twice = await http.post(f"{heard}/hearing/waiver", json={"ground": "complainant_waived"},
                            headers=as_("anna"))  # fmt: skip
    assert twice.status_code == 409 and twice.json()["reason"] == "hearing_settled"
    assert (
        await http.post(f"{heard}/responses", json=answer, headers=as_("anna"))
    ).status_code == 201


async def test_informal_resolution_stops_the_formal_procedure_awb_9_5(
    http: httpx.AsyncClient,
) -> None:
    base = await new_complaint(http)
    body = {"means": "phone_call", "confirmed_by": "phone", "text": "Excuses; klager tevreden."}
    future = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    refused = await http.post(f"{base}/informal-resolution", json=body | {"confirmed_at": future},
                              headers=as_("anna", **EN))  # fmt: skip
    assert refused.status_code == 422 and "future" in refused.json()[0]["message"]
    now = datetime.now(UTC).isoformat()
    resolved = await http.post(f"{base}/informal-resolution", json=body | {"confirmed_at": now},
                               headers=as_("anna"))  # fmt: skip
    assert resolved.status_code == 201, resolved.text
    assert resolved.json()["status"] == "resolved_informally"
    answer = {"text": "Antwoord.", "resolution": "unfounded"}
    assert (await http.post(f"{base}/responses", json=answer, headers=STAFF)).status_code == 409


async def test_declining_only_on_a_ground_and_within_four_weeks_awb_9_8(
    http: httpx.AsyncClient,
) -> None:
    base = await new_complaint(http)
    reason = {"explanation": "Over deze gedraging is al eerder geklaagd en beslist."}
    none = await http.post(f"{base}/declining", json=reason | {"grounds": []}, headers=as_("anna"))
    assert none.status_code == 422 and none.json()[0]["rule"] == "Awb 9:8"
    odd = await http.post(f"{base}/declining", json=reason | {"grounds": ["boring"]},
                          headers=as_("anna"))  # fmt: skip
    assert odd.status_code == 422 and "already_handled" in odd.json()[0]["message"]
    grounds = {"grounds": ["already_handled", "already_handled"]}
    declined = await http.post(f"{base}/declining", json=reason | grounds, headers=as_("anna"))
    assert declined.status_code == 201, declined.text
    assert (declined.json()["status"], declined.json()["outcome"]) == ("declined", "not_handled")

    received = (datetime.now(UTC) - timedelta(weeks=5)).isoformat()
    old = await new_complaint(http, channel="phone", received_at=received)
    late = await http.post(f"{old}/declining", json=reason | grounds, headers=as_("anna", **EN))
    assert late.status_code == 409, late.text
    assert late.json()["rule"] == "Awb 9:8 lid 3" and "four weeks" in late.json()["message"]


STEPS = {
    "assignment": {"team": "balie"},
    "take": None,
    "conduct-subjects": {"unit": "balie"},
    "hearing/invitation": {"at": "2030-01-01T10:00:00+01:00", "mode": "phone"},
    "hearing/report": {"held_at": "2026-01-01T10:00:00+01:00", "mode": "phone", "report": "x"},
    "hearing/waiver": {"ground": "complainant_waived"},
    "informal-resolution": {"means": "fix", "confirmed_by": "email",
                            "confirmed_at": "2026-01-01T10:00:00+01:00", "text": "x"},
    "declining": {"grounds": ["already_handled"], "explanation": "x"},
}  # fmt: skip


async def test_who_may_do_which_step(http: httpx.AsyncClient) -> None:
    base = await new_complaint(http)
    for step, body in STEPS.items():
        path = f"{base}/{step}"
        assert (await http.post(path, json=body)).status_code == 401, step
        stranger = {"Authorization": "Bearer not-a-token-of-anyone"}
        assert (await http.post(path, json=body, headers=stranger)).status_code == 401, step
        forbidden = await http.post(path, json=body, headers=as_("rita"))
        assert forbidden.status_code == 403, step
    # Handing out complaints is the supervisor's; a handler takes from their queue.
    handler = await http.post(f"{base}/assignment", json={"team": "balie"}, headers=as_("anna"))
    assert handler.status_code == 403
    supervisor = await http.post(f"{base}/assignment", json={"team": "balie"}, headers=as_("carla"))
    assert supervisor.status_code == 201
