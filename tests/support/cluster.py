"""A local nats-server cluster in tests: what its COMPLAINTS stream says (the `cluster` fixture
of conftest.py starts three routed nodes): its info, and every message as one node holds it;
and `klachten up --cluster` as a process on a block of free ports (`ClusterStack`)."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import httpx
import nats

from tests.support.polling import wait_until_sync
from tests.support.ports import free_port

KLACHTEN = str(Path(sys.executable).parent / "klachten")


def stream_info(servers: str | list[str], max_reconnect_attempts: int = 0) -> dict[str, Any]:
    """STREAM.INFO of COMPLAINTS: its state and, under "cluster", the leader and replicas."""
    return asyncio.run(_stream_info(servers, max_reconnect_attempts))


async def _stream_info(servers: str | list[str], max_reconnect_attempts: int) -> dict[str, Any]:
    nc = await nats.connect(servers, max_reconnect_attempts=max_reconnect_attempts)
    try:
        reply = await nc.request("$JS.API.STREAM.INFO.COMPLAINTS", b"", timeout=5)
        return cast(dict[str, Any], json.loads(reply.data))
    finally:
        await nc.close()


def replicas_current(info: dict[str, Any]) -> bool:
    """Both followers of an R3 stream have caught up with the leader."""
    replicas = info.get("cluster", {}).get("replicas", [])
    return len(replicas) == 2 and all(r.get("current") and not r.get("lag") for r in replicas)


def replica_messages(url: str, last_seq: int) -> list[tuple[int, str, str, str]]:
    """Every message as one node's local replica answers a direct get (the server prefers a
    local member of the direct-get queue group): (seq, subject, msg id, body digest)."""
    return asyncio.run(_replica_messages(url, last_seq))


async def _replica_messages(url: str, last_seq: int) -> list[tuple[int, str, str, str]]:
    nc = await nats.connect(url, max_reconnect_attempts=0)
    try:
        found = []
        for seq in range(1, last_seq + 1):
            r = await nc.request(
                "$JS.API.DIRECT.GET.COMPLAINTS", json.dumps({"seq": seq}).encode(), timeout=5
            )
            h = r.headers or {}
            if not h.get("Status"):
                digest = hashlib.sha256(r.data).hexdigest()
                found.append((seq, h["Nats-Subject"], h.get("Nats-Msg-Id", ""), digest))
        return found
    finally:
        await nc.close()


PORT_NAMES = ("NATS", "NATS_MONITOR", "NATS_CLUSTER", "INTAKE", "SMTP", "REPORTING", "MAILSINK")
PORT_NAMES += ("NOTIFIER", "SLA")  # health ports (the defaults would clash on a shared box)
HEALTH_PORTS = ("INTAKE", "REPORTING", "NOTIFIER", "SLA")
STAFF = {"Authorization": "Bearer cluster-test-token"}


def _port_block() -> dict[str, int]:
    """Base ports 10 apart, so +1/+2 (nodes) and +100 (second instances) stay in the block."""
    while True:
        base = free_port() // 10 * 10
        ports = {name: base + 10 * i for i, name in enumerate(PORT_NAMES)}
        wanted = [p + d for p in ports.values() for d in (0, 1, 2, 100)]
        if max(wanted) < 65000 and all(_bindable(p) for p in wanted):
            return ports


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


class ClusterStack:
    """`klachten up --cluster`: nodes nats-1..3 on NATS+0..2, instance k's services on +100·k."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.ports = _port_block()
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("KLACHTEN_")}
        self.env |= {f"KLACHTEN_{k}_PORT": str(v) for k, v in self.ports.items()}
        self.env |= {
            "KLACHTEN_DATA_DIR": str(data_dir),
            "KLACHTEN_STAFF_TOKEN": "cluster-test-token",
            "COLUMNS": "200",
        }
        self.output = data_dir.parent / "up.out"
        data_dir.mkdir(parents=True)
        with self.output.open("wb") as out:
            self.process = subprocess.Popen(
                [KLACHTEN, "up", "--cluster"], env=self.env, stdout=out, stderr=subprocess.STDOUT
            )

    def text(self) -> str:
        return self.output.read_text(errors="replace")

    def pid(self, name: str) -> int:
        return int(re.findall(rf"{name} pid (\d+) RSS", self.text())[-1])

    def wait_up(self, timeout: float = 150) -> None:
        def up() -> bool:
            if self.process.poll() is not None:
                raise AssertionError(f"klachten up --cluster exited:\n{self.text()}")
            return "Ctrl-C stops" in self.text()

        wait_until_sync(up, timeout=timeout, interval=0.2, message="klachten up --cluster")

    def not_ready(self) -> list[str]:
        """The services (both instances) whose /health/ready does not answer 200."""
        out = []
        for name in HEALTH_PORTS:
            for k in (0, 1):
                url = f"http://127.0.0.1:{self.ports[name] + 100 * k}/health/ready"
                try:
                    ok = httpx.get(url, timeout=5).status_code == 200
                except httpx.HTTPError:
                    ok = False
                if not ok:
                    out.append(f"{name.lower()}-{k + 1}")
        return out

    @contextlib.contextmanager
    def node_held_down(self, n: int) -> Iterator[None]:
        """SIGKILL node nats-`n` and keep it down although the supervisor restarts it: its
        client port is taken by a listener that closes every connection at once (a restart
        fails to bind; a client is turned away as by a dead node)."""
        port = self.ports["NATS"] + n - 1
        os.kill(self.pid(f"nats-{n}"), signal.SIGKILL)
        stop = threading.Event()
        with socket.socket() as holder:
            # SO_REUSEADDR: the killed server's connections linger in TIME_WAIT.
            holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            wait_until_sync(lambda: _bound(holder, port), timeout=10, message=f"hold {port}")
            holder.listen()
            holder.settimeout(0.2)
            closer = threading.Thread(target=_turn_away, args=(holder, stop), daemon=True)
            closer.start()
            try:
                yield
            finally:
                stop.set()
                closer.join(timeout=5)

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        return self.process.wait(90)


def _bound(sock: socket.socket, port: int) -> bool:
    try:
        sock.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False


def _turn_away(listener: socket.socket, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            listener.accept()[0].close()
        except TimeoutError:
            continue
        except OSError:
            return
