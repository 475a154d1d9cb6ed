"""Tamper drill: edit, delete or reorder one stored event or checkpoint in a copy of the log;
verification names the exact place. Plus the Merkle proofs behind exported case files."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from uuid import uuid4

import msgspec
import pytest

from klachten.stack.natsserver import EmbeddedNats
from shared.eventstore.link import JetStreamLink, RawMsg
from shared.eventstore.persistence import HASH_HEADER, PREV_HASH_HEADER, TOPIC_HEADER, chain_hash
from shared.integrity import casefile, keyring
from shared.integrity import checkpoints as cps
from shared.integrity.anchoring import check_log
from shared.integrity.audit import read_all
from shared.privacy.shredding import PrivateComplaints
from tests.support.anchoring import fresh_chain, rewrite, submit_answered
from tests.support.domain import NOW

KEY = cps.Ed25519PrivateKey.generate()
KEYS = keyring.Keyring.of(KEY.public_key())


@dataclasses.dataclass
class Copy:
    log: list[RawMsg]
    checkpoints: list[RawMsg]

    def verify(self) -> object:
        return check_log(self.log, self.log[0].seq, 0, self.checkpoints, KEYS)


@pytest.fixture
def copy(provisioned_nats: EmbeddedNats) -> Iterator[Copy]:
    app = PrivateComplaints(env={"NATS_URL": provisioned_nats.url})
    link: JetStreamLink = app.factory.link  # type: ignore[attr-defined]
    try:
        link.run(cps.ensure_stream(link))
        previous = None
        for n in range(3):
            for k in range(2):
                submit_answered(app, 2 * n + k, closed=True)
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


def test_edited_checkpoint_has_an_invalid_signature_and_nothing_of_it_is_used(copy: Copy) -> None:
    # Its sequence is moved too: the report must not take it for a place in the log, nor
    # blame the intact log ("out of order", "rewritten") with the forged fields.
    victim = copy.checkpoints[1]
    body = json.loads(victim.data)
    body["complaints"] += 1
    body["seq"] -= 3
    copy.checkpoints[1] = dataclasses.replace(victim, data=json.dumps(body).encode())
    report = copy.verify()
    problems = [str(p) for p in report.problems]  # type: ignore[attr-defined]
    assert problems == [
        f"CHECKPOINTS message {victim.seq}: signature invalid for key "
        f"{cps.key_id(KEY.public_key())} (altered); not used"
    ]
    assert report.verdict.ok  # type: ignore[attr-defined]


def test_deleted_checkpoint_is_flagged(copy: Copy) -> None:
    victim = copy.checkpoints.pop(1)
    problems = [p.problem for p in copy.verify().problems]  # type: ignore[attr-defined]
    assert f"CHECKPOINTS messages {victim.seq}..{victim.seq} are missing" in problems[0]
    assert any("number 3 follows 1" in p for p in problems)


def test_reordered_checkpoints_are_flagged(copy: Copy) -> None:
    c = copy.checkpoints
    c[1], c[2] = dataclasses.replace(c[2], seq=c[1].seq), dataclasses.replace(c[1], seq=c[2].seq)
    problems = [p.problem for p in copy.verify().problems]  # type: ignore[attr-defined]
    assert any("follows" in p or "previous checkpoint's digest" in p for p in problems)


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
    key = keyring.signing_key(tmp_path / "signer")
    private = tmp_path / "signer" / keyring.PRIVATE
    assert private.stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "signer").stat().st_mode & 0o777 == 0o700
    ring = keyring.load(tmp_path / "signer" / keyring.KEYRING)
    assert ring.current == keyring.key_id(key.public_key())
    assert keyring.signing_key(tmp_path / "signer").public_key() == key.public_key()


# --- anchoring: the checkpoint chain, trusted checkpoints, coverage, keys ------------------------

LATER = NOW + timedelta(days=400)  # any "now": message times are the server's


def test_insider_rewrite_with_a_fresh_chain_is_caught_by_the_witness(copy: Copy) -> None:
    witness = [cps.decode(m.data) for m in copy.checkpoints]  # what the auditor collected
    forged_log = rewrite(copy.log, 7)
    insider = cps.Ed25519PrivateKey.generate()  # "re-signed with the key in the data folder"
    forged_cps = fresh_chain(forged_log, insider, 3)
    # With only the insider's key, the stream's chain itself looks fine…
    alone = check_log(forged_log, 1, 0, forged_cps, keyring.Keyring.of(insider.public_key()))
    assert alone.ok
    # …but not against the signer's keyring, nor against what the witness holds.
    report = check_log(forged_log, 1, 0, forged_cps, KEYS, trusted=witness)
    texts = [str(p) for p in report.problems]
    assert any("which is not in the keyring" in t for t in texts)
    cid = forged_log[7].subject.split(".")[1]
    first = report.first_divergence
    assert first.seq == forged_log[7].seq
    assert f"complaint {cid} version 2 differs from the signed hash (rewritten)" in first.problem
    assert any("is not in CHECKPOINTS" in t for t in texts)


def test_a_restarted_checkpoint_chain_is_an_alarm(copy: Copy) -> None:
    restarted = copy.checkpoints + [
        dataclasses.replace(m, seq=m.seq + 3) for m in fresh_chain(copy.log, KEY, 1)
    ]
    problems = [p.problem for p in check_log(copy.log, 1, 0, restarted, KEYS).problems]
    assert any("starts again at number 1 after number 3" in p for p in problems)


def test_equivocation_names_both_roots(copy: Copy) -> None:
    genuine = cps.decode(copy.checkpoints[2].data)
    other = cps.sign(msgspec.structs.replace(genuine, heads_root="ab" * 32), KEY)
    report = check_log(copy.log, 1, 0, copy.checkpoints, KEYS, trusted=[other])
    problems = [p.problem for p in report.problems]
    assert any(
        f"equivocation at sequence {genuine.seq}" in p
        and genuine.heads_root in p
        and "ab" * 32 in p
        for p in problems
    )


def test_a_tail_covered_by_no_checkpoint_fails_past_the_bound(copy: Copy) -> None:
    written = copy.log[-1].timestamp
    bare = check_log(copy.log, 1, 0, [], KEYS, now=written + timedelta(minutes=11))
    assert not bare.ok and "covered by no valid checkpoint" in bare.problems[0].problem
    fresh = check_log(copy.log, 1, 0, [], KEYS, now=written + timedelta(minutes=1))
    assert fresh.ok and "covered by no valid checkpoint" in fresh.warnings[0]
    covered = check_log(copy.log, 1, 0, copy.checkpoints, KEYS, now=LATER)
    assert covered.ok and not covered.warnings and covered.covered_to == copy.log[-1].seq


def test_a_lost_signing_key_is_a_loud_refusal_never_a_new_key(tmp_path: Path) -> None:
    signer = tmp_path / "signer"
    first = keyring.signing_key(signer)
    (signer / keyring.PRIVATE).unlink()
    with pytest.raises(keyring.MissingSigningKey, match="restore it from its backup"):
        keyring.signing_key(signer)
    assert not (signer / keyring.PRIVATE).exists()
    assert keyring.load(signer / keyring.KEYRING).current == keyring.key_id(first.public_key())


def test_rotation_keeps_old_checkpoints_verifiable(copy: Copy, tmp_path: Path) -> None:
    signer = tmp_path / "signer"
    old = keyring.signing_key(signer)
    first, _ = cps.make_checkpoint(copy.log[:6], 1, None, old, NOW)
    new = keyring.rotate(signer, "2027-01-01T00:00:00+00:00")
    second, _ = cps.make_checkpoint(copy.log, 1, first, new, NOW)
    ring = keyring.load(signer / keyring.KEYRING)
    assert list(ring.keys) == [keyring.key_id(old.public_key()), keyring.key_id(new.public_key())]
    msgs = [
        RawMsg(cps.SUBJECT, n, {}, msgspec.json.encode(c), "") for n, c in ((1, first), (2, second))
    ]
    report = check_log(copy.log, 1, 0, msgs, ring)
    assert report.ok and report.checkpoints_ok == 2
    # A forged rotation record (not signed by the key before it) makes the keyring unusable.
    document = json.loads((signer / keyring.KEYRING).read_text())
    document["keys"][1]["rotation_signature"] = document["keys"][1]["rotation_signature"][::-1]
    with pytest.raises(keyring.KeyringError, match="not signed by the key before it"):
        keyring.parse(document)


def test_a_case_file_says_nothing_about_other_complaints(copy: Copy) -> None:
    cp = cps.decode(copy.checkpoints[-1].data)
    cid = copy.log[0].subject.split(".")[1]
    case = casefile.build(copy.log, 1, cid, cp, NOW)
    text = json.dumps(case)
    others = {m.subject.split(".")[1] for m in copy.log} - {cid}
    assert others and not any(o in text for o in others)
    assert not any(m.headers[HASH_HEADER] in text for m in copy.log if cid not in m.subject)
    assert casefile.verify(case, KEYS)[0] is None
