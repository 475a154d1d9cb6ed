"""Reading inbound mail (pure): sender, subject, text, threading, files, auto-replies, language.

The stdlib parser with the modern policy decodes quoted-printable, base64 and RFC 2047
headers. The whole MIME tree is walked: files inside nested multiparts count, and a forwarded
message (``message/rfc822``) is kept whole as an ``.eml`` file, its text added below ours and
its own files kept too. A file's type is read from its bytes (magic numbers, ``filetype``),
not from what the sender declared; a file we do not take is left out and listed in
``refused`` (the acknowledgement names it) instead of bouncing the whole mail. A message we
cannot use at all is a `MailRejected` with an SMTP code that says why.

Above 300 lines because the MIME walk, the file-type sniffing and the auto-reply signs are
one reading of one message; split, each part would need the others' state.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import mimetypes
import re
from dataclasses import dataclass, field
from email import errors
from email.header import decode_header, make_header
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr
from html.parser import HTMLParser
from typing import Literal

import filetype
from langdetect import DetectorFactory, LangDetectException, detect_langs

from services.intake.characters import clean_single_line
from shared.contract import events as ev

Lang = Literal["nl", "en"]
MAX_DEPTH = 12  # nested multiparts and forwards; deeper is a hostile message, not a person's
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the container of .doc (and .xls, .msg, …)
OLE2_TYPES = frozenset({"application/msword"})
FORWARD_TYPE = "message/rfc822"
DetectorFactory.seed = 0  # langdetect samples at random: the same text, the same answer


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
    language: Lang
    attachments: list[Attachment] = field(default_factory=list)
    refused: list[ev.RefusedAttachment] = field(default_factory=list)
    recipients: tuple[str, ...] = ()  # To and Cc: a reply address may be among them
    auto_reply: bool = False
    authentication_results: str = ""  # the topmost header: the one our own MTA added


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
        subject = clean_single_line(str(msg.get("Subject", "")))[:200]
        found = _Found(max_attachment, allowed_types)
        found.walk(msg, msg.get_body(preferencelist=("plain", "html")), 0)
        text = "\n\n".join(t for t in (_text(msg), *found.forwarded) if t)
        replies = " ".join(str(msg.get(h, "")) for h in ("In-Reply-To", "References"))
        message_id = str(msg.get("Message-ID", "")).strip() or None
        content_language = str(msg.get("Content-Language", ""))
        listed = [str(h) for name in ("To", "Cc") for h in msg.get_all(name, [])]
        recipients = tuple(address for _, address in getaddresses(listed))
        results = str(msg.get("Authentication-Results", ""))
    except MailRejected:
        raise
    except Exception as error:  # a header or part so broken the parser gives up
        raise MailRejected(f"550 5.6.0 cannot parse the message: {error}") from None
    if not text.strip() and not subject and not found.files and not found.refused:
        raise MailRejected("550 5.6.0 the message is empty: no subject, text or attachment")
    return InboundMail(
        message_id=message_id,
        sender_name=clean_single_line(sender_name)[:200],
        sender_email=sender_email,
        subject=subject,
        text=text,
        reply_to_ids=replies,
        language=detect_language(own_words(text) or text or subject, content_language),
        attachments=found.files,
        refused=found.refused,
        recipients=recipients,
        auto_reply=is_auto_reply(msg, envelope_from),
        authentication_results=results,
    )


def _sender(msg: EmailMessage, envelope_from: str | None) -> tuple[str, str]:
    name, addr = _from_header(msg)
    if "@" in addr:
        return name, addr
    _, addr = parseaddr(envelope_from or "")
    if "@" in addr:
        return "", addr
    raise MailRejected("550 5.1.7 no usable sender address in From or MAIL FROM")


def _from_header(msg: EmailMessage) -> tuple[str, str]:
    try:
        header = msg.get("From")
    except ValueError:  # an encoded CR or LF in the display name: read the raw header
        raw = next((str(v) for k, v in msg.raw_items() if k.lower() == "from"), "")
        return parseaddr(" ".join(str(make_header(decode_header(raw))).split()))
    addresses: list[Address] = list(getattr(header, "addresses", ()) or ())
    if addresses and addresses[0].addr_spec and "@" in addresses[0].addr_spec:
        return addresses[0].display_name or "", addresses[0].addr_spec
    return getaddresses([str(header)])[0] if header else ("", "")


def _text(msg: EmailMessage) -> str:
    body = msg.get_body(preferencelist=("plain", "html"))
    if body is None:
        return ""
    try:
        content = body.get_content()
    except (LookupError, ValueError):  # an unknown charset: read what can be read
        content = (body.get_payload(decode=True) or b"").decode("utf-8", "replace")
    if not isinstance(content, str):
        return ""
    if body.get_content_subtype() == "html":
        content = html_to_text(content)
    lines = content.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(clean_single_line(line) for line in lines).strip()


class _Found:
    """What a walk of the MIME tree finds besides the body: files, refusals, forwarded text."""

    def __init__(self, max_bytes: int, allowed: frozenset[str]) -> None:
        self.max_bytes, self.allowed = max_bytes, allowed
        self.files: list[Attachment] = []
        self.refused: list[ev.RefusedAttachment] = []
        self.forwarded: list[str] = []

    def walk(self, part: EmailMessage, body: EmailMessage | None, depth: int) -> None:
        if depth > MAX_DEPTH:
            return
        if part.get_content_type() == FORWARD_TYPE:
            self.forward(part, depth)
        elif part.is_multipart():
            for sub in part.iter_parts():
                self.walk(sub, body, depth + 1)  # type: ignore[arg-type]
        elif part is not body and not _another_rendering(part):
            self.file(part)

    def forward(self, part: EmailMessage, depth: int) -> None:
        """A forwarded message: the whole of it as an .eml file, its text, its own files."""
        payload = part.get_payload()
        inner = payload[0] if isinstance(payload, list) and payload else None
        if not isinstance(inner, EmailMessage):
            self.refuse(part, FORWARD_TYPE, None, 0, "unreadable")
            return
        subject = clean_single_line(str(inner.get("Subject", "")))
        data = inner.as_bytes(policy=email.policy.SMTP)
        name = _filename(part) or f"{_safe_name(subject) or 'forwarded'}.eml"
        if len(data) > self.max_bytes:
            self.refuse(part, FORWARD_TYPE, FORWARD_TYPE, len(data), "too_large", name)
        else:
            self.files.append(Attachment(name, FORWARD_TYPE, data))
        header = "\n".join(
            f"{label}: {clean_single_line(str(inner.get(label, '')))}"
            for label in ("From", "Date", "Subject")
            if inner.get(label)
        )
        text = _text(inner)
        self.forwarded.append(f"---------- Forwarded message ----------\n{header}\n\n{text}")
        self.walk(inner, inner.get_body(preferencelist=("plain", "html")), depth + 1)

    def file(self, part: EmailMessage) -> None:
        declared = part.get_content_type().lower()
        name = _filename(part) or "attachment"
        data = part.get_payload(decode=True)
        broken = any(isinstance(d, _BASE64_DEFECTS) for d in part.defects)
        if not isinstance(data, bytes) or broken:
            self.refuse(part, declared, None, len(data or b""), "unreadable", name)
            return
        claimed = declared
        if claimed == "application/octet-stream":
            claimed = (mimetypes.guess_type(name)[0] or claimed).lower()
        detected = detect_type(data, claimed)
        if len(data) > self.max_bytes:
            self.refuse(part, declared, detected, len(data), "too_large", name)
        elif detected is None or detected not in self.allowed:
            self.refuse(part, declared, detected, len(data), "type_not_accepted", name)
        else:
            self.files.append(Attachment(name, detected, data))

    def refuse(
        self,
        part: EmailMessage,
        declared: str,
        detected: str | None,
        size: int,
        reason: ev.RefusalReason,
        name: str | None = None,
    ) -> None:
        self.refused.append(
            ev.RefusedAttachment(
                filename=name or _filename(part) or "attachment",
                declared_type=declared,
                detected_type=detected,
                size=size,
                reason=reason,
            )
        )


_BASE64_DEFECTS = (
    errors.InvalidBase64CharactersDefect,
    errors.InvalidBase64PaddingDefect,
    errors.InvalidBase64LengthDefect,
)


def _another_rendering(part: EmailMessage) -> bool:
    """A text part without a file name that is not an attachment: the HTML twin of the body,
    or a fragment of it, not a document the sender attached."""
    return (
        part.get_content_maintype() == "text"
        and not part.get_filename()
        and part.get_content_disposition() != "attachment"
    )


def _filename(part: EmailMessage) -> str:
    return clean_single_line(part.get_filename() or "").replace("/", "_").replace("\\", "_")[:200]


def _safe_name(text: str) -> str:
    return re.sub(r"[^\w.,()' -]+", "_", text).strip(" ._")[:100]


def detect_type(data: bytes, claimed: str) -> str | None:
    """The type the bytes are, from their magic numbers; plain text by being readable text.

    An OLE2 container (old Word, Excel, Outlook files alike) is the type claimed only when that
    claim is an OLE2 type: the container alone cannot tell them apart.
    """
    kind = filetype.guess_mime(data)
    if kind:
        return kind.lower()
    if data.startswith(OLE2):
        return claimed if claimed in OLE2_TYPES else "application/x-ole-storage"
    if _is_text(data):
        return "text/plain"
    return None


def _is_text(data: bytes) -> bool:
    sample = data[:8192]
    if not sample or b"\0" in sample:
        return False
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    return controls * 100 <= len(sample)


# --- auto-replies (RFC 3834) ----------------------------------------------------------------

_BULK = frozenset({"bulk", "auto_reply", "junk", "list"})
_AUTO_SUBJECT = re.compile(
    r"^\s*(auto(matic|matisch)?[ -]?(reply|antwoord|response|respons)|auto:|"
    r"out of (the )?office|ooo\b|afwezig|niet aanwezig|afwezigheid|buiten kantoor|"
    r"vakantie ?melding|on (vacation|holiday|leave)|away from (the )?office)",
    re.IGNORECASE,
)


def is_auto_reply(msg: EmailMessage, envelope_from: str | None = None) -> bool:
    """An automatic message (out of office, vacation, bounce, list mail): it needs no one.

    By its headers first (RFC 3834 Auto-Submitted, the X-Autoreply family, Precedence, a
    delivery report), by a typical Dutch or English out-of-office subject as a last resort.
    """
    auto = str(msg.get("Auto-Submitted", "")).split(";")[0].strip().lower()
    if auto and auto != "no":
        return True
    if any(msg.get(h) for h in ("X-Autoreply", "X-Autorespond", "X-Autoresponder")):
        return True
    if str(msg.get("Precedence", "")).strip().lower() in _BULK:
        return True
    if msg.get_content_type() == "multipart/report" or envelope_from == "<>":
        return True
    return bool(_AUTO_SUBJECT.match(clean_single_line(str(msg.get("Subject", "")))))


# --- language -------------------------------------------------------------------------------

MIN_DETECT_CHARS = 20  # shorter texts are guessed badly; the header decides instead


def detect_language(text: str, content_language: str = "") -> Lang:
    """English or Dutch, from the text (langdetect); else the Content-Language; else Dutch."""
    words = " ".join(text.split())
    if len(words) >= MIN_DETECT_CHARS:
        try:
            found = {guess.lang: guess.prob for guess in detect_langs(words)}
        except LangDetectException:
            found = {}
        if found.get("en", 0.0) >= 0.5:
            return "en"
        if found.get("nl", 0.0) >= 0.5:
            return "nl"
    header = content_language.strip().lower()[:2]
    return "en" if header == "en" else "nl"


# --- the sender's own words and HTML --------------------------------------------------------

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
