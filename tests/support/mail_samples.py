"""Mail as real clients send it, built with Python's ``email`` package, and an SMTP sender.

Shapes follow what Thunderbird, Outlook and Gmail produce: forwards inline and as an attached
message, replies with quoted text and threading headers, HTML-only bodies, a multipart/mixed
nested inside multipart/alternative, out-of-office auto-replies.
"""

from __future__ import annotations

import asyncio
import email.policy
import io
import smtplib
import zipfile
from email.message import EmailMessage

import nats

from services.intake.application import REFERENCES_BUCKET

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 17
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 16
COMPLAINANT = "Jürgen Bäcker <jb@example.nl>"


def zip_file() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("foto.txt", "niet bijgevoegd")
    return buffer.getvalue()


def send(
    port: int, msg: EmailMessage | bytes, *, rcpt: str = "klachten@gemeente.example"
) -> tuple[int, bytes]:
    """smtplib against intake's aiosmtpd; lines end in CRLF on the wire."""
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        smtp.ehlo()
        smtp.mail("sender@example.nl")
        smtp.rcpt(rcpt)
        raw = msg if isinstance(msg, bytes) else msg.as_bytes(policy=email.policy.SMTP)
        return smtp.data(raw)


def registered_id(nats_url: str, reply: bytes | str) -> str:
    """The complaint id of a reference (or of SMTP's "registered as <reference>" reply)."""
    text = reply.decode() if isinstance(reply, bytes) else reply
    reference = text.rsplit(" ", 1)[-1]

    async def read() -> str:
        nc = await nats.connect(nats_url)
        try:
            kv = await nc.jetstream().key_value(REFERENCES_BUCKET)
            return (await kv.get(f"ref.{reference}")).value.decode()
        finally:
            await nc.close()

    return asyncio.run(read())


def plain(
    subject: str,
    text: str,
    message_id: str,
    sender: str = COMPLAINANT,
    to: str = "klachten@gemeente.example",
    **headers: str,
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = message_id
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(text, cte="quoted-printable")
    return msg


def with_pdf(msg: EmailMessage, data: bytes = PDF, filename: str = "factuur.pdf") -> EmailMessage:
    msg.add_attachment(data, maintype="application", subtype="pdf", filename=filename)
    return msg


def nested_mixed_in_alternative(message_id: str) -> EmailMessage:
    """multipart/alternative whose HTML side is a multipart/mixed carrying a PDF (as some
    mobile clients send), and a PNG in a multipart/related (an inline screenshot)."""
    msg = plain("Klacht over de factuur", "De factuur klopt niet, zie bijlage.", message_id)
    msg.add_alternative("<p>De factuur klopt <b>niet</b>, zie bijlage.</p>", subtype="html")
    html_side = msg.get_payload()[1]
    inner = EmailMessage()
    inner.set_content("<p>De factuur klopt <b>niet</b>.</p>", subtype="html")
    inner.add_attachment(PDF, maintype="application", subtype="pdf", filename="factuur.pdf")
    msg.get_payload()[1] = inner  # now multipart/mixed inside multipart/alternative
    assert html_side.get_content_type() == "text/html"
    msg.make_mixed()
    related = EmailMessage()
    related.set_content("<p><img src='cid:shot@x'></p>", subtype="html")
    related.add_related(PNG, maintype="image", subtype="png", cid="<shot@x>", filename="scherm.png")
    msg.attach(related)
    return msg


def forwarded_as_attachment(message_id: str) -> EmailMessage:
    """Thunderbird "Forward as attachment": our words, then the whole original (with its PDF)."""
    original = plain(
        "Uw aanslag 2026",
        "Geachte heer Bäcker, hierbij de aanslag van 1.200 euro.",
        "<aanslag-1@gemeente.example>",
        sender="Belastingen <belastingen@gemeente.example>",
    )
    with_pdf(original, filename="aanslag.pdf")
    msg = plain(
        "Fwd: Uw aanslag 2026", "Deze aanslag is veel te hoog, zie het bericht.", message_id
    )
    msg.add_attachment(original, filename="Uw aanslag 2026.eml")
    return msg


def forwarded_inline(message_id: str) -> EmailMessage:
    """Gmail's inline forward: the original's header block in the text, its files attached."""
    text = (
        "Zie hieronder, dit is onacceptabel.\n\n"
        "---------- Forwarded message ---------\n"
        "From: Belastingen <belastingen@gemeente.example>\n"
        "Date: Mon, 1 Jun 2026 at 10:00\n"
        "Subject: Uw aanslag 2026\n"
        "To: <jb@example.nl>\n\n"
        "Geachte heer Bäcker, hierbij de aanslag.\n"
    )
    msg = plain("Fwd: Uw aanslag 2026", text, message_id)
    msg.add_alternative(f"<div dir='ltr'>{text.replace(chr(10), '<br>')}</div>", subtype="html")
    msg.make_mixed()
    with_pdf(msg, filename="aanslag.pdf")
    return msg


def html_only(message_id: str, sender: str = COMPLAINANT) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "klachten@gemeente.example"
    msg["Subject"] = "Klacht"
    msg["Message-ID"] = message_id
    msg.set_content("<html><body><p>Het loket was dicht.</p></body></html>", subtype="html")
    return msg


def reply(
    reference: str,
    text: str,
    message_id: str,
    *,
    in_reply_to: str | None = None,
    to: str = "klachten@gemeente.example",
    sender: str = COMPLAINANT,
    **headers: str,
) -> EmailMessage:
    """Outlook-style reply: our words on top, the quoted letter under a "Van:" block."""
    quoted = (
        f"{text}\n\nVan: Gemeente <klachten@gemeente.example>\nVerzonden: maandag 1 juni 2026\n"
        f"Onderwerp: Uw klacht {reference}\n\n> Wij hebben uw klacht ontvangen.\n"
    )
    if in_reply_to:
        headers = {"In_Reply_To": in_reply_to, "References": in_reply_to, **headers}
    return plain(f"RE: Uw klacht {reference}", quoted, message_id, sender=sender, to=to, **headers)


AUTO_REPLY_HEADERS: list[dict[str, str]] = [
    {"Auto_Submitted": "auto-replied"},
    {"X_Autoreply": "yes"},
    {"X_Autorespond": "Out of office"},
    {"Precedence": "bulk"},
    {"Precedence": "auto_reply"},
]


def out_of_office(message_id: str, subject: str = "Automatisch antwoord: Klacht", **headers: str):
    text = "Ik ben tot 1 juli afwezig en lees mijn mail niet. Voor spoed: bel 020-1234567."
    return plain(subject, text, message_id, **headers)
