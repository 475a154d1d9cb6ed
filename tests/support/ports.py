"""Free ports for servers started by tests."""

from __future__ import annotations

import random
import socket
from pathlib import Path

_HANDED_OUT: set[int] = set()
# Ports browsers refuse to open (Chromium's net/base/port_util.cc kRestrictedPorts, Firefox's
# network.security.ports.banned); the only one in the range we draw from is amanda's 10080. A
# page served there fails with ERR_UNSAFE_PORT, so a browser test drawing it failed at random.
BROWSER_UNSAFE = frozenset({10080})


def free_port() -> int:
    """A port that was free a moment ago on 127.0.0.1, below the kernel's ephemeral range:
    a port from that range (what binding port 0 gives) can be taken by any outgoing
    connection, e.g. a NATS client's, before the server under test binds it."""
    ranges = Path("/proc/sys/net/ipv4/ip_local_port_range")
    low = int(ranges.read_text().split()[0]) if ranges.exists() else 32768
    while True:
        port = random.randint(10_000, low - 1)
        if port in _HANDED_OUT or port in BROWSER_UNSAFE:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        _HANDED_OUT.add(port)
        return port
