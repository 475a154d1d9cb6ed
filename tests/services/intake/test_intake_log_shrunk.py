"""A shrunken log of record is said as such, not as "storage is full" (issue 19): the API
answers 503 ``log_shrunk`` in the user's language, the SMTP side a transient 451 that says an
operator must restore the log. The shrink is the real `shrunk` check of intake's watch, fired
by a high-water record above the stream's end (shared/eventstore/highwater.py)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.intake.server import BackgroundIntake
from shared.eventstore import highwater
from shared.runtime import failures
from tests.support.intake import STAFF, complaint_body
from tests.support.mail_samples import plain, send


def shrink_behind_intakes_back(data_dir: Path) -> None:
    """Another process of this data folder saw sequence 1000: the log now ends far below."""
    highwater.record(data_dir, "notifier", 1000)


async def wait_not_ready(client: httpx.AsyncClient, deadline: float = 30.0) -> dict[str, Any]:
    until = time.monotonic() + deadline
    while time.monotonic() < until:
        answer = await client.get("/health/ready")
        if answer.status_code == 503:
            return answer.json()
        await asyncio.sleep(0.2)
    raise AssertionError("intake stayed ready on a shrunken log")


def test_kinds_words_and_smtp_of_a_shrunken_log() -> None:
    refusal = failures.LogShrunk("the event log shrank")
    assert failures.classify(refusal) == "log_shrunk"
    assert failures.STATUS["log_shrunk"] == 503
    assert failures.retry_after("log_shrunk") == {"Retry-After": "60"}
    nl, en = failures.message("log_shrunk", "nl"), failures.message("log_shrunk", "en")
    assert "korter" in nl and "beheerder" in nl and "niets" in nl and "vol" not in nl
    assert "shorter" in en and "operator" in en and "nothing" in en and "full" not in en
    assert failures.smtp_reply("log_shrunk").startswith("451 4.3.0 ")


@pytest.mark.timeout(120)
# A refused write must not leave its coroutine unawaited (it was, in `guarded`).
@pytest.mark.filterwarnings("error::RuntimeWarning")
@pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")
async def test_intake_refuses_with_log_shrunk_words_on_http_and_smtp(
    intake: BackgroundIntake, client: httpx.AsyncClient
) -> None:
    shrink_behind_intakes_back(intake.settings.data_dir)
    health = await wait_not_ready(client)
    assert any("shrank" in p for p in health["problems"]), health

    for lang, words in (("nl", "korter dan het was"), ("en", "shorter than it was")):
        headers = {**STAFF, "Idempotency-Key": f"shrunk-{lang}", "Accept-Language": lang}
        answer = await client.post("/api/complaints", json=complaint_body(), headers=headers)
        assert answer.status_code == 503, answer.text
        assert answer.json()["error"] == "log_shrunk"
        assert words in answer.json()["message"], answer.json()
        assert answer.headers["Retry-After"] == "60"

    mail = plain("Klacht", "Mijn container is al drie weken niet geleegd.", "<shrunk-1@e.org>")
    code, reply = await asyncio.to_thread(send, intake.settings.smtp_port, mail)
    assert code == 451, reply
    assert b"must be restored by an operator" in reply
