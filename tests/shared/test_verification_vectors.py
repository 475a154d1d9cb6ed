"""The test vectors of docs/verification.md: golden files made by the code from fixed inputs (a
fixed key, fixed events), so a change of any byte layout is a failing diff; and the independent
verifier in tools/ agrees with the code on them and on a tampered copy.
Regenerate after a deliberate format change: KLACHTEN_UPDATE_GOLDEN=1."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import msgspec
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from shared.eventstore.link import RawMsg
from shared.eventstore.persistence import HASH_HEADER, PREV_HASH_HEADER, TOPIC_HEADER, chain_hash
from shared.integrity import casefile, keyring
from shared.integrity import checkpoints as cps

GOLDEN = Path(__file__).parent / "golden" / "verification"
TOOL = Path(__file__).parents[2] / "tools" / "verify_casefile.py"
AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
A, B, C = (f"00000000-0000-4000-8000-00000000000{n}" for n in (1, 2, 3))
KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
NEXT_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32, 64)))


def log() -> list[RawMsg]:
    """Three complaints, interleaved, as the stream holds them."""
    out, heads = [], {}
    plan = [(A, 1, "submitted"), (B, 1, "submitted"), (A, 2, "responded"), (C, 1, "submitted")]
    for seq, (cid, version, kind) in enumerate(plan, start=1):
        subject, topic = (
            f"complaints.{cid}.{version}.{kind}",
            f"shared.complaint:Complaint.{kind}",
        )
        data = json.dumps({"type": f"complaint.{kind}", "complaint_id": cid, "version": version})
        prev = heads.get(cid, "")
        heads[cid] = chain_hash(prev, subject, topic, data.encode())
        headers = {TOPIC_HEADER: topic, PREV_HASH_HEADER: prev, HASH_HEADER: heads[cid]}
        out.append(RawMsg(subject, seq, headers, data.encode(), "2026-03-02T09:00:00Z"))
    return out


def vectors() -> dict[str, str]:
    messages = log()
    first, _ = cps.make_checkpoint(messages[:2], 1, None, KEY, AT)
    second, _ = cps.make_checkpoint(messages, 1, first, KEY, AT)
    case = casefile.build(messages, 1, A, second, AT)
    ring = {
        "format": keyring.FORMAT,
        "keys": [
            keyring._entry(KEY.public_key(), "2026-01-01T00:00:00+00:00"),
            keyring._entry(NEXT_KEY.public_key(), "2026-06-01T00:00:00+00:00", KEY),
        ],
    }
    heads = {m.subject.split(".")[1]: m.headers[HASH_HEADER] for m in messages}
    return {
        "events.json": json.dumps([casefile._event(m) for m in messages], indent=1),
        "merkle.json": json.dumps(
            {
                "heads": heads,
                "root": cps.merkle_root(heads),
                "proof_of_A": cps.merkle_proof(heads, A),
            },
            indent=1,
        ),
        "payload-2.txt": second.payload().decode(),
        "witness.jsonl": "".join(msgspec.json.encode(c).decode() + "\n" for c in (first, second)),
        "keyring.json": json.dumps(ring, indent=1),
        "case-A.json": json.dumps(case, indent=2, ensure_ascii=False),
    }


@pytest.mark.parametrize("name", sorted(vectors()))
def test_golden_vectors(name: str) -> None:
    made = vectors()[name] + "\n"
    if os.environ.get("KLACHTEN_UPDATE_GOLDEN"):
        (GOLDEN / name).write_text(made)
    assert (GOLDEN / name).read_text() == made


def test_the_golden_case_and_keyring_verify_in_the_code() -> None:
    case = json.loads((GOLDEN / "case-A.json").read_text())
    keys = keyring.load(GOLDEN / "keyring.json")
    assert casefile.verify(case, keys)[0] is None
    assert B not in json.dumps(case) and C not in json.dumps(case)


def run_tool(case: Path, keys: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(TOOL), str(case), str(keys)],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_independent_verifier_agrees(tmp_path: Path) -> None:
    ok = run_tool(GOLDEN / "case-A.json", GOLDEN / "keyring.json")
    assert ok.returncode == 0 and ok.stdout.startswith("OK 2 events of"), ok.stdout + ok.stderr
    case = json.loads((GOLDEN / "case-A.json").read_text())
    case["events"][1]["data"] = case["events"][1]["data"].replace("responded", "closed")
    (tmp_path / "bad.json").write_text(json.dumps(case))
    bad = run_tool(tmp_path / "bad.json", GOLDEN / "keyring.json")
    assert bad.returncode == 1 and "event 2: altered" in bad.stdout
    assert casefile.verify(case, keyring.load(GOLDEN / "keyring.json"))[0] is not None
    case = json.loads((GOLDEN / "case-A.json").read_text())
    case["checkpoint"]["payload"] = case["checkpoint"]["payload"].replace('"seq":4', '"seq":3')
    (tmp_path / "forged.json").write_text(json.dumps(case))
    forged = run_tool(tmp_path / "forged.json", GOLDEN / "keyring.json")
    assert forged.returncode == 1 and "InvalidSignature" in forged.stdout
