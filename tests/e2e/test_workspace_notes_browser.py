"""Notes and the letter preview in the workspace, in a real browser (Debian's Chromium) against
intake, the notifier and reporting on a real nats-server: by keyboard alone a handler writes an
internal note (it shows under "Interne notities" and in the timeline), previews the answer's
letter (the exact text the notifier will send, in the complaint's language, the draft kept in
the form) and sends it. axe-core finds no violation on the case page with a note and with a
preview, in Dutch and English, at 1280 and 390 px."""

from __future__ import annotations

from typing import Any

from tests.support.browser import chromium
from tests.support.intake import HEARING_WAIVED
from tests.support.workspace_stack import ALL, Stack, accessible, signed_in, tab_to

NOTE = "Mevrouw gebeld: ze is vrijdag thuis voor een gesprek."
ANSWER = "We have checked the invoice and cancelled the second reminder."


def test_a_handler_writes_a_note_and_previews_the_letter_by_keyboard(
    workspace: Stack,
) -> None:
    base = workspace.base
    cid, _ = workspace.submit(
        complainant={"name": "Mary Jones", "email": "mary@example.org", "language": "en"},
        subject="Second reminder",
        description="I received a second reminder for a paid invoice.",
    )
    assert workspace.staff_post(ALL, f"{cid}/hearing/waiver", HEARING_WAIVED).status_code == 201
    problems: dict[str, Any] = {}
    with chromium() as browser:
        page = signed_in(browser, workspace, ALL)
        page.goto(f"{base}/workspace/complaints/{cid}?lang=nl")

        tab_to(page, "#note-text")
        page.keyboard.type(NOTE)
        page.keyboard.press("Tab")  # to "Notitie vastleggen"
        page.keyboard.press("Enter")
        page.wait_for_selector("#done")
        assert NOTE in page.locator("#notes").inner_text()
        assert NOTE in page.locator("#timeline tr[data-type=note_added]").inner_text()
        accessible(page, "note-nl", problems)
        page.goto(f"{base}/workspace/complaints/{cid}?lang=en")
        assert "Internal notes" in page.locator("#notes").inner_text()
        accessible(page, "note-en", problems)

        for lang in ("en", "nl"):
            page.goto(f"{base}/workspace/complaints/{cid}?lang={lang}")
            tab_to(page, "#respond-text")
            page.keyboard.type(ANSWER)
            page.select_option("#respond-resolution", "well_founded")
            tab_to(page, "#preview-button")
            page.keyboard.press("Enter")
            page.wait_for_selector("#letter-preview")
            letter = page.locator("#preview-text")
            assert letter.get_attribute("lang") == "en"  # the complaint's language
            assert ANSWER in letter.inner_text() and "Dear Mary Jones" in letter.inner_text()
            assert NOTE not in letter.inner_text()
            assert page.locator("#respond-text").input_value() == ANSWER  # kept
            accessible(page, f"preview-{lang}", problems)

        page.locator("#respond button.primary").press("Enter")
        page.wait_for_selector("#done")
        assert page.locator("#status").inner_text() == "Beantwoord"
    assert not any(problems.values()), problems
