"""Helpers of the fault tests (no tests here): the stack as a process, its children by pid,
reading the whole log, consumer positions, sizes (CI or `KLACHTEN_FAULT_SIZE=large`).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import nats

from shared.contract import events as ev
from shared.contract import subjects
from shared.eventstore.link import JetStreamLink
from shared.integrity.audit import read_all
from tests.support.checkout import REPO_ROOT
from tests.support.polling import wait_until_sync
from tests.support.ports import free_port

KLACHTEN = str(Path(sys.executable).parent / "klachten")
LARGE = os.environ.get("KLACHTEN_FAULT_SIZE", "").lower() == "large"
SIZE_NOTE = "large size" if LARGE else "CI size; the large size is KLACHTEN_FAULT_SIZE=large"
# NOTIFIER and SLA: their health/metrics ports (defaults 8082/8083 would clash on a shared box)
PORTS = ("NATS", "NATS_MONITOR", "INTAKE", "SMTP", "REPORTING", "MAILSINK", "NOTIFIER", "SLA")
SERVICES = ("intake", "notifier", "sla_monitor", "reporting")
TOKEN = "fault-test-token"
STAFF = {"Authorization": f"Bearer {TOKEN}"}


def sized(ci: int, large: int) -> int:
    return large if LARGE else ci


class Stack:
    """One `klachten up` on free ports with its own data dir; children found through /proc."""

    def __init__(self, data_dir: Path, **env: str) -> None:
        self.data_dir = data_dir
        self.ports = {name: free_port() for name in PORTS}
        base = {k: v for k, v in os.environ.items() if not k.startswith("KLACHTEN_")}
        self.env = base | {f"KLACHTEN_{n}_PORT": str(p) for n, p in self.ports.items()}
        self.env |= {"KLACHTEN_DATA_DIR": str(data_dir), "KLACHTEN_STAFF_TOKEN": TOKEN}
        self.env |= {"COLUMNS": "200", **env}
        self.output = data_dir.parent / "up.out"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def nats_url(self) -> str:
        """The admin's URL when `klachten up` made NATS credentials, else the plain one."""
        port = self.ports["NATS"]
        try:
            found = json.loads((self.data_dir / "credentials" / "nats.json").read_text())
        except (OSError, ValueError):
            return f"nats://127.0.0.1:{port}"
        users = found.get("users", found) if isinstance(found, dict) else {}
        password = users.get("admin") if isinstance(users, dict) else None
        if not isinstance(password, str):
            return f"nats://127.0.0.1:{port}"
        return f"nats://admin:{quote(password, safe='')}@127.0.0.1:{port}"

    def url(self, service: str, path: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}{path}"

    def start(self, timeout: float = 120) -> float:
        begun = time.monotonic()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with self.output.open("ab") as out:
            self.process = subprocess.Popen(
                [KLACHTEN, "up"], cwd=REPO_ROOT, env=self.env, stdout=out, stderr=out
            )
        wait_until_sync(self._up, timeout=timeout, interval=0.2, message="klachten up")
        return time.monotonic() - begun

    def _up(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise AssertionError(f"klachten up exited early:\n{self.text()[-3000:]}")
        return "Ctrl-C stops" in self.text()

    def text(self) -> str:
        return self.output.read_text(errors="replace") if self.output.exists() else ""

    def stop(self) -> int | None:
        if self.process is None or self.process.poll() is not None:
            return None if self.process is None else self.process.returncode
        self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(90)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()

    def children(self) -> dict[str, int]:
        """Service name -> pid of the child of `klachten up` that runs `-m services.<name>`."""
        assert self.process is not None
        return {
            cmd.split("services.", 1)[1].split()[0].split(".")[0]: pid
            for pid, cmd in child_commands(self.process.pid).items()
            if "-m services." in cmd
        }

    def kill_child(self, name: str) -> int:
        pid = wait_until_sync(lambda: self.children().get(name), timeout=60, message=name)
        os.kill(pid, signal.SIGKILL)
        return pid

    def wait_restarted(self, name: str, old_pid: int, timeout: float = 60) -> int:
        def new_pid() -> int | None:
            pid = self.children().get(name)
            return pid if pid and pid != old_pid else None

        return wait_until_sync(new_pid, timeout=timeout, interval=0.1, message=f"{name} restarted")


def child_commands(parent: int) -> dict[int, str]:
    found: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == parent:
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
                found[int(entry.name)] = command.decode()
        except (OSError, ValueError, IndexError):
            continue
    return found


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@dataclass
class LogView:
    """What one pass over COMPLAINTS says: events per complaint, escalations, last sequence."""

    last_seq: int = 0
    messages: int = 0
    types: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    breaches: Counter[str] = field(default_factory=Counter)
    event_ids: Counter[str] = field(default_factory=Counter)
    last_event_seq: int = 0
    undecodable: int = 0
    foreign: int = 0

    def count(self, event_type: str) -> Counter[str]:
        return Counter({c: t.count(event_type) for c, t in self.types.items()})


def read_log(url: str) -> LogView:
    link = JetStreamLink(url, name="fault-test-reader", timeout=30)
    try:
        return link.run(_read_log(link))
    finally:
        link.close()


async def _read_log(link: JetStreamLink) -> LogView:
    view = LogView()
    async for msg in read_all(link, subjects.COMPLAINTS_STREAM):
        view.messages += 1
        view.last_seq = msg.seq
        if not msg.subject.startswith("complaints."):
            continue
        view.last_event_seq = msg.seq
        try:
            event = ev.decode(msg.data)
        except Exception:
            view.undecodable += 1
            continue
        if not msg.headers.get("Klachten-Topic") or str(event.complaint_id) not in msg.subject:
            view.foreign += 1  # not written by the persistence module (a poison test's)
            continue
        view.types[str(event.complaint_id)].append(msg.subject.rsplit(".", 1)[1])
        view.event_ids[str(event.event_id)] += 1
        if isinstance(event, ev.Escalated) and event.breach_id:
            view.breaches[event.breach_id] += 1
    return view


async def consumer_positions(url: str) -> dict[str, dict[str, int]]:
    """Every durable consumer of every stream: pending, ack pending, delivered stream seq."""
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        found: dict[str, dict[str, int]] = {}
        for stream in (subjects.COMPLAINTS_STREAM, subjects.TIMERS_STREAM):
            last = (await js.stream_info(stream)).state.last_seq
            for info in await js.consumers_info(stream):
                found[f"{stream}/{info.name}"] = {
                    "pending": info.num_pending or 0,
                    "ack_pending": info.num_ack_pending or 0,
                    "stream_last": last,
                    "acked_floor": info.ack_floor.stream_seq if info.ack_floor else 0,
                }
        return found
    finally:
        await nc.close()


def consumers_at_end(url: str) -> dict[str, dict[str, int]] | None:
    positions = asyncio.run(consumer_positions(url))
    idle = all(p["pending"] == 0 and p["ack_pending"] == 0 for p in positions.values())
    return positions if idle and positions else None


def rebuild(stack: Stack) -> subprocess.CompletedProcess[str]:
    """`klachten projections rebuild` against the running stack's log and live store."""
    env = stack.env | {"KLACHTEN_NATS_URL": stack.nats_url}
    return subprocess.run(
        [KLACHTEN, "projections", "rebuild"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def percentile(samples: list[float], q: float) -> float:
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def jsonable(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def service_env(nats_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    """Environment for services run by a test: its own data dir, fast redelivery."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KLACHTEN_")}
    return env | {
        "KLACHTEN_NOTIFIER_PORT": str(free_port()),
        "KLACHTEN_SLA_PORT": str(free_port()),
        "KLACHTEN_NATS_URL": nats_url,
        "KLACHTEN_DATA_DIR": str(data_dir),
        "KLACHTEN_STAFF_TOKEN": TOKEN,
        "KLACHTEN_NOTIFIER_ACK_WAIT": "3",
        "KLACHTEN_NOTIFIER_RETRY_BASE": "0.1",
        "KLACHTEN_NOTIFIER_RETRY_CAP": "1",
        "KLACHTEN_NOTIFIER_MAX_DELIVER": "5",
        "KLACHTEN_NOTIFIER_FETCH_TIMEOUT": "1",
        "KLACHTEN_SLA_ACK_WAIT": "3",
        "KLACHTEN_SLA_RETRY_BASE": "0.1",
        "KLACHTEN_SLA_RETRY_CAP": "1",
        "KLACHTEN_SLA_MAX_DELIVER": "5",
        "KLACHTEN_SLA_FETCH_TIMEOUT": "1",
        **extra,
    }


async def dead_letters(url: str) -> list[tuple[str, dict[str, str]]]:
    """Every message of DEADLETTER as (subject, headers)."""
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        state = (await js.stream_info(subjects.DEADLETTER_STREAM)).state
        found = []
        for seq in range(state.first_seq, state.last_seq + 1) if state.messages else ():
            msg = await js.get_msg(subjects.DEADLETTER_STREAM, seq, direct=True)
            found.append((msg.subject or "", dict(msg.headers or {})))
        return found
    finally:
        await nc.close()


def dead_letter_key(headers: dict[str, str]) -> tuple[str, int, str]:
    """(consumer, original stream sequence, reason): the header names every service writes
    (shared/contract/deadletters.py), spelled out here as the analysts' contract."""
    consumer = headers.get("Klachten-Consumer", "")
    seq = headers.get("Klachten-Stream-Seq", "0")
    return consumer, int(seq), headers.get("Klachten-Reason", "")
