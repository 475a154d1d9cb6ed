"""Fault test 3, poison and duplicates: malformed and impossible messages land on the consumers'
subjects among healthy complaints. Every one is dead-lettered with reason, consumer and stream
sequence by every durable consumer it reaches, healthy traffic keeps flowing and the lag returns
to 0. Then every message is delivered once more (the durable consumers are deleted and the
services recreate them from the start of the stream): effects still happen exactly once.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import httpx
import nats
import pytest

from klachten.stack.natsserver import EmbeddedNats
from klachten.stack.provisioning import provision_streams
from services.notifier.mailsink import read_maildir
from shared.contract import events as ev
from shared.contract import subjects
from shared.eventstore.application import ComplaintsApplication
from shared.rules.complaint import Cause, Complaint
from tests.support.faults import (
    SIZE_NOTE,
    LogView,
    consumer_positions,
    consumers_at_end,
    dead_letter_key,
    dead_letters,
    read_log,
    service_env,
    sized,
)
from tests.support.polling import wait_until_sync
from tests.support.ports import free_port
from tests.support.processes import ServiceProcess

POISON = sized(200, 1000)
HEALTHY = sized(40, 200)
LETTER_TYPES = ("submitted", "responded", "escalated", "extended", "closed")
TOPIC = "shared.complaint:Complaint.Submitted"


KINDS = ("garbage", "wrong shape", "unknown type", "unknown complaint", "id mismatch", "array")


def poison(n: int) -> tuple[str, bytes, dict[str, str]]:
    """The n-th bad message: garbage, wrong shape, unknown type, impossible, mismatched."""
    cid, now = uuid4(), datetime.now(UTC)
    valid = ev.Responded(
        event_id=uuid4(),
        complaint_id=cid,
        version=2,
        occurred_at=now,
        actor="staff:x",
        resolution="unfounded",
    )
    kinds: list[tuple[str, bytes]] = [
        (subjects.event_subject(cid, 1, "submitted"), b"\xff{not json"),
        (subjects.event_subject(cid, 1, "submitted"), b'{"type": "complaint.submitted"}'),
        (subjects.event_subject(cid, 1, "exploded"), b'{"type": "complaint.exploded"}'),
        (subjects.event_subject(cid, 2, "responded"), ev.encode(valid)),  # unknown complaint
        (subjects.event_subject(uuid4(), 2, "responded"), ev.encode(valid)),  # id mismatch
        (subjects.event_subject(cid, 1, "closed"), b"[1, 2, 3]"),
    ]
    subject, body = kinds[n % len(kinds)]
    # Every other one carries the recorder's topic header, so the projection reads it too.
    headers = {"Klachten-Topic": TOPIC} if n % 2 else {}
    return subject, body, headers


def consumers_of(subject: str) -> set[str]:
    event_type = subject.rsplit(".", 1)[1]
    # reporting's projection reads the whole log; the two durable consumers their filters.
    return {"sla_monitor", "reporting"} | ({"notifier"} if event_type in LETTER_TYPES else set())


def healthy(app: ComplaintsApplication, n: int) -> str:
    late = n % 5 == 0
    received = datetime.now(UTC) - timedelta(days=40 if late else 0)
    complaint = Complaint.submit(
        complaint_id=uuid4(),
        reference=f"KL-2026-{n:06d}",
        channel="phone" if late else "web",
        language="nl",
        personal=ev.SubmittedPersonal(
            complainant=ev.Complainant(name="Jan de Vries", email=f"jan{n}@example.org"),
            subject="Geen reactie",
            description="Ik wacht al maanden.",
        ),
        received_at=received,
        now=datetime.now(UTC),
        cause=Cause(actor="staff:ann" if late else "complainant"),
    )
    app.save(complaint)
    return str(complaint.id)


@dataclass
class Scenario:
    ids: list[str]
    sent: dict[int, str]
    kinds: dict[int, str]
    lag: dict[str, dict[str, int]]
    settled: float
    acked: Counter[str]
    dead: list[tuple[str, int, str]]
    before: LogView
    after: LogView
    mails_before: Counter[str]
    mails_after: Counter[str]
    dead_after: int
    redelivery: float

    @property
    def missing(self) -> set[tuple[str, int]]:
        got = {(consumer, seq) for consumer, seq, _ in self.dead}
        wanted = {(c, seq) for seq, subject in self.sent.items() for c in consumers_of(subject)}
        return wanted - got


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scenario]:
    tmp = tmp_path_factory.mktemp("poison")
    server = EmbeddedNats(tmp / "nats").start()
    mail, reporting = free_port(), free_port()
    env = service_env(
        server.url,
        tmp,
        KLACHTEN_MAILSINK_PORT=str(mail),
        KLACHTEN_SMTP_RELAY_PORT=str(mail),
        KLACHTEN_REPORTING_PORT=str(reporting),
    )
    running = {
        "notifier": ServiceProcess("notifier", env, tmp, "--with-mailsink"),
        "sla_monitor": ServiceProcess("sla_monitor", env, tmp),
        "reporting": ServiceProcess("reporting", env, tmp),
    }
    try:
        asyncio.run(provision_streams(server.url, replicas=1))  # and buckets, as `klachten up`
        for process in running.values():
            process.start()
        health = f"http://127.0.0.1:{reporting}/health"
        wait_until_sync(lambda: httpx.get(health).json()["status"] == "ok", timeout=60)
        yield run_scenario(server.url, running, health, tmp / "mail")
    finally:
        for process in running.values():
            process.stop()
        server.stop()


kinds: dict[int, str] = {}


async def publish_poison(url: str) -> dict[int, str]:
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        sent = {}
        for n in range(POISON):
            subject, body, headers = poison(n)
            ack = await js.publish(subject, body, headers=headers or None)
            sent[ack.seq] = subject
            kinds[ack.seq] = KINDS[n % len(KINDS)]
        return sent
    finally:
        await nc.close()


async def delete_consumers(url: str) -> None:
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        for stream, name in (
            ("COMPLAINTS", "notifier"),
            ("COMPLAINTS", "sla_monitor"),
            ("TIMERS", "sla_timers"),
        ):
            await js.delete_consumer(stream, name)
    finally:
        await nc.close()


def run_scenario(
    url: str, processes: dict[str, ServiceProcess], health: str, maildir: Path
) -> Scenario:
    app = ComplaintsApplication(env={"NATS_URL": url})
    ids: list[str] = []

    def traffic() -> None:
        for n in range(HEALTHY):
            ids.append(healthy(app, n))
            time.sleep(0.05)

    began = time.monotonic()
    flowing = threading.Thread(target=traffic)
    flowing.start()
    sent = asyncio.run(publish_poison(url))
    flowing.join()
    try:
        lag = wait_until_sync(lambda: consumers_at_end(url), timeout=120, message="lag to 0")
    except TimeoutError:
        raise AssertionError(asyncio.run(consumer_positions(url))) from None
    settled = time.monotonic() - began

    def all_acknowledged() -> Counter[str] | None:
        acks = read_log(url).count("acknowledged")
        return acks if all(acks[c] for c in ids) else None

    acked = wait_until_sync(all_acknowledged, timeout=60, message="all acknowledged")
    wait_until_sync(lambda: httpx.get(health).json()["position"] >= max(sent), timeout=60)
    dead = [dead_letter_key(h) for _, h in asyncio.run(dead_letters(url))]
    before = read_log(url)
    mails_before = Counter(m.message_id for m in read_maildir(maildir))

    # Forced redelivery: every message of both streams is delivered once more.
    for name in ("notifier", "sla_monitor"):
        processes[name].stop()
    asyncio.run(delete_consumers(url))
    for name in ("notifier", "sla_monitor"):
        processes[name].start()
    redelivered_at = time.monotonic()
    wait_until_sync(lambda: consumers_at_end(url), timeout=120, message="redelivery done")
    redelivery = time.monotonic() - redelivered_at
    after = read_log(url)
    mails_after = Counter(m.message_id for m in read_maildir(maildir))
    dead_after = asyncio.run(dead_letters(url))
    app.close()

    result = Scenario(
        ids,
        sent,
        dict(kinds),
        lag,
        settled,
        acked,
        dead,
        before,
        after,
        mails_before,
        mails_after,
        len(dead_after),
        redelivery,
    )
    by_consumer = Counter(consumer for consumer, _, _ in dead)
    missing_kinds = Counter(f"{c}: {kinds[seq]}" for c, seq in result.missing)
    print(
        f"\n[poison] {SIZE_NOTE}: {POISON} bad messages among {HEALTHY} healthy complaints; "
        f"lag 0 after {settled:.1f} s: {json.dumps(lag)}"
        f"\n[poison] dead letters by consumer {dict(by_consumer)}; not dead-lettered "
        f"{dict(missing_kinds)}; example reason: {dead[0][2]!r}"
        f"\n[poison] healthy acknowledged {sum(1 for c in ids if acked[c])}/{len(ids)}, "
        f"escalation breaches {len(before.breaches)}"
        f"\n[poison] redelivery of everything took {redelivery:.1f} s: events "
        f"{before.last_event_seq} → {after.last_event_seq}, acknowledged per complaint "
        f"{set(after.count('acknowledged')[c] for c in ids)}, escalations per breach "
        f"{set(after.breaches.values())}, distinct letters {len(mails_before)} → "
        f"{len(mails_after)}, dead letters {len(dead)} → {len(dead_after)}"
    )
    return result


@pytest.mark.timeout(sized(240, 900))
def test_healthy_traffic_flows_and_lag_returns_to_zero(scenario: Scenario) -> None:
    assert all(scenario.acked[c] == 1 for c in scenario.ids)
    assert all(p["pending"] == 0 and p["ack_pending"] == 0 for p in scenario.lag.values())


def test_durable_consumers_dead_letter_every_poison_with_reason(scenario: Scenario) -> None:
    assert all(reason and seq for _, seq, reason in scenario.dead)
    missing = {m for m in scenario.missing if m[0] != "reporting"}
    assert not missing, sorted(missing)[:5]


def test_reporting_dead_letters_every_poison(scenario: Scenario) -> None:
    missing = {m for m in scenario.missing if m[0] == "reporting"}
    assert not missing, sorted(missing)[:5]


def test_redelivery_of_everything_changes_nothing(scenario: Scenario) -> None:
    assert scenario.after.last_event_seq == scenario.before.last_event_seq
    assert set(scenario.after.breaches.values()) <= {1}
    assert all(scenario.after.count("acknowledged")[c] == 1 for c in scenario.ids)
    assert set(scenario.mails_after) == set(scenario.mails_before), "a letter sent again"
    assert scenario.dead_after == len(scenario.dead)
