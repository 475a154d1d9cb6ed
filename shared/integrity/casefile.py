"""Case files: one complaint's stored events, a signed checkpoint covering them and the Merkle
proof from that complaint's chain head to the signed root — nothing about any other complaint
(the checkpoint travels without its event list; the proof holds only sibling hashes).
Layout: docs/verification.md, "Case file"; tools/verify_casefile.py checks it independently.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import msgspec

from shared.contract import subjects
from shared.eventstore.layout import HASH_HEADER, PREV_HASH_HEADER, TOPIC_HEADER, chain_hash
from shared.eventstore.link import RawMsg
from shared.integrity import checkpoints as cps
from shared.integrity.audit import ChainChecker
from shared.integrity.keyring import Keyring

FORMAT = "klachten.case/2"


def complaint_id(messages: list[RawMsg], wanted: str) -> str:
    """The complaint id for a reference (KL-…, any case) or an id; LookupError when unknown."""
    for m in messages:
        if m.subject.endswith(".submitted"):
            data = json.loads(m.data)
            if wanted.strip() == data.get("complaint_id"):
                return str(data["complaint_id"])
            if str(data.get("reference", "")).upper() == wanted.strip().upper():
                return str(data["complaint_id"])
    raise LookupError(f"no complaint {wanted!r} in the log")


def build(
    messages: list[RawMsg], first: int, cid: str, cp: cps.Checkpoint, now: datetime
) -> dict[str, Any]:
    own = [m for m in messages if m.subject.startswith(f"complaints.{cid}.")]
    walk = cps.Walk(ChainChecker(first))
    for m in messages:
        if m.seq <= cp.seq:
            walk.feed(m)
    heads = walk.heads_at(cp.seq)
    if cps.merkle_root(heads) != cp.heads_root:
        raise LookupError(
            "the log does not match its latest checkpoint: run `klachten audit verify`"
        )
    if cid not in heads:
        raise LookupError(f"checkpoint {cp.number} does not cover complaint {cid} yet")
    return {
        "format": FORMAT,
        "complaint_id": cid,
        "exported_at": now.isoformat(),
        "events": [_event(m) for m in own],
        "checkpoint": {"payload": cp.payload().decode(), "signature": cp.signature},
        "proof": {"head": heads[cid], "path": [list(p) for p in cps.merkle_proof(heads, cid)]},
    }


def _event(m: RawMsg) -> dict[str, Any]:
    return {
        "seq": m.seq,
        "subject": m.subject,
        "topic": m.headers.get(TOPIC_HEADER, ""),
        "prev_hash": m.headers.get(PREV_HASH_HEADER, ""),
        "hash": m.headers.get(HASH_HEADER, ""),
        "data": m.data.decode(),
    }


def verify(case: dict[str, Any], keys: Keyring) -> tuple[str | None, str]:
    """(first problem or None, summary). Needs nothing but the file and the keyring."""
    if case.get("format") != FORMAT:
        return f"not a {FORMAT} file", ""
    signed = case["checkpoint"]
    try:
        cp = msgspec.json.decode(signed["payload"], type=cps.Checkpoint)
    except (msgspec.DecodeError, msgspec.ValidationError) as e:
        return f"the checkpoint is unreadable: {e}", ""
    cp = msgspec.structs.replace(cp, signature=signed["signature"])
    if cp.payload().decode() != signed["payload"] or not cps.signature_ok(cp, keys):
        return "the checkpoint's signature is invalid (altered, or signed by another key)", ""
    cid, prev_hash, covered, version = case["complaint_id"], "", None, 0
    for n, e in enumerate(case["events"], start=1):
        where = f"event {n} (stream sequence {e['seq']}, {e['subject']})"
        parsed = subjects.parse_event_subject(e["subject"])
        if parsed is None or parsed.complaint_id != cid or parsed.version != n:
            return f"{where}: expected version {n} of {cid} (an event was removed or moved)", ""
        if chain_hash(e["prev_hash"], e["subject"], e["topic"], e["data"].encode()) != e["hash"]:
            return f"{where}: content does not match its hash (the event was altered)", ""
        if e["prev_hash"] != prev_hash:
            return f"{where}: does not link to the previous event", ""
        prev_hash = e["hash"]
        if e["seq"] <= cp.seq:
            covered, version = e, n
    if covered is None or covered["hash"] != case["proof"]["head"]:
        return "the checkpoint does not cover this case's events (head differs)", ""
    path = [(side, sibling) for side, sibling in case["proof"]["path"]]
    if cps.proof_root(cid, covered["hash"], path) != cp.heads_root:
        return "the Merkle proof does not lead to the signed root", ""
    later = sum(1 for e in case["events"] if e["seq"] > cp.seq)
    summary = (
        f"{len(case['events'])} events of {cid} chain correctly; signed checkpoint "
        f"{cp.number} at sequence {cp.seq} ({cp.signed_at.isoformat()}, key {cp.key_id}) "
        f"covers version {version}"
    )
    return None, summary + (f"; {later} later events are not yet covered" if later else "")
