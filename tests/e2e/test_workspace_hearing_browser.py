"""The hearing in the workspace, in a real browser (Debian's Chromium) against intake, the
notifier with its mail sink and reporting on a real nats-server (issues 16/17): a handler takes
a complaint from her team's queue, records whom it is about by keyboard alone, invites the
complainant to a hearing (the invitation letter arrives with its day, time and place), records
the hearing's report and answers. The Wkkgz forms (mediation, measures with rows added and
left out without script) and the extension with the complainant's consent are shown to the
roles that may use them. axe-core finds no violation on these pages, in Dutch and English, at
1280 and 390 px."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import nats
import pytest

from klachten.stack.natsserver import EmbeddedNats
from services.intake.server import BackgroundIntake
from services.intake.settings import IntakeSettings
from shared.config.policy import local_zone
from shared.eventstore.buckets import provision_buckets
from shared.runtime import words
from tests.support.axe import violations
from tests.support.notifier import notifier_env, notifier_settings
from tests.support.polling import wait_until_sync
from tests.support.ports import free_port
from tests.support.processes import ServiceProcess
from tests.support.workspace import letters_to, reporting_process

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
ANNA = "anna-hearing-token-0123456789"  # handler
SAM = "sam-hearing-token-0123456789"  # supervisor
KIM = "kim-hearing-token-0123456789"  # klachtenfunctionaris
TOKENS = f"anna:{ANNA}:handler;sam:{SAM}:supervisor;kim:{KIM}:klachtenfunctionaris"
ORGANISATION = """
version = "test-1"
[departments.publiekszaken]
name = "Publiekszaken"
name_en = "Public services"
[teams.balie]
name = "Balie"
name_en = "Front desk"
department = "publiekszaken"
[members.anna]
name = "Anna de Boer"
teams = ["balie"]
[members.sam]
name = "Sam Jansen"
teams = ["balie"]
[members.piet]
name = "Piet Mulder"
teams = ["balie"]
[members.kim]
name = "Kim Verhoef"
"""
PLACE = "Stadhuis, Markt 1, kamer 2.14"


async def _buckets(url: str) -> None:
    nc = await nats.connect(url)
    try:
        await provision_buckets(nc)  # the notifier's outbox among them
    finally:
        await nc.close()


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.fixture
def desk(
    provisioned_nats: EmbeddedNats, tmp_path: Path, data_dir: Path
) -> Iterator[dict[str, Any]]:
    """intake (named staff, the organisation file), the notifier with its mail sink as a
    process, reporting as a process: the stack as `klachten up` runs it."""
    asyncio.run(_buckets(provisioned_nats.url))
    organisation = tmp_path / "organisation.toml"
    organisation.write_text(ORGANISATION, "utf-8")
    sink_port, maildir = free_port(), tmp_path / "mail"
    letters = notifier_settings(provisioned_nats.url, sink_port, tmp_path / "notifier")
    env = {
        **os.environ, **notifier_env(letters), "KLACHTEN_DATA_DIR": str(data_dir),
        "KLACHTEN_MAILSINK_PORT": str(sink_port), "KLACHTEN_MAILSINK_DIR": str(maildir),
        "KLACHTEN_NOTIFIER_PORT": str(free_port()), "KLACHTEN_ORGANISATION_FILE": str(organisation),
    }  # fmt: skip
    notifier = ServiceProcess("notifier", env, tmp_path, "--with-mailsink").start()
    settings = IntakeSettings(
        nats_url=provisioned_nats.url,
        data_dir=data_dir,
        intake_port=free_port(),
        smtp_port=free_port(),
        staff_tokens=TOKENS,
        organisation_file=str(organisation),
        intake_rate_limit=10_000,
    )
    intake = BackgroundIntake(settings).start()
    try:
        reporting_env = {
            "KLACHTEN_INTAKE_URL": intake.url,
            "KLACHTEN_STAFF_TOKENS": TOKENS,
            "KLACHTEN_ORGANISATION_FILE": str(organisation),
        }
        with reporting_process(provisioned_nats.url, tmp_path, "", **reporting_env) as base:
            wait_until_sync(lambda: _answers(f"{base}/health/live"), 60, 0.2, "reporting")
            yield {"base": base, "intake": intake.url, "maildir": maildir}
    finally:
        intake.stop()
        notifier.stop()


def submit(desk: dict[str, Any], **extra: Any) -> tuple[str, str]:
    """A complaint by the web form's API; (complaint id, reference)."""
    body = {
        "channel": "web",
        "complainant": {"name": "Jan de Vries", "email": "jan@example.nl"},
        "subject": "Balie zonder uitleg dicht",
        "description": "Ik stond om tien uur voor een dichte balie.",
        **extra,
    }
    made = httpx.post(f"{desk['intake']}/api/complaints", json=body, timeout=20)
    assert made.status_code == 201, made.text
    return made.json()["complaint_id"], made.json()["reference"]


def sign_in(browser: Any, base: str, token: str) -> Any:
    page = browser.new_context(locale="nl-NL", viewport={"width": 1280, "height": 900}).new_page()
    page.goto(f"{base}/workspace")
    page.fill("#token", token)
    page.click("button[type=submit]")
    page.wait_for_selector("#who")
    return page


def tab_to(page: Any, selector: str, limit: int = 150) -> None:
    """Press Tab until the element has focus: it is reachable by keyboard alone."""
    for _ in range(limit):
        if page.evaluate(f"document.activeElement === document.querySelector(`{selector}`)"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} is not reachable with Tab")


def accessible(page: Any, name: str, problems: dict[str, Any]) -> None:
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        problems[f"{name}-{width}"] = violations(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, width)
    page.set_viewport_size({"width": 1280, "height": 900})


def said(page: Any) -> str:
    return str(page.locator("#done, #message, #error-summary").first.inner_text())


def browser_or_skip() -> Any:
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    return sync_api


def today() -> date:
    return datetime.now(local_zone()).date()


def test_a_handler_takes_invites_hears_and_answers(desk: dict[str, Any]) -> None:
    sync_api = browser_or_skip()
    base = desk["base"]
    cid, reference = submit(desk)
    queue = {"team": "balie"}  # the coordinator puts it in the front desk's queue
    assigned = httpx.post(f"{desk['intake']}/api/complaints/{cid}/assignment", json=queue,
                          headers={"Authorization": f"Bearer {SAM}"}, timeout=20)  # fmt: skip
    assert assigned.status_code in (200, 201), assigned.text
    problems: dict[str, Any] = {}
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            anna = sign_in(browser, base, ANNA)

            def listed() -> bool:
                anna.goto(f"{base}/workspace?view=team")
                return anna.locator(f"tr[data-reference='{reference}']").count() == 1

            wait_until_sync(listed, timeout=60, interval=0.5, message="in the team's queue")
            anna.locator(f"tr[data-reference='{reference}'] a").first.click()
            anna.click("#take button[type=submit]")
            assert "U hebt de klacht opgepakt." in said(anna)
            assert anna.locator("#owner").inner_text() == "Anna de Boer"

            # Whom it is about, by keyboard alone: a colleague of the front desk (not the
            # handler, Awb 9:7; the same unit is a warning, said once).
            tab_to(anna, "#procedure details:has(#conduct) summary")
            anna.keyboard.press("Enter")
            tab_to(anna, "#conduct-employee")
            anna.keyboard.type("Piet")  # a closed select chooses by typing
            anna.keyboard.press("Tab")
            anna.keyboard.type("Balie")
            tab_to(anna, "#conduct-email")
            anna.keyboard.type("piet@example.nl")
            anna.keyboard.press("Tab")
            anna.keyboard.type("Had dienst aan de balie")
            tab_to(anna, "#conduct button[type=submit]")
            with anna.expect_navigation():
                anna.keyboard.press("Enter")
            assert "De betrokkene is vastgelegd." in said(anna), said(anna)
            assert "Piet Mulder (Balie)" in anna.locator("#conduct-subjects").inner_text()
            assert "Let op" in anna.locator("#warnings").inner_text()  # the same unit

            # The invitation to a hearing, tomorrow at the town hall.
            tomorrow = today() + timedelta(days=1)
            anna.click("#procedure details:has(#invite) summary")
            anna.fill("#invite-at", tomorrow.isoformat())
            anna.fill("#invite-at_time", "10:30")
            anna.check("#invite-mode-in_person")
            anna.fill("#invite-place", PLACE)
            anna.click("#invite button[type=submit]")
            assert "De uitnodiging voor het hoorgesprek is vastgelegd" in said(anna), said(anna)
            state = anna.locator("#hearing-state").inner_text()
            assert f"{tomorrow.day} {words.MONTHS['nl'][tomorrow.month - 1]}" in state
            assert "10:30" in state
            accessible(anna, "invited-nl", problems)
            anna.goto(f"{base}/workspace/complaints/{cid}?lang=en")
            assert "Invited for" in anna.locator("#hearing-state").inner_text()
            accessible(anna, "invited-en", problems)

            # The invitation letter, with the day, the time and the place.
            def invitation() -> str:
                found = [
                    t for k, t in letters_to(desk["maildir"], cid) if k == "hearing_invitation"
                ]
                return found[0] if found else ""

            letter = wait_until_sync(invitation, 60, 0.5, "the invitation letter")
            assert words.long_date(tomorrow, "nl") in letter and "10:30" in letter, letter
            assert PLACE in letter

            # The hearing was held: its report (Awb 9:10 lid 3).
            anna.goto(f"{base}/workspace/complaints/{cid}?lang=nl")
            anna.click("#procedure details:has(#heard) summary")
            anna.fill("#heard-held_at", today().isoformat())
            anna.fill("#heard-held_at_time", "00:01")
            anna.check("#heard-mode-in_person")
            anna.fill(
                "#heard-report", "De klager lichtte toe dat de balie zonder bericht dicht was."
            )
            anna.click("#heard button[type=submit]")
            assert "Het verslag van het hoorgesprek is vastgelegd." in said(anna), said(anna)
            assert (
                "De klager is op dit niveau gehoord." in anna.locator("#hearing-state").inner_text()
            )
            assert anna.locator("#respond-hearing").count() == 0  # answering is allowed now

            anna.fill("#respond-text", "De balie was door ziekte dicht; wij melden dat voortaan.")
            anna.select_option("#respond-resolution", "well_founded")
            anna.click("#respond button[type=submit]")
            assert "Uw reactie is vastgelegd" in said(anna), said(anna)
            assert anna.locator("#status").inner_text() == "Beantwoord"
            timeline = anna.locator("#timeline").inner_text()
            assert "Anna de Boer" in timeline
            accessible(anna, "answered-nl", problems)
        finally:
            browser.close()
    assert {k: v for k, v in problems.items() if v} == {}


def test_the_wkkgz_and_consent_forms_for_the_roles_that_may(desk: dict[str, Any]) -> None:
    sync_api = browser_or_skip()
    base = desk["base"]
    care, _ = submit(desk, category="zorg", subject="Medicatie te laat")
    plain, _ = submit(desk, subject="Vergunning geweigerd")
    first = {"weeks": 2, "reason": "Advies van de afdeling nodig."}
    extended = httpx.post(f"{desk['intake']}/api/complaints/{plain}/extensions", json=first,
                          headers={"Authorization": f"Bearer {SAM}"}, timeout=20)  # fmt: skip
    assert extended.status_code in (200, 201), extended.text
    problems: dict[str, Any] = {}
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            # The supervisor records measures; mediation is the klachtenfunctionaris's.
            sam = sign_in(browser, base, SAM)
            sam.goto(f"{base}/workspace/complaints/{care}?lang=nl")
            assert "Zorgklacht" in sam.locator("#procedure").inner_text()
            assert sam.locator("#mediate").count() == 0 and sam.locator("#measures").count() == 1
            sam.click("#procedure details:has(#measures) summary")
            due = (today() + timedelta(days=60)).isoformat()
            sam.fill("#measures-measure_1_description", "Dubbele controle bij de medicijnronde")
            sam.fill("#measures-measure_1_due", due)
            sam.fill("#measures-measure_2_description", "Wordt weggelaten")
            sam.click("#measures-more")  # no script: the page again, one row more
            assert sam.locator("#measures-measure_3_description").count() == 1
            assert (
                sam.locator("#measures-measure_2_description").input_value() == "Wordt weggelaten"
            )
            sam.check("#measures-measure_2_remove")
            sam.click("#measures-drop")
            assert sam.locator("#measures-measure_3_description").count() == 0
            sam.fill("#measures-measure_2_description", "Overdracht op papier")
            accessible(sam, "measures-nl", problems)
            sam.click("#measures button.primary")
            assert "Vul bij maatregel 2 ook de datum in." in said(sam)  # refused in words
            sam.fill("#measures-measure_2_due", due)
            sam.click("#measures button.primary")
            assert "De maatregelen zijn vastgelegd." in said(sam), said(sam)
            recorded = sam.locator("#measures-recorded").inner_text()
            assert "Dubbele controle" in recorded and "Overdracht op papier" in recorded
            sam.goto(f"{base}/workspace/complaints/{care}?lang=en")
            sam.click("#procedure details:has(#measures) summary")
            accessible(sam, "measures-en", problems)

            # A further extension with the complainant's written consent.
            sam.goto(f"{base}/workspace/complaints/{plain}?lang=nl")
            sam.click("details:has(#extend_consent) summary")
            sam.fill("#extend_consent-consent_on", today().isoformat())
            sam.select_option("#extend_consent-consent_how", "letter")
            sam.fill("#extend_consent-weeks", "3")
            sam.fill("#extend_consent-reason", "Het advies van de afdeling duurt langer.")
            accessible(sam, "consent-nl", problems)
            sam.click("#extend_consent button[type=submit]")
            assert "met toestemming van de klager verlengd" in said(sam), said(sam)
            listed = sam.locator("#extensions").inner_text()
            assert "met schriftelijke toestemming van de klager" in listed
            sam.goto(f"{base}/workspace/complaints/{plain}?lang=en")
            sam.click("details:has(#extend_consent) summary")
            accessible(sam, "consent-en", problems)

            # The klachtenfunctionaris records a mediation.
            kim = sign_in(browser, base, KIM)
            kim.goto(f"{base}/workspace/complaints/{care}?lang=nl")
            kim.click("#procedure details:has(#mediate) summary")
            kim.check("#mediate-kind-mediation")
            kim.fill("#mediate-held_at", today().isoformat())
            kim.fill("#mediate-held_at_time", "00:01")
            kim.fill("#mediate-text", "Gesprek met de teamleider en de klager.")
            kim.check("#mediate-agreed-yes")
            accessible(kim, "mediate-nl", problems)
            kim.click("#mediate button[type=submit]")
            assert "De hulp of bemiddeling is vastgelegd." in said(kim), said(kim)
            assert "met overeenstemming" in kim.locator("#mediations").inner_text()
            assert kim.locator("#measures").count() == 0  # the judgement is not hers
            kim.goto(f"{base}/workspace/complaints/{care}?lang=en")
            kim.click("#procedure details:has(#mediate) summary")
            accessible(kim, "mediate-en", problems)
        finally:
            browser.close()
    assert {k: v for k, v in problems.items() if v} == {}
