"""The intake HTTP API against a running service and a real nats-server (fixtures: conftest)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import nats
import pytest

from klachten.stack.natsserver import EmbeddedNats
from shared.config.policy import policy_in_force
from tests.support.intake import READER, STAFF, complaint_body, waive_hearing


async def test_submit_appends_submitted_and_answers_with_a_reference(
    client: httpx.AsyncClient, provisioned_nats: EmbeddedNats
) -> None:
    response = await client.post("/api/complaints", json=complaint_body())
    assert response.status_code == 201, response.text
    body = response.json()
    year = datetime.now(UTC).year
    assert body["reference"] == f"KL-{year}-000001"
    assert body["status"] == "submitted"
    # Durable before the answer: the event is in the stream on its contract subject.
    nc = await nats.connect(provisioned_nats.url)
    try:
        js = nc.jetstream()
        msg = await js.get_last_msg("COMPLAINTS", f"complaints.{body['complaint_id']}.>")
        assert msg.subject == f"complaints.{body['complaint_id']}.1.submitted"
    finally:
        await nc.close()


async def test_references_are_sequential_and_unique(client: httpx.AsyncClient) -> None:
    refs = []
    for _ in range(3):
        response = await client.post("/api/complaints", json=complaint_body())
        refs.append(response.json()["reference"])
    numbers = [int(r.rsplit("-", 1)[1]) for r in refs]
    assert numbers == [1, 2, 3]


async def test_get_requires_a_staff_token_and_shows_the_state(client: httpx.AsyncClient) -> None:
    cid = (await client.post("/api/complaints", json=complaint_body())).json()["complaint_id"]
    assert (await client.get(f"/api/complaints/{cid}")).status_code == 401
    bad = {"Authorization": "Bearer nope"}
    assert (await client.get(f"/api/complaints/{cid}", headers=bad)).status_code == 401
    state = (await client.get(f"/api/complaints/{cid}", headers=READER)).json()
    assert state["status"] == "submitted"
    assert state["version"] == 1
    assert state["escalation_level"] == 0
    assert state["deadlines"]["statutory_provisional"] is False  # decided at registration
    assert "personal" not in state  # a reader sees no personal data
    full = (await client.get(f"/api/complaints/{cid}", headers=STAFF)).json()
    assert full["personal"]["complainant"]["email"] == "jan@example.nl"
    missing = "00000000-0000-4000-8000-000000000000"
    assert (await client.get(f"/api/complaints/{missing}", headers=STAFF)).status_code == 404


async def test_staff_actions_append_one_event_each_or_answer_409(
    client: httpx.AsyncClient,
) -> None:
    cid = (await client.post("/api/complaints", json=complaint_body())).json()["complaint_id"]
    base = f"/api/complaints/{cid}"
    forbidden = await client.post(
        f"{base}/responses", json={"text": "x", "resolution": "unfounded"}, headers=READER
    )
    assert forbidden.status_code == 403
    extended = await client.post(
        f"{base}/extensions", json={"weeks": 4, "reason": "Advies nodig"}, headers=STAFF
    )
    assert extended.status_code == 201, extended.text
    assert extended.json()["version"] == 2
    again = await client.post(
        f"{base}/extensions", json={"weeks": 2, "reason": "Nog meer tijd"}, headers=STAFF
    )
    assert again.status_code == 409
    assert "instemming van de klager" in again.json()["message"]
    assert again.json()["rule"] == "Awb 9:11 lid 2"
    await waive_hearing(client, cid)
    responded = await client.post(
        f"{base}/responses",
        json={"text": "Wij bieden excuses aan.", "resolution": "well_founded"},
        headers=STAFF,
    )
    assert responded.status_code == 201
    assert responded.json()["status"] == "responded"
    twice = await client.post(
        f"{base}/responses", json={"text": "Nogmaals", "resolution": "unfounded"}, headers=STAFF
    )
    assert twice.status_code == 409
    escalated = await client.post(
        f"{base}/escalations", json={"reason": "complainant_request"}, headers=STAFF
    )
    assert escalated.status_code == 201
    assert escalated.json()["escalation_level"] == 1
    closed = await client.post(f"{base}/closure", json={"outcome": "withdrawn"}, headers=STAFF)
    assert closed.status_code == 201
    assert closed.json()["version"] == 6  # one event each, the hearing waiver among them
    after = await client.post(f"{base}/closure", json={"outcome": "resolved"}, headers=STAFF)
    assert after.status_code == 409
    assert "afgesloten" in after.json()["message"]  # Dutch unless English is asked for


async def test_phone_registration_by_staff_counts_from_received_at(
    client: httpx.AsyncClient,
) -> None:
    received = datetime.now(UTC) - timedelta(days=3)
    body = complaint_body(channel="phone", received_at=received.isoformat())
    public = await client.post("/api/complaints", json=body)
    assert public.status_code == 422
    assert {e["field"] for e in public.json()} == {"channel", "received_at"}
    response = await client.post("/api/complaints", json=body, headers=STAFF)
    assert response.status_code == 201, response.text
    state = (await client.get(response.headers["location"], headers=STAFF)).json()
    assert state["channel"] == "phone"
    assert datetime.fromisoformat(state["received_at"]) == received
    statutory = datetime.fromisoformat(state["deadlines"]["statutory"])
    # Six weeks from the day of receipt, on to the next ATW working day (decided at
    # registration; the old view showed the bare instant received + 6 weeks first).
    calendar = policy_in_force()[1]
    last_day = calendar.statutory_term_end(calendar.local_date(received) + timedelta(weeks=6))
    assert statutory == calendar.end_of_day(last_day)


async def test_invalid_input_lists_every_field(client: httpx.AsyncClient) -> None:
    body = {
        "channel": "fax",
        "complainant": {"name": 7, "email": "not-an-email", "shoe_size": 44},
        "description": "   ",
        "colour": "blue",
        "received_at": "2999-01-01T00:00:00Z",
    }
    response = await client.post(
        "/api/complaints", json=body, headers={**STAFF, "Accept-Language": "en"}
    )
    assert response.status_code == 422
    fields = {e["field"]: e["message"] for e in response.json()}
    assert set(fields) == {
        "channel",
        "complainant.name",
        "complainant.email",
        "complainant.shoe_size",
        "subject",
        "description",
        "colour",
        "received_at",
    }
    assert fields["colour"] == "Unknown field."
    assert fields["received_at"] == "The time of receipt lies in the future."
    dutch = await client.post("/api/complaints", json={"channel": "web"})
    assert {"field": "subject", "message": "Dit veld is verplicht."} in dutch.json()


UNSAFE_TEXTS = [
    ("line_break", "Jan\r\nBcc: iemand@example.nl", "regeleinde", "line break"),
    ("nul", "Jan\x00de Vries", "stuurteken", "control character"),
    ("c1", "Jan\x85de Vries", "regeleinde", "line break"),
    ("escape", "Jan\x1b[31m", "stuurteken", "control character"),
    ("bidi_override", "Jan \u202egpj.exe", "leesrichting", "reading direction"),
    ("bidi_isolate", "Jan \u2066x\u2069", "leesrichting", "reading direction"),
    ("zero_width_space", "Jan\u200bde Vries", "zonder breedte", "zero-width"),
    ("zero_width_joiner", "Jan\u200dde Vries", "zonder breedte", "zero-width"),
    ("bom", "\ufeffJan", "zonder breedte", "zero-width"),
    ("word_joiner", "Jan\u2060", "zonder breedte", "zero-width"),
]


@pytest.mark.parametrize(("kind", "text", "dutch", "english"), UNSAFE_TEXTS)
async def test_names_and_subjects_refuse_control_bidi_and_invisible_characters(
    client: httpx.AsyncClient, kind: str, text: str, dutch: str, english: str
) -> None:
    body = complaint_body(subject=text)
    body["complainant"]["name"] = text
    nl = await client.post("/api/complaints", json=body)
    assert nl.status_code == 422, nl.text
    by_field = {e["field"]: e["message"] for e in nl.json()}
    assert set(by_field) == {"complainant.name", "subject"}
    assert dutch in by_field["subject"]
    en = await client.post("/api/complaints", json=body, headers={"Accept-Language": "en"})
    assert en.status_code == 422
    assert english in {e["field"]: e["message"] for e in en.json()}["complainant.name"]


async def test_descriptions_keep_line_breaks_and_tabs_but_refuse_the_rest(
    client: httpx.AsyncClient,
) -> None:
    fine = complaint_body(description="Eerste regel\r\nTweede regel\n\tingesprongen")
    response = await client.post("/api/complaints", json=fine, headers=STAFF)
    assert response.status_code == 201, response.text
    state = (await client.get(response.headers["location"], headers=STAFF)).json()
    assert state["personal"]["description"] == "Eerste regel\nTweede regel\n\tingesprongen"
    for text in ("a\x00b", "a\u202eb", "a\u200bb", "a\x0cb"):
        bad = complaint_body(description=text, desired_outcome=text)
        refused = await client.post("/api/complaints", json=bad)
        assert refused.status_code == 422
        assert {e["field"] for e in refused.json()} == {"description", "desired_outcome"}
    cid = response.json()["complaint_id"]
    answer = {"text": "Ons antwoord\u202e", "resolution": "unfounded"}
    staff = await client.post(f"/api/complaints/{cid}/responses", json=answer, headers=STAFF)
    assert staff.status_code == 422
    assert staff.json()[0]["field"] == "text"


@pytest.mark.parametrize(
    ("content", "headers", "status"),
    [
        (b"{not json", {"Content-Type": "application/json"}, 422),
        (b"\xff\xfe", {"Content-Type": "application/json"}, 422),
        (b"[1, 2]", {"Content-Type": "application/json"}, 422),
        (b"null", {"Content-Type": "application/json"}, 422),
        (b"channel=web", {"Content-Type": "application/x-www-form-urlencoded"}, 415),
        (b"{}", {"Content-Type": "text/plain"}, 415),
        (b'{"channel": NaN}', {"Content-Type": "application/json"}, 422),
    ],
)
async def test_malformed_requests_get_a_clear_4xx(
    client: httpx.AsyncClient, content: bytes, headers: dict[str, str], status: int
) -> None:
    response = await client.post("/api/complaints", content=content, headers=headers)
    assert response.status_code == status
    assert isinstance(response.json(), list)
    assert {"field", "message"} <= set(response.json()[0])


async def test_oversized_body_gets_413(client: httpx.AsyncClient) -> None:
    body = complaint_body(description="x" * 70_000)
    response = await client.post("/api/complaints", json=body)
    assert response.status_code == 413


async def test_unknown_complaint_actions_get_404(client: httpx.AsyncClient) -> None:
    for path in ("not-a-uuid", "00000000-0000-4000-8000-000000000000"):
        response = await client.post(
            f"/api/complaints/{path}/closure", json={"outcome": "withdrawn"}, headers=STAFF
        )
        assert response.status_code == 404
