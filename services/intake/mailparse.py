"""Reading inbound mail (pure): sender, subject, text (plain or HTML), replies, attachments.

The stdlib parser with the modern policy decodes quoted-printable, base64 and RFC 2047
headers. A message we cannot use is a `MailRejected` with an SMTP code that says why.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import re
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr
from html.parser import HTMLParser


class MailRejected(Exception):
    def __init__(self, reply: str) -> None:
        super().__init__(reply)
        self.reply = reply


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class InboundMail:
    message_id: str | None
    sender_name: str
    sender_email: str
    subject: str
    text: str
    reply_to_ids: str  # In-Reply-To and References, for finding our letters
    language: str
    attachments: list[Attachment] = field(default_factory=list)


def parse_mail(
    raw: bytes,
    *,
    envelope_from: str | None,
    max_attachment: int,
    allowed_types: frozenset[str],
) -> InboundMail:
    try:
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        sender_name, sender_email = _sender(msg, envelope_from)
        subject = " ".join(str(msg.get("Subject", "")).split())[:200]
        text = _text(msg)
        attachments = list(_attachments(msg, max_attachment, allowed_types))
        replies = " ".join(str(msg.get(h, "")) for h in ("In-Reply-To", "References"))
        message_id = str(msg.get("Message-ID", "")).strip() or None
        language = str(msg.get("Content-Language", "")).strip().lower()[:2]
    except MailRejected:
        raise
    except Exception as error:  # a header or part so broken the parser gives up
        raise MailRejected(f"550 5.6.0 cannot parse the message: {error}") from None
    if not text.strip() and not subject and not attachments:
        raise MailRejected("550 5.6.0 the message is empty: no subject, text or attachment")
    return InboundMail(
        message_id=message_id,
        sender_name=sender_name,
        sender_email=sender_email,
        subject=subject,
        text=text,
        reply_to_ids=replies,
        language="en" if language == "en" else "nl",
        attachments=attachments,
    )


def _sender(msg: EmailMessage, envelope_from: str | None) -> tuple[str, str]:
    header = msg.get("From")
    addresses: list[Address] = list(getattr(header, "addresses", ()) or ())
    if addresses and addresses[0].addr_spec and "@" in addresses[0].addr_spec:
        return addresses[0].display_name or "", addresses[0].addr_spec
    name, addr = getaddresses([str(header)])[0] if header else ("", "")
    if "@" in addr:
        return name, addr
    _, addr = parseaddr(envelope_from or "")
    if "@" in addr:
        return "", addr
    raise MailRejected("550 5.1.7 no usable sender address in From or MAIL FROM")


def _text(msg: EmailMessage) -> str:
    body = msg.get_body(preferencelist=("plain", "html"))
    if body is None:
        return ""
    content = body.get_content()
    if not isinstance(content, str):
        return ""
    if body.get_content_subtype() == "html":
        content = html_to_text(content)
    return content.replace("\r\n", "\n").strip()


def _attachments(msg: EmailMessage, max_bytes: int, allowed: frozenset[str]) -> list[Attachment]:
    found = []
    for part in msg.iter_attachments():
        if part.is_multipart() or part.get_content_type() == "message/rfc822":
            continue
        content_type = part.get_content_type().lower()
        filename = (part.get_filename() or "attachment").strip()[:200]
        data = part.get_payload(decode=True) or b""
        if content_type not in allowed:
            raise MailRejected(
                f"554 5.6.1 attachment {filename!r}: type {content_type} is not accepted "
                f"(accepted: {', '.join(sorted(allowed))})"
            )
        if len(data) > max_bytes:
            raise MailRejected(
                f"552 5.3.4 attachment {filename!r} is {len(data)} bytes; the limit is {max_bytes}"
            )
        found.append(Attachment(filename, content_type, data))
    return found


_QUOTE_START = re.compile(
    r"^(On .+ wrote:|Op .+ schreef .+:|-{2,} ?(Original Message|Oorspronkelijk bericht) ?-{2,}"
    r"|From: .+|Van: .+)\s*$",
    re.IGNORECASE,
)


def own_words(text: str) -> str:
    """The part of a reply the sender wrote: without quoted lines and the quoted letter."""
    lines = []
    for line in text.splitlines():
        if _QUOTE_START.match(line.strip()):
            break
        if not line.lstrip().startswith(">"):
            lines.append(line)
    return "\n".join(lines).strip()


class _TextExtractor(HTMLParser):
    BLOCK = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "blockquote"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag in ("script", "style", "head"):
            self._skip += 1
        elif tag in self.BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    text = "".join(extractor.parts)
    return re.sub(r"\n\s*\n+", "\n\n", re.sub(r"[ \t]+", " ", text)).strip()
