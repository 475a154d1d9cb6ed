"""The embedded mail sink: a real SMTP server that keeps every message in a Maildir.

It is the default relay of the notifier, so a fresh install sends real SMTP without an outside
mail server and every letter can be read back. Run it on its own with
`python -m services.notifier.mailsink --port 1025 --maildir data/mail`, list what it stored with
`--list`, and print one message with `--show <Message-ID>`.
"""

from __future__ import annotations

import argparse
import asyncio
import email
import email.policy
import mailbox
import signal
import sys
from datetime import datetime
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path

import msgspec
from aiosmtpd.smtp import SMTP, Envelope, Session

from shared.config.settings import Settings

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 1025
# Big enough for letters with attachments, small enough that a runaway client cannot fill a disk.
MAX_MESSAGE_BYTES = 25 * 1024 * 1024


class StoredMail(msgspec.Struct, frozen=True, kw_only=True):
    key: str
    message_id: str | None
    sender: str | None
    to: list[str]
    subject: str | None
    date: datetime | None
    letter_kind: str | None
    complaint_id: str | None


class MaildirHandler:
    """aiosmtpd handler: each accepted message becomes one file in `maildir/new`."""

    def __init__(self, maildir: Path) -> None:
        # mailbox only creates tmp/new/cur for a directory that does not exist yet.
        for sub in ("tmp", "new", "cur"):
            (maildir / sub).mkdir(parents=True, exist_ok=True)
        self.maildir = mailbox.Maildir(maildir, factory=None, create=False)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        # Envelope recipients (Bcc included) are not in the headers: record them like an MDA.
        trace = f"Return-Path: <{envelope.mail_from or ''}>\n"
        trace += "".join(f"Delivered-To: {rcpt}\n" for rcpt in envelope.rcpt_tos)
        # Maildir files use LF line ends (as Dovecot and mutt expect), SMTP uses CRLF.
        stored = trace.encode() + content.replace(b"\r\n", b"\n")
        try:
            # Maildir.add writes to tmp/ and renames into new/: no reader sees half a message.
            key = await asyncio.to_thread(self.maildir.add, stored)
        except OSError as error:
            # A full or unwritable disk is our problem, not the message's: ask to retry (4xx).
            return f"451 4.3.0 Could not store the message: {error.strerror}"
        return f"250 Message accepted for delivery as {key}"


class MailSink:
    """SMTP server on `host:port` (port 0 picks a free one, see `.port` after start)."""

    def __init__(self, maildir: Path | str, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT):
        self.maildir = Path(maildir)
        self.host = host
        self.port = port
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        handler = MaildirHandler(self.maildir)
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: SMTP(
                handler,
                hostname="klachten-mailsink",
                ident="klachten mail sink",
                data_size_limit=MAX_MESSAGE_BYTES,
                enable_SMTPUTF8=True,
            ),
            host=self.host,
            port=self.port,
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def __aenter__(self) -> MailSink:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()


def read_maildir(path: Path | str) -> list[StoredMail]:
    """Every stored message, oldest first (by Date header, then by key)."""
    box = _open(path)
    if box is None:
        return []
    mails = [_summary(key, _parse(box.get_bytes(key))) for key in box.keys()]
    return sorted(mails, key=_chronological)


def _chronological(mail: StoredMail) -> tuple[bool, float, str]:
    return (mail.date is None, mail.date.timestamp() if mail.date else 0.0, mail.key)


def load_message(path: Path | str, message_id: str) -> EmailMessage | None:
    """The stored message with this Message-ID (with or without angle brackets), if any."""
    wanted = _bare_id(message_id)
    box = _open(path)
    if box is None:
        return None
    for key in box.keys():
        message = _parse(box.get_bytes(key))
        if _bare_id(_header(message, "Message-ID") or "") == wanted:
            return message
    return None


def _open(path: Path | str) -> mailbox.Maildir | None:
    if not (Path(path) / "new").is_dir():
        return None
    return mailbox.Maildir(path, factory=None, create=False)


def _parse(raw: bytes) -> EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[return-value]


def _bare_id(message_id: str) -> str:
    return message_id.strip().strip("<>")


def _summary(key: str, message: EmailMessage) -> StoredMail:
    return StoredMail(
        key=key,
        message_id=_header(message, "Message-ID"),
        sender=_header(message, "From"),
        to=[str(v) for v in message.get_all("Delivered-To", [])] or _to_header(message),
        subject=_header(message, "Subject"),
        date=_date(message),
        letter_kind=_header(message, "X-Klachten-Letter"),
        complaint_id=_header(message, "X-Klachten-Complaint"),
    )


def _header(message: EmailMessage, name: str) -> str | None:
    value = message[name]
    # A folded header (long Message-IDs are) keeps the fold's leading space when parsed.
    return None if value is None else str(value).strip()


def _to_header(message: EmailMessage) -> list[str]:
    value = message["To"]
    return [] if value is None else [address.addr_spec for address in value.addresses]


def _date(message: EmailMessage) -> datetime | None:
    value = message["Date"]
    if value is None:
        return None
    try:
        return parsedate_to_datetime(str(value))
    except (TypeError, ValueError):
        return None


async def serve(maildir: Path, host: str, port: int) -> None:
    """Run the sink until SIGINT or SIGTERM."""
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopping.set)
    async with MailSink(maildir, host, port) as sink:
        print(f"mail sink on {sink.host}:{sink.port}, storing in {maildir}", file=sys.stderr)
        await stopping.wait()


def _default_maildir() -> Path:
    return Settings.from_env(credentials=False).data_dir / "mail"


def _print_listing(maildir: Path) -> None:
    for mail in read_maildir(maildir):
        when = mail.date.isoformat() if mail.date else "-"
        print(f"{when}  {mail.message_id or '-'}  {', '.join(mail.to)}  {mail.subject or ''}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.notifier.mailsink")
    parser.add_argument("--host", default=DEFAULT_HOST)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument(
        "--maildir", type=Path, default=None, help="default $KLACHTEN_DATA_DIR/mail"
    )
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--list", action="store_true", help="list stored messages and exit")
    action.add_argument("--show", metavar="MESSAGE_ID", help="print one stored message and exit")
    args = parser.parse_args(argv)
    maildir: Path = args.maildir or _default_maildir()
    if args.list:
        _print_listing(maildir)
        return 0
    if args.show:
        message = load_message(maildir, args.show)
        if message is None:
            print(f"no message with Message-ID {args.show} in {maildir}", file=sys.stderr)
            return 1
        print(message.as_string())
        return 0
    asyncio.run(serve(maildir, args.host, args.port))
    return 0


if __name__ == "__main__":
    sys.exit(main())
