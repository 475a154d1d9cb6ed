"""What a local nats-server cluster's COMPLAINTS stream says (the `cluster` fixture of
conftest.py starts three routed nodes): its info, and every message as one node holds it."""

from __future__ import annotations

import asyncio
import hashlib
import json
from typing import Any, cast

import nats


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
