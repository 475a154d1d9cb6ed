"""Learning from complaints in the workspace, in a real browser (Debian's Chromium) against
intake and reporting on a real nats-server (issue 18): a handler classifies a complaint,
records a remedy, opens an improvement action on it and links a second complaint to it from
that complaint's page; the management page lists the action with both complaints, by due date,
and counts the complaints per theme and month; a refusal comes back in words on its field.
axe-core finds no violation on the case page and the management page, in Dutch and English, at
1280 and 390 px."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.support.browser import chromium
from tests.support.polling import wait_until_sync
from tests.support.workspace_stack import ALL, Stack, accessible, signed_in

TITLE = "Standaardbrief over de parkeervergunning herschrijven"
DUE = (datetime.now(UTC) + timedelta(days=45)).date().isoformat()


def _complaint(workspace: Stack, subject: str) -> str:
    cid, _ = workspace.submit(
        complainant={"name": "Els de Boer", "email": "els@example.nl", "language": "nl"},
        subject=subject,
        description="De brief over mijn parkeervergunning was niet te begrijpen.",
    )
    return cid


def _shows(page: Any, url: str, selector: str) -> bool:
    """Reload until reporting's projection has caught up and `selector` is on the page."""
    page.goto(url)
    return page.locator(selector).count() > 0


def test_a_handler_classifies_remedies_and_opens_an_action_two_complaints_join(
    workspace: Stack,
) -> None:
    base = workspace.base
    first = _complaint(workspace, "Onbegrijpelijke brief")
    second = _complaint(workspace, "Weer die brief")
    problems: dict[str, Any] = {}
    with chromium() as browser:
        page = signed_in(browser, workspace, ALL)
        case = f"{base}/workspace/complaints/{first}?lang=nl"
        page.goto(case)

        # classify by two themes (keyboard: space ticks a box)
        page.locator("#classify input[value=informatie]").focus()
        page.keyboard.press("Space")
        page.locator("#classify input[value=tijdigheid]").check()
        page.locator("#classify button[type=submit]").press("Enter")
        page.wait_for_selector("#done")
        assert "Informatie" in page.locator("#learned-themes").inner_text()

        # a remedy: an apology
        page.select_option("#remedy select[name=kind]", "apology")
        page.locator("#remedy button[type=submit]").click()
        page.wait_for_selector("#done")
        assert page.locator("#learned-remedies li").count() == 1

        # an improvement action without an owner the organisation knows: refused in words
        page.fill("#improvement_open-title", TITLE)
        page.fill("#improvement_open-owner", "niemand")
        page.fill("#improvement_open-due", DUE)
        page.select_option("#improvement_open-theme", "informatie")
        page.locator("#improvement_open button[type=submit]").click()
        page.wait_for_selector("#error-summary")
        assert page.locator('#error-summary a[href="#improvement_open-owner"]').count() == 1
        assert page.locator("#improvement_open-title").input_value() == TITLE  # kept
        assert page.locator("#improvement_open-owner").get_attribute("aria-invalid") == "true"
        page.fill("#improvement_open-owner", "klachten")
        page.locator("#improvement_open button[type=submit]").click()
        page.wait_for_selector("#done")
        wait_until_sync(lambda: _shows(page, case, "#part-of li"), 30, 0.3, "folded")
        assert TITLE in page.locator("#part-of").inner_text()
        accessible(page, "case-nl", problems)

        # the second complaint joins it from its own page
        other = f"{base}/workspace/complaints/{second}?lang=en"
        wait_until_sync(lambda: _shows(page, other, "#improvement_link"), 30, 0.3, "joinable")
        page.locator("#improvement_link button[type=submit]").click()
        page.wait_for_selector("#done")
        assert "linked to the improvement action" in page.locator("#done").inner_text()
        wait_until_sync(lambda: _shows(page, other, "#part-of li"), 30, 0.3, "linked")
        assert "opened on" in page.locator("#part-of").inner_text()
        accessible(page, "case-en", problems)

        # the management page: the action, both complaints, the themes per month
        page.goto(f"{base}/workspace/improvements?lang=nl")
        row = page.locator("#improvements tr[data-action]")
        assert row.count() == 1 and TITLE in row.inner_text()
        assert row.locator("a").count() == 2  # both complaints, one click away
        assert "open" in row.inner_text()
        informatie = page.locator("#per-theme tr[data-theme=informatie] td").last
        assert informatie.inner_text() == "1"
        accessible(page, "register-nl", problems)
        page.select_option("#filter-status", "done")
        page.locator("#filters button[type=submit]").click()
        page.wait_for_selector("#improvements-none")
        page.goto(f"{base}/workspace/improvements?lang=en&theme=informatie")
        assert "Improvement actions" in page.locator("h1").inner_text()
        assert page.locator("#improvements tr[data-action]").count() == 1
        accessible(page, "register-en", problems)
    assert problems == {name: [] for name in problems}, problems
