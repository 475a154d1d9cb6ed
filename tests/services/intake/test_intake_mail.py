"""Inbound SMTP against the running service: smtplib → aiosmtpd → the log (real nats-server)."""

from __future__ import annotations

from collections.abc import Iterator
from email.message import EmailMessage
from email.mime.text import MIMEText

import httpx
import pytest

from klachten.stack.natsserver import EmbeddedNats
from services.intake.server import BackgroundIntake
from tests.support.intake import STAFF, intake_settings, start_intake
from tests.support.mail_samples import registered_id, send
from tests.support.polling import wait_until_sync


@pytest.fixture
def intake(provisioned_nats: EmbeddedNats) -> Iterator[BackgroundIntake]:
    service = start_intake(intake_settings(provisioned_nats, attachment_max_bytes=50_000))
    try:
        yield service
    finally:
        service.stop()


def _send(service: BackgroundIntake, msg: EmailMessage | MIMEText) -> tuple[int, bytes]:
    return send(service.settings.smtp_port, msg)  # type: ignore[arg-type]


def _mail(subject: str, text: str, message_id: str, sender: str = "Jürgen Bäcker <jb@example.nl>"):
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "klachten@gemeente.example"
    msg["Subject"] = subject
    msg["Message-ID"] = message_id
    msg.set_content(text, cte="quoted-printable")
    return msg


def _complaint(service: BackgroundIntake, reference: str) -> dict:
    """The complaint as staff see it (the public lookup shows no case: it mails a link)."""
    cid = _lookup_id(service, reference)
    found = httpx.get(f"{service.url}/api/complaints/{cid}", headers=STAFF)
    assert found.status_code == 200, found.text
    return found.json()


def test_a_mail_becomes_a_complaint_once(intake: BackgroundIntake) -> None:
    msg = _mail("Overlast bij de bouwplaats – geluid", "Élke nacht herrie. Groet, Jürgen", "<a1@x>")
    code, reply = _send(intake, msg)
    assert code == 250, reply
    reference = reply.decode().rsplit(" ", 1)[1]
    assert _complaint(intake, reference)["status"] == "submitted"
    code, again = _send(intake, msg)  # the sender retried: same Message-ID, same complaint
    assert code == 250 and again == reply


def test_html_base64_and_attachments(intake: BackgroundIntake) -> None:
    msg = EmailMessage()
    msg["From"] = "=?utf-8?q?Ren=C3=A9e_Dupont?= <jb@example.nl>"
    msg["Subject"] = "=?utf-8?b?S2xhY2h0IG92ZXIgZGUgZmFjdHV1cg==?="
    msg["Message-ID"] = "<html-1@example.nl>"
    msg.set_content(
        "<html><body><p>De factuur klopt <b>niet</b>.</p></body></html>",
        subtype="html",
        cte="base64",
    )
    msg.add_attachment(
        b"%PDF-1.4 test", maintype="application", subtype="pdf", filename="factuur.pdf"
    )
    code, reply = _send(intake, msg)
    assert code == 250, reply
    cid = _lookup_id(intake, reply)
    state = httpx.get(f"{intake.url}/api/complaints/{cid}", headers=STAFF).json()
    personal = state["personal"]
    assert personal["subject"] == "Klacht over de factuur"
    assert personal["complainant"]["name"] == "Renée Dupont"
    assert "De factuur klopt niet." in personal["description"]
    [attachment] = personal["attachments"]
    assert attachment["filename"] == "factuur.pdf" and attachment["size"] == 13
    assert attachment["object_name"].startswith("sealed/") and attachment["key"]  # sealed


def _lookup_id(service: BackgroundIntake, reply: bytes) -> str:
    return registered_id(service.settings.nats_url, reply)


def test_an_empty_mail_is_rejected(intake: BackgroundIntake) -> None:
    msg = EmailMessage()
    msg["From"] = "jb@example.nl"
    code, reply = _send(intake, msg)
    assert code == 550 and b"empty" in reply


def test_the_log_unavailable_answers_451_and_the_retry_is_accepted(
    intake: BackgroundIntake, provisioned_nats: EmbeddedNats
) -> None:
    msg = _mail("Klacht", "Tekst", "<down-1@x>")
    provisioned_nats.stop()
    try:
        code, reply = _send(intake, msg)
    finally:
        provisioned_nats.start()
    assert code == 451, reply
    # The sending server retries later; once the log is back the same mail is accepted.
    code, reply = wait_until_sync(lambda: _accepted(intake, msg), timeout=30)
    assert code == 250, reply


def _accepted(service: BackgroundIntake, msg: EmailMessage) -> tuple[int, bytes] | None:
    code, reply = _send(service, msg)
    return (code, reply) if code == 250 else None
