"""One SMTP connection carries many letters (issue #23: a connection and EHLO per letter), and
a connection the relay closed while idle costs a reconnect, never a letter. Real aiosmtpd."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiosmtpd.smtp import SMTP

from services.notifier.mailsink import MaildirHandler, read_maildir
from services.notifier.senders import build_message, send
from tests.services.notifier.test_mail_delivery import FROM, TO, letter, relay_for


class CountingRelay:
    """An SMTP server storing into a Maildir that keeps every connection it accepted."""

    def __init__(self, maildir: Path) -> None:
        self.maildir, self.connections = maildir, []
        self.handler = MaildirHandler(maildir)

    def protocol(self) -> SMTP:
        smtp = SMTP(self.handler, hostname="relay")
        self.connections.append(smtp)
        return smtp


@pytest.fixture
async def relay(tmp_path: Path) -> AsyncIterator[tuple[CountingRelay, int]]:
    counting = CountingRelay(tmp_path / "mail")
    server = await asyncio.get_running_loop().create_server(counting.protocol, "127.0.0.1", 0)
    yield counting, server.sockets[0].getsockname()[1]
    server.close()
    for smtp in counting.connections:
        if smtp.transport is not None:
            smtp.transport.close()


async def test_letters_share_one_connection(relay: tuple[CountingRelay, int]) -> None:
    counting, port = relay
    for key in ("1", "2", "3"):
        await send(build_message(letter(key=key), FROM, TO), relay_for(port))
    assert len(read_maildir(counting.maildir)) == 3
    assert len(counting.connections) == 1


async def test_a_connection_closed_by_the_relay_costs_a_reconnect_not_a_letter(
    relay: tuple[CountingRelay, int],
) -> None:
    counting, port = relay
    await send(build_message(letter(key="1"), FROM, TO), relay_for(port))
    assert counting.connections[0].transport is not None
    counting.connections[0].transport.close()  # the relay drops the idle client
    receipt = await send(build_message(letter(key="2"), FROM, TO), relay_for(port))
    assert receipt.recipients == ["jan@example.org"]
    assert {m.message_id for m in read_maildir(counting.maildir)} == {
        letter(key="1").message_id,
        letter(key="2").message_id,
    }
    assert len(counting.connections) == 2
