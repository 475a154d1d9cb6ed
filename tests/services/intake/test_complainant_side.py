"""Issue 25, the form's part, over real HTTP on a real nats-server: the privacy statement
from the configuration, linked from every page; internationalised e-mail addresses; a
complaint with only a postal address; the limits stated before submitting."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from klachten.stack.natsserver import EmbeddedNats
from services.intake import domain
from services.intake.server import BackgroundIntake
from tests.support.intake import intake_settings, start_intake

PRIVACY = {
    "organisation_name": "Gemeente Voorbeeld",
    "retention": "default=3y,billing=400d",
    "privacy_contact": "fg@voorbeeld.nl",
}


@pytest.fixture
async def client(
    provisioned_nats: EmbeddedNats, tmp_path: Path
) -> AsyncIterator[httpx.AsyncClient]:
    service: BackgroundIntake = start_intake(
        intake_settings(provisioned_nats, data_dir=tmp_path, **PRIVACY)
    )
    try:
        async with httpx.AsyncClient(base_url=service.url, timeout=30) as http:
            yield http
    finally:
        service.stop()


def _form(**overrides: str) -> dict[str, str]:
    return {
        "lang": "nl",
        "idempotency_key": overrides.pop("key", "form-25"),
        "name": "Jan Müller",
        "email": "jan@example.nl",
        "subject": "Brief kwijt",
        "description": "Mijn brief is nooit beantwoord.",
        **overrides,
    }


async def test_the_privacy_statement_says_the_configured_facts_in_both_languages(
    client: httpx.AsyncClient,
) -> None:
    dutch = await client.get("/privacy?lang=nl")
    assert dutch.status_code == 200 and '<html lang="nl">' in dutch.text
    for words in ("Gemeente Voorbeeld", "3 jaar nadat uw klacht is afgehandeld", "fg@voorbeeld.nl",
                  "Awb, hoofdstuk 9", "400 dagen", "postadres", "documenten"):  # fmt: skip
        assert words in dutch.text, words
    english = await client.get("/privacy?lang=en")
    assert '<html lang="en">' in english.text
    for words in ("Gemeente Voorbeeld", "3 years after your complaint", "fg@voorbeeld.nl",
                  "erased", "supervisors"):  # fmt: skip
        assert words in english.text, words


async def test_the_form_and_the_status_pages_link_the_privacy_statement(
    client: httpx.AsyncClient,
) -> None:
    for path in ("/?lang=nl", "/status?lang=nl"):
        page = await client.get(path)
        assert 'href="/privacy?lang=nl"' in page.text, path
    english = await client.get("/?lang=en")
    assert 'href="/privacy?lang=en"' in english.text and "Privacy statement" in english.text


def test_internationalised_addresses_are_addresses_and_broken_ones_are_not() -> None:
    for good in ("jan@münchen.de", "jürgen@bücher.example", "an@example.nl", "用户@例子.广告"):
        assert domain.is_email(good), good
    for bad in ("jan@@münchen.de", "jan@münchen", "jan münchen@x.de", "@münchen.de", "jan@"):
        assert not domain.is_email(bad), bad


async def test_an_internationalised_address_is_accepted(client: httpx.AsyncClient) -> None:
    api = await client.post(
        "/api/complaints",
        json={
            "channel": "api",
            "complainant": {"name": "Jan", "email": "jürgen@bücher.example"},
            "subject": "Brief",
            "description": "Nooit beantwoord.",
        },
    )
    assert api.status_code == 201, api.text
    wrong = await client.post("/", data=_form(email="jan@@münchen.de", key="bad"))
    assert wrong.status_code == 422 and "Vul een geldig e-mailadres in" in wrong.text


@pytest.mark.parametrize("email", [None, ""])
async def test_a_postal_address_without_e_mail_is_accepted(
    client: httpx.AsyncClient, email: str | None
) -> None:
    """Awb 9:4 asks for name and address: a postal address alone will do (letters by post)."""
    person = {"name": "Jan", "address": "Dorpsstraat 1\n1234 AB Voorbeeld"}
    if email is not None:
        person["email"] = email
    body = {"channel": "api", "complainant": person, "subject": "Brief", "description": "Weg."}
    sent = await client.post("/api/complaints", json=body, headers={"Accept-Language": "nl"})
    assert sent.status_code == 201, sent.text


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("nl", "Vul een e-mailadres of een postadres in, zodat wij u kunnen antwoorden."),
        ("en", "Enter an e-mail address or a postal address, so that we can answer you."),
    ],
)
async def test_neither_e_mail_nor_postal_address_is_refused_saying_why(
    client: httpx.AsyncClient, lang: str, words: str
) -> None:
    body = {"channel": "api", "complainant": {"name": "Jan"}, "subject": "B", "description": "W"}
    refused = await client.post("/api/complaints", json=body, headers={"Accept-Language": lang})
    assert refused.status_code == 422, refused.text
    assert refused.json() == [{"field": "complainant.email", "message": words}]
    form = await client.post("/", data=_form(email="", lang=lang, key=f"none-{lang}"))
    assert form.status_code == 422 and words in form.text
