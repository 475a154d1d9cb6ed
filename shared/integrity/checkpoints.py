"""Signed checkpoints of the log: the stream's head and a digest of every chain head, Ed25519.

A checkpoint says "at stream sequence S the COMPLAINTS log held these chain heads" — a Merkle
root over the sorted ``<complaint id>:<hash of its last event>`` leaves — plus its place in the
checkpoint chain (``number``, and ``prev``: the digest of the previous checkpoint) and the digest
of the events since the previous one. The list of those events (``events``) travels beside the
signed part: the witness and the stream keep it, so a divergence can be named exactly; a case
file leaves it out, so it says nothing about other complaints. Byte layouts: docs/verification.md.

Checkpoints live in the stream ``CHECKPOINTS`` (``checkpoints.complaints``) and, one JSON line
each, in the witness file outside the log (shared/integrity/anchoring.py). Keys:
shared/integrity/keyring.py."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from uuid import uuid4

import msgspec
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from shared.contract import subjects
from shared.eventstore.link import JetStreamError, JetStreamLink, RawMsg
from shared.eventstore.streams import CHECKPOINTS
from shared.integrity.audit import ChainChecker
from shared.integrity.keyring import Keyring, key_id

STREAM = subjects.CHECKPOINTS_STREAM
SUBJECT = subjects.CHECKPOINTS_SUBJECT
EVENTS_MAX = 5000  # events; beyond this the list is left out (its digest still covers it)
TYPE = "klachten.checkpoint/2"

Event = tuple[int, str, int, str]  # (stream sequence, complaint id, version, chain hash)


class Signed(msgspec.Struct, frozen=True, kw_only=True):
    """The signed part; its compact JSON, fields in this order, is what the signature covers."""

    type: str = TYPE
    stream: str
    number: int  # 1, 2, … in the checkpoint chain
    seq: int  # last stream sequence covered
    complaints: int
    heads_root: str
    events_digest: str  # sha256 over the events since `prev` (events_digest())
    prev: str  # digest of the previous checkpoint ("" for the first)
    signed_at: datetime
    key_id: str


class Checkpoint(Signed, frozen=True, kw_only=True):
    signature: str = ""
    events: list[Event] | None = None  # not signed: checked against events_digest

    def payload(self) -> bytes:
        fields = {f: getattr(self, f) for f in Signed.__struct_fields__}
        return msgspec.json.encode(Signed(**fields))

    def digest(self) -> str:
        return hashlib.sha256(self.payload()).hexdigest()

    def events_ok(self) -> bool:
        return self.events is not None and events_digest(self.events) == self.events_digest

    def without_events(self) -> Checkpoint:
        return msgspec.structs.replace(self, events=None)


def events_digest(events: Iterable[Event]) -> str:
    lines = "".join(f"{seq} {cid} {version} {head}\n" for seq, cid, version, head in events)
    return hashlib.sha256(lines.encode()).hexdigest()


def sign(cp: Checkpoint, key: Ed25519PrivateKey) -> Checkpoint:
    signature = base64.b64encode(key.sign(cp.payload())).decode()
    return msgspec.structs.replace(cp, signature=signature)


def signature_ok(cp: Checkpoint, keys: Keyring) -> bool:
    key = keys.public(cp.key_id)
    if key is None:
        return False
    try:
        key.verify(base64.b64decode(cp.signature), cp.payload())
    except (InvalidSignature, ValueError):
        return False
    return True


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
        parsed = subjects.parse_event_subject(msg.subject)
        if parsed is not None:  # the checker reports any other subject as a break
            head = self.checker.verdict.heads.get(parsed.complaint_id, "")
            self.events.setdefault(parsed.complaint_id, []).append((msg.seq, parsed.version, head))

    def since(self, after: int) -> list[Event]:
        """Every event after stream sequence `after`, in sequence order."""
        found = [
            (seq, cid, version, head)
            for cid, events in self.events.items()
            for seq, version, head in events
            if seq > after
        ]
        return sorted(found)

    def heads_at(self, seq: int) -> dict[str, str]:
        out: dict[str, str] = {}
        for cid, events in self.events.items():
            covered = [e for e in events if e[0] <= seq]
            if covered:
                out[cid] = covered[-1][2]
        return out


class NotExtending(Exception):
    """The log no longer holds what the previous checkpoint signed: never sign over it."""


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
    if previous is not None and (
        verdict.last_seq < previous.seq or merkle_root(walk.heads_at(after)) != previous.heads_root
    ):
        raise NotExtending(
            f"the log does not extend checkpoint {previous.number} (sequence {previous.seq}, "
            f"root {previous.heads_root}): it was rewritten or truncated"
        )
    events = walk.since(after)
    cp = Checkpoint(
        stream=stream,
        number=previous.number + 1 if previous else 1,
        seq=verdict.last_seq,
        complaints=len(verdict.heads),
        heads_root=merkle_root(verdict.heads),
        events_digest=events_digest(events),
        prev=previous.digest() if previous else "",
        signed_at=now,
        key_id=key_id(key.public_key()),
        events=events if len(events) <= EVENTS_MAX else None,
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


def decode(data: bytes) -> Checkpoint:
    return msgspec.json.decode(data, type=Checkpoint)
