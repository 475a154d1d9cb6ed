"""Issue 25 in headless Chromium: a complainant without e-mail submits with a postal address
(checking the answers first, keeping a printable copy); a complainant adds information and a
document, then withdraws, from the status page. Every page they see passes axe-core with no
violation at all, at 1280 and 390 px wide, in Dutch and in English; each reflows at 320 px."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from klachten.stack.natsserver import EmbeddedNats
from services.intake.server import BackgroundIntake
from services.intake.settings import IntakeSettings
from tests.support.axe import axe_source
from tests.support.ports import free_port

WIDTHS = (1280, 390)


@pytest.fixture
def intake(provisioned_nats: EmbeddedNats, data_dir: Path) -> Iterator[BackgroundIntake]:
    settings = IntakeSettings(
        nats_url=provisioned_nats.url,
        data_dir=data_dir,
        intake_port=free_port(),
        smtp_port=free_port(),
    )
    service = BackgroundIntake(settings).start()
    try:
        yield service
    finally:
        service.stop()


class Axe:
    """axe-core on each page at each width; every violation of any impact is kept."""

    def __init__(self) -> None:
        self.source = axe_source()  # installs axe-core (npm ci) on a fresh checkout
        self.found: dict[str, list[Any]] = {}

    def check(self, page: Page, name: str) -> None:
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            # Through the DevTools protocol: the pages' CSP refuses an inline script.
            page.evaluate(self.source)
            violations = page.evaluate(
                """async () => (await axe.run(document)).violations.map(v => ({
                    id: v.id, impact: v.impact,
                    nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))"""
            )
            if violations:
                self.found[f"{name}@{width}"] = violations
        # WCAG 1.4.10 reflow: at 320 px nothing needs scrolling sideways.
        page.set_viewport_size({"width": 320, "height": 900})
        wide = page.evaluate("document.documentElement.scrollWidth")
        if wide > 320:
            self.found[f"{name}@320"] = [{"id": "reflow", "scroll_width": wide}]
        page.set_viewport_size({"width": 1280, "height": 900})


def test_without_e_mail_with_a_postal_address_checked_then_sent_with_a_copy(
    intake: BackgroundIntake, browser: Browser
) -> None:
    axe = Axe()
    for lang, words in (("nl", DUTCH), ("en", ENGLISH)):
        page = browser.new_context(locale="nl-NL" if lang == "nl" else "en-GB").new_page()
        page.goto(f"{intake.url}/?lang={lang}")
        axe.check(page, f"form-{lang}")
        page.locator("#f-name").fill("Ans de Boer")
        page.locator("#f-address").fill("Dorpsstraat 1\n1234 AB Ergens")
        page.locator("#f-subject").fill(words["subject"])
        page.locator("#f-event-date").fill("2026-01-05")
        page.locator("#f-department").select_option(index=1)
        page.locator("#f-description").fill(words["description"])
        page.get_by_role("button", name=words["check"]).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(words["check_title"])
        answers = page.locator("#check-answers")
        expect(answers).to_contain_text("Dorpsstraat 1")
        expect(answers).to_contain_text(words["none_given"])  # no e-mail address
        expect(answers).to_contain_text(words["day"])
        axe.check(page, f"check-{lang}")
        page.get_by_role("button", name=words["change"]).click()  # back, nothing lost
        expect(page.locator("#f-address")).to_have_value("Dorpsstraat 1\n1234 AB Ergens")
        page.get_by_role("button", name=words["check"]).click()
        page.get_by_role("button", name=words["send"]).click()
        expect(page.locator("#reference")).to_have_text(re.compile(r"^KL-\d{4}-\d{6}$"))
        expect(page.locator("#copy-answers")).to_contain_text(words["description"])
        expect(page.locator("#print")).to_have_text(words["print"])
        axe.check(page, f"confirmation-{lang}")
        page.emulate_media(media="print")  # the printed copy: the answers, not the forms
        expect(page.locator("#copy-answers")).to_be_visible()
        expect(page.locator("#print")).to_be_hidden()
        page.emulate_media(media="screen")
        page.locator("#status-link").click()
        expect(page.locator("#own-description")).to_have_text(words["description"])
        axe.check(page, f"status-{lang}")
    assert not axe.found, axe.found


def test_adding_information_and_withdrawing_from_the_status_page(
    intake: BackgroundIntake, browser: Browser, tmp_path: Path
) -> None:
    axe = Axe()
    bill = tmp_path / "bill.pdf"
    bill.write_bytes(b"%PDF-1.4\n% the bill of January\n")
    page = browser.new_context(locale="en-GB").new_page()
    page.goto(f"{intake.url}/?lang=en")
    page.locator("#f-name").fill("Sam Carter")
    page.locator("#f-email").fill("sam@example.com")
    page.locator("#f-subject").fill(ENGLISH["subject"])
    page.locator("#f-description").fill(ENGLISH["description"])
    page.locator("#f-desired-outcome").fill("An apology.")
    page.get_by_role("button", name="Check your complaint").click()
    page.get_by_role("button", name="Send complaint").click()
    page.locator("#status-link").click()
    expect(page.locator("#own-desired-outcome")).to_have_text("An apology.")

    # Nothing to add: said in words, next to the field.
    page.get_by_role("button", name="Send information").click()
    expect(page.locator("#f-text-error")).to_contain_text("Write what you want to add")
    axe.check(page, "status-add-error-en")
    page.locator("#f-text").fill("I found the bill.")
    page.locator("#add #f-attachments").set_input_files(bill)
    page.get_by_role("button", name="Send information").click()
    expect(page.locator("#notice")).to_contain_text("Your addition is with your complaint")
    expect(page.locator("#timeline")).to_contain_text("I found the bill.")
    expect(page.locator("#attachments")).to_contain_text("bill.pdf")
    axe.check(page, "status-added-en")

    # Withdrawing asks for a confirmation first.
    page.locator("#f-withdraw-reason").fill("It was sorted out.")
    page.get_by_role("button", name="Withdraw complaint").click()
    expect(page.locator("#f-withdraw-confirm-error")).to_contain_text("Tick the box")
    expect(page.locator("#f-withdraw-reason")).to_have_value("It was sorted out.")
    page.get_by_label("Yes, I withdraw my complaint").check()
    page.get_by_role("button", name="Withdraw complaint").click()
    expect(page.locator("#notice")).to_contain_text("Your complaint has been withdrawn")
    expect(page.locator("#status")).to_have_text("Withdrawn")
    expect(page.locator("#withdraw")).to_have_count(0)
    axe.check(page, "status-withdrawn-en")
    page.goto(page.url.replace("lang=en", "lang=nl"))
    expect(page.locator("#status")).to_have_text("Ingetrokken")
    axe.check(page, "status-withdrawn-nl")
    assert not axe.found, axe.found


DUTCH = {
    "subject": "Brief kwijt",
    "description": "Mijn brief van 5 januari is nooit beantwoord.",
    "check": "Controleer uw klacht",
    "check_title": "Controleer uw klacht voordat u hem verstuurt",
    "none_given": "niet ingevuld",
    "day": "maandag 5 januari 2026",
    "change": "Wijzigen",
    "send": "Klacht versturen",
    "print": "Afdrukken of bewaren als PDF",
}
ENGLISH = {
    "subject": "Letter lost",
    "description": "My letter of 5 January was never answered.",
    "check": "Check your complaint",
    "check_title": "Check your complaint before you send it",
    "none_given": "not given",
    "day": "Monday 5 January 2026",
    "change": "Change",
    "send": "Send complaint",
    "print": "Print or save as PDF",
}
