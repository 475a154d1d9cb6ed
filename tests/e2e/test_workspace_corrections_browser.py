"""The corrections box in a real browser (Debian's Chromium) against intake and reporting on a
real nats-server (issue 17): by keyboard alone a handler corrects the priority and answers a
message sent after the answer; axe-core finds no violation in the box (with its three forms),
in Dutch and English, at 1280 and 390 px, and the page does not scroll sideways."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from shared.eventstore.application import ComplaintsApplication
from tests.support.axe import axe_source
from tests.support.browser import chromium
from tests.support.intake import HEARING_WAIVED
from tests.support.polling import wait_until_sync
from tests.support.workspace import record_reply
from tests.support.workspace_stack import ALL, Stack, signed_in, tab_to


def _answered_with_a_follow_up(workspace: Stack) -> str:
    """A complaint answered, then a message from the complainant's reply address; its id
    once reporting has read the message."""
    cid, _ = workspace.submit(
        complainant={"name": "Mary Jones", "email": "mary@example.org", "language": "en"},
        subject="Second reminder",
        description="I received a second reminder for a paid invoice.",
    )
    answer = {"text": "We cancelled the reminder.", "resolution": "well_founded"}
    assert workspace.staff_post(ALL, f"{cid}/hearing/waiver", HEARING_WAIVED).is_success
    assert workspace.staff_post(ALL, f"{cid}/responses", answer).is_success
    log = ComplaintsApplication(env={"NATS_URL": workspace.nats})
    try:
        record_reply(log, cid, "And the fee?", verified_by="reply_address")
        version = log.complaint(UUID(cid)).version
    finally:
        log.close()
    wait_until_sync(
        lambda: (workspace.read(cid) or {}).get("version", 0) >= version, 60, 0.2, "the reply"
    )
    return cid


def _box_violations(page: Any) -> list[Any]:
    page.evaluate(axe_source())
    return page.evaluate(  # type: ignore[no-any-return]
        """async () => (await axe.run('#corrections')).violations
            .map(v => ({id: v.id, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))"""
    )


WIDEST = """w => [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > w)
    .slice(-4).map(e => e.tagName + '#' + e.id + ' ' + e.textContent.slice(0, 40))"""


def _accessible(page: Any, name: str, problems: dict[str, Any]) -> None:
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        problems[f"{name}-{width}"] = _box_violations(page)
        wide = page.evaluate(WIDEST, width)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, width, wide)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_a_handler_corrects_and_answers_a_follow_up_by_keyboard(workspace: Stack) -> None:
    cid = _answered_with_a_follow_up(workspace)
    url = f"{workspace.base}/workspace/complaints/{cid}"
    problems: dict[str, Any] = {}
    with chromium() as browser:
        page = signed_in(browser, workspace, ALL)
        page.goto(f"{url}?lang=nl")
        assert "Correcties" in page.locator("#corrections").inner_text()
        _accessible(page, "box-nl", problems)

        tab_to(page, "#follow_up-text", 200)
        page.keyboard.type("Wij betalen de kosten terug.")
        page.keyboard.press("Tab")  # to "Antwoord versturen"
        page.keyboard.press("Enter")
        page.wait_for_selector("#done")
        assert "Uw antwoord is vastgelegd" in page.locator("#done").inner_text()
        assert page.locator("#follow_up").count() == 0  # the message is handled

        page.goto(f"{url}?lang=en")
        assert "Corrections" in page.locator("#corrections").inner_text()
        _accessible(page, "box-en", problems)
    assert all(not found for found in problems.values()), problems
