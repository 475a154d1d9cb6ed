"""Fault test 2, cluster failover: 3 nats-server nodes on loopback, R3 streams,
`sync_interval: always`. While appends go through the persistence module, the stream leader is
killed (SIGKILL) and restarted, then a follower. Afterwards no acknowledged append is lost,
none is stored twice, and all three replicas hold the same messages.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import IntegrityError, StoredEvent

from klachten.stack.cluster import ClusterNats
from klachten.stack.provisioning import provision_streams
from shared.contract import events as ev
from shared.eventstore.link import JetStreamLink
from shared.eventstore.persistence import JetStreamApplicationRecorder
from tests.support.cluster import replica_messages, replicas_current, stream_info
from tests.support.faults import SIZE_NOTE, percentile, sized
from tests.support.polling import wait_until_sync

APPENDS = sized(2000, 10_000)  # two events (versions 1 and 2) per complaint, one per append
THREADS = 4
TOPIC = "shared.complaint:Complaint.Responded"


@dataclass(frozen=True)
class Stored:
    """A stored event with a fixed event id: the recorder's Nats-Msg-Id (dedupe on retry)."""

    originator_id: UUID
    originator_version: int
    topic: str
    state: bytes
    event_id: UUID


def stored(cid: UUID, version: int) -> StoredEvent:
    event_id = uuid4()
    body = ev.Responded(
        event_id=event_id,
        complaint_id=cid,
        version=version,
        occurred_at=datetime.now(UTC),
        actor="staff:fault",
        resolution="well_founded",
        personal=ev.TextPersonal(text="Antwoord."),
    )
    return cast(StoredEvent, Stored(cid, version, TOPIC, ev.encode(body), event_id))


def running_info(nodes: list[ClusterNats]) -> dict[str, Any]:
    return stream_info([n.url for n in nodes if n.running], max_reconnect_attempts=2)


class Writer:
    """Appends through the persistence module; counts publish attempts and latencies."""

    def __init__(self, url: str) -> None:
        self.link = JetStreamLink(url, timeout=2)
        self.recorder = JetStreamApplicationRecorder(self.link)
        self.attempts = 0
        original = self.link.publish

        async def counted(subject: str, data: bytes, headers: dict[str, str]) -> dict[str, Any]:
            self.attempts += 1
            return await original(subject, data, headers)

        self.link.publish = counted  # type: ignore[method-assign]
        self.latencies: list[float] = []
        self.acked: list[str] = []
        self.outer_retries = 0
        self.done = 0
        self.failure: BaseException | None = None
        self.lock = threading.Lock()

    def append(self, event: StoredEvent, deadline: float) -> None:
        began = time.perf_counter()
        first = True
        while True:
            try:
                self.recorder.insert_events([event])
                break
            except IntegrityError:
                if first:
                    raise
                break  # a retry after an unknown outcome: our earlier attempt is stored
            except Exception:
                if time.monotonic() > deadline:
                    raise
                first = False
                with self.lock:
                    self.outer_retries += 1
                time.sleep(0.2)
        with self.lock:
            self.latencies.append(time.perf_counter() - began)
            self.acked.append(str(getattr(event, "event_id")))  # noqa: B009
            self.done += 1

    def run(self, count: int, deadline: float) -> None:
        try:
            for _ in range(count // 2):
                cid = uuid4()
                self.append(stored(cid, 1), deadline)
                self.append(stored(cid, 2), deadline)
        except BaseException as error:
            self.failure = error
            raise

    def progressed(self, fraction: float) -> bool:
        if self.failure is not None:
            raise AssertionError(f"a writer failed: {self.failure!r}")
        return self.done >= fraction * APPENDS


def leader(nodes: list[ClusterNats]) -> ClusterNats:
    name = wait_until_sync(
        lambda: running_info(nodes).get("cluster", {}).get("leader"), timeout=30, message="leader"
    )
    return next(n for n in nodes if n.name == name)


@pytest.mark.timeout(sized(200, 900))
def test_leader_and_follower_killed_during_appends(cluster: list[ClusterNats]) -> None:
    asyncio.run(provision_streams(",".join(n.url for n in cluster), replicas=3))
    writer = Writer(",".join(n.url for n in cluster))
    deadline = time.monotonic() + sized(150, 800)
    per_thread = APPENDS // THREADS
    threads = [
        threading.Thread(target=writer.run, args=(per_thread, deadline)) for _ in range(THREADS)
    ]
    began = time.monotonic()
    for t in threads:
        t.start()
    events: list[str] = []
    try:
        for step, fraction in enumerate((0.2, 0.4, 0.6, 0.8)):
            wait_until_sync(lambda f=fraction: writer.progressed(f), timeout=120)
            if step == 0:
                victim = leader(cluster)
                victim.kill()
                events.append(f"leader {victim.name} killed at {writer.done}")
            elif step == 2:
                current = leader(cluster)
                victim = next(n for n in cluster if n is not current)
                victim.kill()
                events.append(f"follower {victim.name} killed at {writer.done}")
            else:
                victim.start()
                events.append(f"{victim.name} restarted at {writer.done}")
        for t in threads:
            t.join()
    finally:
        for t in threads:
            t.join(timeout=30)
        writer.link.close()
    elapsed = time.monotonic() - began
    wait_until_sync(
        lambda: replicas_current(running_info(cluster)), timeout=60, message="all replicas current"
    )
    last_seq = running_info(cluster)["state"]["last_seq"]
    views = {n.name: replica_messages(n.url, last_seq) for n in cluster}
    reference = views[cluster[0].name]
    stored_ids = Counter(msg_id for _, _, msg_id, _ in reference)
    subjects_ = Counter(subject for _, subject, _, _ in reference)
    lost = set(writer.acked) - set(stored_ids)
    retries = writer.attempts - APPENDS
    print(
        f"\n[cluster] {SIZE_NOTE}: {APPENDS} appends by {THREADS} threads in {elapsed:.1f} s "
        f"({APPENDS / elapsed:.0f}/s); {'; '.join(events)}"
        f"\n[cluster] publish retries {retries} (attempts {writer.attempts}), "
        f"outer retries {writer.outer_retries}; append latency p50 "
        f"{percentile(writer.latencies, 0.5) * 1000:.1f} ms, p99 "
        f"{percentile(writer.latencies, 0.99) * 1000:.1f} ms, max "
        f"{max(writer.latencies) * 1000:.0f} ms"
        f"\n[cluster] stored {len(reference)} messages (last seq {last_seq}); lost acknowledged "
        f"{len(lost)}; duplicates {sum(n - 1 for n in stored_ids.values())}; replicas equal "
        f"{all(v == reference for v in views.values())}"
    )
    assert len(writer.acked) == APPENDS
    assert not lost, f"{len(lost)} acknowledged appends missing"
    assert max(stored_ids.values()) == 1 and max(subjects_.values()) == 1, "stored twice"
    assert len(reference) == last_seq == APPENDS, "no gap, nothing extra"
    for name, view in views.items():
        assert view == reference, f"replica on {name} differs"
