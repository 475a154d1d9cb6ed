"""A letter's e-mail is built once and cheaply (issue #23: the `email` package building every
message from scratch, twice per letter, was a fifth of the notifier's CPU), and what goes on the
wire is byte for byte what `set_content` + `add_alternative` would send. The letter is recorded
on the complaint as loaded, without reading its history a second time."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from uuid import UUID

import msgspec
import pytest
from aiosmtplib.email import flatten_message

from services.notifier import application
from services.notifier.letters import RenderedLetter
from services.notifier.message import build_message, redate
from services.notifier.outbox import MemoryOutbox
from services.notifier.senders import RelaySettings, SendReceipt
from shared.rules.complaint import Cause
from tests.services.notifier.test_mail_delivery import FROM, REPLY_TO, TO, letter
from tests.services.notifier.test_notifier_use_case import Relay, registered, service
from tests.support.domain import NOW

SENT_AT = datetime(2026, 12, 7, 9, 31, tzinfo=UTC)


def by_the_stdlib(rendered: RenderedLetter, to: str, reply_to: str | None) -> EmailMessage:
    """The message as the notifier built it before: every header and part by `email`."""
    message = EmailMessage()
    message["From"] = FROM
    message["To"] = to
    if reply_to:
        message["Reply-To"] = reply_to
    message["Subject"] = rendered.subject
    message["Date"] = format_datetime(SENT_AT)
    message["Message-ID"] = rendered.message_id
    message["Auto-Submitted"] = "auto-generated"
    message["X-Klachten-Letter"] = rendered.kind.value
    message["X-Klachten-Complaint"] = rendered.complaint_id
    message["X-Klachten-Reference"] = rendered.reference
    message["X-Klachten-Template"] = f"{rendered.template_name}@{rendered.template_version}"
    message["X-Klachten-Content-SHA256"] = rendered.sha256
    message.set_content(rendered.text, subtype="plain", charset="utf-8")
    message.add_alternative(rendered.html, subtype="html", charset="utf-8")
    message["Content-Language"] = rendered.language
    return message


def wire(message: EmailMessage) -> bytes:
    """The bytes aiosmtplib sends, the random MIME boundary named alike."""
    return re.sub(rb"=+\d+==", b"BOUNDARY", flatten_message(message))


ACK = letter()
LETTERS = {
    "quoted-printable (long lines)": ACK,
    "8bit (accents, short lines)": msgspec.structs.replace(
        ACK, subject="Klacht over Zoë Müller – geen reactie", text="Beste Zoë,\n\nKort.\n"
    ),
    "7bit": msgspec.structs.replace(ACK, text="Short.\n", html="<p>Short.</p>"),
    "base64 (Cyrillic)": msgspec.structs.replace(ACK, text="Здравствуйте, " * 30 + "\n"),
    "a long line and a few": msgspec.structs.replace(ACK, text="a" * 100 + "\nb\nc\n"),
    "short identifiers": msgspec.structs.replace(ACK, message_id="<x@y>", reference="KL-1"),
}


@pytest.mark.parametrize("name", LETTERS)
@pytest.mark.parametrize("to", [TO, "Zoë Müller-Ağaoğlu <zoe@example.org>"])
@pytest.mark.parametrize("reply_to", [REPLY_TO, None])
def test_the_bytes_sent_are_those_the_email_package_builds(
    name: str, to: str, reply_to: str | None
) -> None:
    rendered = LETTERS[name]
    built = build_message(rendered, FROM, to, date=SENT_AT, reply_to=reply_to)
    reference = by_the_stdlib(rendered, to, reply_to)
    assert wire(built) == wire(reference)
    assert [p.get_content() for p in built.iter_parts()] == [
        p.get_content() for p in reference.iter_parts()
    ]


def test_a_header_value_with_a_line_break_is_refused() -> None:
    with pytest.raises(ValueError, match="linefeed or carriage return"):
        build_message(msgspec.structs.replace(ACK, reference="KL-1\r\nBcc: x@y"), FROM, TO)


def test_redating_keeps_the_message_as_built_on_that_date() -> None:
    built = build_message(ACK, FROM, TO, date=datetime(2026, 1, 1, tzinfo=UTC), reply_to=REPLY_TO)
    assert wire(redate(built, SENT_AT)) == wire(by_the_stdlib(ACK, TO, REPLY_TO))


async def test_each_letter_is_built_once_and_sent_with_the_outbox_date(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    built: list[str] = []
    compose = application.compose

    def counting(*args: object) -> EmailMessage:
        message = compose(*args)  # type: ignore[arg-type]
        built.append(str(message["Message-ID"]))
        return message

    monkeypatch.setattr(application, "compose", counting)
    app = in_memory()
    relay, outbox = Relay(), MemoryOutbox()
    letters = service(app, relay, outbox)
    subject, body = registered(app)
    first_try = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)  # an attempt before a crash
    await outbox.put(application.Intent(message_id=ACK.message_id, state="sending", date=first_try))
    await letters.handle(subject, body)
    [message] = relay.sent
    assert built == [str(message["Message-ID"])]
    intent = await outbox.get(str(message["Message-ID"]))
    assert intent is not None and intent.state == "accepted"
    assert str(message["Date"]) == format_datetime(intent.date)


class Reads:
    """Counts the reads of a complaint's history."""

    def __init__(self, app: application.NotifierApplication) -> None:
        self.count, self.get = 0, app.events.get

    def __call__(self, *args: object, **kwargs: object) -> object:
        self.count += 1
        return self.get(*args, **kwargs)  # type: ignore[arg-type]


def in_memory() -> application.NotifierApplication:
    return application.NotifierApplication(
        env={
            "PERSISTENCE_MODULE": "eventsourcing.popo",
            "MAPPER_TOPIC": "shared.eventstore.mapper:ContractMapper",
        }
    )


async def test_the_letter_is_recorded_on_the_complaint_as_loaded_without_a_second_read() -> None:
    app = in_memory()
    subject, body = registered(app)
    reads = Reads(app)
    app.events.get = reads  # type: ignore[method-assign]
    await service(app, Relay()).handle(subject, body)
    assert reads.count == 1
    complaint, _ = app.load(UUID(subject.split(".")[1]))
    assert complaint is not None and complaint.acknowledged


async def test_someone_appending_during_the_send_costs_a_second_read_not_the_record() -> None:
    app = in_memory()
    subject, body = registered(app)
    complaint_id = UUID(subject.split(".")[1])

    class Meanwhile(Relay):
        async def __call__(self, message: EmailMessage, relay: RelaySettings) -> SendReceipt:
            other = app.complaint(complaint_id)
            other.request_status_link(now=NOW, cause=Cause(actor="complainant"))
            app.save(other)  # another process appends while the relay takes the letter
            return await super().__call__(message, relay)

    reads = Reads(app)
    app.events.get = reads  # type: ignore[method-assign]
    await service(app, Meanwhile()).handle(subject, body)
    assert reads.count == 3  # the load, the other process's, the record's second
    complaint, _ = app.load(complaint_id)
    assert complaint is not None and complaint.acknowledged and complaint.version == 3
