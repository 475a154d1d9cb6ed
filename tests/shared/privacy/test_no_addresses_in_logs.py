"""No e-mail address or private-link token reaches a service's log (issue 20, item 7): aiosmtpd
logs every sender and recipient at INFO, and the logs are kept apart from the sealed log and
are not erased with a complainant. The filter every service's handler has (shared/runtime/
observability.py `configure_logging`) redacts them, in text and in JSON lines."""

from __future__ import annotations

import io
import json
import logging
import smtplib
import sys
from collections.abc import Iterator
from datetime import date
from email.message import EmailMessage
from uuid import uuid4

import pytest
from aiosmtpd.controller import Controller

from shared.privacy import statuslink
from shared.runtime.observability import configure_logging
from tests.support.ports import free_port

SENDER = "straße.müller@bücher.example.de"
RECIPIENT = "Jan.de.Vries+klacht@example.nl"


class Accept:
    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        return "250 OK"


@pytest.fixture(params=["text", "json"])
def service_log(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[io.StringIO]:
    """The root handler a service process gets, writing to a buffer instead of stderr."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    configure_logging("INFO", request.param)
    try:
        yield stream
    finally:
        root.handlers[:], root.level = saved[0], saved[1]


def test_smtp_senders_recipients_and_link_tokens_are_redacted(service_log: io.StringIO) -> None:
    port = free_port()
    controller = Controller(Accept(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = SENDER, RECIPIENT, "klacht"
        message["Message-ID"] = f"<{uuid4().hex}@mail.example.de>"
        message.set_content("tekst")
        with smtplib.SMTP("127.0.0.1", port, timeout=15) as smtp:
            smtp.send_message(message, from_addr=SENDER, to_addrs=[RECIPIENT])
    finally:
        controller.stop()
    path = statuslink.status_path(b"s" * 32, uuid4(), date(2026, 12, 5))
    logging.getLogger("klachten.notifier").info("letter to %s sent; link %s", RECIPIENT, path)
    lines = service_log.getvalue().splitlines()
    written = "\n".join(json.loads(x)["message"] if x.startswith("{") else x for x in lines)
    assert "sender:" in written and "recip:" in written  # aiosmtpd did log them, at INFO
    assert "letter to <address> sent" in written
    for secret in (SENDER, RECIPIENT, "müller", "Vries", path.rsplit("/", 1)[1]):
        assert secret not in written, secret
