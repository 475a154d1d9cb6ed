"""The public web form in headless Chromium: a Dutch complaint gets a reference; an invalid
form shows the error summary, focused, with links to the fields."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect, sync_playwright

from services.intake.server import BackgroundIntake
from services.intake.settings import IntakeSettings
from shared.natsserver import EmbeddedNats
from tests.helpers import free_port

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def intake(provisioned_nats: EmbeddedNats) -> Iterator[BackgroundIntake]:
    settings = IntakeSettings(
        nats_url=provisioned_nats.url, intake_port=free_port(), smtp_port=free_port()
    )
    service = BackgroundIntake(settings).start()
    try:
        yield service
    finally:
        service.stop()


@pytest.fixture
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


def test_a_dutch_complaint_gets_a_reference(intake: BackgroundIntake, browser: Browser) -> None:
    page = browser.new_page()
    page.goto(intake.url + "/")
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    page.get_by_label("Naam").fill("Fatima El Amrani")
    page.get_by_label("E-mailadres").fill("fatima@example.nl")
    page.get_by_label("Onderwerp").fill("Afval niet opgehaald")
    page.get_by_label("Omschrijving van uw klacht").fill(
        "De container is drie weken niet geleegd, ondanks twee meldingen."
    )
    page.get_by_role("button", name="Klacht versturen").click()
    expect(page.get_by_role("heading", name="Uw klacht is ontvangen")).to_be_visible()
    expect(page.locator("#reference")).to_have_text(re.compile(r"^KL-\d{4}-\d{6}$"))
    expect(page.get_by_text("Wat gebeurt er nu?")).to_be_visible()


def test_an_invalid_form_shows_the_error_summary(
    intake: BackgroundIntake, browser: Browser
) -> None:
    page = browser.new_page()
    page.goto(intake.url + "/")
    page.get_by_label("E-mailadres").fill("geen-adres")
    # Keyboard only: tab to the button and press Enter.
    page.get_by_role("button", name="Klacht versturen").focus()
    page.keyboard.press("Enter")
    summary = page.get_by_role("alert")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Er is een probleem")
    expect(summary).to_contain_text("Vul een geldig e-mailadres in")
    expect(page.get_by_label("E-mailadres")).to_have_attribute("aria-invalid", "true")
    summary.get_by_role("link", name=re.compile("^Naam")).click()
    expect(page.get_by_label("Naam")).to_be_focused()
