"""Overload (issue 23 item 2): beyond its in-flight limit intake answers 503 with Retry-After,
in Dutch and English, instead of queueing submissions without bound, the API and the web form
alike; real intake, real nats-server."""

from __future__ import annotations

import asyncio
import html
import threading

import httpx
import pytest

from klachten.stack.natsserver import EmbeddedNats
from services.intake.http import BUSY, InFlight, Problem
from services.intake.server import BackgroundIntake
from tests.support.intake import STAFF, complaint_body, intake_settings, start_intake


def _limit(service: BackgroundIntake, size: int) -> InFlight:
    limit = InFlight(size)
    service._server.app.state.in_flight = limit  # type: ignore[union-attr]
    return limit


async def test_a_full_intake_asks_to_come_back_and_then_takes_the_complaint(
    provisioned_nats: EmbeddedNats,
) -> None:
    service = start_intake(intake_settings(provisioned_nats))
    try:
        limit = _limit(service, 2)
        async with httpx.AsyncClient(base_url=service.url, timeout=10, headers=STAFF) as client:
            limit.now = limit.limit  # every slot taken by requests still at work
            busy = await client.post("/api/complaints", json=complaint_body())
            english = await client.post(
                "/api/complaints", json=complaint_body(), headers={"Accept-Language": "en"}
            )
            limit.now = 0
            taken = await client.post("/api/complaints", json=complaint_body())
    finally:
        service.stop()
    assert busy.status_code == 503
    assert busy.headers["retry-after"] == "1"
    assert busy.json() == {"error": "busy", "message": BUSY["nl"]}
    assert english.json()["message"] == BUSY["en"]
    assert taken.status_code == 201
    assert limit.now == 0  # the slot is given back


async def test_a_burst_gets_complaints_or_503_never_a_long_queue(
    provisioned_nats: EmbeddedNats,
) -> None:
    service = start_intake(intake_settings(provisioned_nats))
    try:
        limit = _limit(service, 3)
        async with httpx.AsyncClient(base_url=service.url, timeout=30, headers=STAFF) as client:
            # one first: concurrent first submissions race to make the pseudonym secret's file
            # (shared/privacy/pseudonym.py, reported), which is not what this test is about
            assert (await client.post("/api/complaints", json=complaint_body())).status_code == 201
            answers = await asyncio.gather(
                *(client.post("/api/complaints", json=complaint_body()) for _ in range(30))
            )
    finally:
        service.stop()
    assert {a.status_code for a in answers} <= {201, 503}
    assert all(a.headers.get("retry-after") == "1" for a in answers if a.status_code == 503)
    taken = [a.json()["reference"] for a in answers if a.status_code == 201]
    assert taken and len(set(taken)) == len(taken)
    assert limit.now == 0


async def test_the_slots_are_given_back_when_the_work_fails() -> None:
    limit = InFlight(1)
    with pytest.raises(RuntimeError):
        async with limit.slot("nl"):
            raise RuntimeError("the log is away")
    assert limit.now == 0
    async with limit.slot("en"):
        with pytest.raises(Problem) as refused:
            async with limit.slot("en"):
                pass
    assert refused.value.status == 503
    assert refused.value.headers == {"Retry-After": "1"}
    assert limit.now == 0


def _form(key: str, **more: str) -> dict[str, str]:
    return {
        "lang": "nl",
        "step": "send",
        "idempotency_key": key,
        "name": "Ans de Boer",
        "email": f"{key}@example.nl",
        "subject": "Brief kwijt",
        "description": "Mijn brief van 3 maart is nooit beantwoord.",
        **more,
    }


async def test_the_web_form_keeps_to_the_same_limit_with_a_page_in_its_language(
    provisioned_nats: EmbeddedNats,
) -> None:
    """One form submission held inside intake's work fills a limit of 1: the next form post
    is the form again (text kept) saying it was not received, 503 + Retry-After, in Dutch by
    default and in English when chosen or asked; once the first is done a post is taken."""
    service = start_intake(intake_settings(provisioned_nats))
    try:
        limit = _limit(service, 1)
        intake = service._server.app.state.intake  # type: ignore[union-attr]
        submit, entered, release = intake.submit, threading.Event(), threading.Event()

        async def held(*args: object, **kwargs: object) -> object:
            entered.set()
            await asyncio.to_thread(release.wait, 20)
            return await submit(*args, **kwargs)

        intake.submit = held
        async with httpx.AsyncClient(base_url=service.url, timeout=30) as client:
            first = asyncio.create_task(client.post("/", data=_form("hold-1")))
            assert await asyncio.to_thread(entered.wait, 20)
            dutch = await client.post("/", data=_form("busy-1"))
            chosen = await client.post("/", data=_form("busy-2", lang="en"))
            asked = await client.post(
                "/", data=_form("busy-3", lang=""), headers={"Accept-Language": "en-GB"}
            )
            release.set()
            held_answer = await first
            intake.submit = submit
            later = await client.post("/", data=_form("after-1"))
    finally:
        release.set()
        service.stop()
    assert held_answer.status_code == 200 and "KL-" in held_answer.text
    for page, lang in ((dutch, "nl"), (chosen, "en"), (asked, "en")):
        assert page.status_code == 503
        assert page.headers["retry-after"] == "1"
        assert page.headers["content-type"].startswith("text/html")
        assert f'lang="{lang}"' in page.text
        assert html.escape(BUSY[lang]) in page.text
        assert "Mijn brief van 3 maart is nooit beantwoord." in page.text  # nothing typed lost
    assert later.status_code == 200 and "KL-" in later.text
    assert limit.now == 0
