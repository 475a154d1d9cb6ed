"""Issue 25: the copy of what a complainant sent, as a PDF the server makes, over real HTTP on a
real nats-server: linked from the confirmation and the status page, in the page's language,
with the reference, the day of receipt, every field given and the documents' names; served as
an attachment nobody caches; a stranger without the status link's token gets 404."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

import httpx
import pytest

from services.intake.server import BackgroundIntake
from shared.privacy import statuslink

FIELDS = {
    "nl": {
        "name": "Jürgen Ødegård",
        "email": "jurgen@example.nl",
        "address": "Dorpsstraat 12\n1234 AB Ons Dorp",
        "phone": "06 1234 5678",
        "representative_name": "Els Ødegård",
        "representative_relation": "dochter",
        "representative_address": "Kerkweg 3\n5678 CD Elders",
        "subject": "Paspoort nooit ontvangen",
        "event_date": "2026-11-02",
        "department": "publiekszaken",
        "description": "Mijn paspoort is op 2 november aangevraagd.\nIk hoorde niets meer.",
        "desired_outcome": "Een nieuwe afspraak binnen een week.",
    },
    "en": {
        "name": "Sam Ellis",
        "email": "sam@example.com",
        "address": "12 High Street\nUtrecht",
        "subject": "Passport never arrived",
        "department": "klantcontact",
        "description": "I applied for my passport on 2 November.\nNobody answered.",
        "desired_outcome": "A new appointment within a week.",
    },
}
SHOWN = {
    "nl": ["Kopie van uw klacht", "Kenmerk", "Ontvangen op", "Publiekszaken", "2 november 2026",
           "Naam", "E-mailadres", "Postadres", "Omschrijving van uw klacht"],
    "en": ["Copy of your complaint", "Reference", "Received on", "Customer contact",
           "Name", "E-mail address", "Postal address", "Description"],
}  # fmt: skip


def pdftotext(pdf: bytes, tmp_path: Path) -> str:
    assert shutil.which("pdftotext"), "pdftotext (poppler-utils) is missing: bin/setup --test"
    path = tmp_path / f"copy-{uuid4().hex}.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True)
    assert done.returncode == 0, done.stderr
    return " ".join(done.stdout.decode().split())


async def _submit(client: httpx.AsyncClient, lang: str) -> tuple[str, str, str]:
    """The reference, the confirmation's PDF link and the status link (a fresh key each)."""
    form = {"lang": lang, "idempotency_key": f"copy-{lang}-{uuid4().hex}", **FIELDS[lang]}
    files = {"attachments": ("brief van 3 maart.pdf", b"%PDF-1.4\n% a letter\n", "application/pdf")}
    page = await client.post("/", data=form, files=files)
    assert page.status_code == 200, page.text
    reference = re.search(r'id="reference">([^<]+)<', page.text)
    pdf = re.search(r'id="copy-pdf" href="([^"]+)"', page.text)
    status = re.search(r'id="status-link" href="([^"?]+)', page.text)
    assert reference and pdf and status, page.text
    return reference.group(1), pdf.group(1).replace("&amp;", "&"), status.group(1)


@pytest.mark.parametrize("lang", ["nl", "en"])
async def test_the_copy_is_a_pdf_of_every_field_in_the_page_language(
    client: httpx.AsyncClient, tmp_path: Path, lang: str
) -> None:
    reference, link, status_path = await _submit(client, lang)
    assert link == f"{status_path}/copy.pdf?lang={lang}"
    answer = await client.get(link)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["content-disposition"].startswith('attachment; filename="')
    assert reference in answer.headers["content-disposition"]
    assert "no-store" in answer.headers["cache-control"]
    assert answer.content.startswith(b"%PDF-")
    text = pdftotext(answer.content, tmp_path)
    for value in [reference, "brief van 3 maart.pdf", *SHOWN[lang]]:
        assert value in text, (value, text)
    for name, value in FIELDS[lang].items():
        if name not in ("department", "event_date"):  # shown by name and as a date
            assert " ".join(value.split()) in text, (name, text)
    # The status page links the same copy, and the other language on request.
    own = await client.get(f"{status_path}?lang={lang}")
    assert f'href="{status_path}/copy.pdf?lang={lang}"' in own.text
    other = "en" if lang == "nl" else "nl"
    again = pdftotext((await client.get(f"{status_path}/copy.pdf?lang={other}")).content, tmp_path)
    assert SHOWN[other][0] in again and reference in again


async def test_a_stranger_without_the_token_gets_404(
    client: httpx.AsyncClient, intake: BackgroundIntake
) -> None:
    reference, _, status_path = await _submit(client, "nl")
    complaint_id = status_path.split("/")[2]
    secret = statuslink.link_secret(intake.settings.data_dir)
    other = statuslink.status_path(secret, uuid4(), datetime.now(UTC))
    for path in (
        f"/status/{complaint_id}/{'0' * 48}/copy.pdf",  # a guessed token
        f"/status/{complaint_id}/copy.pdf",  # no token at all
        f"{other}/copy.pdf",  # a valid token of another (unknown) complaint
        f"/status/{uuid4()}/{status_path.split('/')[3]}/copy.pdf",  # this token, another id
    ):
        answer = await client.get(path)
        assert answer.status_code == 404, path
        assert reference not in answer.text and answer.headers["content-type"].startswith(
            "text/html"
        )
