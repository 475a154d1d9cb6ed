"""Erasure, proven on the running stack (issue 20, item 7): a complainant's whole journey (the
web form with a document and a representative who gets paper letters, an e-mailed complaint
with a document, letters sent, traces written, exports, a rebuild of the read models), then
`klachten privacy erase` for their address. Afterwards nothing of them is readable: no file
under the data folder (logs, traces, post room, NATS' block files of every stream and the
object store, SQLite files with their -wal, keys), no stream's raw message read as admin, no
export holds their name, address, e-mail, phone, representative, words or the documents'
bytes, in plaintext or in a PDF's compressed streams. Every file is for its owner only.

The Maildir `mail/` is left out: it is the stand-in mail server where letters were delivered,
the complainant's own mailbox, which an erasure at the sender does not reach.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import smtplib
import stat
import subprocess
import zlib
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import httpx
import nats
import pytest
from nats.js.errors import NotFoundError

from services.notifier.mailsink import StoredMail, read_maildir
from shared.config import permissions
from tests.e2e.test_stack_journey import KLACHTEN, Stack
from tests.support.polling import wait_until_sync

NAME = "Xandra Quellinck"
EMAIL = "Xandra.Quellinck@Example.nl"
PHONE = "0691827364"
ADDRESS = "Zwaluwstraat 417, 9999 ZQ Quellinckdorp"
SUBJECT = "Quellinck-afvalpas geweigerd"
DESCRIPTION = "Bij de milieustraat werd mijn Quellinck-pas 5521 zonder uitleg geweigerd."
MAIL_TEXT = "Tweede Quellinck-klacht: de container 8834 is niet geleegd."
REPRESENTATIVE = "Yorick Quellinck-Adviseur"
REPRESENTATIVE_ADDRESS = "Postbus 7788, 9999 ZZ Quellinckstad"
FORM_PDF = b"%PDF-1.4\n% Quellinck-formulierbijlage-3141592653\n%%EOF\n"
MAIL_PDF = b"%PDF-1.4\n% Quellinck-mailbijlage-2718281828\n%%EOF\n"
SECRETS = (
    NAME, EMAIL, EMAIL.lower(), PHONE, "Zwaluwstraat", "Quellinckdorp", SUBJECT, DESCRIPTION,
    MAIL_TEXT, REPRESENTATIVE, "Quellinckstad", "Quellinck", FORM_PDF[9:48], MAIL_PDF[9:44],
)  # fmt: skip


def readable_forms(data: bytes) -> Iterator[bytes]:
    """The bytes, and a PDF's deflated streams inflated (the post room's letters)."""
    yield data
    for found in re.finditer(rb"stream\r?\n(.*?)endstream", data, re.S):
        try:
            yield zlib.decompress(found.group(1))
        except zlib.error:
            continue


def hits(blobs: dict[str, bytes], secrets: tuple[str | bytes, ...] = SECRETS) -> list[str]:
    found = []
    for where, data in blobs.items():
        for form in readable_forms(data):
            found += [f"{where}: {s!r}" for s in secrets if _bytes(s) in form]
    return sorted(set(found))


def _bytes(secret: str | bytes) -> bytes:
    return secret if isinstance(secret, bytes) else secret.encode()


def data_files(stack: Stack, *extra: Path) -> dict[str, bytes]:
    files = [p for p in stack.data_dir.rglob("*") if p.is_file()]
    mailboxes = stack.data_dir / "mail"
    kept = [p for p in files if mailboxes not in p.parents]
    return {str(p.relative_to(stack.data_dir.parent)): p.read_bytes() for p in [*kept, *extra]}


def raw_messages(stack: Stack) -> dict[str, bytes]:
    """Every message of every stream (the log, KV buckets, the object store), as admin."""
    credentials, _ = permissions.ensure_credentials(stack.data_dir)
    url = permissions.with_credentials(
        f"nats://127.0.0.1:{stack.ports['NATS']}", "admin", credentials["admin"]
    )

    async def read() -> dict[str, bytes]:
        nc = await nats.connect(url)
        try:
            js, out = nc.jetstream(), {}
            for info in await js.streams_info():
                name, state = info.config.name, info.state
                for seq in range(max(state.first_seq, 1), state.last_seq + 1):
                    try:
                        msg = await js.get_msg(name, seq)
                    except NotFoundError:
                        continue  # deleted (a destroyed key, a purged object)
                    headers = repr(msg.headers or {}).encode()
                    out[f"{name}#{seq} {msg.subject}"] = msg.subject.encode() + headers + msg.data
            return out
        finally:
            await nc.close()

    return asyncio.run(read())


def klachten(stack: Stack, *args: str) -> str:
    done = subprocess.run(
        [KLACHTEN, *args], env=stack.env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, f"klachten {' '.join(args)}: {done.stdout}\n{done.stderr}"
    return done.stdout


def submit_the_form(stack: Stack) -> str:
    """The form with a document; the status link's token, which must reach no log or trace."""
    form = {
        "lang": "nl", "idempotency_key": "erasure-journey", "name": NAME, "email": EMAIL,
        "phone": PHONE, "address": ADDRESS, "subject": SUBJECT, "description": DESCRIPTION,
        "representative_name": REPRESENTATIVE, "representative_relation": "adviseur",
        "representative_address": REPRESENTATIVE_ADDRESS,
    }  # fmt: skip
    files = {"attachments": ("pas.pdf", FORM_PDF, "application/pdf")}
    page = httpx.post(stack.url("INTAKE", "/"), data=form, files=files, timeout=30)
    assert page.status_code == 200, page.text[:2000]
    token = re.search(r'id="status-link" href="/status/[^/]+/([^?"]+)', page.text)
    assert token, page.text[:2000]
    return token.group(1)


def mail_a_complaint(stack: Stack) -> None:
    message = EmailMessage()
    message["From"], message["To"] = f"{NAME} <{EMAIL}>", "klachten@klachten.local"
    message["Subject"], message["Message-ID"] = "Container", "<quellinck-1@example.nl>"
    message.set_content(MAIL_TEXT)
    message.add_attachment(MAIL_PDF, maintype="application", subtype="pdf", filename="foto.pdf")
    with smtplib.SMTP("127.0.0.1", stack.ports["SMTP"], timeout=15) as smtp:
        smtp.send_message(message)


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    running = Stack(tmp_path / "data")
    yield running
    if running.process is not None and running.process.poll() is None:
        running.stop()


@pytest.mark.stack
@pytest.mark.timeout(180)
def test_after_erasure_nothing_of_the_complainant_is_readable_anywhere(
    stack: Stack, tmp_path: Path
) -> None:
    stack.start()
    token = submit_the_form(stack)
    mail_a_complaint(stack)
    post_room, traces = stack.data_dir / "post-room", stack.data_dir / "traces"
    wait_until_sync(
        lambda: any(post_room.rglob("*.pdf")),
        timeout=45,
        message="the representative's paper acknowledgement in the post room",
    )
    wait_until_sync(
        lambda: any(m.letter_kind == "acknowledgement" for m in _maildir(stack)),
        timeout=45,
        message="the e-mailed acknowledgement",
    )
    wait_until_sync(lambda: any(traces.rglob("*")), timeout=30, message="traces written")
    exports = tmp_path / "exports"
    exports.mkdir()
    klachten(stack, "export", "events", "--out", str(exports / "events-before.jsonl"))
    klachten(stack, "export", "complaints_status_and_deadlines", "--format", "csv",
             "--out", str(exports / "status-before.csv"))  # fmt: skip
    klachten(stack, "projections", "rebuild")
    mailboxes = {
        str(p): p.read_bytes() for p in (stack.data_dir / "mail").rglob("*") if p.is_file()
    }
    assert hits(mailboxes), "the search finds what the letters carry"  # the search works

    erased = klachten(stack, "privacy", "erase", EMAIL.lower(), "--yes")
    assert "2 complaint(s)" in erased and "2 attachment(s) deleted" in erased, erased
    klachten(stack, "export", "events", "--out", str(exports / "events-after.jsonl"))

    def left() -> list[str]:
        files = data_files(stack, *exports.iterdir())
        return hits(files, (*SECRETS, token)) + hits(raw_messages(stack), (*SECRETS, token))

    with contextlib.suppress(TimeoutError):  # the notifier clears its post room on the event
        wait_until_sync(lambda: not left(), timeout=20, message="nothing readable left")
    remaining = left()
    assert not remaining, "readable after erasure:\n" + "\n".join(remaining)
    assert not list(post_room.rglob("*.pdf")), "the paper letters of an erased complaint"
    assert stat.S_IMODE(stack.data_dir.stat().st_mode) == 0o700
    shared = [str(p) for p in stack.data_dir.rglob("*") if stat.S_IMODE(p.stat().st_mode) & 0o077]
    assert not shared, "readable to others: " + ", ".join(shared)
    assert stack.stop() == 0, stack.text()


def _maildir(stack: Stack) -> list[StoredMail]:
    return read_maildir(stack.data_dir / "mail")
