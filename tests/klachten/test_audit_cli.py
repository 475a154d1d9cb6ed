"""`klachten audit verify|checkpoint|export-case|verify-case` against a real server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import pytest
from typer.testing import CliRunner

from klachten.audit_cli import app as audit
from shared import checkpoints as cps
from shared.complaint import Cause, Complaint
from shared.natsserver import EmbeddedNats
from shared.privacy import PrivateComplaints
from tests.helpers_domain import NOW, personal

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
            c = Complaint.submit(
                complaint_id=uuid4(),
                reference=f"KL-2026-{n + 1:06d}",
                channel="web",
                language="nl",
                personal=personal(),
                received_at=NOW,
                now=NOW,
                cause=Cause(actor="c"),
            )
            c.respond(text="ok", resolution="unfounded", now=NOW, cause=Cause(actor="s"))
            app.save(c)
        yield app
    finally:
        app.close()


def test_verify_checkpoint_verify(complaints: PrivateComplaints) -> None:
    first = runner.invoke(audit, ["verify"])
    assert first.exit_code == 0, first.output
    assert "OK" in first.output and "6 events of 3 complaints" in first.output
    signed = runner.invoke(audit, ["checkpoint"])
    assert signed.exit_code == 0 and "checkpoint at sequence 6" in signed.output
    again = runner.invoke(audit, ["verify"])
    assert again.exit_code == 0 and "1/1 checkpoints verified" in again.output


def test_export_and_verify_case_offline(complaints: PrivateComplaints, tmp_path: Path) -> None:
    out = tmp_path / "case.json"
    exported = runner.invoke(audit, ["export-case", "kl-2026-000002", "--out", str(out)])
    assert exported.exit_code == 0, exported.output
    public = cps.key_paths(tmp_path / "data")[1]
    ok = runner.invoke(audit, ["verify-case", str(out), "--public-key", str(public)])
    assert ok.exit_code == 0 and "OK 2 events" in ok.output, ok.output

    case = json.loads(out.read_text())
    body = json.loads(case["events"][1]["data"])
    body["resolution"] = "well_founded"
    case["events"][1]["data"] = json.dumps(body)
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(case))
    bad = runner.invoke(audit, ["verify-case", str(tampered), "--public-key", str(public)])
    assert bad.exit_code == 1 and "event 2" in bad.output and "altered" in bad.output

    other = tmp_path / "other.pub"
    other.write_bytes(cps.public_pem(cps.Ed25519PrivateKey.generate().public_key()))
    wrong = runner.invoke(audit, ["verify-case", str(out), "--public-key", str(other)])
    assert wrong.exit_code == 1 and "signature" in wrong.output
