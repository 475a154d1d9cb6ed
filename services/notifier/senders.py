"""Turning a rendered letter into an e-mail and handing it to an SMTP relay.

`send()` classifies every failure as transient (retry with backoff) or permanent (dead-letter)
so the caller never has to know aiosmtplib's exception tree.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime

import aiosmtplib
import msgspec

from services.notifier.letters import RenderedLetter


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
    timeout: float = 30.0
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


def build_message(
    rendered: RenderedLetter,
    from_addr: str,
    to_addr: str,
    *,
    date: datetime | None = None,
    reply_to: str | None = None,
) -> EmailMessage:
    """A multipart/alternative (text, html) message carrying the letter's deterministic
    Message-ID and headers that let a reader or a bounce tie it back to the complaint."""
    message = EmailMessage()
    message["From"] = from_addr
    message["To"] = to_addr
    if reply_to:
        message["Reply-To"] = reply_to
    message["Subject"] = rendered.subject
    message["Date"] = format_datetime(date or datetime.now(UTC))
    message["Message-ID"] = rendered.message_id
    # RFC 3834: tells autoresponders not to answer and mail loops to stop.
    message["Auto-Submitted"] = "auto-generated"
    message["X-Klachten-Letter"] = rendered.kind.value
    message["X-Klachten-Complaint"] = rendered.complaint_id
    message["X-Klachten-Reference"] = rendered.reference
    message["X-Klachten-Template"] = f"{rendered.template_name}@{rendered.template_version}"
    message["X-Klachten-Content-SHA256"] = rendered.sha256
    message.set_content(rendered.text, subtype="plain", charset="utf-8")
    message.add_alternative(rendered.html, subtype="html", charset="utf-8")
    # After set_content(): it drops every Content-* header set before it.
    message["Content-Language"] = rendered.language
    return message


async def send(message: EmailMessage, relay: RelaySettings) -> SendReceipt:
    """Deliver `message` to the relay; raise TransientSendError or PermanentSendError."""
    try:
        refused, response = await aiosmtplib.send(
            message,
            hostname=relay.host,
            port=relay.port,
            use_tls=relay.use_tls,
            start_tls=relay.start_tls,
            username=relay.username,
            password=relay.password,
            timeout=relay.timeout,
            validate_certs=relay.validate_certs,
        )
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
