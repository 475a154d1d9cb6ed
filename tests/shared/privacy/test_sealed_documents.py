"""Documents are sealed at rest and shredded with their complainant (issue 20, item 7): the
object store never holds a document's bytes in plaintext, the staff API still shows them, and
after erasure no file of the nats-server's store (block files included) has them; documents
stored before sealing (no key) are still read as they are."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from klachten.commands.privacy import _attachment_deleter
from klachten.stack.natsserver import EmbeddedNats
from klachten.stack.provisioning import provision_streams
from services.intake.server import BackgroundIntake
from shared.config import permissions
from shared.contract import events as ev
from shared.privacy import sealedfiles
from shared.privacy.shredding import PrivateComplaints, execute_erasure, plan_erasure
from tests.support.domain import NOW
from tests.support.intake import STAFF, intake_settings, start_intake
from tests.support.mail_samples import plain, registered_id, send, with_pdf

SECRET_PDF = b"%PDF-1.4\n% Verklaring van Jurgen-geheim-7781, BSN 999999990\n%%EOF\n"


def ref(name: str, key: str | None) -> ev.AttachmentRef:
    return ev.AttachmentRef(
        object_name=name, filename="a.pdf", content_type="application/pdf", size=1,
        sha256="0" * 64, key=key,
    )  # fmt: skip


def test_a_sealed_document_opens_only_with_its_key_under_its_name() -> None:
    name = sealedfiles.new_name()
    key, stored = sealedfiles.seal(SECRET_PDF, name)
    assert SECRET_PDF not in stored and b"Jurgen" not in stored
    assert sealedfiles.open_document(ref(name, key), stored) == SECRET_PDF
    with pytest.raises(sealedfiles.DocumentUnreadable):
        sealedfiles.open_document(ref(sealedfiles.new_name(), key), stored)  # moved
    other, _ = sealedfiles.seal(b"x", name)
    with pytest.raises(sealedfiles.DocumentUnreadable):
        sealedfiles.open_document(ref(name, other), stored)
    # A document stored before sealing has no key and is read as it is.
    assert sealedfiles.open_document(ref("sha256/abc", None), SECRET_PDF) == SECRET_PDF


@pytest.fixture
def secured(tmp_path: Path) -> Iterator[EmbeddedNats]:
    credentials, _ = permissions.ensure_credentials(tmp_path)
    server = EmbeddedNats(tmp_path / "nats", credentials=credentials).start()
    try:
        asyncio.run(provision_streams(server.url_for("admin"), replicas=1))
        yield server
    finally:
        server.stop()


@pytest.fixture
def intake(secured: EmbeddedNats, tmp_path: Path) -> Iterator[BackgroundIntake]:
    settings = intake_settings(secured, nats_url=secured.url_for("intake"), data_dir=tmp_path)
    service = start_intake(settings)
    try:
        yield service
    finally:
        service.stop()


def files_holding(root: Path, needle: bytes) -> list[str]:
    return [str(p) for p in root.rglob("*") if p.is_file() and needle in p.read_bytes()]


def test_documents_are_sealed_at_rest_and_shredded_with_their_complainant(
    intake: BackgroundIntake, secured: EmbeddedNats, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    msg = with_pdf(plain("Verklaring", "Zie bijlage.", "<sealed-1@x>"), data=SECRET_PDF)
    code, reply = send(intake.settings.smtp_port, msg)
    assert code == 250, reply
    cid = registered_id(secured.url_for("admin"), reply)
    shown = httpx.get(f"{intake.url}/api/complaints/{cid}/attachments/0", headers=STAFF)
    assert shown.status_code == 200 and shown.content == SECRET_PDF
    store = secured.store_dir
    assert files_holding(store, SECRET_PDF[9:40]) == []  # sealed before it reached the disk

    monkeypatch.setenv("KLACHTEN_DATA_DIR", str(tmp_path))  # intake's pseudonym secret
    app = PrivateComplaints(env={"NATS_URL": secured.url_for("privacy")})
    try:
        link = app.factory.link  # type: ignore[attr-defined]
        plan = plan_erasure(link, app.keystore, reply.decode().rsplit(" ", 1)[-1])  # type: ignore[arg-type]
        done = execute_erasure(
            plan, app, actor="staff:p", legal_basis="art. 17", now=NOW,
            delete_attachment=_attachment_deleter(link),
        )  # fmt: skip
    finally:
        app.close()
    assert done.destroyed and done.attachments_deleted == 1
    gone = httpx.get(f"{intake.url}/api/complaints/{cid}/attachments/0", headers=STAFF)
    assert gone.status_code == 404  # erased: no document is listed any more
    assert files_holding(store, SECRET_PDF[9:40]) == []
