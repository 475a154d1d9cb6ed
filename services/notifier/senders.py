"""Handing a letter's e-mail (built by message.py) to an SMTP relay.

`send()` classifies every failure as transient (retry with backoff) or permanent (dead-letter)
so the caller never has to know aiosmtplib's exception tree. Timeouts follow RFC 5321 §4.5.3.2:
a relay may take up to 10 minutes to answer the end of DATA, and giving up earlier sends the
letter twice when it was accepted after all. `RelayGate` lets letters that wait for a relay
that is down go out together as soon as it answers again. Connections to the relay are kept
and reused (`_Pool`): a connection and EHLO per letter cost more than the letter.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import weakref
from collections.abc import Awaitable, Callable
from email.message import EmailMessage

import aiosmtplib
import msgspec

# Built in message.py; callers import them from here as well.
from services.notifier.message import build_message as build_message
from services.notifier.message import compose as compose


class RelaySettings(msgspec.Struct, frozen=True, kw_only=True):
    """Where outgoing mail goes. The default is the embedded mail sink on localhost.

    `use_tls` is implicit TLS (port 465); `start_tls` True requires STARTTLS, None upgrades only
    when the server offers it, False never upgrades.
    """

    host: str = "127.0.0.1"
    port: int = 1025
    use_tls: bool = False
    start_tls: bool | None = False
    username: str | None = None
    password: str | None = None
    timeout: float = 300.0  # connect, greeting and each command (RFC 5321: 5 minutes)
    data_timeout: float = 600.0  # the answer to the end of DATA (RFC 5321: 10 minutes)
    validate_certs: bool = True


class SendReceipt(msgspec.Struct, frozen=True, kw_only=True):
    message_id: str
    recipients: list[str]
    relay_response: str


class SendError(Exception):
    """Sending failed. `code` is the SMTP reply code when the relay gave one."""

    def __init__(self, reason: str, code: int | None = None) -> None:
        super().__init__(reason if code is None else f"{code} {reason}")
        self.reason = reason
        self.code = code


class TransientSendError(SendError):
    """Retrying later may succeed: connection refused, timeout, 4xx, relay misconfigured."""


class PermanentSendError(SendError):
    """Retrying the same message will not succeed (5xx on the recipient or the message)."""


async def send(message: EmailMessage, relay: RelaySettings) -> SendReceipt:
    """Deliver `message` to the relay; raise TransientSendError or PermanentSendError."""
    try:
        refused, response = await _pool(relay).send(message)
    except aiosmtplib.SMTPRecipientsRefused as error:
        raise _recipients_refused(error) from error
    except aiosmtplib.SMTPAuthenticationError as error:
        # Wrong credentials are the relay's configuration, not this letter's fault: keep the
        # letter for a retry after the fix instead of dead-lettering every letter.
        raise TransientSendError(f"authentication failed: {error.message}", error.code) from error
    except aiosmtplib.SMTPResponseException as error:
        raise _by_code(error.code, error.message) from error
    except (aiosmtplib.SMTPException, OSError) as error:
        raise TransientSendError(f"{type(error).__name__}: {error}") from error
    accepted = [address for address in _recipients(message) if address not in refused]
    return SendReceipt(
        message_id=str(message["Message-ID"]), recipients=accepted, relay_response=response
    )


class _Pool:
    """Up to `size` connections to one relay, each reused by the next letter. Only a connection
    whose last letter was accepted goes back; one idle longer than `max_idle` is closed (relays
    drop idle clients, RFC 5321 §4.5.3.2.7). A reused connection the relay has closed meanwhile
    costs one retry on a new connection, never the letter."""

    def __init__(self, relay: RelaySettings, size: int = 4, max_idle: float = 60.0) -> None:
        self.relay, self.max_idle = relay, max_idle
        self.idle: list[tuple[aiosmtplib.SMTP, float]] = []
        self.slots = asyncio.Semaphore(size)

    async def send(self, message: EmailMessage) -> tuple[dict[str, object], str]:
        async with self.slots:
            reused = self._take()
            if reused is not None:
                try:
                    return await self._send_on(reused, message)
                except (aiosmtplib.SMTPServerDisconnected, ConnectionError):
                    pass  # closed by the relay while idle: once more, on a new connection
            smtp = _client(self.relay)
            await smtp.connect()
            return await self._send_on(smtp, message)

    def _take(self) -> aiosmtplib.SMTP | None:
        while self.idle:
            smtp, since = self.idle.pop()
            if smtp.is_connected and time.monotonic() - since < self.max_idle:
                return smtp
            smtp.close()
        return None

    async def _send_on(
        self, smtp: aiosmtplib.SMTP, message: EmailMessage
    ) -> tuple[dict[str, object], str]:
        try:
            refused, response = await smtp.send_message(message, timeout=self.relay.data_timeout)
        except BaseException:
            smtp.close()  # its state after a failure is unknown: never reuse it
            raise
        self.idle.append((smtp, time.monotonic()))
        return dict(refused), response


_pools: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[RelaySettings, _Pool]] = (
    weakref.WeakKeyDictionary()
)


def _pool(relay: RelaySettings) -> _Pool:
    """The pool of this event loop for `relay` (connections belong to one loop)."""
    pools = _pools.setdefault(asyncio.get_running_loop(), {})
    if relay not in pools:
        pools[relay] = _Pool(relay)
    return pools[relay]


def _client(relay: RelaySettings) -> aiosmtplib.SMTP:
    return aiosmtplib.SMTP(
        hostname=relay.host,
        port=relay.port,
        use_tls=relay.use_tls,
        start_tls=relay.start_tls,
        username=relay.username,
        password=relay.password,
        timeout=relay.timeout,
        validate_certs=relay.validate_certs,
    )


async def relay_answers(relay: RelaySettings, sender: str) -> bool:
    """Would the relay take a letter now? Greeting, EHLO, MAIL and RCPT (to our own address),
    then RSET: nothing is sent. A relay that refuses only the message itself fools it; the
    gate then backs off (RelayGate)."""
    try:
        async with _client(relay) as smtp:
            await smtp.mail(sender, timeout=relay.timeout)
            await smtp.rcpt(sender, timeout=relay.timeout)
            await smtp.rset()
    except (aiosmtplib.SMTPException, OSError):
        return False
    return True


class RelayGate:
    """Where letters wait for a relay that is down, and are released together when it is up.

    Each waiting letter keeps its own schedule (base·2^(n-1), see shared/runtime/consumer.py), but
    waits no longer than until a letter was accepted or a probe (`relay_answers`) passed: after
    an outage the queue goes at once, not when each letter's backoff runs out. Probes run only
    while letters wait, every `interval`, doubling (up to `cap`) after each release that was
    not followed by an accepted letter.
    """

    def __init__(self, probe: Callable[[], Awaitable[bool]], interval: float, cap: float) -> None:
        self.probe, self.base, self.cap = probe, interval, cap
        self.interval = interval
        self._up = asyncio.Event()
        self._waiting = 0
        self._prober: asyncio.Task[None] | None = None

    def accepted(self) -> None:
        """A letter went out: the relay is up."""
        self.interval = self.base
        self._release()

    async def wait(self, delay: float) -> None:
        up = self._up
        self._waiting += 1
        if self._prober is None or self._prober.done():
            self._prober = asyncio.create_task(self._probe_while_waiting())
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(up.wait(), delay)
        finally:
            self._waiting -= 1

    def _release(self) -> None:
        self._up.set()
        self._up = asyncio.Event()

    async def _probe_while_waiting(self) -> None:
        while self._waiting:
            await asyncio.sleep(self.interval)
            if self._waiting and await self.probe():
                self.interval = min(self.cap, self.interval * 2)
                self._release()


def _by_code(code: int, message: str) -> SendError:
    if 500 <= code < 600:
        return PermanentSendError(message, code)
    return TransientSendError(message, code)


def _recipients_refused(error: aiosmtplib.SMTPRecipientsRefused) -> SendError:
    reasons = "; ".join(f"{r.recipient}: {r.code} {r.message}" for r in error.recipients)
    codes = [r.code for r in error.recipients]
    if codes and all(500 <= code < 600 for code in codes):
        return PermanentSendError(f"recipients refused: {reasons}", codes[0])
    return TransientSendError(f"recipients refused: {reasons}", codes[0] if codes else None)


def _recipients(message: EmailMessage) -> list[str]:
    addresses: list[str] = []
    for header in ("To", "Cc", "Bcc"):
        value = message[header]
        if value is not None:
            addresses.extend(address.addr_spec for address in value.addresses)
    return addresses
