"""Two handlers on one complaint, in a real browser (Debian's Chromium) against intake and
reporting on a real nats-server (issue 17): the second handler to open the case page sees that
the first has it open (and the first's page learns of the second at its heartbeat); the
second pauses the complaint while the first writes an answer; the
first's send comes back refused with the draft still in the form and what changed since the
page was opened (paused, by whom), in Dutch and, after a resume, in English. The worklist's
bulk form, the bulk confirmation and result pages and the notifications page are used too.
axe-core finds no violation on any of these pages in Dutch and English at 1280 and 390 px."""

from __future__ import annotations

from typing import Any

from tests.support.browser import chromium
from tests.support.workspace_stack import BRAM, DORA, Stack, accessible, signed_in, tab_to

DRAFT = "Beste mevrouw De Boer, wij hebben de tweede aanmaning ingetrokken."
DRAFT_EN = "Dear Ms De Boer, we have withdrawn the second reminder."


def _write_answer(page: Any, text: str) -> None:
    tab_to(page, "#respond-text")
    page.keyboard.type(text)
    page.select_option("#respond-resolution", "well_founded")


def _send_refused(page: Any) -> None:
    tab_to(page, "#respond button.primary")
    page.keyboard.press("Enter")
    page.wait_for_selector("#changes")


def test_the_second_handler_sees_the_first_and_the_first_keeps_her_draft(
    workspace: Stack,
) -> None:
    base = workspace.base
    cid, _ = workspace.submit(
        complainant={"name": "Els de Boer", "email": "els@example.nl", "language": "nl"},
        subject="Dubbele aanmaning",
        description="Ik kreeg twee aanmaningen voor een betaalde rekening.",
    )
    case = f"{base}/workspace/complaints/{cid}"
    problems: dict[str, Any] = {}
    with chromium() as browser:
        dora = signed_in(browser, workspace, DORA)
        bram = signed_in(browser, workspace, BRAM)

        dora.goto(f"{case}?lang=nl")
        assert dora.locator("#presence-others").count() == 0
        _write_answer(dora, DRAFT)

        bram.goto(f"{case}?lang=nl")
        others = bram.locator("#presence-others")
        assert "Deze klacht is nu ook geopend door: dora" in others.inner_text()
        accessible(bram, "presence-nl", problems)
        # Dora's page learns of Bram at its next heartbeat (workspace.js; one now).
        dora.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
        dora.wait_for_selector("#presence-others[data-members=bram]")
        assert dora.locator("#respond-text").input_value() == DRAFT  # untouched by it
        bram.goto(f"{case}?lang=en")
        assert "This complaint is also open by: dora" in bram.locator("#presence").inner_text()
        accessible(bram, "presence-en", problems)

        bram.goto(f"{case}?lang=nl")
        bram.fill("#pause-reason", "Wacht op de bankafschriften.")
        bram.locator("#pause button").click()
        bram.wait_for_selector("#done")

        _send_refused(dora)  # her version is from before the pause
        assert dora.locator("#respond-text").input_value() == DRAFT  # kept
        changed = dora.locator("#changes").inner_text()
        assert "Wat er veranderde sinds u deze pagina opende" in changed
        assert "door bram" in changed
        assert dora.locator("#changes li[data-type=paused]").count() == 1
        accessible(dora, "conflict-nl", problems)

        dora.goto(f"{case}?lang=en")
        _write_answer(dora, DRAFT_EN)
        bram.goto(f"{case}?lang=nl")
        bram.locator("#pause button.primary").click()  # resume
        bram.wait_for_selector("#done")
        _send_refused(dora)
        assert dora.locator("#respond-text").input_value() == DRAFT_EN
        changed = dora.locator("#changes").inner_text()
        assert "What changed since you opened this page" in changed and "by bram" in changed
        assert dora.locator("#changes li[data-type=resumed]").count() == 1
        accessible(dora, "conflict-en", problems)

        for lang in ("nl", "en"):  # the worklist with its bulk form, then a batch
            dora.goto(f"{base}/workspace?lang={lang}")
            accessible(dora, f"worklist-{lang}", problems)
            dora.check(f"#worklist input[value='{cid}']")
            dora.select_option("#bulk-do", "assign:team:klachten")
            dora.locator("#bulk button.primary").click()
            dora.wait_for_selector("#bulk-list")
            accessible(dora, f"bulk-confirm-{lang}", problems)
            dora.locator("#bulk-confirm-button").click()
            dora.wait_for_selector("#bulk-results")
            assert (
                dora.locator(f"#bulk-results tr[data-complaint='{cid}']").get_attribute("data-done")
                == "yes"
            )
            accessible(dora, f"bulk-result-{lang}", problems)
            dora.goto(f"{base}/workspace/notifications?lang={lang}")
            accessible(dora, f"notifications-{lang}", problems)
    assert not any(problems.values()), problems
