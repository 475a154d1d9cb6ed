"""The people's side in a real browser, against the stack as the README starts it (`klachten up`).

The complainant reads the guidance, fills in the form with the keyboard and adds a document,
checks the answers, reads the confirmation and opens the status page, and sees the
acknowledgement arrive; the case handler signs in, finds the complaint at the top of the
worklist and responds from a template; the complainant sees the answer, disagrees and asks for
a new review; the supervisor at the next level finds it; a stale form of a colleague is refused
as a conflict, not overwritten.
Every page is screenshotted into $KLACHTEN_TEST_ARTIFACTS/people/ (default: the system's temporary
folder's klachten-artifacts/, never the checkout) and checked with axe-core (injected
from tests/e2e/axe, installed with `npm ci` when missing): no serious or critical violations.
"""

from __future__ import annotations

import email
import email.policy
import mailbox
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import test_stack_journey as journey

from services.notifier.mailsink import read_maildir
from tests.support.browser import chromium
from tests.support.polling import wait_until_sync
from tests.support.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
AXE_DIR = Path(__file__).parent / "axe"
AXE_JS = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = Path(tempfile.gettempdir()) / "klachten-artifacts"
SHOTS = Path(os.environ.get("KLACHTEN_TEST_ARTIFACTS", ARTIFACTS)) / "people"
ANNA = "anna-handler-token-0123456789"
SAM = "sam-supervisor-token-0123456789"
PDF = b"%PDF-1.4\n% parking permit invoice\n"


def _axe() -> Path:
    if not AXE_JS.exists():
        npm = shutil.which("npm")
        assert npm, "npm is needed to install axe-core (tests/e2e/axe/package.json)"
        command = [npm, "ci", "--no-audit", "--no-fund"]
        subprocess.run(command, cwd=AXE_DIR, check=True, timeout=180, capture_output=True)
    return AXE_JS


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[journey.Stack]:
    running = journey.Stack(tmp_path / "data")
    # The notifier's and SLA monitor's health ports, so parallel stacks do not collide.
    running.env |= {
        "KLACHTEN_NOTIFIER_PORT": str(free_port()),
        "KLACHTEN_SLA_PORT": str(free_port()),
    }
    running.env["KLACHTEN_STAFF_TOKENS"] = f"anna:{ANNA}:handler;sam:{SAM}:supervisor"
    running.env["KLACHTEN_STATUS_URL_TEMPLATE"] = (
        f"http://127.0.0.1:{running.ports['INTAKE']}/status?reference={{reference}}"
    )
    yield running
    if running.process is not None and running.process.poll() is None:
        running.stop()


class Eyes:
    """Screenshots and accessibility checks of every page the journey shows."""

    def __init__(self) -> None:
        self.axe = _axe()
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.problems: dict[str, list[Any]] = {}

    def look(self, page: Any, name: str) -> None:
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
        # Evaluated through the DevTools protocol: the pages' CSP (script-src 'self') refuses
        # an inline <script> (add_script_tag), and bypassing CSP would hide the pages' own.
        page.evaluate(self.axe.read_text(encoding="utf-8"))
        found = page.evaluate(
            """async () => (await axe.run(document)).violations
                .filter(v => v.impact === 'serious' || v.impact === 'critical')
                .map(v => ({id: v.id, impact: v.impact,
                            nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))"""
        )
        if found:
            self.problems[name] = found


def _reload_until(page: Any, ready: Callable[[], bool], message: str, timeout: float = 60) -> None:
    def check() -> bool:
        page.reload()
        return ready()

    if not ready():
        wait_until_sync(check, timeout=timeout, interval=0.5, message=message)


def _tab_to(page: Any, selector: str, limit: int = 40) -> None:
    """Press Tab until the element has focus: the form is reachable by keyboard alone."""
    for _ in range(limit):
        if page.evaluate(f"document.activeElement === document.querySelector('{selector}')"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} is not reachable with Tab")


def _letter_text(stack: journey.Stack, kind: str) -> str:
    found = [m for m in read_maildir(stack.data_dir / "mail") if m.letter_kind == kind]
    assert found, f"no {kind} letter"
    raw = mailbox.Maildir(stack.data_dir / "mail", create=False).get_bytes(found[0].key)
    message = email.message_from_bytes(raw, policy=email.policy.default)
    return str(message.get_body(("plain",)).get_content())  # type: ignore[union-attr]


def _sign_in(browser: Any, base: str, token: str) -> Any:
    page = browser.new_context(locale="nl-NL").new_page()
    page.goto(f"{base}/workspace")
    page.fill("#token", token)
    page.click("button[type=submit]")
    page.wait_for_selector("h1:has-text('Werklijst')")
    return page


@pytest.mark.timeout(240)
def test_complainant_and_case_handlers_in_the_browser(stack: journey.Stack) -> None:
    eyes = Eyes()
    stack.start()
    intake, reporting = stack.url("INTAKE", ""), stack.url("REPORTING", "")

    with chromium() as browser:
        me = browser.new_context(locale="nl-NL").new_page()

        # 1. Before submitting: guidance, common questions with dates, a keyboard-only form.
        me.goto(f"{intake}/")
        assert me.locator("html").get_attribute("lang") == "nl"
        assert "Zo dient u een goede klacht in" in me.inner_text("main")
        _tab_to(me, "details:nth-of-type(2) > summary")
        me.keyboard.press("Enter")  # opens "Hoe lang duurt het?"
        assert "uiterlijk op" in me.inner_text("details[open]")
        eyes.look(me, "01-form")
        for selector, text in (
            ("#f-name", "Jan de Vries"),
            ("#f-email", "jan@example.nl"),
            ("#f-subject", "Parkeervergunning niet ontvangen"),
            ("#f-description", "Op 2 maart betaald; de vergunning is nooit gekomen."),
        ):
            _tab_to(me, selector)
            me.keyboard.type(text)
        me.set_input_files(
            "#f-attachments",
            files=[{"name": "factuur.pdf", "mimeType": "application/pdf", "buffer": PDF}],
        )
        _tab_to(me, "button[type=submit]")
        me.keyboard.press("Enter")
        # Check the answers before sending (issue 25), still with the keyboard.
        me.wait_for_selector("#check-answers")
        assert "factuur.pdf" in me.inner_text("#check-answers")
        eyes.look(me, "01b-check")
        _tab_to(me, "#send")
        me.keyboard.press("Enter")

        # 2. The confirmation: reference, dates, the document, a private link.
        me.wait_for_selector("#reference")
        reference = me.inner_text("#reference")
        assert me.locator('#timeline li[data-step="statutory_by"]').count() == 1
        assert "factuur.pdf" in me.inner_text("#attachments")
        eyes.look(me, "02-confirmation")

        # 3. Following up: the status page shows the acknowledgement once it was sent.
        me.click("#status-link")
        me.wait_for_selector("#timeline")
        acknowledged = 'li[data-step="acknowledged"]'
        _reload_until(me, lambda: me.locator(acknowledged).count() == 1, "acknowledgement")
        eyes.look(me, "03-status-acknowledged")
        status_url = me.url
        letter = _letter_text(stack, "acknowledgement")
        assert reference in letter and f"/status?reference={reference}" in letter

        # Another complaint comes in later: ours stays on top (nearest deadline, then oldest).
        later = {
            "channel": "web",
            "subject": "Later",
            "description": "Een tweede klacht.",
            "complainant": {"name": "Piet", "email": "piet@example.nl"},
        }
        assert httpx.post(f"{intake}/api/complaints", json=later).status_code == 201

        # Awb 9:10: the complainant waived the hearing (through the API: no workspace form yet).
        cid = urlsplit(status_url).path.split("/")[2]
        waiver = f"{intake}/api/complaints/{cid}/hearing/waiver"
        ground = {"ground": "complainant_waived"}
        waived = httpx.post(waiver, json=ground, headers={"Authorization": f"Bearer {ANNA}"})
        assert waived.status_code == 201, waived.text

        # 4. The case handler: worklist, complaint page with documents and both clocks; respond.
        anna = _sign_in(browser, reporting, ANNA)
        first = "#worklist tbody tr >> nth=0"
        _reload_until(anna, lambda: anna.locator("#worklist tbody tr").count() == 2, "worklist", 30)
        assert anna.get_attribute(first, "data-reference") == reference
        eyes.look(anna, "04-worklist")
        anna.click(f"{first} >> a")
        anna.wait_for_selector("#deadlines")
        assert anna.locator("#deadlines tbody tr").count() == 3
        document = anna.locator("#documents a")
        assert document.inner_text() == "factuur.pdf"
        assert anna.request.get(reporting + document.get_attribute("href")).body() == PDF
        anna.click("text=Gegrond, met excuses")
        anna.wait_for_selector("#respond-text")
        # The template is the answer's body (the letter adds the salutation and the reference);
        # every gap ("…") must be filled, or the workspace refuses to send it.
        template = anna.input_value("#respond-text")
        assert "gegrond" in template and "…" in template
        filled = template.replace("…", "Uw vergunning is vandaag verstuurd.", 1)
        anna.fill("#respond-text", filled.replace("…", "Wij sturen vergunningen voortaan sneller."))
        eyes.look(anna, "05-complaint")
        anna.click("#respond button[type=submit]")
        anna.wait_for_selector("#done")
        assert anna.inner_text("#status") == "Beantwoord"

        # 5. The complainant reads the answer, disagrees and asks for a new review.
        me.goto(status_url)
        assert "Uw vergunning is vandaag verstuurd." in me.inner_text("#timeline")
        assert "anna" not in me.inner_text("main")
        eyes.look(me, "06-status-responded")
        me.fill("#f-reason", "De vergunning is nog steeds niet aangekomen.")
        me.click("#f-reason ~ button[type=submit]")
        me.wait_for_selector("#notice")
        assert "leidinggevende" in me.inner_text("#notice")
        eyes.look(me, "07-status-escalated")

        # 6. The supervisor at the next level finds it; a stale form of a colleague is refused.
        anna.goto(f"{anna.url.split('?')[0]}?lang=nl")  # anna's page, before the next step
        sam = _sign_in(browser, reporting, SAM)
        sam.goto(f"{reporting}/workspace?level=1")
        _reload_until(
            sam,
            lambda: sam.locator(f'tr[data-reference="{reference}"]').count() == 1,
            "level 1",
            30,
        )
        eyes.look(sam, "08-worklist-level-1")
        sam.click(f'tr[data-reference="{reference}"] a')
        sam.wait_for_selector("#timeline")
        assert sam.inner_text("#level") == "1"
        assert (
            sam.locator(
                '#timeline tr[data-type="complaint.escalated"], #timeline tr[data-type="escalated"]'
            ).count()
            == 1
        )
        sam.fill("#extend-reason", "Wij wachten op de drukker.")
        sam.click("#extend button[type=submit]")
        sam.wait_for_selector("#done")
        eyes.look(sam, "09-complaint-extended")

        anna.fill("#respond-text", "Tweede reactie.")
        anna.select_option("#respond-resolution", "well_founded")
        anna.click("#respond button[type=submit]")
        anna.wait_for_selector("#message")
        assert "Een collega was u voor" in anna.inner_text("#message")
        assert "sam" in anna.inner_text("#message")
        eyes.look(anna, "10-conflict")

        # The English pages.
        def extension_told() -> bool:  # shown once its notice went out (the notifier)
            me.goto(status_url.split("?")[0] + "?lang=en")
            return "Term extended until" in me.inner_text("#timeline")

        wait_until_sync(extension_told, timeout=60, message="the extension on the status page")
        assert me.locator("html").get_attribute("lang") == "en"
        eyes.look(me, "11-status-english")

    assert not eyes.problems, eyes.problems
