"""The web form over real HTTP on a real nats-server: nothing typed or attached is lost.

Every answer that is not the confirmation is the form again in the page's language with the
typed text: a field error, a language switch, files too large (also refused unread), the log
out of reach. Documents added before an error are kept (signed references) and shown.
"""

from __future__ import annotations

import html
import re
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from klachten.stack.natsserver import EmbeddedNats
from services.intake.server import BackgroundIntake
from tests.support.intake import STAFF, intake_settings, start_intake

PDF = b"%PDF-1.4\n% the letter of 3 March\n"
LIMIT = 64 * 1024  # the documents of one form together, in these tests
SMALL = {"attachment_max_bytes": LIMIT}
DESCRIPTION = "Mijn brief van 3 maart is nooit beantwoord.\nIk belde twee keer."


@pytest.fixture
def intake(provisioned_nats: EmbeddedNats, tmp_path: Path) -> Iterator[BackgroundIntake]:
    """Intake with a small limit for a form's documents (the client is conftest's)."""
    service = start_intake(intake_settings(provisioned_nats, **SMALL, data_dir=tmp_path))
    yield service
    service.stop()


def _form(**overrides: str) -> dict[str, str]:
    return {
        "lang": "nl",
        "idempotency_key": overrides.pop("key", "form-1"),
        "name": "Ans de Boer",
        "email": "ans@example.nl",
        "subject": "Brief kwijt",
        "description": DESCRIPTION,
        **overrides,
    }


def _hidden(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert found, f"no hidden field {name}"
    return html.unescape(found.group(1))


def _typed(page: str) -> bool:
    return html.escape(DESCRIPTION) in page or DESCRIPTION in html.unescape(page)


async def test_the_form_follows_the_browser_language_unless_one_was_chosen(
    client: httpx.AsyncClient,
) -> None:
    english = await client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert '<html lang="en">' in english.text and "Submit a complaint" in english.text
    dutch = await client.get("/", headers={"Accept-Language": "nl-NL,nl;q=0.9,en;q=0.8"})
    assert '<html lang="nl">' in dutch.text
    chosen = await client.get("/?lang=nl", headers={"Accept-Language": "en"})
    assert '<html lang="nl">' in chosen.text
    assert chosen.cookies.get("klachten_lang") == "nl"
    # the choice is remembered: the browser's English no longer wins
    again = await client.get("/", headers={"Accept-Language": "en"})
    assert '<html lang="nl">' in again.text


async def test_a_field_error_keeps_the_text_and_the_document(client: httpx.AsyncClient) -> None:
    files = {"attachments": ("brief.pdf", PDF, "application/pdf")}
    wrong = await client.post("/", data=_form(email="geen-adres"), files=files)
    assert wrong.status_code == 422
    assert "Vul een geldig e-mailadres in" in wrong.text and _typed(wrong.text)
    assert "Al toegevoegd: brief.pdf" in wrong.text
    carried = _hidden(wrong.text, "documents")
    # the same form, corrected, without choosing the file again
    sent = await client.post("/", data=_form(documents=carried))
    assert sent.status_code == 200, sent.text
    assert "Uw klacht is ontvangen" in sent.text and "brief.pdf" in sent.text
    link = re.search(r'id="status-link" href="/status/([^/]+)/', sent.text)
    assert link
    timeline = await client.get(f"/api/complaints/{link.group(1)}/timeline", headers=STAFF)
    stored = await client.get(f"/api/complaints/{link.group(1)}/attachments/0", headers=STAFF)
    assert timeline.status_code == 200 and stored.content == PDF


async def test_carried_documents_must_carry_our_signature(client: httpx.AsyncClient) -> None:
    files = {"attachments": ("brief.pdf", PDF, "application/pdf")}
    wrong = await client.post("/", data=_form(subject=""), files=files)
    payload, _, mac = _hidden(wrong.text, "documents").partition(".")
    forged = await client.post("/", data=_form(documents=f"{payload}.{'0' * len(mac)}"))
    assert forged.status_code == 200 and "brief.pdf" not in forged.text
    removed = await client.post(
        "/", data={**_form(subject="", key="form-2"), "documents": f"{payload}.{mac}",
                   "remove": re.findall(r'name="remove" value="([0-9a-f]+)"', wrong.text)[0]},
    )  # fmt: skip
    assert removed.status_code == 422 and "Al toegevoegd" not in removed.text


async def test_switching_language_keeps_what_was_typed(client: httpx.AsyncClient) -> None:
    files = {"attachments": ("brief.pdf", PDF, "application/pdf")}
    switched = await client.post("/", data=_form(email="", switch_lang="en"), files=files)
    assert switched.status_code == 200
    assert '<html lang="en">' in switched.text and "Submit a complaint" in switched.text
    assert _typed(switched.text) and 'value="Ans de Boer"' in switched.text
    assert "Already attached: brief.pdf" in switched.text
    assert "There is a problem" not in switched.text  # not validated yet
    assert switched.cookies.get("klachten_lang") == "en"


async def test_files_too_large_together_give_the_form_page_in_its_language(
    client: httpx.AsyncClient,
) -> None:
    big = {"attachments": ("scan.pdf", b"%PDF-1.4\n" + b"0" * LIMIT, "application/pdf")}
    page = await client.post("/?lang=en", data=_form(lang="en"), files=big)
    assert page.status_code == 422 and "text/html" in page.headers["content-type"]
    assert "the files together may be at most 64 kB" in page.text and _typed(page.text)
    # Far beyond what the form reads: refused unread, still the form's own page in English.
    huge = b"0" * (4 * (LIMIT + 64 * 1024) + 1)
    refused = await client.post(
        "/?lang=en",
        content=b"--x\r\n" + huge,
        headers={"Content-Type": "multipart/form-data; boundary=x"},
    )
    assert refused.status_code == 413 and "text/html" in refused.headers["content-type"]
    assert "The files together were larger than 64 kB" in refused.text
    assert '<html lang="en">' in refused.text


async def test_the_log_out_of_reach_gives_the_form_page_with_the_text(
    client: httpx.AsyncClient, provisioned_nats: EmbeddedNats
) -> None:
    provisioned_nats.kill()
    started = time.monotonic()
    page = await client.post("/", data=_form())
    assert page.status_code == 503, page.text[:300]
    assert "tijdelijk niet bereikbaar" in page.text and _typed(page.text)
    assert "Retry-After" in page.headers and time.monotonic() - started < 30


async def test_a_form_sent_again_with_other_words_asks_before_a_second_complaint(
    client: httpx.AsyncClient,
) -> None:
    first = await client.post("/", data=_form())
    assert first.status_code == 200
    again = await client.post("/", data=_form(subject="Brief nog steeds kwijt"))
    assert again.status_code == 409 and "al eens verstuurd" in again.text and _typed(again.text)
    fresh = _hidden(again.text, "idempotency_key")
    assert fresh != "form-1"
    second = await client.post("/", data=_form(key=fresh, subject="Brief nog steeds kwijt"))
    assert second.status_code == 200 and "Uw klacht is ontvangen" in second.text
