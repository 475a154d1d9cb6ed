"""Issue 25 in headless Chromium: the status lookup with a postcode and house number instead of
an e-mail address, by keyboard alone, in Dutch and English; axe-core finds no violation on the
lookup page, with its error summary and with its answer, at 1280 and 390 px, and it reflows at
320 px. The confirmation's PDF link downloads the copy."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page

from services.intake.server import BackgroundIntake
from tests.support.axe import violations

SENT = {"nl": "per post naar dat adres", "en": "by post to that address"}


def _no_violations(page: Page, found: dict[str, object], name: str) -> None:
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        if seen := violations(page):
            found[f"{name}@{width}"] = seen
    page.set_viewport_size({"width": 320, "height": 900})
    if (wide := page.evaluate("document.documentElement.scrollWidth")) > 320:
        found[f"{name}@320"] = wide
    page.set_viewport_size({"width": 1280, "height": 900})


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_postal_lookup_by_keyboard_and_accessible(
    intake: BackgroundIntake, browser: Browser, lang: str
) -> None:
    page = browser.new_page(accept_downloads=True)
    found: dict[str, object] = {}
    page.goto(f"{intake.url}/?lang={lang}")
    page.fill("#f-name", "Els Jansen")
    page.fill("#f-address", "Dorpsstraat 12\n1234 AB Ons Dorp")
    page.fill("#f-subject", "Stoep kapot")
    page.fill("#f-description", "De stoep voor mijn huis is al maanden kapot.")
    page.locator("form button[type=submit]").first.click()  # check your answers
    page.locator("#send").click()
    reference = page.locator("#reference").inner_text()
    with page.expect_download() as download:
        page.locator("#copy-pdf").click()
    assert download.value.suggested_filename.endswith(".pdf")
    assert re.fullmatch(r"KL-\d{4}-\d{6}", reference)

    page.goto(f"{intake.url}/status?lang={lang}")
    _no_violations(page, found, "lookup")
    page.locator("#f-reference").focus()
    page.keyboard.type(reference)
    page.keyboard.press("Tab")  # e-mail: left empty
    page.keyboard.press("Tab")
    page.keyboard.type("1234 AB")
    page.keyboard.press("Enter")  # no house number yet: the form says so
    page.wait_for_selector("#error-summary")
    assert page.locator("#error-summary a[href='#f-house-number']").count() == 1
    _no_violations(page, found, "lookup-error")
    page.locator("#f-house-number").focus()
    page.keyboard.type("12")
    page.keyboard.press("Enter")
    page.wait_for_selector(".notice[role=status]")
    assert SENT[lang] in page.locator(".notice[role=status]").inner_text()
    _no_violations(page, found, "lookup-sent")
    assert found == {}
