"""Letters travel over real SMTP into the embedded mail sink; failures are classified."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from email.message import EmailMessage
from pathlib import Path

import msgspec
import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session

from klachten.stack import launch
from services.notifier.letters import (
    LetterContext,
    LetterKind,
    RenderedLetter,
    content_hash,
    render,
)
from services.notifier.mailsink import MailSink, load_message, main, read_maildir
from services.notifier.senders import (
    PermanentSendError,
    RelaySettings,
    TransientSendError,
    build_message,
    send,
)
from tests.support.checkout import REPO_ROOT
from tests.support.ports import free_port

COMPLAINT_ID = "7d3c0a52-6a9e-4f1b-8f59-2f7c8e0a9b11"
FROM = "Gemeente Voorbeeld <klachten@voorbeeld.nl>"
TO = "Jan de Vries <jan@example.org>"
REPLY_TO = "klachten+7d3c0a526a9e4f1b8f592f7c8e0a9b11.abcdefghijklmnop@klachten.local"


def letter(kind: LetterKind = LetterKind.ACKNOWLEDGEMENT, key: str = "1") -> RenderedLetter:
    ctx = LetterContext(
        complaint_id=COMPLAINT_ID,
        reference="KL-2026-000042",
        language="nl",
        complainant_name="Jan de Vries",
        complainant_email="jan@example.org",
        subject="Geen reactie op mijn aanvraag",
        received_at=datetime(2026, 12, 7, 9, 30, tzinfo=UTC),
        organisation_name="Gemeente Voorbeeld",
        respond_by=date(2026, 12, 28),
        statutory_by=date(2027, 1, 18),
        escalation_level=1,
        escalation_target="het hoofd Klantcontact",
        review_url=f"http://127.0.0.1:8080/status/{COMPLAINT_ID}/abc/review",
    )
    return render(kind, ctx, letter_key=key)


def relay_for(port: int, timeout: float = 5.0) -> RelaySettings:
    return RelaySettings(host="127.0.0.1", port=port, timeout=timeout)


def test_build_message_carries_both_parts_and_the_letter_identity() -> None:
    rendered = letter()
    sent_at = datetime(2026, 12, 7, 9, 31, tzinfo=UTC)
    message = build_message(rendered, FROM, TO, date=sent_at, reply_to=REPLY_TO)

    assert message.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in message.iter_parts()] == [
        "text/plain",
        "text/html",
    ]
    assert message["Message-ID"] == rendered.message_id
    assert message["Date"] == "Mon, 07 Dec 2026 09:31:00 +0000"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["X-Klachten-Letter"] == "acknowledgement"
    assert message["X-Klachten-Complaint"] == COMPLAINT_ID
    assert message["X-Klachten-Content-SHA256"] == rendered.sha256
    assert message["Reply-To"] == REPLY_TO


def test_control_characters_in_a_subject_never_break_the_message() -> None:
    # Old events hold names and subjects from before intake refused control characters.
    rendered = msgspec.structs.replace(letter(), subject="Klacht\r\nBcc: x@evil.example\u202e")
    message = build_message(rendered, FROM, TO, reply_to=REPLY_TO)
    assert message["Subject"] == "Klacht Bcc: x@evil.example"
    assert message["Bcc"] is None
    assert b"\r\nBcc:" not in message.as_bytes()


async def test_sent_letter_lands_once_in_the_maildir_with_both_parts(sink: MailSink) -> None:
    rendered = letter()
    receipt = await send(build_message(rendered, FROM, TO), relay_for(sink.port))

    assert receipt.message_id == rendered.message_id
    assert receipt.recipients == ["jan@example.org"]
    stored = read_maildir(sink.maildir)
    assert len(stored) == 1
    assert stored[0].message_id == rendered.message_id
    assert stored[0].to == ["jan@example.org"]
    assert stored[0].subject == rendered.subject
    assert stored[0].letter_kind == "acknowledgement"
    assert stored[0].key in receipt.relay_response

    message = load_message(sink.maildir, rendered.message_id)
    assert message is not None
    text, html = _parts(message)
    assert text == rendered.text
    assert html == rendered.html
    assert "vóór maandag 18 januari 2027" in text


async def test_stored_message_reproduces_the_recorded_hash(sink: MailSink) -> None:
    rendered = letter()
    await send(build_message(rendered, FROM, TO), relay_for(sink.port))

    message = load_message(sink.maildir, rendered.message_id.strip("<>"))
    assert message is not None
    text, html = _parts(message)
    recomputed = content_hash(
        str(message["Message-ID"]).strip(), "jan@example.org", str(message["Subject"]), text, html
    )
    assert recomputed == rendered.sha256


async def test_a_resend_after_a_crash_is_recognisable_by_its_message_id(sink: MailSink) -> None:
    relay = relay_for(sink.port)
    await send(build_message(letter(), FROM, TO), relay)
    await send(build_message(letter(), FROM, TO), relay)
    await send(build_message(letter(LetterKind.ESCALATION_NOTICE, key="5"), FROM, TO), relay)

    ids = [mail.message_id for mail in read_maildir(sink.maildir)]
    assert len(ids) == 3
    assert len(set(ids)) == 2


async def test_closed_port_is_a_transient_error_and_fails_fast() -> None:
    started = time.monotonic()
    with pytest.raises(TransientSendError):
        await send(build_message(letter(), FROM, TO), relay_for(free_port()))
    assert time.monotonic() - started < 2


async def test_silent_server_times_out_as_transient() -> None:
    # The kernel completes the handshake from the backlog; nobody ever sends a greeting.
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        port = listener.getsockname()[1]
        with pytest.raises(TransientSendError):
            await send(build_message(letter(), FROM, TO), relay_for(port, timeout=0.3))


class RefusingHandler:
    def __init__(self, reply: str) -> None:
        self.reply = reply

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        return self.reply


async def _with_refusing_server(reply: str, action: Callable[[int], Awaitable[None]]) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(RefusingHandler(reply)), "127.0.0.1", 0)
    try:
        await action(server.sockets[0].getsockname()[1])
    finally:
        server.close()
        await server.wait_closed()


async def test_recipient_refused_with_5xx_is_permanent() -> None:
    async def attempt(port: int) -> None:
        with pytest.raises(PermanentSendError) as error:
            await send(build_message(letter(), FROM, TO), relay_for(port))
        assert error.value.code == 550

    await _with_refusing_server("550 5.1.1 No such user", attempt)


async def test_recipient_refused_with_4xx_is_transient() -> None:
    async def attempt(port: int) -> None:
        with pytest.raises(TransientSendError) as error:
            await send(build_message(letter(), FROM, TO), relay_for(port))
        assert error.value.code == 451

    await _with_refusing_server("451 4.3.0 Try again later", attempt)


async def test_cli_lists_and_shows_stored_messages(
    sink: MailSink, capsys: pytest.CaptureFixture[str]
) -> None:
    rendered = letter()
    await send(build_message(rendered, FROM, TO), relay_for(sink.port))

    assert main(["--list", "--maildir", str(sink.maildir)]) == 0
    listing = capsys.readouterr().out
    assert rendered.message_id in listing
    assert rendered.subject in listing
    assert main(["--show", rendered.message_id, "--maildir", str(sink.maildir)]) == 0
    assert "X-Klachten-Letter: acknowledgement" in capsys.readouterr().out
    assert main(["--show", "<nope@klachten.local>", "--maildir", str(sink.maildir)]) == 1


async def test_sink_stores_into_an_existing_empty_directory(tmp_path: Path) -> None:
    existing = tmp_path / "mail"
    existing.mkdir()
    async with MailSink(existing, port=0) as running:
        await send(build_message(letter(), FROM, TO), relay_for(running.port))
    assert len(read_maildir(existing)) == 1


async def test_sink_that_cannot_store_asks_the_sender_to_retry(tmp_path: Path) -> None:
    async with MailSink(tmp_path / "mail", port=0) as running:
        (tmp_path / "mail" / "tmp").rmdir()
        with pytest.raises(TransientSendError) as error:
            await send(build_message(letter(), FROM, TO), relay_for(running.port))
    assert error.value.code == 451


def test_reading_a_maildir_that_does_not_exist_yet_is_empty(tmp_path: Path) -> None:
    assert read_maildir(tmp_path / "absent") == []
    assert load_message(tmp_path / "absent", "<x@y>") is None


async def test_mail_sink_runs_as_its_own_process(tmp_path: Path) -> None:
    port = free_port()
    maildir = tmp_path / "mail"
    process = await asyncio.create_subprocess_exec(
        *launch.command("services.notifier.mailsink"),
        "--port",
        str(port),
        "--maildir",
        str(maildir),
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
    )
    try:
        await _wait_until_listening(port, deadline=10)
        rendered = letter()
        await send(build_message(rendered, FROM, TO), relay_for(port))
        assert [mail.message_id for mail in read_maildir(maildir)] == [rendered.message_id]
    finally:
        process.send_signal(signal.SIGTERM)
        return_code = await asyncio.wait_for(process.wait(), 10)
    assert return_code == 0


async def _wait_until_listening(port: int, deadline: float) -> None:
    give_up = time.monotonic() + deadline
    while True:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            if time.monotonic() > give_up:
                raise
            await asyncio.sleep(0.05)
            continue
        writer.close()
        await writer.wait_closed()
        return


def _parts(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    return str(text.get_content()), str(html.get_content())
