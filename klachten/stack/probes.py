"""Probes of a running stack: is a port open, what does a health endpoint answer, how much memory
does a process use, which port is free when the default one is taken."""

from __future__ import annotations

import json
import logging
import socket
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

log = logging.getLogger("klachten.stack")


def rss_kib(pid: int | None) -> int | None:
    """Resident set size of a process (Linux /proc), or None when unknown."""
    if pid is None:
        return None
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def http_json(url: str, timeout: float = 1.0) -> Any:
    """GET `url` and decode its JSON; None on any failure (connection, status, body)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return json.loads(response.read()) if response.status == 200 else None
    except (urllib.error.URLError, OSError, ValueError):
        return None


def tcp_open(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def healthy(url: str) -> bool:
    """Whether the health endpoint at `url` answers `{"status": "ok"}`."""
    health = http_json(url)
    return isinstance(health, dict) and health.get("status") == "ok"


def free_port_unless_taken(port: int, what: str) -> int:
    """`port`, unless another program listens there (a second stack on this machine): then any
    free one, with a warning that says which setting chooses it."""
    if not tcp_open(port):
        return port
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        free = int(sock.getsockname()[1])
    log.warning("port %d is in use; %s on %d (set %s to choose)", port, what, free, what)
    return free
