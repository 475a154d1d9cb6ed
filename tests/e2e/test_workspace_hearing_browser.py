"""The hearing in the workspace, in a real browser (Debian's Chromium) against intake, the
notifier with its mail sink and reporting on a real nats-server (issues 16/17): a handler takes
a complaint from her team's queue, records whom it is about by keyboard alone, invites the
complainant to a hearing (the invitation letter arrives with its day, time and place), records
the hearing's report and answers. The Wkkgz forms (mediation, measures with rows added and
left out without script) and the extension with the complainant's consent are shown to the
roles that may use them. axe-core finds no violation on these pages, in Dutch and English, at
1280 and 390 px."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from shared.config.policy import local_zone
from shared.runtime import words
from tests.support.browser import chromium
from tests.support.polling import wait_until_sync
from tests.support.workspace import letters_to
from tests.support.workspace_stack import ANNA, KIM, SAM, Stack, accessible, said, signed_in, tab_to

PLACE = "Stadhuis, Markt 1, kamer 2.14"


def today() -> date:
    return datetime.now(local_zone()).date()


def test_a_handler_takes_invites_hears_and_answers(workspace: Stack) -> None:
    base = workspace.base
    cid, reference = workspace.submit()
    queue = {"team": "balie"}  # the coordinator puts it in the front desk's queue
    assigned = workspace.staff_post(SAM, f"{cid}/assignment", queue)
    assert assigned.status_code in (200, 201), assigned.text
    problems: dict[str, Any] = {}
    with chromium() as browser:
        anna = signed_in(browser, workspace, ANNA)

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
            found = [t for k, t in letters_to(workspace.maildir, cid) if k == "hearing_invitation"]
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
        anna.fill("#heard-report", "De klager lichtte toe dat de balie zonder bericht dicht was.")
        anna.click("#heard button[type=submit]")
        assert "Het verslag van het hoorgesprek is vastgelegd." in said(anna), said(anna)
        assert "De klager is op dit niveau gehoord." in anna.locator("#hearing-state").inner_text()
        assert anna.locator("#respond-hearing").count() == 0  # answering is allowed now

        anna.fill("#respond-text", "De balie was door ziekte dicht; wij melden dat voortaan.")
        anna.select_option("#respond-resolution", "well_founded")
        anna.click("#respond button[type=submit]")
        assert "Uw reactie is vastgelegd" in said(anna), said(anna)
        assert anna.locator("#status").inner_text() == "Beantwoord"
        timeline = anna.locator("#timeline").inner_text()
        assert "Anna de Boer" in timeline
        accessible(anna, "answered-nl", problems)
    assert {k: v for k, v in problems.items() if v} == {}


def test_the_wkkgz_and_consent_forms_for_the_roles_that_may(workspace: Stack) -> None:
    base = workspace.base
    care, _ = workspace.submit(category="zorg", subject="Medicatie te laat")
    plain, _ = workspace.submit(subject="Vergunning geweigerd")
    first = {"weeks": 2, "reason": "Advies van de afdeling nodig."}
    extended = workspace.staff_post(SAM, f"{plain}/extensions", first)
    assert extended.status_code in (200, 201), extended.text
    problems: dict[str, Any] = {}
    with chromium() as browser:
        # The supervisor records measures; mediation is the klachtenfunctionaris's.
        sam = signed_in(browser, workspace, SAM)
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
        assert sam.locator("#measures-measure_2_description").input_value() == "Wordt weggelaten"
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
        kim = signed_in(browser, workspace, KIM)
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
    assert {k: v for k, v in problems.items() if v} == {}
