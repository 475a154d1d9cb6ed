"""The public form is no letter relay: acknowledgements to one address a day are limited
(issue 20, "Seen failing" 2). Real intake on a real nats-server."""

from __future__ import annotations

import httpx

from klachten.stack.natsserver import EmbeddedNats
from services.intake.limits import recipients
from services.intake.problems import MESSAGES
from shared.contract.events import Complainant, Representative, SubmittedPersonal
from tests.support.intake import STAFF, complaint_body, intake_settings, start_intake


def _to(email: str, **more: object) -> dict:
    return complaint_body(complainant={"name": "Jan de Vries", "email": email}, **more)


async def test_a_third_public_submission_to_one_address_in_a_day_is_refused(
    provisioned_nats: EmbeddedNats,
) -> None:
    service = start_intake(intake_settings(provisioned_nats, intake_letters_per_address=2))
    try:
        async with httpx.AsyncClient(base_url=service.url, timeout=10) as client:
            codes = [
                (await client.post("/api/complaints", json=_to(address))).status_code
                for address in ("doelwit@example.nl", "Doelwit@Example.NL ")
            ]
            refused = await client.post(
                "/api/complaints", json=_to("DOELWIT@example.nl"), headers={"Accept-Language": "en"}
            )
            other = await client.post("/api/complaints", json=_to("iemand@example.nl"))
            # Staff register what reached them by phone or letter: never limited.
            staff = await client.post(
                "/api/complaints", json=_to("doelwit@example.nl"), headers=STAFF
            )
            via = _to(
                "iemand-anders@example.nl",
                representative={"name": "R", "relation": "buurman", "email": "doelwit@example.nl"},
            )
            represented = await client.post("/api/complaints", json=via)
    finally:
        service.stop()
    assert codes == [201, 201]
    assert refused.status_code == 429
    assert refused.json() == {"error": "too_many_letters", "message": MESSAGES["letters"]["en"]}
    assert other.status_code == 201
    assert staff.status_code == 201
    assert represented.status_code == 429  # the representative receives the letters


def test_the_recipients_are_the_addresses_letters_go_to() -> None:
    personal = SubmittedPersonal(
        complainant=Complainant(name="J", email=" Jan@Example.nl"),
        subject="s",
        description="d",
        representative=Representative(name="R", relation="dochter", email="r@example.nl"),
    )
    assert recipients(personal) == ["jan@example.nl", "r@example.nl"]
    by_post = SubmittedPersonal(
        complainant=Complainant(name="J", email="", address="Dorpsstraat 1"),
        subject="s",
        description="d",
    )
    assert recipients(by_post) == []


def test_both_languages_say_why() -> None:
    assert "morgen" in MESSAGES["letters"]["nl"]
    assert "tomorrow" in MESSAGES["letters"]["en"]
