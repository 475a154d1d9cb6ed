"""The distributed topology as local processes: 3 routed nats-server nodes with R3 streams,
and (`klachten up --cluster`) 2 instances of each service sharing their durable consumers.
A killed node or service instance must not stop the flow, nor lose or double an append.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID, uuid4

import httpx
import pytest

from klachten.stack.cluster import ClusterNats
from klachten.stack.provisioning import provision_streams
from services.notifier.mailsink import read_maildir
from shared.contract import events as ev
from shared.eventstore.application import ComplaintsApplication
from shared.rules.complaint import Cause, Complaint
from tests.support.cluster import ClusterStack, replica_messages, replicas_current, stream_info
from tests.support.polling import wait_until_sync

APPENDS = 300
KLACHTEN = str(Path(sys.executable).parent / "klachten")


def _submitted(n: int) -> Complaint:
    now = datetime.now(UTC)
    return Complaint.submit(
        complaint_id=uuid4(),
        reference=f"KL-2026-{n:06d}",
        channel="web",
        language="nl",
        personal=ev.SubmittedPersonal(
            complainant=ev.Complainant(name="Jan de Vries", email=f"jan{n}@example.nl"),
            subject="Container niet geleegd",
            description="Al drie weken niet geleegd.",
        ),
        received_at=now,
        now=now,
        cause=Cause(actor="complainant"),
    )


def _save_with_retries(app: ComplaintsApplication, events: list, seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while True:
        try:
            app.save(*events)
            return True
        except Exception:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.2)


@pytest.mark.timeout(120)
def test_appends_survive_a_killed_node_exactly_once_on_every_replica(
    cluster: list[ClusterNats],
) -> None:
    asyncio.run(provision_streams(",".join(n.url for n in cluster), replicas=3))
    # Seeded with the node we kill: the client must fail over to a node it learnt by gossip.
    app = ComplaintsApplication(env={"NATS_URL": cluster[0].url})
    acked: list[UUID] = []
    unknown: list[UUID] = []
    began = time.monotonic()
    try:
        for n in range(APPENDS):
            if n == APPENDS // 3:
                cluster[0].kill()
                killed_at = time.monotonic()
            if n == 2 * APPENDS // 3:
                cluster[0].start()  # comes back and must catch up
            complaint = _submitted(n)
            pending = complaint.collect_events()
            # A service retries an append whose outcome it does not know (same event ids,
            # so a retry of a stored append is recognised, never doubled) until a deadline.
            if _save_with_retries(app, pending):
                acked.append(complaint.id)
            else:
                unknown.append(complaint.id)
    finally:
        app.close()
    elapsed = time.monotonic() - began

    assert len(acked) == APPENDS, f"{len(unknown)} appends never acknowledged"
    seed = cluster[1].url
    wait_until_sync(
        lambda: replicas_current(stream_info(seed)), timeout=30, message="all replicas current"
    )
    last_seq = stream_info(seed)["state"]["last_seq"]
    for node in cluster:
        subjects = [s for _, s, _, _ in replica_messages(node.url, last_seq)]
        ids = [UUID(s.split(".")[1]) for s in subjects if s.startswith("complaints.")]
        assert len(ids) == len(set(ids)), f"{node.name}: an append stored twice"
        assert set(acked) <= set(ids), f"{node.name}: acknowledged appends missing"
        assert set(ids) <= set(acked) | set(unknown)
    print(
        f"\n[cluster] {APPENDS} appends in {elapsed:.1f} s ({APPENDS / elapsed:.0f}/s, "
        f"node killed at append {APPENDS // 3}, back at {2 * APPENDS // 3}, "
        f"{time.monotonic() - killed_at:.1f} s since kill): {len(acked)} acknowledged, "
        f"{len(unknown)} unknown; identical on 3 replicas (last seq {last_seq})"
    )


def test_persistence_accepts_a_comma_separated_server_list(cluster: list[ClusterNats]) -> None:
    asyncio.run(provision_streams(",".join(n.url for n in cluster), replicas=3))
    app = ComplaintsApplication(env={"NATS_URL": ",".join(n.url for n in cluster)})
    try:
        complaint = _submitted(1)
        app.save(complaint)
        assert app.complaint(complaint.id).version == 1
    finally:
        app.close()


@pytest.mark.timeout(180)
def test_up_cluster_shares_work_and_survives_killed_node_and_instance(tmp_path: Path) -> None:
    stack = ClusterStack(tmp_path / "data")
    staff = {"Authorization": "Bearer cluster-test-token"}
    try:
        began = time.monotonic()
        stack.wait_up(timeout=90)
        print(f"\n[up --cluster] summary after {time.monotonic() - began:.1f} s")
        print("\n".join(line.strip(" │") for line in stack.text().splitlines() if "RSS" in line))
        intakes = [stack.ports["INTAKE"], stack.ports["INTAKE"] + 100]
        unavailable: dict[int, int] = {}

        def submit(n: int) -> None:
            body = {
                "channel": "api",
                "complainant": {"name": "Anna Kowalska", "email": f"anna{n}@example.org"},
                "subject": "Nobody answers the phone",
                "description": "Five calls, no answer.",
            }
            url = f"http://127.0.0.1:{intakes[n % 2]}/api/complaints"
            headers = staff | {"Idempotency-Key": f"cluster-{n}"}

            def accepted() -> bool:
                # 503 + Retry-After while the cluster fails over is the contract; a client
                # retries with the same key and gets one complaint.
                response = httpx.post(url, json=body, headers=headers, timeout=30)
                unavailable[n] = unavailable.get(n, 0) + (response.status_code == 503)
                assert response.status_code in (201, 503), response.text
                return response.status_code == 201

            wait_until_sync(accepted, timeout=30, interval=0.5, message=f"complaint {n}")

        for n in range(20):
            submit(n)
        os.kill(stack.pid("nats-2"), signal.SIGKILL)
        os.kill(stack.pid("notifier-2"), signal.SIGKILL)
        for n in range(20, 40):
            submit(n)

        def acknowledged() -> bool:
            mails = read_maildir(tmp_path / "data" / "mail")
            return {m.to[0] for m in mails if m.letter_kind == "acknowledgement"} == {
                f"anna{n}@example.org" for n in range(40)
            }

        wait_until_sync(acknowledged, timeout=90, interval=0.5, message="40 acknowledgements")
        logs = tmp_path / "data" / "logs"
        handled = {
            name: len(re.findall(r"\.submitted: ", (logs / f"{name}.log").read_text()))
            for name in ("notifier-1", "notifier-2")
        }
        print(f"[up --cluster] acknowledgements handled per instance: {handled}")
        print(f"[up --cluster] 503 answers during fail-over: {sum(unavailable.values())}")
        assert all(handled.values()), "both notifier instances take work from the consumer"
        assert "nats-2 restarted" in stack.text() and "notifier-2 restarted" in stack.text()
        for port in (stack.ports["REPORTING"], stack.ports["REPORTING"] + 100):
            url = f"http://127.0.0.1:{port}/api/reports/summary"
            wait_until_sync(
                lambda url=url: httpx.get(url, headers=staff).json()["complaints"] == 40,
                timeout=30,
                message=f"reporting on {port} counts 40",
            )
    finally:
        assert stack.stop() == 0, stack.text()
