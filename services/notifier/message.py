"""The e-mail that carries a rendered letter: a multipart/alternative (text, html) message with
the letter's deterministic Message-ID and headers that tie it back to the complaint.

Built for the price of the letter, not of the `email` package (issue #23: building each message
from scratch was a fifth of the notifier's CPU): what is the same for every letter is parsed once
(the From header, the parts' types, which the generator reads again when the message is sent),
headers that need no encoding are stored as they will be sent (`Message.set_raw`; only what may
need encoding or folding is parsed: names, subjects, long values), and the bodies are encoded
the way `set_content` would encode them. The bytes on the wire are those of `set_content` +
`add_alternative` (a test compares them); a text `set_content` would send as base64 is built by
the stdlib itself.
"""

from __future__ import annotations

import binascii
from datetime import UTC, datetime
from email import quoprimime
from email.message import EmailMessage
from email.policy import default
from email.utils import format_datetime, formataddr
from functools import lru_cache

from services.notifier.domain import Letter, Unbuildable
from services.notifier.letter_context import clean_line
from services.notifier.letters import RenderedLetter

MAX_LINE = default.max_line_length  # 78: where the stdlib folds a header or picks an encoding


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
    bodies = _encoded(rendered.text), _encoded(rendered.html)
    if bodies[0] is None or bodies[1] is None:
        return _built_by_the_stdlib(rendered, from_addr, to_addr, date=date, reply_to=reply_to)
    message = EmailMessage()
    message["From"] = _made_once("From", from_addr)
    message["To"] = to_addr
    if reply_to:
        message["Reply-To"] = reply_to
    message["Subject"] = clean_line(rendered.subject)
    _put(message, "Date", format_datetime(date or datetime.now(UTC)))
    _put(message, "Message-ID", rendered.message_id)
    # RFC 3834: tells autoresponders not to answer and mail loops to stop.
    _put(message, "Auto-Submitted", "auto-generated")
    _put(message, "X-Klachten-Letter", rendered.kind.value)
    _put(message, "X-Klachten-Complaint", rendered.complaint_id)
    _put(message, "X-Klachten-Reference", rendered.reference)
    _put(message, "X-Klachten-Template", f"{rendered.template_name}@{rendered.template_version}")
    _put(message, "X-Klachten-Content-SHA256", rendered.sha256)
    message["MIME-Version"] = _made_once("MIME-Version", "1.0")
    # The boundary: when sent (the generator picks one that is in neither part).
    message["Content-Type"] = _made_once("Content-Type", "multipart/alternative")
    _put(message, "Content-Language", rendered.language)
    for subtype, (cte, payload) in zip(("plain", "html"), bodies, strict=True):
        part = EmailMessage()
        part["Content-Type"] = _made_once("Content-Type", f'text/{subtype}; charset="utf-8"')
        part["Content-Transfer-Encoding"] = _made_once("Content-Transfer-Encoding", cte)
        if subtype == "html":
            part["MIME-Version"] = _made_once("MIME-Version", "1.0")  # as add_alternative has it
        part.set_payload(payload)
        message.attach(part)
    return message


def compose(letter: Letter, mail_from: str, date: datetime) -> EmailMessage:
    """The e-mail that carries `letter`, dated `date` (the same on every attempt: outbox.py).
    A letter no message can carry fails the same way every time: `Unbuildable`."""
    try:
        return build_message(
            letter.rendered,
            mail_from,
            formataddr((letter.recipient_name, letter.rendered.recipient)),
            date=date,
            reply_to=letter.reply_to,
        )
    except Exception as error:
        kind = letter.rendered.kind
        raise Unbuildable(
            f"cannot build the {kind} letter: {type(error).__name__}: {error}"
        ) from error


def redate(message: EmailMessage, date: datetime) -> EmailMessage:
    """`message` dated `date`: a message built (and so checked) before the outbox said when the
    letter was first sent is sent with that date, in the same place among the headers."""
    message.replace_header("Date", format_datetime(date))
    return message


@lru_cache(maxsize=32)
def _made_once(name: str, value: str) -> object:
    """A parsed header that is the same for every letter (the sender, the parts' types): made
    once, and never parsed again when the message is sent (the generator reads the types)."""
    return default.header_factory(name, value)


def _put(message: EmailMessage, name: str, value: str) -> None:
    """A header stored as it will be sent when it needs neither encoding nor folding; else
    parsed like any assignment (which also refuses line breaks in a value)."""
    if value.isascii() and len(name) + 2 + len(value) <= MAX_LINE and value.isprintable():
        message.set_raw(name, value)
    else:
        message[name] = value


def _encoded(text: str) -> tuple[str, str] | None:
    """(Content-Transfer-Encoding, payload) as `set_content(text)` picks them for utf-8 text
    under the default policy (email.contentmanager), or None where it would pick base64."""
    lines = text.encode().splitlines()
    body = b"\n".join(lines) + b"\n"
    if max((len(line) for line in lines), default=0) <= MAX_LINE:
        if body.isascii():
            return "7bit", body.decode("ascii")
        return "8bit", body.decode("ascii", "surrogateescape")
    sniff = b"\n".join(lines[:10]) + b"\n"
    sniff_qp = quoprimime.body_encode(sniff.decode("latin-1"), MAX_LINE)
    if len(sniff_qp) > len(binascii.b2a_base64(sniff)):
        return None
    if len(lines) <= 10:
        return "quoted-printable", sniff_qp
    return "quoted-printable", quoprimime.body_encode(body.decode("latin-1"), MAX_LINE)


def _built_by_the_stdlib(
    rendered: RenderedLetter,
    from_addr: str,
    to_addr: str,
    *,
    date: datetime | None = None,
    reply_to: str | None = None,
) -> EmailMessage:
    """The same message, every header parsed and every part built by the `email` package."""
    message = EmailMessage()
    message["From"] = from_addr
    message["To"] = to_addr
    if reply_to:
        message["Reply-To"] = reply_to
    message["Subject"] = clean_line(rendered.subject)
    message["Date"] = format_datetime(date or datetime.now(UTC))
    message["Message-ID"] = rendered.message_id
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
