"""Helpers for the intake tests: settings for a test's nats-server, a running intake."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from klachten.stack.natsserver import EmbeddedNats
from services.intake.server import BackgroundIntake
from services.intake.settings import IntakeSettings
from tests.support.ports import free_port

STAFF_TOKEN = "test-staff-token-with-every-role"
READER_TOKEN = "test-reader-token-0123456789"
STAFF = {"Authorization": f"Bearer {STAFF_TOKEN}"}
READER = {"Authorization": f"Bearer {READER_TOKEN}"}


def intake_settings(nats: EmbeddedNats, **overrides: Any) -> IntakeSettings:
    settings = IntakeSettings(
        nats_url=nats.url,
        intake_port=free_port(),
        smtp_port=free_port(),
        staff_token=STAFF_TOKEN,
        staff_tokens=f"rita:{READER_TOKEN}:reader",
        intake_rate_limit=10_000,
        intake_letters_per_address=10_000,
        # The test's own folder: high-water marks and keys of one test never meet another's.
        data_dir=nats.store_dir.parent / "data",
    )
    return replace(settings, **overrides)


def start_intake(settings: IntakeSettings) -> BackgroundIntake:
    return BackgroundIntake(settings).start()


def complaint_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "channel": "web",
        "complainant": {"name": "Jan de Vries", "email": "jan@example.nl", "language": "nl"},
        "subject": "Lange wachttijd",
        "description": "Ik heb drie uur gewacht aan de balie zonder uitleg.",
    }
    body.update(overrides)
    return body


# Awb 9:10: a complaint is answered only once the complainant was heard or the hearing was
# waived on a ground, at each level (docs/procedure.md); tests that only need an answer waive it.
HEARING_WAIVED = {"ground": "complainant_waived"}


def hearing_waiver_path(complaint: str) -> str:
    """The waiver route of a complaint id or of its ``/api/complaints/<id>`` path."""
    base = complaint if complaint.startswith("/") else f"/api/complaints/{complaint}"
    return f"{base}/hearing/waiver"


async def waive_hearing(client: Any, complaint: str, headers: dict[str, str] = STAFF) -> None:
    """Waive the hearing at the complaint's current level (``client``: an httpx.AsyncClient)."""
    path = hearing_waiver_path(complaint)
    response = await client.post(path, json=HEARING_WAIVED, headers=headers)
    assert response.status_code == 201, response.text


async def new_complaint(client: Any, **overrides: Any) -> str:
    """A staff-registered complaint's id (the body of complaint_body with `overrides`)."""
    response = await client.post("/api/complaints", json=complaint_body(**overrides), headers=STAFF)
    assert response.status_code == 201, response.text
    return str(response.json()["complaint_id"])
