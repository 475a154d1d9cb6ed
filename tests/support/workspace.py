"""Helpers for tests of the staff workspace: reporting as a process, a complainant's message
recorded on the log as intake's mail side records it, a whole desk with letters."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import nats

from klachten.stack import launch
from services.intake.server import BackgroundIntake
from services.intake.settings import IntakeSettings
from services.notifier.app import bootstrap as notifier_app
from services.notifier.mailsink import MailSink, load_message, read_maildir
from shared.eventstore.application import ComplaintsApplication
from shared.eventstore.buckets import provision_buckets
from shared.rules.complaint import Cause
from tests.support.notifier import notifier_settings
from tests.support.polling import wait_until
from tests.support.ports import free_port

ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def reporting_client(nats_url: str, data_dir: Path, token: str, now: datetime) -> Iterator[Any]:
    """Reporting in-process over `data_dir/reporting.sqlite3` as the test seeded it: the
    buckets provisioned, not following the log, the clock at `now`, signed in with `token`."""
    from fastapi.testclient import TestClient

    from services.reporting.app import bootstrap
    from services.reporting.settings import ReportingSettings

    async def buckets() -> None:
        nc = await nats.connect(nats_url)
        try:
            await provision_buckets(nc)
        finally:
            await nc.close()

    asyncio.run(buckets())
    settings = ReportingSettings(
        nats_url=nats_url,
        data_dir=data_dir,
        reporting_db=str(data_dir / "reporting.sqlite3"),
        staff_token=token,
        reporting_follow=False,
    )
    with TestClient(bootstrap(settings, clock=lambda: now)) as http:
        http.headers["Authorization"] = f"Bearer {token}"
        yield http


@contextmanager
def reporting_process(nats_url: str, data_dir: Path, token: str, **env: str) -> Iterator[str]:
    """`python -m services.reporting` on a free port; yields its base URL (not yet caught up)."""
    port = free_port()
    environment = {
        **os.environ,
        "KLACHTEN_NATS_URL": nats_url,
        "KLACHTEN_REPORTING_PORT": str(port),
        "KLACHTEN_DATA_DIR": str(data_dir),
        "KLACHTEN_STAFF_TOKEN": token,
        **env,
    }
    with open(data_dir / "reporting.log", "w") as log:
        proc = launch.spawn(launch.command("reporting"), env=environment, output=log, cwd=ROOT)
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            proc.terminate()
            proc.wait(timeout=15)


def record_reply(app: ComplaintsApplication, complaint_id: str, text: str, **how: Any) -> str:
    """A message by e-mail on the complaint (``how``: verified, sender, auto_reply, …);
    returns its event id."""
    complaint = app.complaint(UUID(complaint_id))
    complaint.record_reaction(
        text=text,
        disagrees=False,
        channel="email",
        now=datetime.now(UTC),
        cause=Cause(actor="complainant:email"),
        **how,
    )
    event_id = str(complaint.pending_events[-1].fact.event_id)  # type: ignore[attr-defined]
    app.save(complaint)
    return event_id


@dataclass
class Desk:
    """A desk with letters: intake, the notifier with its mail sink, reporting (a process)."""

    intake: BackgroundIntake
    reporting: str  # base URL
    maildir: Path


@asynccontextmanager
async def desk_with_letters(
    nats_url: str, tmp: Path, token: str, **reporting_env: str
) -> AsyncIterator[Desk]:
    """Every part a handler's answer passes: intake (staff token `token`), the notifier (in
    this event loop; use an async HTTP client) sending to a mail sink, and reporting caught
    up enough to answer. The buckets are provisioned here (the notifier's outbox among them).
    `reporting_env`: more of reporting's environment (e.g. KLACHTEN_STAFF_TOKENS)."""
    nc = await nats.connect(nats_url)
    try:
        await provision_buckets(nc)
    finally:
        await nc.close()
    settings = IntakeSettings(
        nats_url=nats_url,
        intake_port=free_port(),
        smtp_port=free_port(),
        staff_token=token,
        intake_rate_limit=10_000,
        data_dir=tmp / "intake",
    )
    intake = BackgroundIntake(settings).start()
    try:
        async with (
            MailSink(tmp / "mail", port=0) as sink,
            notifier_app(notifier_settings(nats_url, sink.port, tmp / "notifier")),
        ):
            env = {"KLACHTEN_INTAKE_URL": intake.url, **reporting_env}
            with reporting_process(nats_url, tmp, token, **env) as base:
                await wait_until(lambda: _live(f"{base}/health/live"), 60, 0.2, "reporting")
                yield Desk(intake, base, sink.maildir)
    finally:
        intake.stop()


async def _live(url: str) -> bool:
    try:
        async with httpx.AsyncClient(timeout=2) as http:
            return (await http.get(url)).status_code == 200
    except httpx.HTTPError:
        return False


def letters_to(maildir: Path, complaint_id: str) -> list[tuple[str, str]]:
    """(letter kind, plain text) of every mail about the complaint, oldest first."""
    found = []
    for mail in read_maildir(maildir):
        if mail.complaint_id == complaint_id:
            message = load_message(maildir, mail.message_id or "")
            assert message is not None
            text = str(message.get_body(("plain",)).get_content())  # type: ignore[union-attr]
            found.append((mail.letter_kind or "", text))
    return found
