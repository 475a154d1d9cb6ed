"""A handler's question on the complainant's status page (issue 25) in headless Chromium: the
open question with its answer form, an empty answer refused on its field, the answer sent by
keyboard and thanked for; every state passes axe-core with no violation at 1280 and 390 px, in
Dutch and English, and reflows at 320 px."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

import httpx
from playwright.sync_api import Browser, expect

from services.intake.server import BackgroundIntake
from shared.privacy import statuslink
from tests.e2e.test_complainant_pages_browser import Axe
from tests.support.intake import STAFF, complaint_body

WORDS = {
    "nl": {
        "question": "Aan welk loket was u die dag?",
        "title": "Uw klachtbehandelaar heeft een vraag",
        "send": "Antwoord versturen",
        "error": "Schrijf uw antwoord op de vraag",
        "answer": "Aan loket 3.",
        "thanks": "Uw antwoord is bij uw klacht gevoegd",
        "letters": "Brieven die wij u stuurden",
    },
    "en": {
        "question": "At which desk were you that day?",
        "title": "Your complaints handler has a question",
        "send": "Send answer",
        "error": "Write your answer to the question",
        "answer": "At desk 3.",
        "thanks": "Your answer is with your complaint",
        "letters": "Letters we sent you",
    },
}


def asked_link(intake: BackgroundIntake, lang: str) -> str:
    """A complaint with a handler's question, and its personal link as the letter gives it."""
    with httpx.Client(base_url=intake.url, timeout=20) as http:
        body = complaint_body()
        body["complainant"]["language"] = lang
        cid = http.post("/api/complaints", json=body).json()["complaint_id"]
        asked = http.post(
            f"/api/complaints/{cid}/questions",
            json={"text": WORDS[lang]["question"]},
            headers=STAFF,
        )
        assert asked.status_code == 201, asked.text
    secret = statuslink.link_secret(Path(intake.settings.data_dir))
    return intake.url + statuslink.status_path(secret, UUID(cid), datetime.now(UTC))


def test_an_open_question_answered_by_keyboard_in_both_languages(
    intake: BackgroundIntake,
    browser: Browser,
) -> None:
    axe = Axe()
    for lang, words in WORDS.items():
        link = asked_link(intake, lang)
        page = browser.new_context(locale="nl-NL" if lang == "nl" else "en-GB").new_page()
        page.goto(f"{link}?lang={lang}")
        questions = page.locator("#questions")
        expect(questions.get_by_role("heading", level=2)).to_have_text(words["title"])
        expect(questions).to_contain_text(words["question"])
        expect(page.locator("#letters")).to_contain_text(words["letters"])
        axe.check(page, f"question-{lang}")
        questions.get_by_role("button", name=words["send"]).click()  # nothing typed
        expect(page.locator("#error-summary")).to_contain_text(words["error"])
        axe.check(page, f"question-errors-{lang}")
        page.locator("#error-summary a").first.click()  # the summary leads to the answer
        answer = page.locator("#questions textarea")
        expect(answer).to_be_focused()
        page.keyboard.type(words["answer"])
        page.keyboard.press("Tab")  # the send button is next
        expect(questions.get_by_role("button", name=words["send"])).to_be_focused()
        page.keyboard.press("Enter")
        expect(page.locator("#notice")).to_contain_text(words["thanks"])
        expect(page.locator("#questions")).to_have_count(0)
        expect(page.locator("#timeline")).to_contain_text(words["answer"])
        axe.check(page, f"question-answered-{lang}")
    assert not axe.found, axe.found
