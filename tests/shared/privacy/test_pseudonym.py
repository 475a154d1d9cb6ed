"""The complainant's identity and pseudonym (issue 20, item 7): ``straße@`` and ``strasse@``
are two people, so erasing one leaves the other; the pseudonym in the log is random, kept in the
key store and destroyed with the key, so the address cannot be linked to it after erasure (by
the operator either, who holds the lookup's secret); events of before keep their keyed hash."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import pytest

from klachten.stack.natsserver import EmbeddedNats
from shared.contract import events as ev
from shared.eventstore.link import JetStreamLink, RawMsg
from shared.integrity.audit import read_all
from shared.privacy.keystore import KeyStore
from shared.privacy.pseudonym import (
    complainant_pseudonym,
    lookup_name,
    normalise_email,
    pseudonyms_of,
    same_email,
    subject_key_for,
)
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


def new_complaint(app: PrivateComplaints, email: str, n: int) -> Complaint:
    keystore = app.keystore
    return submit(app, email, n, complainant_pseudonym(email, keystore, SECRET))


def key_store_messages(link: JetStreamLink) -> bytes:
    async def run() -> list[RawMsg]:
        return [m async for m in read_all(link, "KV_KLACHTEN_KEYS")]

    return b"\n".join(m.subject.encode() + b" " + m.data for m in link.run(run()))


def test_addresses_are_lower_cased_never_folded() -> None:
    assert normalise_email(" Jan.Jansen@Example.NL ") == "jan.jansen@example.nl"
    assert same_email("STRASSE@example.de", "strasse@EXAMPLE.de")
    assert not same_email("straße@example.de", "strasse@example.de")
    assert subject_key_for("straße@example.de", SECRET) != subject_key_for(
        "strasse@example.de", SECRET
    )
    assert normalise_email("e\u0301@x.nl") == normalise_email("\u00e9@X.nl")  # one é, NFC


def test_erasing_strasse_leaves_strasse_with_sharp_s(app: PrivateComplaints) -> None:
    link: JetStreamLink = app.factory.link  # type: ignore[attr-defined]
    sharp, double = (
        new_complaint(app, "straße@example.de", 1),
        new_complaint(app, "strasse@example.de", 2),
    )
    plan = plan_erasure(link, app.keystore, "strasse@example.de", SECRET)  # type: ignore[arg-type]
    assert [c.reference for c in plan.cases] == ["KL-2026-000002"]
    execute_erasure(plan, app, actor="staff:p", legal_basis="art. 17", now=NOW)
    assert app.complaint(double.id).erased and not app.complaint(sharp.id).erased


def test_the_pseudonym_is_random_groups_one_person_and_is_gone_after_erasure(
    app: PrivateComplaints,
) -> None:
    link: JetStreamLink = app.factory.link  # type: ignore[attr-defined]
    keystore: KeyStore = app.keystore  # type: ignore[assignment]
    first, second = new_complaint(app, "Jan@Example.nl", 1), new_complaint(app, "jan@example.nl", 2)
    pseudonym = first.subject_key
    assert pseudonym and second.subject_key == pseudonym  # one complainant, one pseudonym
    assert pseudonym != subject_key_for("jan@example.nl", SECRET)  # not a hash of the address
    assert keystore.key_id_of_complaint(str(first.id)) == keystore.key_id_of_complaint(
        str(second.id)
    )
    lookup = lookup_name("jan@example.nl", SECRET)
    assert lookup and lookup.encode() in key_store_messages(link)

    plan = plan_erasure(link, keystore, "KL-2026-000002", SECRET)  # by reference, not address
    execute_erasure(plan, app, actor="staff:p", legal_basis="art. 17", now=NOW)
    assert app.complaint(first.id).erased and app.complaint(second.id).erased
    # Whoever holds the secret and the address finds nothing that leads to the pseudonym.
    left = key_store_messages(link)
    assert pseudonym.encode() not in left and lookup.encode() not in left
    assert pseudonyms_of("jan@example.nl", keystore, SECRET) == {
        subject_key_for("jan@example.nl", SECRET)
    }
    # Coming back after erasure: a new pseudonym and a new key.
    again = new_complaint(app, "jan@example.nl", 3)
    assert again.subject_key not in (None, pseudonym)


def test_events_of_before_keep_their_keyed_hash_and_are_still_erased_by_address(
    app: PrivateComplaints,
) -> None:
    link: JetStreamLink = app.factory.link  # type: ignore[attr-defined]
    legacy = subject_key_for("piet@example.nl", SECRET)
    old = submit(app, "piet@example.nl", 1, legacy)  # written before random pseudonyms
    newer = new_complaint(app, "Piet@example.nl", 2)
    assert newer.subject_key == legacy  # the key kept under it: still grouped
    plan = plan_erasure(link, app.keystore, "piet@example.nl", SECRET)  # type: ignore[arg-type]
    assert [c.reference for c in plan.cases] == ["KL-2026-000001", "KL-2026-000002"]
    execute_erasure(plan, app, actor="staff:p", legal_basis="art. 17", now=NOW)
    assert app.complaint(old.id).erased and app.complaint(newer.id).erased
    assert lookup_name("piet@example.nl", SECRET).encode() not in key_store_messages(link)  # type: ignore[union-attr]


def test_concurrent_first_submissions_share_one_complete_secret(tmp_path: Path) -> None:
    """Many first submissions at once on a fresh data folder: one secret, whole, for all
    (before: FileExistsError, or an empty secret read while another wrote it)."""
    from concurrent.futures import ThreadPoolExecutor

    from shared.privacy.pseudonym import _secret

    for attempt in range(20):
        folder = tmp_path / str(attempt)
        with ThreadPoolExecutor(16) as pool:
            got = list(pool.map(_secret, [None] * 16, [str(folder)] * 16))
        assert len(set(got)) == 1 and len(got[0]) == 64, got
        assert [p.name for p in (folder / "keys").iterdir()] == ["pseudonym.secret"]
