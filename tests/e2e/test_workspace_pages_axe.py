"""axe-core finds no violation on any page of the staff workspace (issue 17), in Dutch and
English, at 1280 and 390 px (and nothing wider than the screen), in a real browser (Debian's
Chromium) against intake, the notifier and reporting on a real nats-server. The pages: sign-in
(and refused), the worklist in each view, search results, registration, the case page in each
status (received, paused, answered, escalated, closed, resolved informally, declined), the
notifications, the bulk confirmation and result, the dashboard and the improvement actions'
page when there is one. The stack is the workspace tests' (tests/support/workspace_stack.py),
one per test.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from tests.support import workspace_stack as journey
from tests.support.browser import chromium
from tests.support.intake import HEARING_WAIVED
from tests.support.polling import wait_until_sync

VIEWS = ("all", "mine", "team", "unassigned", "replies", "week", "overdue", "answered")
SUPERVISOR = {"Authorization": f"Bearer {journey.SAM}"}
# Each status the case page shows, and the staff API calls that lead there (after a waiver).
STEPS: dict[str, list[tuple[str, dict[str, Any]]]] = {
    "submitted": [],
    "paused": [("pause", {"reason": "Wacht op de kopie van de brief."})],
    "responded": [("responses", {"text": "Wij hebben het opgelost.", "resolution": "unfounded"})],
    "escalated": [("escalations", {"reason": "staff_decision", "target": "balie"})],
    "closed": [("closure", {"outcome": "withdrawn"})],
    "resolved_informally": [
        (
            "informal-resolution",
            {"means": "phone_call", "confirmed_by": "phone", "text": "Excuses aangeboden."},
        )
    ],
    "declined": [
        ("declining", {"grounds": ["already_handled"], "explanation": "Al eerder behandeld."})
    ],
}


@pytest.fixture
def desk(own_workspace: journey.Stack) -> dict[str, Any]:
    """intake (named staff, the organisation file), notifier + mail sink, reporting."""
    return {"base": own_workspace.base, "intake": own_workspace.intake, "stack": own_workspace}


def _submit(desk: dict[str, Any], n: int) -> str:
    """A complaint by the web form's API, each from its own address (letters per address are
    limited); its id."""
    who = {"name": "Jan de Vries", "email": f"jan.{n}@example.nl"}
    return str(desk["stack"].submit(complainant=who)[0])


def _cases(desk: dict[str, Any]) -> dict[str, str]:
    """One complaint in each status (complaint ids), the hearing waived where it is asked."""
    made = {}
    for n, (status, steps) in enumerate(STEPS.items()):
        cid = _submit(desk, n)
        base = f"{desk['intake']}/api/complaints/{cid}"
        queue = {"team": "balie", "handler": "anna"}
        first = [("assignment", queue), ("hearing/waiver", HEARING_WAIVED)] if steps else []
        for path, body in first + steps:
            if path == "informal-resolution":
                body = {**body, "confirmed_at": datetime.now(UTC).isoformat()}
            done = httpx.post(f"{base}/{path}", json=body, headers=SUPERVISOR, timeout=20)
            assert done.status_code in (200, 201), (status, path, done.text)
        made[status] = cid
    return made


def _sign_in(browser: Any, base: str, token: str, lang: str) -> Any:
    page = browser.new_context(locale="nl-NL", viewport={"width": 1280, "height": 900}).new_page()
    page.goto(f"{base}/workspace?lang={lang}")
    page.fill("#token", token)
    page.click("button[type=submit]")
    page.wait_for_selector("#who")
    return page


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_every_workspace_page_has_no_axe_violation(desk: dict[str, Any], lang: str) -> None:
    base = desk["base"]
    cases = _cases(desk)
    bulk_cid = _submit(desk, len(STEPS))
    problems: dict[str, Any] = {}
    visited: list[str] = []

    def check(page: Any, name: str) -> None:
        visited.append(name)
        journey.accessible(page, f"{name}-{lang}", problems)

    with chromium() as browser:
        stranger = browser.new_context(locale="nl-NL").new_page()
        stranger.goto(f"{base}/workspace?lang={lang}")
        check(stranger, "sign-in")
        stranger.fill("#token", "not-a-token-of-anyone-0123456789")
        stranger.click("button[type=submit]")
        check(stranger, "sign-in-refused")

        sam = _sign_in(browser, base, journey.SAM, lang)

        def listed() -> bool:
            sam.goto(f"{base}/workspace?lang={lang}&view=all")
            return sam.locator(f"#worklist input[value='{bulk_cid}']").count() == 1

        wait_until_sync(listed, 60, 0.5, "the worklist has every complaint")
        for view in VIEWS:
            sam.goto(f"{base}/workspace?lang={lang}&view={view}")
            check(sam, f"worklist-{view}")
        sam.goto(f"{base}/workspace?lang={lang}&q=de+vries")
        assert sam.locator("#worklist tbody tr").count() >= 1
        check(sam, "search-results")
        for status, cid in cases.items():
            sam.goto(f"{base}/workspace/complaints/{cid}?lang={lang}")
            check(sam, f"case-{status}")
        sam.goto(f"{base}/workspace/notifications?lang={lang}")
        check(sam, "notifications")

        sam.goto(f"{base}/workspace?lang={lang}&view=all")
        sam.check(f"#worklist input[value='{bulk_cid}']")
        sam.select_option("#bulk-do", "assign:team:balie")
        sam.locator("#bulk button.primary").click()
        sam.wait_for_selector("#bulk-list")
        check(sam, "bulk-confirm")
        sam.locator("#bulk-confirm-button").click()
        sam.wait_for_selector("#bulk-results")
        check(sam, "bulk-result")

        sam.goto(f"{base}/dashboard?lang={lang}")
        check(sam, "dashboard")
        improvements = sam.goto(f"{base}/workspace/improvements?lang={lang}")
        if improvements is not None and improvements.status == 200:
            check(sam, "improvements")

        anna = _sign_in(browser, base, journey.ANNA, lang)
        anna.goto(f"{base}/workspace/register?lang={lang}")
        check(anna, "register")
        anna.goto(f"{base}/workspace?lang={lang}&view=mine")
        check(anna, "worklist-mine-handler")
    assert {k: v for k, v in problems.items() if v} == {}
    assert len(visited) >= 25, visited
