"""Inbound SMTP offers STARTTLS with the configured certificate (issue 20, "Seen failing" 8).

The certificate is made here (self-signed, for 127.0.0.1); the client trusts exactly it.
"""

from __future__ import annotations

import datetime
import email.policy
import ipaddress
import smtplib
import ssl
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from klachten.stack.natsserver import EmbeddedNats
from services.intake.server import BackgroundIntake
from tests.support.intake import intake_settings, start_intake


def _self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "klachten-intake")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "smtp.crt", folder / "smtp.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_file.chmod(0o600)
    return cert_file, key_file


@pytest.fixture
def tls_intake(provisioned_nats: EmbeddedNats, tmp_path: Path) -> Iterator[BackgroundIntake]:
    cert, key = _self_signed(tmp_path)
    settings = intake_settings(provisioned_nats, smtp_tls_cert=str(cert), smtp_tls_key=str(key))
    service = start_intake(settings)
    try:
        yield service
    finally:
        service.stop()


def _mail() -> bytes:
    msg = EmailMessage()
    msg["From"] = "Jan de Vries <jan@example.nl>"
    msg["To"] = "klachten@gemeente.example"
    msg["Subject"] = "Geen antwoord op mijn brief"
    msg["Message-ID"] = "<tls-1@example.nl>"
    msg.set_content("Ik wacht al zes weken op antwoord.")
    return msg.as_bytes(policy=email.policy.SMTP)


def test_a_mail_arrives_over_starttls(tls_intake: BackgroundIntake) -> None:
    trust = ssl.create_default_context(cafile=tls_intake.settings.smtp_tls_cert)
    with smtplib.SMTP("127.0.0.1", tls_intake.settings.smtp_port, timeout=30) as smtp:
        smtp.ehlo()
        assert smtp.has_extn("starttls")
        code, _ = smtp.starttls(context=trust)
        assert code == 220
        assert smtp.sock is not None and smtp.sock.version() in ("TLSv1.2", "TLSv1.3")
        smtp.ehlo()
        smtp.mail("jan@example.nl")
        smtp.rcpt("klachten@gemeente.example")
        code, reply = smtp.data(_mail())
    assert code == 250, reply
    assert b"KL-" in reply  # registered: the reply names its reference


def test_without_a_certificate_no_starttls_is_offered(provisioned_nats: EmbeddedNats) -> None:
    service = start_intake(intake_settings(provisioned_nats))
    try:
        with smtplib.SMTP("127.0.0.1", service.settings.smtp_port, timeout=30) as smtp:
            smtp.ehlo()
            assert not smtp.has_extn("starttls")
    finally:
        service.stop()
