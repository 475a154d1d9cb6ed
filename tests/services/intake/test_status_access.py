"""Status access (issue #20): the lookup never shows a case, it sends a fresh link to the
address on file (at most one per window), links expire, and tokens stay out of logs."""

from __future__ import annotations

import logging
import re
from datetime import date, timedelta
from uuid import UUID, uuid4

import httpx

from services.intake.server import BackgroundIntake
from shared.privacy import statuslink
from shared.runtime.observability import MaskSecrets
from tests.support.intake import STAFF


async def _submit(client: httpx.AsyncClient) -> tuple[str, str]:
    form = {"lang": "nl", "idempotency_key": "k1", "name": "Ans de Boer",
            "email": "ans@example.nl", "subject": "Brief kwijt",
            "description": "Mijn brief van 3 maart is nooit beantwoord."}  # fmt: skip
    page = await client.post("/", data=form)
    assert page.status_code == 200, page.text
    reference = re.search(r'id="reference">([^<]+)<', page.text)
    link = re.search(r'id="status-link" href="/status/([^/]+)/', page.text)
    assert reference and link
    return reference.group(1), link.group(1)


async def _requests(client: httpx.AsyncClient, complaint_id: str) -> int:
    timeline = await client.get(f"/api/complaints/{complaint_id}/timeline", headers=STAFF)
    return [e["type"] for e in timeline.json()["events"]].count("status_link_requested")


async def test_the_lookup_answers_the_same_and_sends_one_link_per_window(
    client: httpx.AsyncClient,
) -> None:
    reference, complaint_id = await _submit(client)
    right = await client.post("/status", data={"reference": reference, "email": "ans@example.nl"})
    wrong = await client.post("/status", data={"reference": reference, "email": "eve@example.nl"})
    assert right.status_code == wrong.status_code == 200
    assert right.text == wrong.text
    assert "Brief kwijt" not in right.text and "/status/" + complaint_id not in right.text
    assert "hebben wij een link" in right.text
    assert await _requests(client, complaint_id) == 1
    again = await client.post("/status", data={"reference": reference, "email": "ans@example.nl"})
    assert again.text == right.text
    assert await _requests(client, complaint_id) == 1  # within 15 minutes: no second letter
    api = await client.post("/api/status", json={"reference": reference, "email": "x@example.nl"})
    assert api.status_code == 202 and "Brief kwijt" not in api.text


async def test_an_expired_or_old_link_is_refused_with_the_offer_of_a_fresh_one(
    client: httpx.AsyncClient, intake: BackgroundIntake
) -> None:
    _, complaint_id = await _submit(client)
    secret = statuslink.link_secret(intake.settings.data_dir)
    old = date.today() - timedelta(days=statuslink.VALID_DAYS + 1)
    for token in (
        statuslink.link_token(secret, UUID(complaint_id), old),
        statuslink._mac(secret, complaint_id),  # the format before links carried their day
    ):
        page = await client.get(f"/status/{complaint_id}/{token}?lang=en")
        assert page.status_code == 410, page.text
        assert "This link has expired" in page.text and 'action="/status"' in page.text
        assert "Brief kwijt" not in page.text


def test_no_token_in_a_log_line_or_a_span_line() -> None:
    path = f"/status/{uuid4()}/2026010100112233445566778899aabbccddeeff"
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5", "GET", path + "?lang=nl", "1.1", 200), None,
    )  # fmt: skip
    MaskSecrets().filter(record)
    assert "00112233" not in record.getMessage() and "/status/" in record.getMessage()
    assert "00112233" not in statuslink.redact(f'{{"http.target": "{path}"}}')
