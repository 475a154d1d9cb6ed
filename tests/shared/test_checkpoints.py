"""Tamper drill: edit, delete or reorder one stored event or checkpoint in a copy of the log;
verification names the exact place. Plus the Merkle proofs behind exported case files."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from uuid import uuid4

import pytest

from shared import checkpoints as cps
from shared.audit import check_log, read_all
from shared.complaint import Cause, Complaint
from shared.jsclient import JetStreamLink, RawMsg
from shared.natsserver import EmbeddedNats
from shared.persistence import HASH_HEADER, PREV_HASH_HEADER, TOPIC_HEADER, chain_hash
from shared.privacy import PrivateComplaints
from tests.helpers_domain import NOW, personal

KEY = cps.Ed25519PrivateKey.generate()


@dataclasses.dataclass
class Copy:
    log: list[RawMsg]
    checkpoints: list[RawMsg]

    def verify(self) -> object:
        return check_log(self.log, self.log[0].seq, 0, self.checkpoints, KEY.public_key())


@pytest.fixture
def copy(provisioned_nats: EmbeddedNats) -> Iterator[Copy]:
    app = PrivateComplaints(env={"NATS_URL": provisioned_nats.url})
    link: JetStreamLink = app.factory.link  # type: ignore[attr-defined]
    try:
        link.run(cps.ensure_stream(link))
        previous = None
        for n in range(3):
            for _ in range(2):
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
                c.close(outcome="resolved", now=NOW + timedelta(days=1), cause=Cause(actor="s"))
                app.save(c)
            messages = read(link, "COMPLAINTS")
            previous, _ = cps.make_checkpoint(messages, 1, previous, KEY, NOW)
            link.run(cps.publish(link, previous))
        yield Copy(read(link, "COMPLAINTS"), link.run(cps.read_checkpoints(link)))
    finally:
        app.close()


def read(link: JetStreamLink, stream: str) -> list[RawMsg]:
    async def run() -> list[RawMsg]:
        return [m async for m in read_all(link, stream)]

    return link.run(run())


def test_untouched_copy_verifies(copy: Copy) -> None:
    report = copy.verify()
    assert report.ok and report.checkpoints_ok == 3  # type: ignore[attr-defined]


def test_edited_event_is_flagged_at_its_sequence(copy: Copy) -> None:
    victim = copy.log[7]
    body = json.loads(victim.data)
    body["resolution"] = "well_founded"
    copy.log[7] = dataclasses.replace(victim, data=json.dumps(body).encode())
    first = copy.verify().first_divergence  # type: ignore[attr-defined]
    assert first.seq == victim.seq and "altered" in first.problem


def test_deleted_event_is_flagged_at_its_sequence(copy: Copy) -> None:
    victim = copy.log.pop(4)
    first = copy.verify().first_divergence  # type: ignore[attr-defined]
    assert first.seq == victim.seq and "missing" in first.problem


def test_reordered_events_are_flagged_where_the_order_breaks(copy: Copy) -> None:
    # A re-published copy in another order: events 2 and 3 of one complaint swap places.
    a, b = copy.log[1], copy.log[2]
    copy.log[1] = dataclasses.replace(b, seq=a.seq)
    copy.log[2] = dataclasses.replace(a, seq=b.seq)
    first = copy.verify().first_divergence  # type: ignore[attr-defined]
    assert first.seq == a.seq and "does not link" in first.problem


def test_consistently_rewritten_history_is_caught_by_the_checkpoint(copy: Copy) -> None:
    # The forger recomputes the hash so the chain itself looks fine.
    victim = copy.log[11]  # the last event of the fourth complaint
    body = json.loads(victim.data)
    body["actor"] = "someone-else"
    data = json.dumps(body).encode()
    topic, prev = victim.headers[TOPIC_HEADER], victim.headers[PREV_HASH_HEADER]
    headers = {**victim.headers, HASH_HEADER: chain_hash(prev, victim.subject, topic, data)}
    copy.log[11] = dataclasses.replace(victim, data=data, headers=headers)
    report = copy.verify()
    assert report.verdict.ok  # type: ignore[attr-defined]
    first = report.first_divergence  # type: ignore[attr-defined]
    complaint_id = victim.subject.split(".")[1]
    assert first.seq == victim.seq and complaint_id in first.problem


def test_edited_checkpoint_has_an_invalid_signature(copy: Copy) -> None:
    victim = copy.checkpoints[1]
    body = json.loads(victim.data)
    body["complaints"] += 1
    copy.checkpoints[1] = dataclasses.replace(victim, data=json.dumps(body).encode())
    problems = [str(p) for p in copy.verify().problems]  # type: ignore[attr-defined]
    assert problems[0].startswith(f"stream sequence {body['seq']}: checkpoint {victim.seq}")
    assert "signature invalid" in problems[0]


def test_deleted_checkpoint_is_flagged(copy: Copy) -> None:
    victim = copy.checkpoints.pop(1)
    problems = [p.problem for p in copy.verify().problems]  # type: ignore[attr-defined]
    assert f"checkpoints {victim.seq}..{victim.seq} are missing" in problems[0]


def test_reordered_checkpoints_are_flagged(copy: Copy) -> None:
    c = copy.checkpoints
    c[1], c[2] = dataclasses.replace(c[2], seq=c[1].seq), dataclasses.replace(c[1], seq=c[2].seq)
    problems = [p.problem for p in copy.verify().problems]  # type: ignore[attr-defined]
    assert any("does not follow the previous checkpoint" in p for p in problems)


def test_truncated_log_is_flagged_by_the_last_checkpoint(copy: Copy) -> None:
    del copy.log[-2:]
    first = copy.verify().first_divergence  # type: ignore[attr-defined]
    assert "removed at the end" in first.problem


@pytest.mark.parametrize("n", [1, 2, 3, 5, 8, 13])
def test_merkle_proofs(n: int) -> None:
    heads = {str(uuid4()): f"{i:064x}" for i in range(n)}
    root = cps.merkle_root(heads)
    for cid, head in heads.items():
        assert cps.proof_root(cid, head, cps.merkle_proof(heads, cid)) == root
        assert cps.proof_root(cid, "f" * 64, cps.merkle_proof(heads, cid)) != root


def test_signing_key_file_is_private(tmp_path: Path) -> None:
    key = cps.signing_key(tmp_path)
    private, public = cps.key_paths(tmp_path)
    assert private.stat().st_mode & 0o777 == 0o600
    assert cps.load_public_key(public.read_bytes()) == key.public_key()
    assert cps.signing_key(tmp_path).public_key() == key.public_key()
