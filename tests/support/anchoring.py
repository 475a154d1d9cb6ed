"""An insider's tools, for the anchoring tests: rewrite a judgement and re-chain its complaint,
sign a fresh checkpoint chain, replace the real streams with the forgery (as the admin can)."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta
from uuid import uuid4

import msgspec
import nats

from shared.eventstore.link import RawMsg
from shared.eventstore.persistence import HASH_HEADER, PREV_HASH_HEADER, TOPIC_HEADER, chain_hash
from shared.eventstore.streams import provision
from shared.integrity import checkpoints as cps
from shared.privacy.shredding import PrivateComplaints
from shared.rules.complaint import Cause, Complaint
from tests.support.domain import NOW, personal


def rewrite(log: list[RawMsg], index: int) -> list[RawMsg]:
    """Change the judgement at `index` and recompute that complaint's chain from there on."""
    victim = log[index]
    body = json.loads(victim.data)
    body["resolution"] = "well_founded"
    out, cid, prev = list(log), victim.subject.split(".")[1], None
    for i, m in enumerate(out):
        if i < index or m.subject.split(".")[1] != cid:
            continue
        data = json.dumps(body).encode() if i == index else m.data
        prev = prev or m.headers[PREV_HASH_HEADER]
        head = chain_hash(prev, m.subject, m.headers[TOPIC_HEADER], data)
        out[i] = dataclasses.replace(
            m, data=data, headers={**m.headers, PREV_HASH_HEADER: prev, HASH_HEADER: head}
        )
        prev = head
    return out


def fresh_chain(log: list[RawMsg], key: cps.Ed25519PrivateKey, count: int) -> list[RawMsg]:
    """A new checkpoint chain over `log` (the last one at its end), as CHECKPOINTS messages."""
    out, previous = [], None
    for n in range(count):
        upto = log[: len(log) - 2 * (count - 1 - n)]
        previous, _ = cps.make_checkpoint(upto, 1, previous, key, NOW)
        out.append(RawMsg(cps.SUBJECT, n + 1, {}, msgspec.json.encode(previous), log[0].time))
    return out


async def replace_streams(url: str, log: list[RawMsg], checkpoints: list[RawMsg]) -> None:
    """Delete COMPLAINTS and CHECKPOINTS, recreate them and publish the forgery (admin only)."""
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        for stream in ("COMPLAINTS", "CHECKPOINTS"):
            await js.delete_stream(stream)
        await provision(nc)
        for m in log + checkpoints:
            keep = {k: v for k, v in m.headers.items() if not k.startswith("Nats-")}
            keep["Nats-Msg-Id"] = m.headers.get("Nats-Msg-Id", f"forged-{m.subject}-{m.seq}")
            await js.publish(m.subject, m.data, headers=keep)
    finally:
        await nc.close()


def submit_answered(app: PrivateComplaints, n: int, *, closed: bool = False) -> None:
    """Complaint KL-2026-<n>: submitted and answered (and closed): 2 (3) events."""
    c = Complaint.submit(
        complaint_id=uuid4(),
        reference=f"KL-2026-{n:06d}",
        channel="web",
        language="nl",
        personal=personal(),
        received_at=NOW,
        now=NOW,
        cause=Cause(actor="c"),
    )
    c.respond(text="ok", resolution="unfounded", now=NOW, cause=Cause(actor="s"))
    if closed:
        c.close(outcome="resolved", now=NOW + timedelta(days=1), cause=Cause(actor="s"))
    app.save(c)
