"""Public status lookup (reference + e-mail) and the server-rendered form, over real HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from klachten.stack.natsserver import EmbeddedNats
from tests.support.intake import complaint_body, intake_settings, start_intake


@pytest.fixture
async def client(provisioned_nats: EmbeddedNats) -> AsyncIterator[httpx.AsyncClient]:
    service = start_intake(intake_settings(provisioned_nats))
    try:
        async with httpx.AsyncClient(base_url=service.url, timeout=10) as http:
            yield http
    finally:
        service.stop()


async def test_status_only_with_the_matching_email(client: httpx.AsyncClient) -> None:
    ref = (await client.post("/api/complaints", json=complaint_body())).json()["reference"]
    mine = await client.post("/api/status", json={"reference": ref, "email": "JAN@example.nl "})
    assert mine.status_code == 202  # a link is sent to the address on file, nothing shown
    assert set(mine.json()) == {"message"}
    wrong = await client.post("/api/status", json={"reference": ref, "email": "x@example.nl"})
    unknown = await client.post(
        "/api/status", json={"reference": "KL-1999-000001", "email": "jan@example.nl"}
    )
    assert wrong.status_code == unknown.status_code == 202
    assert wrong.json() == unknown.json() == mine.json()


async def test_the_form_page_is_dutch_by_default_and_english_on_request(
    client: httpx.AsyncClient,
) -> None:
    dutch = await client.get("/")
    assert '<html lang="nl">' in dutch.text and "Controleer uw klacht" in dutch.text
    english = await client.get("/?lang=en")
    assert '<html lang="en">' in english.text and "Check your complaint" in english.text


async def test_form_post_shows_errors_in_the_page_language(client: httpx.AsyncClient) -> None:
    page = await client.post("/", data={"lang": "en", "name": "", "email": "nope"})
    assert page.status_code == 422
    assert "There is a problem" in page.text
    assert 'href="#f-email"' in page.text and "Enter a valid e-mail address" in page.text
    assert 'aria-invalid="true"' in page.text


async def test_form_double_submit_gives_one_reference(client: httpx.AsyncClient) -> None:
    form = {
        "lang": "nl",
        "idempotency_key": "abc123",
        "name": "Ans",
        "email": "ans@example.nl",
        "subject": "Parkeren",
        "description": "De parkeervergunning kwam te laat.",
    }
    first = await client.post("/", data=form)
    second = await client.post("/", data=form)
    assert first.status_code == second.status_code == 200
    assert "KL-" in first.text and first.text == second.text
    lookup = await client.post(
        "/status",
        data={
            "lang": "nl",
            "reference": first.text.split('id="reference">')[1][:14],
            "email": "ans@example.nl",
        },
    )
    assert lookup.status_code == 200 and "hebben wij een link" in lookup.text
