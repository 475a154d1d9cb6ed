"""Fault test 5, corrupted store drill: a copy of a stopped server's store gets one flipped bit
in a message body inside a COMPLAINTS block file, or a truncated block. A server started on the
copy (under GOMEMLIMIT and a time limit) must not make the damage disappear: the audit
verification and the projection rebuild both report it (no silent gap).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from uuid import uuid4

import nats
import pytest

from klachten.stack.natsserver import EmbeddedNats
from shared.contract import events as ev
from shared.eventstore.link import JetStreamLink
from shared.eventstore.persistence import HASH_HEADER, PREV_HASH_HEADER, TOPIC_HEADER, chain_hash
from shared.eventstore.streams import provision
from shared.integrity.audit import Verdict, verify
from tests.support.faults import KLACHTEN, REPO_ROOT, SIZE_NOTE, sized

EVENTS = sized(1600, 8000)  # ~6 KiB each: more than one 8 MiB block
PER_COMPLAINT = 4
TOPIC = "shared.complaint:Complaint.Responded"
PADDING = "x" * 6000
MEMORY_LIMIT = "256MiB"
GAP_EXIT = 3  # `klachten projections rebuild`: unexplained gap in the log


def marker(n: int) -> bytes:
    return f"MARKER-{n:07d}-".encode()


def messages() -> list[tuple[str, bytes, dict[str, str]]]:
    out = []
    for c in range(EVENTS // PER_COMPLAINT):
        cid, prev = uuid4(), ""
        for v in range(1, PER_COMPLAINT + 1):
            n = c * PER_COMPLAINT + v
            subject = f"complaints.{cid}.{v}.responded"
            body = ev.Responded(
                event_id=uuid4(),
                complaint_id=cid,
                version=v,
                occurred_at=ev.datetime.fromisoformat("2026-11-25T12:00:00+00:00"),
                actor="staff:drill",
                resolution="well_founded",
                personal=ev.TextPersonal(text=marker(n).decode() + PADDING),
            )
            data = ev.encode(body)
            digest = chain_hash(prev, subject, TOPIC, data)
            headers = {TOPIC_HEADER: TOPIC, PREV_HASH_HEADER: prev, HASH_HEADER: digest}
            out.append((subject, data, headers | {"Nats-Msg-Id": str(body.event_id)}))
            prev = digest
    return out


async def fill(url: str) -> None:
    nc = await nats.connect(url)
    try:
        await provision(nc)
        js = nc.jetstream()
        pending = [await js.publish_async(s, d, headers=h) for s, d, h in messages()]
        await asyncio.gather(*pending)
    finally:
        await nc.close()


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A stopped server's data dir holding EVENTS complaint events in more than one block."""
    data = tmp_path_factory.mktemp("pristine") / "nats"
    server = EmbeddedNats(data).start()
    try:
        asyncio.run(fill(server.url))
    finally:
        server.stop()
    return data


def blocks(data: Path) -> list[Path]:
    found = sorted(data.glob("store/jetstream/*/streams/COMPLAINTS/msgs/*.blk"))
    return sorted(found, key=lambda p: int(p.stem))


def flip_bit(data: Path) -> str:
    """Flip one bit inside the body of the event in the middle of the log."""
    wanted = marker(EVENTS // 2)
    for block in blocks(data):
        raw = bytearray(block.read_bytes())
        at = raw.find(wanted)
        if at >= 0:
            raw[at + len(wanted) + 100] ^= 0x04  # inside the padding: still valid JSON
            block.write_bytes(bytes(raw))
            return f"{block.name} byte {at + len(wanted) + 100} (event {EVENTS // 2})"
    raise AssertionError("marker not found in any block")


def truncate_block(data: Path) -> str:
    """Cut the first block in half: messages from the middle of the log are gone."""
    found = blocks(data)
    assert len(found) >= 2, f"want several blocks, found {[b.name for b in found]}"
    block = found[0]
    size = block.stat().st_size
    with block.open("r+b") as handle:
        handle.truncate(size // 2)
    return f"{block.name} cut from {size} to {size // 2} bytes of {len(found)} blocks"


async def audit(url: str) -> Verdict:
    link = JetStreamLink(url, timeout=30)
    try:
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(verify(link), link._loop))
    finally:
        await asyncio.to_thread(link.close)


def drill(
    pristine: Path, tmp_path: Path, damage: Callable[[Path], str], monkeypatch: pytest.MonkeyPatch
) -> tuple[str, Verdict, subprocess.CompletedProcess[str], dict[str, int]]:
    copy = tmp_path / "copy"
    shutil.copytree(pristine, copy)
    what = damage(copy)
    monkeypatch.setenv("GOMEMLIMIT", MEMORY_LIMIT)
    server = EmbeddedNats(copy)
    began = time.monotonic()
    server.start(timeout=60)
    try:
        verdict = asyncio.run(audit(server.url))
        (tmp_path / "reporting").mkdir()
        env = {k: v for k, v in os.environ.items() if not k.startswith("KLACHTEN_")}
        env |= {
            "KLACHTEN_NATS_URL": server.url,
            "KLACHTEN_DATA_DIR": str(tmp_path / "reporting"),
            "COLUMNS": "200",
        }
        rebuilt = subprocess.run(
            [KLACHTEN, "projections", "rebuild"],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        figures = {"seconds": int(time.monotonic() - began), "rss_mib": _rss(server.pid)}
    finally:
        server.stop()
    return what, verdict, rebuilt, figures


def _rss(pid: int | None) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) // 1024
    return 0


def _report(
    kind: str,
    what: str,
    verdict: Verdict,
    rebuilt: subprocess.CompletedProcess[str],
    figures: dict[str, int],
) -> str:
    said = (rebuilt.stdout + rebuilt.stderr).strip().splitlines()
    print(
        f"\n[corrupt:{kind}] {SIZE_NOTE}: {EVENTS} events; damage: {what}; server GOMEMLIMIT "
        f"{MEMORY_LIMIT}, RSS {figures['rss_mib']} MiB, drill {figures['seconds']} s"
        f"\n[corrupt:{kind}] audit: ok={verdict.ok}, {verdict.messages} messages read, last seq "
        f"{verdict.last_seq}, first break: {verdict.first_break}"
        f"\n[corrupt:{kind}] rebuild exit {rebuilt.returncode}: "
        + " | ".join(line for line in said if "replay" not in line)[-600:]
    )
    return "\n".join(said)


@pytest.mark.timeout(sized(120, 600))
def test_a_flipped_bit_is_reported_by_audit_and_rebuild(
    pristine: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    what, verdict, rebuilt, figures = drill(pristine, tmp_path, flip_bit, monkeypatch)
    said = _report("bit flip", what, verdict, rebuilt, figures)
    assert not verdict.ok, "the audit must not call a damaged log OK"
    assert verdict.first_break is not None and verdict.first_break.seq <= EVENTS // 2
    assert rebuilt.returncode == GAP_EXIT, f"the rebuild must stop at the gap:\n{said}"
    assert "GAP" in said


@pytest.mark.timeout(sized(120, 600))
def test_a_truncated_block_is_reported_by_audit_and_rebuild(
    pristine: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    what, verdict, rebuilt, figures = drill(pristine, tmp_path, truncate_block, monkeypatch)
    said = _report("truncated", what, verdict, rebuilt, figures)
    assert not verdict.ok, "the audit must not call a damaged log OK"
    # The drill's histories are bare chains of responses, which the audit's re-decide step
    # rightly refuses; the damage itself must be the first finding of any other kind.
    damage = [b for b in verdict.breaks if "the rules refuse it" not in b.problem]
    assert damage and ("missing" in str(damage[0]) or "could not be read" in str(damage[0]))
    assert rebuilt.returncode == GAP_EXIT, f"the rebuild must stop at the gap:\n{said}"
    assert "GAP" in said
