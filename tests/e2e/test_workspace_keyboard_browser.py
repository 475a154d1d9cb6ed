"""A whole complaint by keyboard alone (issue 17, "Done when"), in a real browser (Debian's
Chromium) against intake, the notifier with its mail sink and reporting on a real nats-server:
Tab, Shift+Tab, Enter, Space and typing only, no clicks and no filled fields. In Dutch a handler
signs in, registers a phone complaint with its receipt date and time, finds it in the worklist
by the caller's name, takes it (once the coordinator put it in her team's queue), writes a note,
pauses and resumes, records that the hearing is waived, previews the answer (no placeholder,
one salutation), sends it (the letter reaches the mail sink) and closes the complaint. In
English, in a browser of another locale, the same start up to the preview. The date and time
fields are typed segment by segment in the order the browser shows them (Chromium without a
system locale: month, day, year and a 12-hour clock, whatever the page's language). The stack
is the workspace tests' shared one (tests/e2e/conftest.py)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from test_workspace_hearing_browser import today as local_today

from services.reporting.workspace_pages import TEXTS
from shared.runtime import words
from tests.support.browser import chromium
from tests.support.polling import wait_until_sync
from tests.support.workspace import letters_to
from tests.support.workspace_stack import ANNA, SAM, Stack, said
from tests.support.workspace_stack import tab_to as tab_to_within

REACH = 400  # Tab presses allowed to reach a control: the case page is long
PLACEHOLDER = re.compile(r"\{[^}]*\}|\[\[|\]\]|\$\{|<[a-z]+>|\bNone\b|\bundefined\b")


def tab_to(page: Any, selector: str) -> None:
    tab_to_within(page, selector, REACH)


def press(page: Any, selector: str, key: str = "Enter") -> None:
    """Tab to a control and press a key on it; waits for the page it loads."""
    tab_to(page, selector)
    with page.expect_navigation():
        page.keyboard.press(key)


def type_into(page: Any, selector: str, text: str) -> None:
    tab_to(page, selector)
    page.keyboard.type(text)


def sign_in(browser: Any, base: str, token: str, locale: str) -> Any:
    context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{base}/workspace")  # the address typed in the browser's bar
    type_into(page, "#token", token)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_selector("#who")
    return page


def type_date(page: Any, selector: str, day: date) -> None:
    """Type a day into a date field, segment by segment, in the order the browser's locale
    shows them (Chromium without a system locale: month, day, year; else often day first)."""
    tab_to(page, selector)
    page.keyboard.type(f"{day:%m%d%Y}")
    if page.eval_on_selector(selector, "e => e.value") == day.isoformat():
        return
    while page.evaluate(f"document.activeElement === document.querySelector(`{selector}`)"):
        page.keyboard.press("Shift+Tab")  # back over the segments, out of the field
    page.keyboard.press("Tab")  # its first segment
    page.keyboard.type(f"{day:%d%m%Y}")
    assert page.eval_on_selector(selector, "e => e.value") == day.isoformat()


def type_morning_time(page: Any, selector: str, hours: int, minutes: int) -> None:
    """A time before noon; a 12-hour field (the en-US default) also takes its AM segment."""
    tab_to(page, selector)
    page.keyboard.type(f"{hours:02d}{minutes:02d}")
    if not page.eval_on_selector(selector, "e => e.value"):
        page.keyboard.type("A")
    assert page.eval_on_selector(selector, "e => e.value") == f"{hours:02d}:{minutes:02d}"


def register(
    page: Any, day: date, name: str, email: str, language: str, subject: str
) -> tuple[str, str]:
    """From the worklist, the registration form by keyboard; the new complaint's id and
    reference (the form leads to its case page)."""
    press(page, "#register-link")
    type_date(page, "#register-received_at", day)
    type_morning_time(page, "#register-received_at_time", 10, 15)
    type_into(page, "#register-name", name)
    page.keyboard.press("Tab")
    page.keyboard.type(email)
    type_into(page, "#register-language", language)  # a closed select chooses by typing
    type_into(page, "#register-subject", subject)
    page.keyboard.press("Tab")
    page.keyboard.type("Ik heb gebeld: de pas is na zes weken nog niet bezorgd.")
    press(page, "#register button[type=submit]")
    assert page.locator("#done").count() == 1, said(page)
    cid = page.url.split("/workspace/complaints/")[1].split("?")[0]
    return cid, str(page.locator("#reference").inner_text().strip())


def find_by_name(page: Any, name: str, reference: str) -> None:
    """The worklist's search box, the caller's name, Enter; then the complaint's link."""
    press(page, "header a[href^='/workspace?lang']")

    def found() -> bool:
        tab_to(page, "#q")
        page.keyboard.press("Control+A")
        page.keyboard.type(name)
        with page.expect_navigation():
            page.keyboard.press("Enter")
        return page.locator(f"#worklist tr[data-reference='{reference}']").count() == 1

    wait_until_sync(found, 60, 0.5, "the worklist finds the caller by name")
    press(page, f"#worklist tr[data-reference='{reference}'] a")


def queue(desk: Stack, cid: str) -> None:
    """The coordinator (a supervisor) puts the new complaint in the front desk's queue."""
    assigned = desk.staff_post(SAM, f"{cid}/assignment", {"team": "balie"})
    assert assigned.status_code in (200, 201), assigned.text


def take_note_pause_resume(page: Any, note: str, reason: str, done: dict[str, str]) -> None:
    page.reload()  # the queue the coordinator chose (F5)
    press(page, "#take button[type=submit]")
    assert done["take"] in said(page), said(page)
    type_into(page, "#note-text", note)
    page.keyboard.press("Tab")  # to the note's button
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert done["note"] in said(page) and note in page.locator("#notes").inner_text()
    type_into(page, "#pause-reason", reason)
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert done["pause"] in said(page), said(page)
    press(page, "#pause button.primary")
    assert done["resume"] in said(page), said(page)


def waive_and_preview(page: Any, answer: str, resolution: str, done: dict[str, str]) -> str:
    """The hearing waived (the complainant does not wish to be heard), then the answer's
    letter previewed; its text."""
    tab_to(page, "#procedure details:has(#waive) summary")
    page.keyboard.press("Enter")  # opens the disclosure
    tab_to(page, "#waive-ground-manifestly_unfounded")  # the radio group's first
    page.keyboard.press("ArrowDown")  # the second: complainant_waived
    page.keyboard.press("Space")
    press(page, "#waive button[type=submit]")
    assert done["waive"] in said(page), said(page)
    type_into(page, "#respond-text", answer)
    page.keyboard.press("Tab")  # to the judgement
    page.keyboard.type(resolution)
    press(page, "#preview-button")
    letter = str(page.locator("#preview-text").inner_text())
    assert page.locator("#respond-text").input_value() == answer  # the draft is kept
    return letter


def test_a_keyboard_user_handles_a_complaint_from_registration_to_closure(
    workspace: Stack,
) -> None:
    desk = workspace
    base = desk.base
    today = local_today()
    received = today - timedelta(days=2)
    name = "Grietje Zwanenburg"
    answer = "Uw pas is opnieuw aangevraagd en wordt deze week bezorgd."
    with chromium() as browser:
        nl = TEXTS["nl"]["done"]
        anna = sign_in(browser, base, ANNA, "nl-NL")
        caller = (name, "grietje@example.nl", "Nederlands", "Telefonisch: pas kwijt")
        cid, reference = register(anna, received, *caller)
        month = words.MONTHS["nl"][received.month - 1]
        assert f"{received.day} {month}" in anna.locator("#received").inner_text()
        queue(desk, cid)
        find_by_name(anna, "zwanenburg", reference)
        take_note_pause_resume(anna, "Mevrouw teruggebeld.", "Wacht op pasnummer.", nl)
        letter = waive_and_preview(anna, answer, "Gegrond", nl)
        assert answer in letter and "Grietje Zwanenburg" in letter, letter
        assert len(re.findall(r"\bGeachte\b", letter)) == 1, letter
        assert not PLACEHOLDER.search(letter), letter
        press(anna, "#respond button.primary")
        assert nl["respond"] in said(anna), said(anna)
        assert anna.locator("#status").inner_text() == "Beantwoord"
        tab_to(anna, "#close-resolved")
        anna.keyboard.press("Space")
        press(anna, "#close button.primary")
        assert nl["close"] in said(anna), said(anna)
        assert anna.locator("#status").inner_text() == "Afgesloten"

        def answered() -> str:
            return next((t for _, t in letters_to(desk.maildir, cid) if answer in t), "")

        wait_until_sync(answered, 60, 0.5, "the answer in the mail sink")

        # In English, in a browser of another locale: the same start, up to the preview.
        en = TEXTS["en"]["done"]
        anna_en = sign_in(browser, base, ANNA, "en-US")
        press(anna_en, "header a[lang='en']")  # the page's language switch
        assert anna_en.evaluate("document.documentElement.lang") == "en"
        caller = ("Walter Pennington", "walter@example.org", "English", "By phone: card")
        cid, reference = register(anna_en, received, *caller)
        month = words.MONTHS["en"][received.month - 1]
        assert month in anna_en.locator("#received").inner_text()
        queue(desk, cid)
        find_by_name(anna_en, "pennington", reference)
        take_note_pause_resume(anna_en, "Called him back.", "Waiting for the card number.", en)
        letter = waive_and_preview(anna_en, "Your card has been ordered again.", "Well", en)
        assert "Your card has been ordered again." in letter and "Walter Pennington" in letter
        assert len(re.findall(r"\bDear\b", letter)) == 1, letter
        assert not PLACEHOLDER.search(letter), letter
