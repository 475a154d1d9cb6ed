"""Issue 25 over real HTTP on a real nats-server: the form's check step and printable copy, a
complaint with only a postal address and a representative, and the status page's own words
and actions (add information with a document, withdraw), each refused in words when it may not
(nothing to add, not confirmed, already ended, personal data erased)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from services.intake.server import BackgroundIntake
from shared.privacy.shredding import PrivateComplaints, execute_erasure, plan_erasure
from tests.support.intake import STAFF

PDF = b"%PDF-1.4\n% the bill of March\n"
FORM = {
    "lang": "nl",
    "name": "Ans de Boer",
    "address": "Dorpsstraat 1\n1234 AB Ergens",
    "representative_name": "Els de Boer",
    "representative_relation": "dochter",
    "representative_email": "els@example.nl",
    "subject": "Brief kwijt",
    "event_date": "2026-01-05",
    "description": "Mijn brief van 5 januari is nooit beantwoord.",
    "desired_outcome": "Een antwoord op mijn brief.",
}


async def _submit(client: httpx.AsyncClient, key: str = "k1", **extra: str) -> tuple[str, str]:
    """Through the check step, as the form's page does: the answers, then 'send'."""
    form = {**FORM, "idempotency_key": key, "step": "check", **extra}
    check = await client.post("/", data=form)
    assert check.status_code == 200, check.text
    assert "Controleer uw klacht voordat u hem verstuurt" in check.text
    carried = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', check.text))
    page = await client.post("/", data={**carried, "step": "send"})
    assert page.status_code == 200, page.text
    complaint = re.search(r'id="status-link" href="/status/([^/]+)/([^"?]+)', page.text)
    assert complaint and "Uw klacht is ontvangen" in page.text
    return complaint.group(1), f"/status/{complaint.group(1)}/{complaint.group(2)}"


async def test_a_postal_address_and_a_representative_are_checked_then_sent_with_a_copy(
    client: httpx.AsyncClient,
) -> None:
    check = await client.post("/", data={**FORM, "idempotency_key": "c", "step": "check"})
    for words in ("Dorpsstraat 1", "niet ingevuld", "Els de Boer", "dochter",
                  "maandag 5 januari 2026", "Een antwoord op mijn brief."):  # fmt: skip
        assert words in check.text, words
    edit = await client.post("/", data={**FORM, "idempotency_key": "c", "step": "edit"})
    assert 'id="complaint-form"' in edit.text and "Dorpsstraat 1" in edit.text
    complaint_id, _ = await _submit(client, key="c")
    sent = await client.post("/", data={**FORM, "idempotency_key": "c", "step": "send"})
    assert 'id="copy-answers"' in sent.text and "Els de Boer" in sent.text
    assert "Kopie van wat u ons stuurde" in sent.text and 'data-print="Afdrukken' in sent.text
    state = (await client.get(f"/api/complaints/{complaint_id}", headers=STAFF)).json()
    person = state["personal"]["complainant"]
    assert (person["email"], person["address"]) == ("", "Dorpsstraat 1\n1234 AB Ergens")
    agent = state["personal"]["representative"]
    assert (agent["name"], agent["relation"], agent["email"]) == (
        "Els de Boer",
        "dochter",
        "els@example.nl",
    )
    assert (state["event_date"], state["department_involved"]) == ("2026-01-05", None)


async def test_the_status_page_shows_the_complainants_own_words(client: httpx.AsyncClient) -> None:
    _, link = await _submit(client)
    page = await client.get(link)
    assert "Mijn brief van 5 januari is nooit beantwoord." in page.text
    assert "Een antwoord op mijn brief." in page.text and "Informatie toevoegen" in page.text
    english = await client.get(link + "?lang=en")
    assert "Your complaint" in english.text and "Withdraw your complaint" in english.text


async def test_information_with_a_document_reaches_the_handler_once(
    client: httpx.AsyncClient,
) -> None:
    complaint_id, link = await _submit(client)
    form = {"lang": "nl", "key": "add-1", "text": "Ik vond nog een rekening."}
    files = {"attachments": ("rekening.pdf", PDF, "application/pdf")}
    added = await client.post(f"{link}/information", data=form, files=files)
    assert added.status_code == 303
    again = await client.post(f"{link}/information", data=form, files=files)  # sent twice
    assert again.status_code == 303
    page = await client.get(added.headers["location"])
    assert "Uw aanvulling is bij uw klacht gevoegd" in page.text and "rekening.pdf" in page.text
    found = await client.get(f"/api/complaints/{complaint_id}/messages", headers=STAFF)
    [message] = found.json()["messages"]
    assert message["new"] and message["text"] == "Ik vond nog een rekening."
    assert message["verified_by"] == "status_link"


@pytest.mark.parametrize(
    ("lang", "words"),
    [("nl", "Schrijf wat u wilt toevoegen"), ("en", "Write what you want to add")],
)
async def test_nothing_to_add_is_refused_in_words(
    client: httpx.AsyncClient, lang: str, words: str
) -> None:
    _, link = await _submit(client, key=f"empty-{lang}")
    refused = await client.post(f"{link}/information", data={"lang": lang, "text": "  "})
    assert refused.status_code == 422 and words in refused.text
    assert 'href="#f-text"' in refused.text


async def test_withdrawing_needs_confirmation_and_ends_the_complaint_once(
    client: httpx.AsyncClient,
) -> None:
    complaint_id, link = await _submit(client)
    unconfirmed = await client.post(f"{link}/withdrawal", data={"lang": "en", "reason": "Fixed"})
    assert unconfirmed.status_code == 422 and "Tick the box" in unconfirmed.text
    assert "Fixed" in unconfirmed.text  # what was typed stays
    form = {"lang": "nl", "reason": "Het is opgelost.", "confirm": "yes"}
    done = await client.post(f"{link}/withdrawal", data=form)
    assert done.status_code == 303
    page = await client.get(done.headers["location"])
    assert "Uw klacht is ingetrokken" in page.text and ">Ingetrokken<" in page.text
    assert 'id="withdraw"' not in page.text and "Het is opgelost." in page.text
    state = (await client.get(f"/api/complaints/{complaint_id}", headers=STAFF)).json()
    assert (state["status"], state["outcome"]) == ("closed", "withdrawn")
    twice = await client.post(f"{link}/withdrawal", data=form)
    assert twice.status_code == 409 and "Dit kan niet meer" in twice.text


async def test_after_erasure_nothing_is_added_or_withdrawn(
    client: httpx.AsyncClient, intake: BackgroundIntake, monkeypatch: pytest.MonkeyPatch
) -> None:
    complaint_id, link = await _submit(client)
    reference = (await client.get(f"/api/complaints/{complaint_id}", headers=STAFF)).json()
    monkeypatch.setenv("KLACHTEN_DATA_DIR", str(Path(intake.settings.data_dir)))
    app = PrivateComplaints(env={"NATS_URL": intake.settings.nats_url})
    try:
        link_ = app.factory.link  # type: ignore[attr-defined]
        plan = plan_erasure(link_, app.keystore, reference["reference"])  # type: ignore[arg-type]
        now = datetime.now(UTC)
        execute_erasure(plan, app, actor="staff:privacy", legal_basis="AVG art. 17", now=now)
    finally:
        app.close()
    for lang, words in (("nl", "uw persoonsgegevens zijn verwijderd"),
                        ("en", "your personal data was erased")):  # fmt: skip
        added = await client.post(f"{link}/information", data={"lang": lang, "text": "Nog iets"})
        assert added.status_code == 409 and words in added.text
        form = {"lang": lang, "confirm": "yes"}
        withdrawn = await client.post(f"{link}/withdrawal", data=form)
        assert withdrawn.status_code == 409 and words in withdrawn.text
