"""Public edges (issue #20, item 8): references in other digits, recipients per message,
connections that never finish their headers. Real intake, nats-server, SMTP and sockets."""

from __future__ import annotations

import asyncio
import smtplib
import socket
import time

import httpx
import pytest
import uvicorn

from services.intake import domain
from services.intake.mail import MAX_RECIPIENTS
from services.intake.server import BackgroundIntake
from shared.runtime.observability import header_deadline
from tests.support.polling import wait_until
from tests.support.ports import free_port

OTHER_DIGITS = ["KL-٢٠٢٦-٠٠٠٠٠١", "KL-２０２６-０００００１", "KL-۲۰۲۶-۰۰۰۰۰۱"]


@pytest.mark.parametrize("reference", OTHER_DIGITS)
def test_a_reference_is_ascii_digits_only(reference: str) -> None:
    assert not domain.is_reference(reference)
    assert domain.find_reference(f"Re: {reference}") is None
    assert domain.is_reference("KL-2026-000001")


async def test_other_digits_are_not_found_not_a_server_error(client: httpx.AsyncClient) -> None:
    for reference in OTHER_DIGITS:
        api = await client.post("/api/status", json={"reference": reference, "email": "a@b.nl"})
        page = await client.post("/status", data={"reference": reference, "email": "a@b.nl"})
        # The lookup answers every input alike (no oracle), and never with a server error.
        assert api.status_code == 202, api.text
        assert page.status_code < 500, page.text


def test_smtp_refuses_recipients_beyond_the_limit(intake: BackgroundIntake) -> None:
    with smtplib.SMTP("127.0.0.1", intake.settings.smtp_port, timeout=30) as smtp:
        smtp.ehlo()
        smtp.mail("sender@example.nl")
        codes = [smtp.rcpt(f"klachten+{n}@gemeente.example")[0] for n in range(MAX_RECIPIENTS + 5)]
    assert codes == [250] * MAX_RECIPIENTS + [452] * 5


def _half_open(port: int, count: int) -> list[socket.socket]:
    """Connections that send the start of a request line and then nothing."""
    sockets = []
    for _ in range(count):
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
        sockets.append(s)
    return sockets


def _closed(s: socket.socket) -> bool:
    s.setblocking(False)
    try:
        return s.recv(1) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


async def _app(scope, receive, send) -> None:  # type: ignore[no-untyped-def]
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


async def test_half_open_connections_are_closed_and_served_ones_are_not() -> None:
    port = free_port()
    config = uvicorn.Config(
        _app, port=port, http=header_deadline(0.5), lifespan="off", log_level="warning"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    sockets: list[socket.socket] = []
    try:
        await wait_until(lambda: server.started, timeout=20)
        sockets = await asyncio.to_thread(_half_open, port, 20)
        started = time.monotonic()
        await wait_until(lambda: all(_closed(s) for s in sockets), timeout=20)
        async with httpx.AsyncClient(timeout=10) as client:  # whole requests still served
            assert (await client.get(f"http://127.0.0.1:{port}/")).text == "ok"
        assert time.monotonic() - started < 15
    finally:
        server.should_exit = True
        await task
        for s in sockets:
            s.close()


def test_the_services_use_the_header_deadline(intake: BackgroundIntake) -> None:
    assert intake._server is not None
    assert intake._server.http.config.http is header_deadline()
