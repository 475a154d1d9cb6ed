"""The `analyst` NATS user (docs/analysts.md) against a real nats-server: it reads the log and
makes its own consumers, and nothing else; the examples of docs/analysts.md run as written."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID, uuid4

import nats
import pytest
from nats.aio.client import Client
from nats.js.api import AckPolicy, ConsumerConfig

from klachten.stack.natsserver import EmbeddedNats
from shared.config import permissions
from shared.contract import events as ev
from shared.contract import subjects
from shared.eventstore.buckets import provision_buckets
from shared.eventstore.streams import provision
from shared.privacy import keystore
from tests.support.domain import letter
from tests.support.polling import wait_until

DOC = Path(__file__).resolve().parents[2] / "docs" / "analysts.md"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _history(cid: UUID, escalate: bool) -> list[ev.Event]:
    common = {"complaint_id": cid, "correlation_id": cid}
    out: list[ev.Event] = [
        ev.Submitted(
            event_id=uuid4(), version=1, occurred_at=T0, actor="web", reference="KL-2026-000001",
            channel="phone", language="nl", received_at=T0 - timedelta(days=3), **common,
        ),
        ev.Acknowledged(
            event_id=uuid4(), version=2, occurred_at=T0, actor="notifier",
            letter=letter(), respond_by=T0 + timedelta(days=14),
            statutory_by=T0 + timedelta(weeks=6), **common,
        ),
    ]  # fmt: skip
    if escalate:
        out.append(
            ev.Escalated(
                event_id=uuid4(), version=3, occurred_at=T0, actor="sla_monitor", level=1,
                target="supervisor", reason="deadline_missed", clock="respond", **common,
            )
        )  # fmt: skip
    return out


async def _append(js: object, events: list[ev.Event]) -> None:
    for e in events:
        subject = subjects.event_subject(e.complaint_id, e.version, ev.subject_token(type(e)))
        await js.publish(subject, ev.encode(e), headers={"Nats-Msg-Id": str(e.event_id)})  # type: ignore[attr-defined]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[EmbeddedNats]:
    credentials, _ = permissions.ensure_credentials(tmp_path)
    with EmbeddedNats(tmp_path / "nats", credentials=credentials) as started:
        yield started


@pytest.fixture
async def admin(server: EmbeddedNats) -> AsyncIterator[Client]:
    nc = await nats.connect(server.url_for("admin"))
    await provision(nc)
    await provision_buckets(nc)
    js = nc.jetstream()
    await (await js.key_value(keystore.BUCKET)).create("key.x", b"secret key")
    for i in range(3):
        await _append(js, _history(uuid4(), escalate=i != 1))
    await js.publish(subjects.timer_fired_subject(uuid4(), "respond"), b"{}")
    await js.add_consumer("COMPLAINTS", durable_name="notifier", ack_policy=AckPolicy.EXPLICIT)
    yield nc
    await nc.close()


class Analyst:
    """The analyst's connection, keeping the server's permission errors."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    async def open(self, server: EmbeddedNats) -> Client:
        async def on_error(error: Exception) -> None:
            self.errors.append(str(error).lower())

        self.nc = await nats.connect(
            server.url_for("analyst"),
            error_cb=on_error,
            inbox_prefix=permissions.inbox_prefix("analyst"),
            max_reconnect_attempts=0,
        )
        return self.nc

    async def refused(self, subject: str, body: bytes = b"") -> bool:
        """The server refused the publish (its -ERR names the subject) and nobody answered."""
        try:
            await self.nc.request(subject, body, timeout=0.5)
        except Exception:
            return await self.told(subject)
        return False

    async def told(self, subject: str) -> bool:
        """The server's -ERR naming `subject` arrived (error callbacks run as later tasks)."""
        await self.nc.flush()
        wanted = f'"{subject.lower()}"'

        def named() -> bool:
            return any("permissions violation" in e and wanted in e for e in self.errors)

        return bool(await wait_until(named, timeout=10, message=f"-ERR for {subject}"))


@pytest.fixture
async def analyst(server: EmbeddedNats, admin: Client) -> AsyncIterator[Analyst]:
    who = Analyst()
    await who.open(server)
    yield who
    await who.nc.close()


async def test_the_analyst_reads_and_resumes_its_own_durable(
    server: EmbeddedNats, analyst: Analyst
) -> None:
    js = analyst.nc.jetstream()
    assert (await js.stream_info("COMPLAINTS")).state.messages == 8
    first = await js.get_msg("COMPLAINTS", 1, direct=True)
    assert first.subject and first.subject.endswith(".1.submitted")
    cid = json.loads(first.data)["complaint_id"]
    one = await js.pull_subscribe(f"complaints.{cid}.>", "analyst_one", "COMPLAINTS")
    assert [m.subject.split(".")[2] for m in await one.fetch(3, timeout=5)] == ["1", "2", "3"]

    config = ConsumerConfig(ack_policy=AckPolicy.EXPLICIT)
    sub = await js.pull_subscribe("complaints.*.*.escalated", "analyst_x", "COMPLAINTS", config)
    [msg] = await sub.fetch(1, timeout=5)
    await msg.ack_sync()
    await analyst.nc.close()

    restarted = await Analyst().open(server)
    js = restarted.jetstream()
    sub = await js.pull_subscribe("complaints.*.*.escalated", "analyst_x", "COMPLAINTS", config)
    [again] = await sub.fetch(1, timeout=5)
    assert again.metadata.sequence.stream > msg.metadata.sequence.stream
    assert (await js.consumer_info("COMPLAINTS", "analyst_x")).num_pending == 0
    await restarted.close()


async def test_what_the_analyst_may_not_do_is_refused(analyst: Analyst, admin: Client) -> None:
    cid = uuid4()
    body = json.dumps({"stream_name": "COMPLAINTS", "config": {"ack_policy": "explicit"}})
    tries = [
        subjects.event_subject(cid, 1, "submitted"),  # no writes
        subjects.event_subject(cid, 2, "escalated"),
        "$JS.API.STREAM.UPDATE.COMPLAINTS",
        "$JS.API.STREAM.DELETE.COMPLAINTS",
        "$JS.API.STREAM.PURGE.COMPLAINTS",
        "$JS.API.STREAM.MSG.DELETE.COMPLAINTS",
        "$JS.API.CONSUMER.DELETE.COMPLAINTS.analyst_x",
        f"$JS.API.STREAM.INFO.KV_{keystore.BUCKET}",  # no key store
        f"$JS.API.DIRECT.GET.KV_{keystore.BUCKET}.$KV.{keystore.BUCKET}.complaint.x",
        f"$JS.API.STREAM.MSG.GET.KV_{keystore.BUCKET}",
        f"$KV.{keystore.BUCKET}.complaint.x",
        f"$JS.API.DIRECT.GET.OBJ_{subjects.ATTACHMENTS_BUCKET}",
        "$JS.API.STREAM.INFO.TIMERS",  # no other stream
        "$JS.API.DIRECT.GET.TIMERS",
        "$JS.API.DIRECT.GET.DEADLETTER",
        "$JS.API.CONSUMER.CREATE.TIMERS.analyst_t",
        "$JS.API.CONSUMER.CREATE.COMPLAINTS",  # the server-named API: its body names anything
        "$JS.API.CONSUMER.CREATE.COMPLAINTS.notifier",  # the services' consumers
        "$JS.API.CONSUMER.CREATE.COMPLAINTS.notifier.complaints.>",
        "$JS.API.CONSUMER.DURABLE.CREATE.COMPLAINTS.sla_monitor",
        "$JS.API.CONSUMER.MSG.NEXT.COMPLAINTS.notifier",
        "$JS.ACK.COMPLAINTS.notifier.1.1.1.0.0",
    ]
    refused = await asyncio.gather(*(analyst.refused(s, body.encode()) for s in tries))
    assert all(refused), [s for s, ok in zip(tries, refused, strict=True) if not ok]

    # Nor can it listen: not to the log's core messages, not to another user's replies.
    for subject in (subjects.COMPLAINTS_ALL, "_INBOX_notifier.>", "_INBOX.>"):
        await analyst.nc.subscribe(subject)
        assert await analyst.told(subject)

    # The notifier's durable is as the admin made it, and the log as it was.
    info = await admin.jetstream().consumer_info("COMPLAINTS", "notifier")
    assert info.config.filter_subject is None and info.num_pending == 8
    assert (await admin.jetstream().stream_info("COMPLAINTS")).state.messages == 8
    assert (await (await admin.jetstream().key_value(keystore.BUCKET)).get("key.x")).value


def _doc_program() -> str:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), re.S)
    assert len(blocks) >= 5
    return "\n\n".join(blocks)


def test_the_examples_of_the_doc_run_as_the_analyst(
    server: EmbeddedNats, admin: Client, tmp_path: Path
) -> None:
    program = tmp_path / "analyst_examples.py"
    program.write_text(_doc_program())
    env = {
        **os.environ,
        "NATS_URL": server.url,
        "KLACHTEN_ANALYST_PASSWORD": server.credentials["analyst"],
        "TAIL_SECONDS": "60",
    }
    proc = subprocess.Popen(
        [sys.executable, str(program)], env=env, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    lines = []
    for line in proc.stdout:
        lines.append(line.strip())
        if line.startswith("tail: waiting"):
            break
    late = _history(uuid4(), escalate=False)[:1]
    asyncio.run(_publish_as_admin(server, late))
    rest, _ = proc.communicate(timeout=120)
    lines += rest.splitlines()
    assert proc.returncode == 0, lines
    assert lines[:-1] == [
        "full: 8 events; complaint.submitted first",
        "from seq: True 4 events",
        "from time: True",
        "escalated: {'complaint.escalated'} 2",
        "one complaint: [1, 2, 3]",
        "durable, first run: 8",
        "durable, after a restart: 0",
        "tail: waiting",
    ], lines
    assert lines[-1] == "tail: ['complaint.submitted']"


async def _publish_as_admin(server: EmbeddedNats, events: list[ev.Event]) -> None:
    nc = await nats.connect(server.url_for("admin"))
    await _append(nc.jetstream(), events)
    await nc.close()


def test_a_data_dir_from_before_the_analyst_gets_its_password_and_keeps_the_others(
    tmp_path: Path,
) -> None:
    path = permissions.credentials_path(tmp_path)
    path.parent.mkdir(mode=0o700)
    before = {user: f"old-{user}" for user in permissions.USERS if user != "analyst"}
    path.write_text(json.dumps(before))
    credentials, made = permissions.ensure_credentials(tmp_path)
    assert made and credentials["analyst"] and credentials | before == credentials
    assert permissions.load_credentials(tmp_path) == credentials
