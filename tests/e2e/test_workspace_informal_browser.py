"""Informal resolution in the workspace (Awb 9:5), in a real browser (Debian's Chromium) against
intake, the notifier with its mail sink and reporting on a real nats-server (issues 16/17): a
handler records how a complaint was resolved and how the complainant confirmed it; the status
becomes "informally resolved", the confirmation letter arrives saying the formal procedure is
still open to the complainant, and the summary counts the complaint as informal. axe-core finds
no violation on the case page with the form and after it, in Dutch and English, at 1280 and
390 px. The stack is the workspace tests' (tests/support/workspace_stack.py), this test's own:
the summary's figures are the whole log's."""

from __future__ import annotations

from typing import Any

import httpx
from test_workspace_hearing_browser import today

from tests.support.browser import chromium
from tests.support.polling import wait_until_sync
from tests.support.workspace import letters_to
from tests.support.workspace_stack import ANNA, SAM, Stack, accessible, said, signed_in

HOW = "Excuses gemaakt en de balie heeft de openingstijden op de deur gehangen."


def test_a_handler_resolves_a_complaint_informally(own_workspace: Stack) -> None:
    desk = own_workspace
    base = desk.base
    cid, _ = desk.submit()
    mine = {"handler": "anna", "team": "balie"}
    assigned = desk.staff_post(SAM, f"{cid}/assignment", mine)
    assert assigned.status_code in (200, 201), assigned.text
    problems: dict[str, Any] = {}
    with chromium() as browser:
        anna = signed_in(browser, desk, ANNA)
        anna.goto(f"{base}/workspace/complaints/{cid}?lang=nl")
        assert anna.locator("#owner").inner_text() == "Anna de Boer"
        anna.click("#procedure details:has(#resolve) summary")
        anna.select_option("#resolve-means", "apology")
        anna.select_option("#resolve-confirmed_by", "phone")
        anna.fill("#resolve-confirmed_at", today().isoformat())
        anna.fill("#resolve-confirmed_at_time", "00:01")
        anna.fill("#resolve-text", HOW)
        accessible(anna, "resolve-nl", problems)
        anna.click("#resolve button[type=submit]")
        assert "De klacht is informeel afgehandeld" in said(anna), said(anna)
        assert anna.locator("#status").inner_text() == "Informeel afgehandeld"
        assert anna.locator("#respond").count() == 0  # the formal procedure stopped
        assert "informeel" in anna.locator("#timeline").inner_text().lower()
        accessible(anna, "resolved-nl", problems)
        anna.goto(f"{base}/workspace/complaints/{cid}?lang=en")
        assert anna.locator("#status").inner_text() == "Resolved informally"
        accessible(anna, "resolved-en", problems)
    assert {k: v for k, v in problems.items() if v} == {}

    # The confirmation letter: what was done, and that the formal route is still open.
    def confirmation() -> str:
        found = [t for k, t in letters_to(desk.maildir, cid) if k == "informal_resolution"]
        return found[0] if found else ""

    letter = wait_until_sync(confirmation, 60, 0.5, "the confirmation letter")
    assert HOW in letter
    assert "Wilt u toch een formele behandeling?" in letter and "ook nu nog" in letter, letter

    # The summary counts it as informal (the headline figure of a Dutch yearly report).
    staff = {"Authorization": f"Bearer {ANNA}"}

    def counted() -> dict[str, Any] | None:
        summary = httpx.get(f"{base}/api/reports/summary", headers=staff, timeout=10).json()
        return summary if summary["handling"]["informal"] == 1 else None

    summary = wait_until_sync(counted, 60, 0.5, "the summary counts it")
    assert summary["handling"]["formal"] == 0 and summary["informal_share"] == 1.0
