"""The public web form in headless Chromium: a Dutch complaint gets a reference; an invalid
form shows the error summary, focused, with links to the fields; an English browser gets the
English form; nothing typed or attached is lost to an error, a language switch or files that
are too large (with and without script)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from klachten.stack.natsserver import EmbeddedNats
from services.intake.server import BackgroundIntake
from services.intake.settings import IntakeSettings
from tests.support.ports import free_port

LIMIT = 64 * 1024  # the documents of one form together, in these tests


@pytest.fixture
def intake(provisioned_nats: EmbeddedNats, data_dir: Path) -> Iterator[BackgroundIntake]:
    settings = IntakeSettings(
        nats_url=provisioned_nats.url,
        data_dir=data_dir,  # the test's (conftest), never ./data: its high-water is another log's
        intake_port=free_port(),
        smtp_port=free_port(),
        attachment_max_bytes=LIMIT,
    )
    service = BackgroundIntake(settings).start()
    try:
        yield service
    finally:
        service.stop()


def test_a_dutch_complaint_gets_a_reference(intake: BackgroundIntake, browser: Browser) -> None:
    page = browser.new_context(locale="nl-NL").new_page()
    page.goto(intake.url + "/")
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    page.locator("#f-name").fill("Fatima El Amrani")
    page.locator("#f-email").fill("fatima@example.nl")
    page.get_by_label("Onderwerp").fill("Afval niet opgehaald")
    page.get_by_label("Omschrijving van uw klacht").fill(
        "De container is drie weken niet geleegd, ondanks twee meldingen."
    )
    page.get_by_role("button", name="Controleer uw klacht").click()
    expect(page.locator("#check-answers")).to_contain_text("fatima@example.nl")
    page.get_by_role("button", name="Klacht versturen").click()
    expect(page.get_by_role("heading", name="Uw klacht is ontvangen")).to_be_visible()
    expect(page.locator("#reference")).to_have_text(re.compile(r"^KL-\d{4}-\d{6}$"))
    expect(page.get_by_text("Wat gebeurt er nu?")).to_be_visible()


def test_an_invalid_form_shows_the_error_summary(
    intake: BackgroundIntake, browser: Browser
) -> None:
    page = browser.new_context(locale="nl-NL").new_page()
    page.goto(intake.url + "/")
    page.locator("#f-email").fill("geen-adres")
    # Keyboard only: tab to the button and press Enter.
    page.get_by_role("button", name="Controleer uw klacht").focus()
    page.keyboard.press("Enter")
    summary = page.get_by_role("alert")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Er is een probleem")
    expect(summary).to_contain_text("Vul een geldig e-mailadres in")
    expect(page.locator("#f-email")).to_have_attribute("aria-invalid", "true")
    summary.get_by_role("link", name=re.compile("^Naam")).click()
    expect(page.locator("#f-name")).to_be_focused()


def _fill_in_english(page: Page) -> None:
    page.locator("#f-name").fill("Sam Carter")
    page.locator("#f-email").fill("sam@example.com")
    page.get_by_label(re.compile(r"^Subject")).fill("Bin not collected")
    page.get_by_label("Description of your complaint").fill("Three weeks, two calls.")


def test_an_english_browser_keeps_text_and_documents_through_an_error(
    intake: BackgroundIntake, browser: Browser, tmp_path: Path
) -> None:
    letter = tmp_path / "letter.pdf"
    letter.write_bytes(b"%PDF-1.4\n% the council's letter\n")
    page = browser.new_context(locale="en-US").new_page()
    page.goto(intake.url + "/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Submit a complaint")).to_be_visible()
    _fill_in_english(page)
    page.locator("#f-email").fill("not-an-address")
    page.get_by_label("Add documents").set_input_files(letter)
    page.get_by_role("button", name="Check your complaint").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter a valid e-mail address")
    expect(page.get_by_label("Description of your complaint")).to_have_value(
        "Three weeks, two calls."
    )
    expect(page.get_by_text("Already attached: letter.pdf")).to_be_visible()
    page.locator("#f-email").fill("sam@example.com")
    page.get_by_role("button", name="Check your complaint").click()
    expect(page.locator("#check-answers")).to_contain_text("letter.pdf")
    page.get_by_role("button", name="Send complaint").click()
    expect(page.get_by_role("heading", name="Your complaint has been received")).to_be_visible()
    expect(page.locator("#attachments")).to_contain_text("letter.pdf")


def test_switching_language_keeps_what_was_typed(
    intake: BackgroundIntake, browser: Browser
) -> None:
    page = browser.new_context(locale="en-US", java_script_enabled=False).new_page()
    page.goto(intake.url + "/")
    _fill_in_english(page)
    page.get_by_role("button", name="Nederlands").click()
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(page.get_by_label("Omschrijving van uw klacht")).to_have_value("Three weeks, two calls.")
    expect(page.locator("#f-name")).to_have_value("Sam Carter")
    expect(page.get_by_role("alert")).to_have_count(0)  # switched, not validated
    page.goto(intake.url + "/")  # the choice is remembered over the browser's English
    expect(page.locator("html")).to_have_attribute("lang", "nl")


def test_files_too_large_say_so_in_the_page_language_and_keep_the_text(
    intake: BackgroundIntake, browser: Browser, tmp_path: Path
) -> None:
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(b"%PDF-1.4\n" + b"0" * LIMIT)
    # With script: said before the upload, nothing leaves the page.
    page = browser.new_context(locale="en-US").new_page()
    page.goto(intake.url + "/")
    _fill_in_english(page)
    page.get_by_label("Add documents").set_input_files(scan)
    page.get_by_role("button", name="Check your complaint").click()
    expect(page.locator("#f-attachments-error")).to_contain_text(
        "The files together are larger than 64 kB"
    )
    expect(page.get_by_label("Description of your complaint")).to_have_value(
        "Three weeks, two calls."
    )
    # Without script: the form's own page from the server, in English, the text kept.
    plain = browser.new_context(locale="en-US", java_script_enabled=False).new_page()
    plain.goto(intake.url + "/")
    _fill_in_english(plain)
    plain.get_by_label("Add documents").set_input_files(scan)
    plain.get_by_role("button", name="Check your complaint").click()
    expect(plain.locator("html")).to_have_attribute("lang", "en")
    expect(plain.get_by_role("alert")).to_contain_text("the files together may be at most 64 kB")
    expect(plain.get_by_label("Description of your complaint")).to_have_value(
        "Three weeks, two calls."
    )
    # Far too large to read: refused unread, still the form's own page in English.
    huge = tmp_path / "video.pdf"
    huge.write_bytes(b"%PDF-1.4\n" + b"0" * (8 * LIMIT))
    plain.goto(intake.url + "/")
    _fill_in_english(plain)
    plain.get_by_label("Add documents").set_input_files(huge)
    plain.get_by_role("button", name="Check your complaint").click()
    expect(plain.get_by_role("alert")).to_contain_text("The files together were larger than")
    expect(plain.locator("html")).to_have_attribute("lang", "en")


def test_texts_state_their_limit_and_count_down_as_one_types(
    intake: BackgroundIntake, browser: Browser
) -> None:
    """Issue 25: the limit is in the label (no script needed), the counter lives under it."""
    page = browser.new_context(locale="nl-NL").new_page()
    page.goto(intake.url + "/?lang=nl")
    description = page.get_by_label("Omschrijving van uw klacht")
    expect(page.locator("label[for=f-description]")).to_contain_text("(maximaal 20.000 tekens)")
    counter = page.locator("#f-description-count")
    expect(counter).to_have_text("Nog 20.000 tekens over")
    description.fill("Tien tekens")
    expect(counter).to_have_text("Nog 19.989 tekens over")
    page.locator("#f-desired-outcome").fill("x" * 5_003)
    expect(page.locator("#f-desired-outcome-count")).to_have_text("3 tekens te veel")
    english = browser.new_context(locale="en-GB").new_page()
    english.goto(intake.url + "/?lang=en")
    expect(english.locator("label[for=f-description]")).to_contain_text("at most 20,000 characters")
    expect(english.locator("#f-description-count")).to_have_text("20,000 characters left")
