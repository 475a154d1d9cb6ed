"""What a complainant's first complaint writes to the key store (issue 23 item 2): the lookup,
the key and the pseudonym's ``subject.`` entry naming the lookup, no back-reference; erasure
still leaves nothing that links the address to the pseudonym, for pseudonyms of before (with
a back-reference) too, and a lookup whose maker stopped before its key gets one named."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import pytest

from klachten.stack.natsserver import EmbeddedNats
from shared.contract import events as ev
from shared.eventstore.link import JetStreamLink, RawMsg
from shared.integrity.audit import read_all
from shared.privacy.keystore import KeyStore
from shared.privacy.pseudonym import complainant_pseudonym, lookup_name
from shared.privacy.shredding import PrivateComplaints, execute_erasure, plan_erasure
from shared.rules.complaint import Cause, Complaint
from tests.support.domain import NOW

SECRET = b"pseudonym-secret"


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


def submit(app: PrivateComplaints, email: str, n: int, subject_key: str | None) -> Complaint:
    c = Complaint.submit(
        complaint_id=uuid4(),
        reference=f"KL-2026-{n:06d}",
        channel="web",
        language="nl",
        personal=ev.SubmittedPersonal(
            complainant=ev.Complainant(name=f"Naam {n}", email=email),
            subject="s",
            description="d",
        ),
        received_at=NOW,
        now=NOW,
        cause=Cause(actor="complainant"),
        subject_key=subject_key,
    )
    app.save(c)
    return c


def entries(link: JetStreamLink) -> dict[str, bytes]:
    async def run() -> list[RawMsg]:
        return [m async for m in read_all(link, "KV_KLACHTEN_KEYS")]

    return {m.subject.removeprefix("$KV.KLACHTEN_KEYS."): m.data for m in link.run(run())}


def erase(app: PrivateComplaints, reference: str) -> None:
    link: JetStreamLink = app.factory.link  # type: ignore[attr-defined]
    plan = plan_erasure(link, app.keystore, reference, SECRET)  # type: ignore[arg-type]
    execute_erasure(plan, app, actor="staff:p", legal_basis="art. 17", now=NOW)


def unlinked(link: JetStreamLink, pseudonym: str, lookup: str) -> bool:
    left = b"\n".join(name.encode() + b" " + data for name, data in entries(link).items())
    return pseudonym.encode() not in left and lookup.encode() not in left


def test_a_first_complaint_writes_the_lookup_the_key_and_its_subject_naming_the_lookup(
    app: PrivateComplaints,
) -> None:
    link: JetStreamLink = app.factory.link  # type: ignore[attr-defined]
    email = "nieuw@example.nl"
    first = submit(app, email, 1, complainant_pseudonym(email, app.keystore, SECRET))
    pseudonym, lookup = first.subject_key, lookup_name(email, SECRET)
    assert pseudonym and lookup
    stored = entries(link)
    assert sorted(name.split(".")[0] for name in stored) == ["key", "lookup", "subject"]
    subject = json.loads(stored[f"subject.{pseudonym}"])
    assert subject["lookup"] == lookup and f"key.{subject['key_id']}" in stored

    erase(app, "KL-2026-000001")
    assert app.complaint(first.id).erased
    assert unlinked(link, pseudonym, lookup)


def test_a_pseudonym_of_before_with_its_back_reference_is_unlinked_too(
    app: PrivateComplaints,
) -> None:
    """Made before Dec 2026: ``subject.`` held the bare key id, ``pseudonym.`` the lookup."""
    link: JetStreamLink = app.factory.link  # type: ignore[attr-defined]
    keystore: KeyStore = app.keystore  # type: ignore[assignment]
    email, pseudonym = "oud@example.nl", "ab" * 32
    lookup = lookup_name(email, SECRET)
    assert lookup
    keystore._create_or_read(f"lookup.{lookup}", pseudonym)
    keystore._create_or_read(f"pseudonym.{pseudonym}", lookup)
    keystore._create_or_read(f"subject.{pseudonym}", keystore._new_key(pseudonym))
    again = KeyStore(link, bucket=keystore.bucket)  # another process: nothing remembered
    assert complainant_pseudonym(email, again, SECRET) == pseudonym
    old = submit(app, email, 1, pseudonym)
    assert keystore.key_id_of_complaint(str(old.id)) == keystore.key_id_of_subject(pseudonym)

    erase(app, "KL-2026-000001")
    assert app.complaint(old.id).erased
    assert unlinked(link, pseudonym, lookup)


def test_a_lookup_whose_maker_stopped_before_its_key_gets_a_key_naming_it(
    app: PrivateComplaints,
) -> None:
    link: JetStreamLink = app.factory.link  # type: ignore[attr-defined]
    keystore: KeyStore = app.keystore  # type: ignore[assignment]
    email, pseudonym = "half@example.nl", "cd" * 32
    lookup = lookup_name(email, SECRET)
    assert lookup
    keystore._create_or_read(f"lookup.{lookup}", pseudonym)  # and then it stopped
    made = submit(app, email, 1, complainant_pseudonym(email, keystore, SECRET))
    assert made.subject_key == pseudonym
    assert json.loads(entries(link)[f"subject.{pseudonym}"])["lookup"] == lookup

    erase(app, "KL-2026-000001")
    assert unlinked(link, pseudonym, lookup)
