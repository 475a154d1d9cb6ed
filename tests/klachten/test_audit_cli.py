"""`klachten audit verify|checkpoint|export-case|verify-case` against a real server."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from typer.testing import CliRunner

from klachten.commands.audit import app as audit
from klachten.stack.natsserver import EmbeddedNats
from shared.eventstore.link import JetStreamLink, RawMsg
from shared.integrity import checkpoints as cps
from shared.integrity import keyring
from shared.integrity.audit import read_all
from shared.privacy.shredding import PrivateComplaints
from tests.support.anchoring import fresh_chain, replace_streams, rewrite, submit_answered

runner = CliRunner()


@pytest.fixture
def complaints(
    provisioned_nats: EmbeddedNats, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[PrivateComplaints]:
    monkeypatch.setenv("KLACHTEN_NATS_URL", provisioned_nats.url)
    monkeypatch.setenv("KLACHTEN_DATA_DIR", str(tmp_path / "data"))
    app = PrivateComplaints(env={"NATS_URL": provisioned_nats.url})
    try:
        for n in range(3):
            submit_answered(app, n + 1)
        yield app
    finally:
        app.close()


def test_verify_checkpoint_verify(complaints: PrivateComplaints, signer_dir: Path) -> None:
    none = runner.invoke(audit, ["verify"])
    assert none.exit_code == 2 and "no usable signer keyring" in none.output  # nothing signed yet
    signed = runner.invoke(audit, ["checkpoint"])
    assert signed.exit_code == 0 and "checkpoint 1 at sequence 6" in signed.output, signed.output
    again = runner.invoke(audit, ["verify"])
    assert again.exit_code == 0, again.output
    assert "6 events of 3 complaints" in again.output and "1/1 checkpoints verified" in again.output
    assert "1/1 trusted checkpoints extended" in again.output  # the witness file
    assert (signer_dir / "witness.jsonl").read_text().count("\n") == 1
    nothing = runner.invoke(audit, ["checkpoint"])
    assert "already covers the whole log" in nothing.output


def test_a_tail_covered_by_no_checkpoint_is_not_ok(complaints: PrivateComplaints) -> None:
    assert runner.invoke(audit, ["checkpoint"]).exit_code == 0
    submit_answered(complaints, 4)
    lenient = runner.invoke(audit, ["verify"])
    assert lenient.exit_code == 0 and "warning" in lenient.output
    assert "2 messages (sequences 7..8) are covered by no valid checkpoint" in lenient.output
    strict = runner.invoke(audit, ["verify", "--max-uncovered-minutes", "0"])
    assert strict.exit_code == 1 and "is the checkpointer running?" in strict.output


def test_insider_rewrite_is_caught_by_the_trusted_checkpoint_and_the_witness(
    complaints: PrivateComplaints, provisioned_nats: EmbeddedNats, tmp_path: Path, signer_dir: Path
) -> None:
    assert runner.invoke(audit, ["checkpoint"]).exit_code == 0
    kept = tmp_path / "auditor-kept.jsonl"  # the auditor's copy of the witness
    kept.write_bytes((signer_dir / "witness.jsonl").read_bytes())
    link = complaints.factory.link  # type: ignore[attr-defined]
    log = link.run(_messages(link))
    forged = rewrite(log, 3)  # complaint 2's judgement, its chain recomputed
    insider_key = keyring.signing_key(tmp_path / "data" / "keys" / "insider")
    asyncio.run(replace_streams(provisioned_nats.url, forged, fresh_chain(forged, insider_key, 1)))
    cid = forged[3].subject.split(".")[1]

    trusted = runner.invoke(audit, ["verify", "--trusted-checkpoint", str(kept), "--no-witness"])
    assert trusted.exit_code == 1
    assert "first divergence at stream sequence 4: trusted checkpoint number 1" in trusted.output
    assert f"complaint {cid} version 2 differs from the signed hash (rewritten)" in trusted.output
    assert "which is not in the keyring" in trusted.output
    assert "is not in CHECKPOINTS" in trusted.output
    witness = runner.invoke(audit, ["verify"])
    assert witness.exit_code == 1 and f"complaint {cid} version 2 differs" in witness.output
    # A case file of the rewritten complaint carries the insider's checkpoint: refused offline.
    case = tmp_path / "case.json"
    assert (
        runner.invoke(audit, ["export-case", "kl-2026-000002", "--out", str(case)]).exit_code == 0
    )
    ring = str(signer_dir / keyring.KEYRING)
    offline = runner.invoke(audit, ["verify-case", str(case), "--signer-keyring", ring])
    assert offline.exit_code == 1 and "signature is invalid" in offline.output
    # The signer refuses to sign on top of the replaced checkpoint chain.
    refused = runner.invoke(audit, ["checkpoint"])
    assert refused.exit_code == 1 and "not hold" in refused.output.replace("\n", " ")


def test_export_and_verify_case_offline(
    complaints: PrivateComplaints, tmp_path: Path, signer_dir: Path
) -> None:
    out = tmp_path / "case.json"
    exported = runner.invoke(audit, ["export-case", "kl-2026-000002", "--out", str(out)])
    assert exported.exit_code == 0, exported.output
    ring = signer_dir / keyring.KEYRING
    ok = runner.invoke(audit, ["verify-case", str(out), "--signer-keyring", str(ring)])
    assert ok.exit_code == 0 and "OK 2 events" in ok.output, ok.output
    tool = Path(__file__).parents[2] / "tools" / "verify_casefile.py"
    independent = subprocess.run(
        [sys.executable, str(tool), str(out), str(ring)], capture_output=True, text=True
    )
    assert independent.returncode == 0 and independent.stdout.startswith("OK 2 events")

    case = json.loads(out.read_text())
    body = json.loads(case["events"][1]["data"])
    body["resolution"] = "well_founded"
    case["events"][1]["data"] = json.dumps(body)
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(case))
    bad = runner.invoke(audit, ["verify-case", str(tampered), "--signer-keyring", str(ring)])
    assert bad.exit_code == 1 and "event 2" in bad.output and "altered" in bad.output

    other = tmp_path / "other.pub"
    other.write_bytes(
        cps.Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    wrong = runner.invoke(audit, ["verify-case", str(out), "--public-key", str(other)])
    assert wrong.exit_code == 1 and "signature" in wrong.output


def test_a_lost_signing_key_is_refused_loudly(
    complaints: PrivateComplaints, signer_dir: Path
) -> None:
    assert runner.invoke(audit, ["checkpoint"]).exit_code == 0
    (signer_dir / keyring.PRIVATE).unlink()
    submit_answered(complaints, 4)
    refused = runner.invoke(audit, ["checkpoint"])
    assert refused.exit_code == 1 and "is missing" in refused.output
    assert "restore it from its backup" in refused.output.replace("\n", " ")
    assert not (signer_dir / keyring.PRIVATE).exists()


def test_rotation_keeps_old_checkpoints_verifiable(complaints: PrivateComplaints) -> None:
    assert runner.invoke(audit, ["checkpoint"]).exit_code == 0
    rotated = runner.invoke(audit, ["rotate-key"])
    assert rotated.exit_code == 0 and "new signing key" in rotated.output
    submit_answered(complaints, 4)
    assert runner.invoke(audit, ["checkpoint"]).exit_code == 0
    both = runner.invoke(audit, ["verify"])
    assert both.exit_code == 0 and "2/2 checkpoints verified" in both.output, both.output


async def _messages(link: JetStreamLink) -> list[RawMsg]:
    return [m async for m in read_all(link, "COMPLAINTS")]
