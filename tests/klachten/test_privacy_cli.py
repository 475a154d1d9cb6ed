"""`klachten privacy erase|retention` against a real server, as a privacy officer would run them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from uuid import uuid4

import pytest
from typer.testing import CliRunner

from klachten.commands.privacy import app as privacy
from klachten.stack.natsserver import EmbeddedNats
from shared.contract import events as ev
from shared.privacy.shredding import PrivateComplaints, subject_key_for
from shared.rules.complaint import Cause, Complaint
from tests.support.domain import NOW

TOKEN = "privacy-officer-token-123"
runner = CliRunner()


@pytest.fixture
def complaints(
    provisioned_nats: EmbeddedNats, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[PrivateComplaints]:
    monkeypatch.setenv("KLACHTEN_NATS_URL", provisioned_nats.url)
    monkeypatch.setenv("KLACHTEN_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("KLACHTEN_PSEUDONYM_SECRET", "cli-secret")
    monkeypatch.setenv(
        "KLACHTEN_STAFF_TOKENS", f"anna:{TOKEN}:privacy;rob:reader-token-12345:reader"
    )
    app = PrivateComplaints(env={"NATS_URL": provisioned_nats.url})
    try:
        yield app
    finally:
        app.close()


def submit(app: PrivateComplaints, n: int, email: str, closed: bool = True) -> Complaint:
    c = Complaint.submit(
        complaint_id=uuid4(),
        reference=f"KL-2026-{n:06d}",
        channel="web",
        language="nl",
        personal=ev.SubmittedPersonal(
            complainant=ev.Complainant(name=f"Naam {n}", email=email), subject="s", description="d"
        ),
        received_at=NOW,
        now=NOW,
        cause=Cause(actor="complainant"),
        subject_key=subject_key_for(email, b"cli-secret"),
    )
    if closed:
        c.close(outcome="withdrawn", now=NOW + timedelta(days=1), cause=Cause(actor="s"))
    app.save(c)
    return c


def test_erase_needs_the_privacy_role(complaints: PrivateComplaints) -> None:
    submit(complaints, 1, "a@example.nl")
    result = runner.invoke(
        privacy, ["erase", "KL-2026-000001", "--yes", "--token", "reader-token-12345"]
    )
    assert result.exit_code == 3 and "privacy role" in result.output


def test_erase_by_reference_asks_and_records(complaints: PrivateComplaints) -> None:
    a, b = submit(complaints, 1, "a@example.nl"), submit(complaints, 2, "b@example.nl")
    declined = runner.invoke(privacy, ["erase", "KL-2026-000001", "--token", TOKEN], input="n\n")
    assert declined.exit_code == 1 and not complaints.complaint(a.id).erased
    result = runner.invoke(
        privacy,
        ["erase", "KL-2026-000001", "--token", TOKEN, "--reason", "objection"],
        input="y\n",
    )
    assert result.exit_code == 0, result.output
    assert "1 key(s) destroyed" in result.output
    erased = list(complaints.events.get(a.id))[-1].fact
    assert isinstance(erased, ev.Erased) and erased.actor == "staff:anna"
    assert erased.legal_basis == "GDPR art. 17(1)(c): objection (art. 21)"
    assert not complaints.complaint(b.id).erased
    unknown = runner.invoke(privacy, ["erase", "KL-2026-000099", "--yes", "--token", TOKEN])
    assert unknown.exit_code == 1 and "no complaint" in unknown.output


def test_the_legal_basis_is_chosen_never_typed(complaints: PrivateComplaints) -> None:
    a = submit(complaints, 1, "a@example.nl")
    typed = ["erase", "KL-2026-000001", "--yes", "--token", TOKEN, "--reason", "Jan, zaak 12"]
    result = runner.invoke(privacy, typed)
    assert result.exit_code == 2 and "choose one of request, objection" in result.output
    assert not complaints.complaint(a.id).erased
    default = runner.invoke(privacy, ["erase", "KL-2026-000001", "--yes", "--token", TOKEN])
    assert default.exit_code == 0, default.output
    erased = list(complaints.events.get(a.id))[-1].fact
    assert isinstance(erased, ev.Erased)
    assert erased.legal_basis == "GDPR art. 17(1): the data subject's request"


def test_erase_by_email(complaints: PrivateComplaints) -> None:
    a = submit(complaints, 1, "Jan@Example.nl")
    result = runner.invoke(privacy, ["erase", "jan@example.nl", "--yes", "--token", TOKEN])
    assert result.exit_code == 0, result.output
    assert complaints.complaint(a.id).erased


def test_retention_dry_run_then_for_real(complaints: PrivateComplaints) -> None:
    old = submit(complaints, 1, "old@example.nl")
    still_open = submit(complaints, 2, "open@example.nl", closed=False)
    now = (NOW + timedelta(days=800)).isoformat().replace("+00:00", "")
    dry = runner.invoke(privacy, ["retention", "--dry-run", "--now", now, "--policy", "default=2y"])
    assert dry.exit_code == 0, dry.output
    assert "1 key(s) would be destroyed" in dry.output and not complaints.complaint(old.id).erased
    real = runner.invoke(
        privacy, ["retention", "--now", now, "--policy", "default=2y", "--token", TOKEN]
    )
    assert real.exit_code == 0, real.output
    assert complaints.complaint(old.id).erased and not complaints.complaint(still_open.id).erased


def test_erase_on_a_running_stack_needs_no_token_twice(
    complaints: PrivateComplaints, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``klachten up`` keeps its generated all-roles token in the data folder; the operator
    on that machine erases without copying it into KLACHTEN_STAFF_TOKEN and KLACHTEN_TOKEN."""
    a = submit(complaints, 1, "a@example.nl")
    (tmp_path / "credentials").mkdir(exist_ok=True)
    (tmp_path / "credentials" / "staff-token").write_text("generated-stack-token-0123456789\n")
    monkeypatch.delenv("KLACHTEN_STAFF_TOKEN", raising=False)
    monkeypatch.delenv("KLACHTEN_TOKEN", raising=False)
    result = runner.invoke(privacy, ["erase", "KL-2026-000001", "--yes"])
    assert result.exit_code == 0, result.output
    assert complaints.complaint(a.id).erased
    with_token = runner.invoke(
        privacy, ["erase", "KL-2026-000001", "--yes", "--token", "generated-stack-token-0123456789"]
    )
    assert with_token.exit_code == 0, with_token.output


def test_erase_with_one_variable_for_the_token(
    complaints: PrivateComplaints, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = submit(complaints, 1, "a@example.nl")
    monkeypatch.setenv("KLACHTEN_STAFF_TOKEN", "one-variable-token-0123456789")
    monkeypatch.delenv("KLACHTEN_TOKEN", raising=False)
    result = runner.invoke(privacy, ["erase", "KL-2026-000001", "--yes"])
    assert result.exit_code == 0, result.output
    assert complaints.complaint(a.id).erased
