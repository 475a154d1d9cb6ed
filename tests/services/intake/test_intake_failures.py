"""A permission problem is never reported as "log unavailable" (issue 14, item 1).

A real nats-server whose intake user lacks one permission (claiming a reference): nats-py
reports the violation out of band and the request only times out. The API must answer 500
with honest words in the user's language and log an ERROR that names the permission; a mail
gets a transient 451 that names a configuration error (the sender retries once it is fixed).
"""

from __future__ import annotations

import asyncio
import logging
import os
import smtplib
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import httpx
import nats
import pytest

from klachten.stack.natsserver import CONFIG_FILE, EmbeddedNats
from services.intake.server import BackgroundIntake
from shared.eventstore.buckets import provision_buckets
from shared.eventstore.streams import provision
from tests.support.intake import STAFF, complaint_body, intake_settings, start_intake

DENIED = "$KV.INTAKE_REFERENCES.>"  # the claim of an idempotency key (claims.py)


def misconfigured_conf(folder: Path) -> Path:
    """The embedded conf plus two users: admin, and intake without one permission."""
    conf = folder / "nats-misconfigured.conf"
    conf.write_text(
        f'include "{os.path.relpath(CONFIG_FILE, folder)}"\n'
        "authorization {\n  users = [\n"
        "    {user: admin, password: admin}\n"
        "    {user: intake, password: intake, permissions: {\n"
        f'      publish: {{allow: [">"], deny: ["{DENIED}"]}}, subscribe: {{allow: [">"]}}\n'
        "    }}\n  ]\n}\n"
    )
    return conf


@pytest.fixture
def intake(tmp_path: Path) -> Iterator[BackgroundIntake]:
    server = EmbeddedNats(tmp_path / "nats", config_file=misconfigured_conf(tmp_path)).start()
    admin = server.url.replace("nats://", "nats://admin:admin@")
    asyncio.run(_provision(admin))
    url = server.url.replace("nats://", "nats://intake:intake@")
    service = start_intake(intake_settings(server, nats_url=url))
    try:
        yield service
    finally:
        service.stop()
        server.stop()


async def _provision(url: str) -> None:
    nc = await nats.connect(url)
    try:
        await provision(nc)
        await provision_buckets(nc)
    finally:
        await nc.close()


def test_a_permission_violation_is_a_500_that_says_so_never_unavailable(
    intake: BackgroundIntake, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR)
    headers = {**STAFF, "Idempotency-Key": "perm-1", "Accept-Language": "nl"}
    response = httpx.post(
        f"{intake.url}/api/complaints", json=complaint_body(), headers=headers, timeout=60
    )
    assert response.status_code == 500, response.text
    body = response.json()
    assert body["error"] == "configuration"
    assert "configuratiefout" in body["message"] and "niet bereikbaar" not in body["message"]
    named = [r.getMessage().lower() for r in caplog.records if r.levelno >= logging.ERROR]
    assert any("permissions violation" in m and "intake_references" in m for m in named), named

    message = EmailMessage()
    message["From"] = "Els Bakker <els@example.org>"
    message["To"] = "klachten@klachten.local"
    message["Subject"] = "Klacht"
    message["Message-ID"] = "<perm-mail-1@example.org>"
    message.set_content("Mijn container is al drie weken niet geleegd.")
    with smtplib.SMTP(intake.settings.smtp_host, intake.settings.smtp_port, timeout=60) as smtp:
        with pytest.raises(smtplib.SMTPResponseException) as refused:
            smtp.send_message(message)
    assert refused.value.smtp_code == 451
    assert b"configuration error" in refused.value.smtp_error
