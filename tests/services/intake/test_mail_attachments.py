"""Files that come with a complaint, against the running intake (real nats-server, real SMTP,
real HTTP): the same bytes stored twice under intake's own NATS user, sealed; files anywhere in the
MIME tree; a file we do not take is named, not a reason to bounce the complaint."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from klachten.stack.natsserver import EmbeddedNats
from klachten.stack.provisioning import provision_streams
from services.intake.server import BackgroundIntake
from shared.config import permissions
from tests.support.intake import STAFF, intake_settings, start_intake
from tests.support.mail_samples import (
    HEIC,
    PDF,
    forwarded_as_attachment,
    nested_mixed_in_alternative,
    plain,
    registered_id,
    send,
    with_pdf,
    zip_file,
)


@pytest.fixture
def secured(tmp_path: Path) -> Iterator[EmbeddedNats]:
    """A nats-server enforcing config/nats-permissions.conf, provisioned by the admin."""
    credentials, _ = permissions.ensure_credentials(tmp_path)
    server = EmbeddedNats(tmp_path / "nats", credentials=credentials).start()
    try:
        asyncio.run(provision_streams(server.url_for("admin"), replicas=1))
        yield server
    finally:
        server.stop()


@pytest.fixture
def intake(secured: EmbeddedNats, tmp_path: Path) -> Iterator[BackgroundIntake]:
    """Intake connected as its own NATS user (which may not purge the attachment bucket)."""
    settings = intake_settings(
        secured, nats_url=secured.url_for("intake"), data_dir=tmp_path, attachment_max_bytes=50_000
    )
    service = start_intake(settings)
    try:
        yield service
    finally:
        service.stop()


def personal(service: BackgroundIntake, cid: str) -> dict:
    state = httpx.get(f"{service.url}/api/complaints/{cid}", headers=STAFF, timeout=30)
    assert state.status_code == 200, state.text
    return state.json()["personal"]


def _form_post(service: BackgroundIntake, key: str) -> str:
    form = {
        "lang": "nl",
        "idempotency_key": key,
        "name": "Ans de Boer",
        "email": "ans@example.nl",
        "subject": "Aanslag te hoog",
        "description": "De aanslag is te hoog, zie de brief van de gemeente.",
    }
    files = {"attachments": ("aanslag.pdf", PDF, "application/pdf")}
    page = httpx.post(service.url + "/", data=form, files=files, timeout=30)
    assert page.status_code == 200, page.text[:500]
    found = re.search(r'id="reference">([^<]+)<', page.text)
    assert found, page.text[:500]
    return found.group(1)


def test_the_same_document_in_two_complaints_by_form_and_by_mail_is_kept_for_both(
    intake: BackgroundIntake, secured: EmbeddedNats
) -> None:
    references = [_form_post(intake, "form-1"), _form_post(intake, "form-2")]
    for n in (1, 2):
        msg = with_pdf(plain("Aanslag", "Zie de brief.", f"<same-{n}@x>"), filename="brief.pdf")
        code, reply = send(intake.settings.smtp_port, msg)
        assert code == 250, reply  # was 451 on every retry: put tried to purge the bucket
        references.append(reply)
    names = set()
    for reference in references:
        cid = registered_id(secured.url_for("admin"), reference)
        [ref] = personal(intake, cid)["attachments"]
        names.add(ref["object_name"])
        stored = httpx.get(
            f"{intake.url}/api/complaints/{cid}/attachments/0", headers=STAFF, timeout=30
        )
        assert stored.status_code == 200 and stored.content == PDF
    # One sealed object per document sent, each under its own key (shredded with its own
    # complainant; shared/privacy/sealedfiles.py): the same bytes are no longer one object.
    assert len(names) == 4


def test_files_anywhere_in_the_mime_tree_are_kept(
    intake: BackgroundIntake, secured: EmbeddedNats
) -> None:
    code, reply = send(intake.settings.smtp_port, nested_mixed_in_alternative("<nest-1@x>"))
    assert code == 250, reply
    cid = registered_id(secured.url_for("admin"), reply)
    found = personal(intake, cid)
    assert {(a["filename"], a["content_type"]) for a in found["attachments"]} == {
        ("factuur.pdf", "application/pdf"),
        ("scherm.png", "image/png"),
    }
    assert "De factuur klopt niet" in found["description"]

    code, reply = send(intake.settings.smtp_port, forwarded_as_attachment("<fwd-1@x>"))
    assert code == 250, reply
    cid = registered_id(secured.url_for("admin"), reply)
    found = personal(intake, cid)
    kept = {a["filename"]: a["content_type"] for a in found["attachments"]}
    assert kept == {"Uw aanslag 2026.eml": "message/rfc822", "aanslag.pdf": "application/pdf"}
    assert "veel te hoog" in found["description"]  # our words, then the forwarded text
    assert "hierbij de aanslag van 1.200 euro" in found["description"]


def test_a_file_we_do_not_take_is_named_and_the_complaint_is_registered(
    intake: BackgroundIntake, secured: EmbeddedNats
) -> None:
    msg = plain("Klacht over de stoep", "De stoep is kapot, foto's bijgevoegd.", "<mix-1@x>")
    msg.add_attachment(zip_file(), maintype="application", subtype="zip", filename="fotos.zip")
    msg.add_attachment(HEIC, maintype="image", subtype="heic", filename="stoep.heic")
    # A PDF that the sender's client declared as just bytes is still a PDF.
    msg.add_attachment(PDF, maintype="application", subtype="octet-stream", filename="brief")
    msg.add_attachment(b"%PDF" + b"x" * 60_000, maintype="application", subtype="pdf",
                       filename="groot.pdf")  # fmt: skip
    code, reply = send(intake.settings.smtp_port, msg)
    assert code == 250, reply  # was 554 for the whole complaint
    cid = registered_id(secured.url_for("admin"), reply)
    found = personal(intake, cid)
    assert [(a["filename"], a["content_type"]) for a in found["attachments"]] == [
        ("brief", "application/pdf")
    ]
    refused = {
        r["filename"]: (r["reason"], r["detected_type"]) for r in found["refused_attachments"]
    }
    assert refused == {
        "fotos.zip": ("type_not_accepted", "application/zip"),
        "stoep.heic": ("type_not_accepted", "image/heic"),
        "groot.pdf": ("too_large", "application/pdf"),
    }
