"""Erasure drill: erase one complainant; nothing of theirs is readable anywhere, others are
unaffected, the chains and the checkpoints still verify, retention destroys what is due."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from uuid import uuid4

import pytest

from klachten.commands.audit import build_case
from klachten.stack.natsserver import EmbeddedNats
from shared.contract import events as ev
from shared.eventstore.link import JetStreamLink, RawMsg
from shared.integrity import casefile, keyring
from shared.integrity import checkpoints as cps
from shared.integrity.anchoring import check_log
from shared.integrity.audit import read_all
from shared.privacy.shredding import (
    Erasure,
    PrivateComplaints,
    RetentionPolicy,
    cases,
    execute_erasure,
    plan_erasure,
    retention_plan,
    subject_key_for,
)
from shared.rules.complaint import Cause, Complaint
from tests.support.domain import NOW

SECRET = b"drill-secret"
JAN = ("Jan Jansen", "jan@example.nl", "Mijn buurman Jan-geheim")
PIET = ("Piet Pieters", "piet@example.nl", "Pietjes pakket-verhaal")


@pytest.fixture
def app(
    provisioned_nats: EmbeddedNats, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[PrivateComplaints]:
    monkeypatch.setenv("KLACHTEN_DATA_DIR", str(tmp_path / "data"))
    application = PrivateComplaints(env={"NATS_URL": provisioned_nats.url})
    try:
        yield application
    finally:
        application.close()


def submit(
    app: PrivateComplaints, who: tuple[str, str, str], n: int, category: str = "service"
) -> Complaint:
    name, email, text = who
    c = Complaint.submit(
        complaint_id=uuid4(),
        reference=f"KL-2026-{n:06d}",
        channel="web",
        language="nl",
        personal=ev.SubmittedPersonal(
            complainant=ev.Complainant(name=name, email=email),
            subject=f"Klacht van {name}",
            description=text,
        ),
        received_at=NOW,
        now=NOW,
        cause=Cause(actor="complainant"),
        category=category,
        subject_key=subject_key_for(email, SECRET),
    )
    c.respond(
        text=f"Beste {name}, excuses.", resolution="well_founded", now=NOW, cause=Cause(actor="s")
    )
    c.close(outcome="resolved", now=NOW + timedelta(days=10), cause=Cause(actor="s"))
    app.save(c)
    return c


def log(link: JetStreamLink) -> list[RawMsg]:
    async def run() -> list[RawMsg]:
        return [m async for m in read_all(link, "COMPLAINTS")]

    return link.run(run())


def kv_messages(link: JetStreamLink) -> list[RawMsg]:
    async def run() -> list[RawMsg]:
        return [m async for m in read_all(link, "KV_KLACHTEN_KEYS")]

    return link.run(run())


def test_erasure_drill(app: PrivateComplaints, tmp_path: Path) -> None:
    link: JetStreamLink = app.factory.link  # type: ignore[attr-defined]
    jan1, piet, jan2 = submit(app, JAN, 1), submit(app, PIET, 2), submit(app, JAN, 3)
    key = keyring.signing_key(keyring.signer_dir(tmp_path / "data"))
    keys = keyring.Keyring.of(key.public_key())
    first_cp, _ = cps.make_checkpoint(log(link), 1, None, key, NOW)
    link.run(cps.ensure_stream(link))
    link.run(cps.publish(link, first_cp))
    jan_key_id = app.keystore.key_id_of_complaint(str(jan1.id))  # type: ignore[union-attr]
    jan_key = base64.b64encode(app.keystore.key(jan_key_id)).decode()  # type: ignore[union-attr]

    plan = plan_erasure(link, app.keystore, "JAN@example.nl ", SECRET)  # type: ignore[arg-type]
    assert {c.reference for c in plan.cases} == {"KL-2026-000001", "KL-2026-000003"}
    execute_erasure(plan, app, actor="staff:privacy-officer", legal_basis="GDPR art. 17", now=NOW)

    # No readable personal data of Jan anywhere: the log, the key store, the exports.
    stored = b"".join(m.data for m in log(link))
    for secret in (*JAN, *PIET):
        assert secret.encode() not in stored  # the log never held plaintext at all
    kv = b"".join(m.data for m in kv_messages(link))
    tombstones = [m.subject for m in kv_messages(link) if m.subject.endswith(jan_key_id)]
    assert jan_key.encode() not in kv and tombstones == [f"$KV.KLACHTEN_KEYS.erased.{jan_key_id}"]
    for c in (jan1, jan2):
        facts = [e.fact for e in app.events.get(c.id)]
        assert all(getattr(f, "personal", None) is None for f in facts)
        assert all(f.erased for f in facts if f.sealed is not None)
        erased = facts[-1]
        assert isinstance(erased, ev.Erased)
        assert (erased.actor, erased.legal_basis) == ("staff:privacy-officer", "GDPR art. 17")
        assert app.complaint(c.id).erased and app.complaint(c.id).status == "closed"
    case = json.dumps(build_case(link, "KL-2026-000001"))
    assert all(s not in case for s in JAN)

    # Piet is unaffected.
    piet_facts = [e.fact for e in app.events.get(piet.id)]
    assert piet_facts[0].personal.complainant.name == "Piet Pieters"  # type: ignore[attr-defined]
    assert not app.complaint(piet.id).erased

    # Chains and the checkpoint signed before the erasure still verify, and a new one too.
    latest = cps.decode(link.run(cps.read_checkpoints(link))[-1].data)  # the export signed one
    second_cp, _ = cps.make_checkpoint(log(link), 1, latest, key, NOW)
    link.run(cps.publish(link, second_cp))
    report = check_log(log(link), 1, 0, link.run(cps.read_checkpoints(link)), keys)
    assert report.ok, report.first_divergence
    assert report.checkpoints_ok == report.checkpoints >= 2
    assert casefile.verify(json.loads(case), keys)[0] is None

    # Erasing again changes nothing.
    again = plan_erasure(link, app.keystore, "KL-2026-000003", SECRET)  # type: ignore[arg-type]
    execute_erasure(again, app, actor="staff:x", legal_basis="again", now=NOW)
    assert again.destroyed == [] and again.recorded == []


def test_retention_destroys_only_what_is_due(app: PrivateComplaints) -> None:
    link: JetStreamLink = app.factory.link  # type: ignore[attr-defined]
    jan, piet = submit(app, JAN, 1, "billing"), submit(app, PIET, 2, "service")
    open_one = Complaint.submit(
        complaint_id=uuid4(),
        reference="KL-2026-000003",
        channel="web",
        language="nl",
        personal=ev.SubmittedPersonal(
            complainant=ev.Complainant(name="Kees", email="kees@example.nl"),
            subject="s",
            description="d",
        ),
        received_at=NOW,
        now=NOW,
        cause=Cause(actor="complainant"),
        subject_key=subject_key_for("kees@example.nl", SECRET),
    )
    app.save(open_one)
    policy = RetentionPolicy.parse("default=2y,billing=30d")
    plan = retention_plan(cases(link, app.keystore), policy, NOW + timedelta(days=60))
    status = {d.cases[0].reference: d.reason for d in plan}
    assert status["KL-2026-000001"] == "due"
    assert status["KL-2026-000002"].startswith("kept until")
    assert status["KL-2026-000003"] == "KL-2026-000003 is still open"
    due = [d for d in plan if d.reason == "due"]
    for d in due:
        execute_erasure(
            Erasure([d.key_id], d.cases), app, actor="system", legal_basis="retention", now=NOW
        )
    assert app.complaint(jan.id).erased and not app.complaint(piet.id).erased
    assert next(e.fact for e in app.events.get(jan.id)).erased


def test_retention_policy_parsing() -> None:
    policy = RetentionPolicy.parse("default=2y, billing=400d,service=26w")
    assert policy.period("billing") == timedelta(days=400)
    assert policy.period(None) == timedelta(days=730)
    assert RetentionPolicy.parse("").period("x") is None
    with pytest.raises(ValueError):
        RetentionPolicy.parse("default=2 years")
