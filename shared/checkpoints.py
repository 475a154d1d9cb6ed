"""Signed checkpoints of the log: the stream's head and a digest of every chain head, Ed25519.

A checkpoint says "at stream sequence S the COMPLAINTS log held these chain heads" — a Merkle
root over the sorted ``<complaint id>:<hash of its last event>`` leaves — plus the heads that
changed since the previous checkpoint (so verification can name the complaint that diverges),
and the hash of the previous checkpoint (so checkpoints form their own chain). They live in the
stream ``CHECKPOINTS`` (``checkpoints.complaints``; deny_delete, deny_purge) because COMPLAINTS
only takes ``complaints.>`` and ``tracking.>``.

The signing key is ``$KLACHTEN_DATA_DIR/keys/audit_ed25519.pem`` (0600, generated on first use);
``audit_ed25519.pub`` next to it is what auditors get. See docs/privacy.md.
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from uuid import uuid4

import msgspec
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from shared import subjects
from shared.audit import ChainChecker
from shared.jsclient import JetStreamError, JetStreamLink, RawMsg
from shared.streams import CHECKPOINTS

STREAM = subjects.CHECKPOINTS_STREAM
SUBJECT = subjects.CHECKPOINTS_SUBJECT
CHANGED_MAX = 5000  # events; beyond this the delta is left out (the root still covers all)


class Checkpoint(msgspec.Struct, frozen=True, kw_only=True):
    type: str = "klachten.checkpoint"
    stream: str
    seq: int  # last stream sequence covered
    complaints: int
    heads_root: str
    # complaint id -> {version: hash} of its events since `prev`, to name the exact divergence
    changed: dict[str, dict[int, str]] | None
    prev: str  # digest of the previous checkpoint ("" for the first)
    signed_at: datetime
    key_id: str
    signature: str = ""

    def payload(self) -> bytes:
        return msgspec.json.encode(msgspec.structs.replace(self, signature=""))

    def digest(self) -> str:
        return hashlib.sha256(msgspec.json.encode(self)).hexdigest()


# --- keys ------------------------------------------------------------------------------------


def key_paths(data_dir: Path) -> tuple[Path, Path]:
    return data_dir / "keys" / "audit_ed25519.pem", data_dir / "keys" / "audit_ed25519.pub"


def signing_key(data_dir: Path) -> Ed25519PrivateKey:
    """The audit signing key; created (0600) with its public key on first use."""
    private_path, public_path = key_paths(data_dir)
    if private_path.exists():
        key = serialization.load_pem_private_key(private_path.read_bytes(), password=None)
        assert isinstance(key, Ed25519PrivateKey)
        return key
    key = Ed25519PrivateKey.generate()
    private_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    public_path.write_bytes(public_pem(key.public_key()))
    return key


def public_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def load_public_key(pem: bytes) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key


def key_id(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def sign(cp: Checkpoint, key: Ed25519PrivateKey) -> Checkpoint:
    signature = base64.b64encode(key.sign(cp.payload())).decode()
    return msgspec.structs.replace(cp, signature=signature)


def signature_ok(cp: Checkpoint, key: Ed25519PublicKey) -> bool:
    try:
        key.verify(base64.b64decode(cp.signature), cp.payload())
    except (InvalidSignature, ValueError):
        return False
    return cp.key_id == key_id(key)


# --- Merkle tree over the chain heads -----------------------------------------------------------


def leaf(complaint_id: str, head: str) -> bytes:
    return hashlib.sha256(b"\x00" + f"{complaint_id}:{head}".encode()).digest()


def _parent(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def merkle_root(heads: dict[str, str]) -> str:
    level = [leaf(cid, heads[cid]) for cid in sorted(heads)]
    if not level:
        return hashlib.sha256(b"").hexdigest()
    while len(level) > 1:
        level = [
            _parent(level[i], level[i + 1]) if i + 1 < len(level) else level[i]
            for i in range(0, len(level), 2)
        ]
    return level[0].hex()


def merkle_proof(heads: dict[str, str], complaint_id: str) -> list[tuple[str, str]]:
    """Sibling hashes from the leaf up: ("L"|"R", hex) — the side the sibling is on."""
    ids = sorted(heads)
    index = ids.index(complaint_id)
    level = [leaf(cid, heads[cid]) for cid in ids]
    proof: list[tuple[str, str]] = []
    while len(level) > 1:
        sibling = index ^ 1
        if sibling < len(level):
            proof.append(("L" if sibling < index else "R", level[sibling].hex()))
        level = [
            _parent(level[i], level[i + 1]) if i + 1 < len(level) else level[i]
            for i in range(0, len(level), 2)
        ]
        index //= 2
    return proof


def proof_root(complaint_id: str, head: str, proof: list[tuple[str, str]]) -> str:
    node = leaf(complaint_id, head)
    for side, sibling in proof:
        other = bytes.fromhex(sibling)
        node = _parent(other, node) if side == "L" else _parent(node, other)
    return node.hex()


# --- walking the log ---------------------------------------------------------------------------


@dataclass
class Walk:
    """A chain check that also remembers every event's (seq, version, hash) per complaint."""

    checker: ChainChecker
    events: dict[str, list[tuple[int, int, str]]] = field(default_factory=dict)

    def feed(self, msg: RawMsg) -> None:
        self.checker.feed(msg)
        if msg.subject.startswith("complaints."):
            _, cid, version, _ = msg.subject.split(".", 3)
            head = self.checker.verdict.heads.get(cid, "")
            self.events.setdefault(cid, []).append((msg.seq, int(version), head))

    def heads_at(self, seq: int) -> dict[str, str]:
        out: dict[str, str] = {}
        for cid, events in self.events.items():
            covered = [e for e in events if e[0] <= seq]
            if covered:
                out[cid] = covered[-1][2]
        return out


def make_checkpoint(
    messages: Iterable[RawMsg],
    first_seq: int,
    previous: Checkpoint | None,
    key: Ed25519PrivateKey,
    now: datetime,
    stream: str = "COMPLAINTS",
) -> tuple[Checkpoint, ChainChecker]:
    walk = Walk(ChainChecker(first_seq))
    for msg in messages:
        walk.feed(msg)
    verdict = walk.checker.verdict
    after = previous.seq if previous else 0
    changed = {
        cid: {version: head for seq, version, head in events if seq > after}
        for cid, events in walk.events.items()
        if events[-1][0] > after
    }
    size = sum(len(v) for v in changed.values())
    cp = Checkpoint(
        stream=stream,
        seq=verdict.last_seq,
        complaints=len(verdict.heads),
        heads_root=merkle_root(verdict.heads),
        changed=changed if size <= CHANGED_MAX else None,
        prev=previous.digest() if previous else "",
        signed_at=now,
        key_id=key_id(key.public_key()),
    )
    return sign(cp, key), walk.checker


# --- the checkpoint stream ---------------------------------------------------------------------


async def ensure_stream(link: JetStreamLink) -> None:
    try:
        await link.api(f"STREAM.CREATE.{STREAM}", CHECKPOINTS.config())
    except JetStreamError as e:
        if e.err_code != 10058:
            raise


async def publish(link: JetStreamLink, cp: Checkpoint) -> int:
    ack = await link.publish(SUBJECT, msgspec.json.encode(cp), {"Nats-Msg-Id": uuid4().hex})
    return int(ack["seq"])


async def read_checkpoints(link: JetStreamLink) -> list[RawMsg]:
    out: list[RawMsg] = []
    seq = 1
    while True:
        try:
            page = await link.direct_batch(
                STREAM, {"seq": seq, "next_by_subj": SUBJECT, "batch": 1000}
            )
        except JetStreamError:
            return out
        out.extend(page)
        if len(page) < 1000:
            return out
        seq = page[-1].seq + 1


def decode(msg: RawMsg) -> Checkpoint:
    return msgspec.json.decode(msg.data, type=Checkpoint)
