"""A real SMTP relay for the letter fault tests (no tests here): it keeps what it accepts in a
Maildir like the mail sink, and lets a test act at the worst moments: after the message is
stored but before the relay answers (kill or stall nats-server, answer late), or refuse with a
temporary error (451) for a while. Every MAIL/RCPT attempt is timed per recipient.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from pathlib import Path

from aiosmtpd.smtp import SMTP, Envelope, Session

from services.notifier.mailsink import MaildirHandler

AfterStore = Callable[[Envelope], Awaitable[None]]


class Relay:
    """`after_store` runs once the message is in the Maildir, before the 250; `refusing` makes
    RCPT answer 451 (the notifier's relay probe asks RCPT too)."""

    def __init__(self, maildir: Path, after_store: AfterStore | None = None) -> None:
        self.maildir = maildir
        self.after_store = after_store
        self.refusing = False
        self.attempts: dict[str, list[float]] = defaultdict(list)  # recipient -> monotonic
        self._store = MaildirHandler(maildir)
        self._server: asyncio.Server | None = None
        self.port = 0

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list
    ) -> str:
        self.attempts[address].append(time.monotonic())
        if self.refusing:
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        answer = await self._store.handle_DATA(server, session, envelope)
        if self.after_store is not None:
            await self.after_store(envelope)
        return answer

    async def __aenter__(self) -> Relay:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: SMTP(self, hostname="fault-relay"), host="127.0.0.1", port=0
        )
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()
