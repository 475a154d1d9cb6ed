"""The procedure's steps in the workspace, in a real browser (Debian's Chromium) against intake
and reporting on a real nats-server: a coordinator puts a complaint in a team's queue, a
handler of that team finds it in "Wachtrij van mijn team", takes it, is refused an answer
before the hearing (Awb 9:10, in Dutch), records that the complainant waived it, answers and
closes the complaint; the same case page in English says every status, channel, ground and
role in words. axe-core finds no violation on the list and the case page, in both languages,
at 1280 and 390 px."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from klachten.stack.natsserver import EmbeddedNats
from services.intake.server import BackgroundIntake
from services.intake.settings import IntakeSettings
from shared.config.policy import DEFAULT_POLICY_FILE
from shared.runtime import words
from tests.support.browser import chromium
from tests.support.polling import wait_until_sync
from tests.support.ports import free_port
from tests.support.workspace import reporting_process

AXE_DIR = Path(__file__).parent / "axe"
SHOTS = Path(os.environ.get("KLACHTEN_TEST_ARTIFACTS", tempfile.gettempdir())) / "workspace"
AXE_JS = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
ANNA = "anna-handler-token-0123456789"
SAM = "sam-coordinator-token-0123456789"
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
"""
COMMITTEE = """
[committee]
name = "de Commissie klachtadvisering"
name_en = "the Complaints Advisory Committee"
categories = ["bejegening"]
"""
CODES = ("partly_well_founded", "complainant_waived", "staff:", "in_person", "acknowledged",
         "publiekszaken", "channel: web", "hearing_waived")  # fmt: skip


def _axe() -> Path:
    if not AXE_JS.exists():
        npm = shutil.which("npm")
        if not npm:
            pytest.skip("npm is needed to install axe-core (tests/e2e/axe/package.json)")
        command = [npm, "ci", "--no-audit", "--no-fund"]
        subprocess.run(command, cwd=AXE_DIR, check=True, timeout=180, capture_output=True)
    return AXE_JS


def _violations(page: Any, name: str = "") -> list[Any]:
    """axe-core's violations of every impact; the page is screenshotted into
    $KLACHTEN_TEST_ARTIFACTS/workspace/ (default: the temporary folder's, never the checkout)."""
    if name:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    page.evaluate(_axe().read_text(encoding="utf-8"))
    return page.evaluate(  # type: ignore[no-any-return]
        """async () => (await axe.run(document)).violations
            .map(v => ({id: v.id, impact: v.impact,
                        nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))"""
    )


@pytest.fixture
def desk(
    provisioned_nats: EmbeddedNats,
    tmp_path: Path,
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[dict[str, str]]:
    organisation = tmp_path / "organisation.toml"
    organisation.write_text(ORGANISATION, "utf-8")
    # The shipped policy with an advisory committee for complaints about treatment.
    policy = tmp_path / "policy.toml"
    policy.write_text(DEFAULT_POLICY_FILE.read_text("utf-8") + COMMITTEE, "utf-8")
    monkeypatch.setenv("KLACHTEN_POLICY_FILE", str(policy))
    tokens = f"anna:{ANNA}:handler;sam:{SAM}:supervisor"
    settings = IntakeSettings(
        nats_url=provisioned_nats.url,
        data_dir=data_dir,
        intake_port=free_port(),
        smtp_port=free_port(),
        staff_tokens=tokens,
        organisation_file=str(organisation),
        intake_rate_limit=10_000,
    )
    intake = BackgroundIntake(settings).start()
    try:
        env = {
            "KLACHTEN_INTAKE_URL": intake.url,
            "KLACHTEN_STAFF_TOKENS": tokens,
            "KLACHTEN_ORGANISATION_FILE": str(organisation),
        }
        with reporting_process(provisioned_nats.url, tmp_path, "", **env) as base:
            body = {
                "channel": "web",
                "complainant": {"name": "Jan de Vries", "email": "jan@example.nl"},
                "subject": "Balie zonder uitleg dicht",
                "description": "Ik stond om tien uur voor een dichte balie.",
            }
            answer = httpx.post(f"{intake.url}/api/complaints", json=body, timeout=20)
            assert answer.status_code == 201, answer.text
            cid = answer.json()["complaint_id"]
            staff = {"Authorization": f"Bearer {SAM}"}
            wait_until_sync(
                lambda: httpx.get(f"{base}/api/complaints/{cid}", headers=staff).status_code == 200,
                timeout=60,
                interval=0.2,
                message="reporting caught up",
            )
            yield {
                "base": base,
                "cid": cid,
                "reference": answer.json()["reference"],
                "intake": intake.url,
            }
    finally:
        intake.stop()


def _sign_in(browser: Any, base: str, token: str, width: int = 1280) -> Any:
    page = browser.new_context(locale="nl-NL", viewport={"width": width, "height": 900}).new_page()
    page.goto(f"{base}/workspace")
    page.fill("#token", token)
    page.click("button[type=submit]")
    page.wait_for_selector("#who")
    return page


def _tab_to(page: Any, selector: str, limit: int = 80) -> None:
    """Press Tab until the element has focus: it is reachable by keyboard alone."""
    for _ in range(limit):
        if page.evaluate(f"document.activeElement === document.querySelector('{selector}')"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} is not reachable with Tab")


def _until_listed(page: Any, url: str, reference: str) -> None:
    def listed() -> bool:
        page.goto(url)
        return page.locator(f"tr[data-reference='{reference}']").count() == 1

    wait_until_sync(listed, timeout=60, interval=0.5, message=f"{reference} listed at {url}")


def test_a_handler_takes_waives_the_hearing_answers_and_closes_in_dutch(
    desk: dict[str, str],
) -> None:
    base, cid, reference = desk["base"], desk["cid"], desk["reference"]
    case = f"{base}/workspace/complaints/{cid}"
    problems: dict[str, Any] = {}
    with chromium() as browser:
        # The coordinator puts it in the front desk's queue, from the unassigned list.
        sam = _sign_in(browser, base, SAM)
        _until_listed(sam, f"{base}/workspace?view=unassigned", reference)
        sam.click(f"tr[data-reference='{reference}'] a")
        sam.click("#procedure summary:has-text('Toewijzen')")
        sam.select_option("#assign-team", "balie")
        sam.click("#assign button[type=submit]")
        assert "De klacht is toegewezen." in sam.locator("#done").inner_text()
        assert "wachtrij van Balie" in sam.locator("#owner").inner_text()

        # The handler finds it in the team's queue and takes it.
        anna = _sign_in(browser, base, ANNA)
        assert anna.locator("#who").inner_text() == "Anna de Boer"
        _until_listed(anna, f"{base}/workspace?view=team", reference)
        row = anna.locator(f"tr[data-reference='{reference}']")
        assert "Balie zonder uitleg dicht" in row.inner_text()  # the subject, from intake
        assert "Jan de Vries" in row.inner_text()  # a handler may see the name
        assert "het webformulier" in row.inner_text()
        for width in (1280, 390):
            anna.set_viewport_size({"width": width, "height": 900})
            problems[f"team-list-nl-{width}"] = _violations(anna, f"team-list-nl-{width}")
            assert anna.evaluate("document.documentElement.scrollWidth") <= width
        anna.set_viewport_size({"width": 1280, "height": 900})
        row.locator("a").click()
        _tab_to(anna, "#take button[type=submit]")  # by keyboard alone
        anna.keyboard.press("Enter")
        assert "U hebt de klacht opgepakt." in anna.locator("#done").inner_text()
        assert anna.locator("#owner").inner_text() == "Anna de Boer"

        # A template's gaps (…) are never sent; it has no second salutation.
        anna.click("#respond a:has-text('Gedeeltelijk gegrond')")
        draft = anna.locator("#respond-text").input_value()
        assert "…" in draft and "Geachte" not in draft
        anna.select_option("#respond-resolution", "partly_well_founded")
        anna.click("#respond button[type=submit]")
        assert "Er staat nog …" in anna.locator("#error-summary").inner_text()
        assert anna.locator("#respond-text").input_value() == draft  # kept as typed

        # A typed text survives leaving the page (after a warning) and coming back.
        dialogs: list[str] = []
        anna.on("dialog", lambda d: (dialogs.append(d.type), d.accept()))
        anna.fill("#close-note", "Klager belde nog: graag per post.")
        anna.locator("#close-note").press("End")  # typed: a user's gesture
        anna.goto(f"{base}/workspace?lang=nl")
        anna.goto(case)
        assert dialogs == ["beforeunload"]
        assert anna.locator("#close-note").input_value() == "Klager belde nog: graag per post."
        assert "teruggezet" in anna.locator("#close .draft-restored").inner_text()
        anna.fill("#close-note", "")
        anna.locator("#close-note").dispatch_event("input")

        # No answer before the hearing: refused in Dutch, naming the article.
        assert "Awb 9:10" in anna.locator("#respond-hearing").inner_text()
        anna.fill("#respond-text", "Geachte heer De Vries, de balie was onverwacht dicht.")
        anna.select_option("#respond-resolution", "partly_well_founded")
        anna.click("#respond button[type=submit]")
        refusal = anna.locator("#message").inner_text()
        assert refusal.startswith("Dit kan nu niet:") and "9:10" in refusal, refusal
        # The typed answer is kept on the refusal.
        assert "onverwacht dicht" in anna.locator("#respond-text").input_value()

        # The complainant did not wish to be heard: chosen by its words.
        anna.click("#procedure summary:has-text('Afzien van horen')")
        anna.get_by_label("De klager wil niet gehoord worden").check()
        anna.click("#waive button[type=submit]")
        assert "afgezien" in anna.locator("#done").inner_text()
        state = anna.locator("#hearing-state").inner_text()
        assert "De klager wil niet gehoord worden" in state

        anna.fill("#respond-text", "Geachte heer De Vries, de balie was onverwacht dicht.")
        anna.select_option("#respond-resolution", "partly_well_founded")
        anna.click("#respond button[type=submit]")
        assert "Uw reactie is vastgelegd" in anna.locator("#done").inner_text()
        assert anna.locator("#status").inner_text() == "Beantwoord"
        anna.check("#close-resolved")
        anna.click("#close button[type=submit]")
        assert "De klacht is afgesloten." in anna.locator("#done").inner_text()
        timeline = anna.locator("#timeline").inner_text()
        assert "afgezien van horen" in timeline and "Gedeeltelijk gegrond" in timeline
        assert "Anna de Boer" in timeline and "Sam Jansen" in timeline
        for width in (1280, 390):
            anna.set_viewport_size({"width": width, "height": 900})
            problems[f"case-nl-{width}"] = _violations(anna, f"case-nl-{width}")
            assert anna.evaluate("document.documentElement.scrollWidth") <= width

        # The same case page in English: words, never codes.
        anna.goto(f"{case}?lang=en")
        main = anna.locator("main").inner_text()
        assert anna.locator("#status").inner_text() == "Closed"
        assert anna.locator("#channel").inner_text() == "the web form"
        assert anna.locator("#language").inner_text() == "Dutch"
        assert "The hearing at this level was waived" in main
        assert "Public services" in main
        for code in CODES:
            assert code not in main, code
        assert not re.search(r"\d{4}-\d{2}-\d{2}", main)  # dates in words, not ISO
        for width in (1280, 390):
            anna.set_viewport_size({"width": width, "height": 900})
            problems[f"case-en-{width}"] = _violations(anna, f"case-en-{width}")
            anna.goto(f"{base}/workspace?lang=en&view=mine")
            problems[f"mine-en-{width}"] = _violations(anna, f"mine-en-{width}")
            anna.goto(f"{case}?lang=en")
        # A phone call from yesterday, registered with its time of receipt.
        anna.set_viewport_size({"width": 1280, "height": 900})
        anna.goto(f"{base}/workspace?lang=nl")
        anna.click("#register-link")
        yesterday = anna.evaluate(
            "new Date(Date.now() - 86400000).toLocaleDateString('sv-SE', "
            "{timeZone: 'Europe/Amsterdam'})"
        )
        anna.fill("#register-received_at", yesterday)
        anna.fill("#register-received_at_time", "09:30")
        anna.fill("#register-name", "Piet Bakker")
        anna.fill("#register-email", "piet@example.nl")
        anna.fill("#register-subject", "Telefonisch: container niet geleegd")
        anna.fill("#register-description", "De container in de Dorpsstraat is overgeslagen.")
        for width in (1280, 390):
            anna.set_viewport_size({"width": width, "height": 900})
            problems[f"register-nl-{width}"] = _violations(anna, f"register-nl-{width}")
        anna.click("#register button[type=submit]")
        assert "De klacht is geregistreerd." in anna.locator("#done").inner_text()
        assert anna.locator("#channel").inner_text() == "telefoon"
        y, m, d = (int(x) for x in yesterday.split("-"))
        received = f"{d} {words.MONTHS['nl'][m - 1]} {y}, 09:30"  # the receipt, not now
        assert anna.locator("#received").inner_text() == received

        for width in (1280, 390):
            anna.set_viewport_size({"width": width, "height": 900})
            anna.goto(f"{base}/workspace/register?lang=en")
            assert anna.locator("label[for=register-address]").inner_text() == "Postal address"
            problems[f"register-en-{width}"] = _violations(anna, f"register-en-{width}")
            assert anna.evaluate("document.documentElement.scrollWidth") <= width

        # The dashboard sits in the workspace's chrome (back to the lists) and fits a phone.
        for lang in ("nl", "en"):
            for width in (1280, 390):
                anna.set_viewport_size({"width": width, "height": 900})
                anna.goto(f"{base}/dashboard?lang={lang}")
                problems[f"dashboard-{lang}-{width}"] = _violations(
                    anna, f"dashboard-{lang}-{width}"
                )
                assert anna.evaluate("document.documentElement.scrollWidth") <= width
        anna.click("header a[href^='/workspace']")
        anna.wait_for_selector("#who")
    assert {k: v for k, v in problems.items() if v} == {}


def test_a_complaint_for_the_committee_is_referred_heard_advised_and_answered(
    desk: dict[str, str],
) -> None:
    base = desk["base"]
    body = {
        "channel": "web",
        "category": "bejegening",
        "complainant": {"name": "Els Visser", "email": "els@example.nl"},
        "subject": "Onvriendelijk te woord gestaan",
        "description": "De medewerker aan de telefoon was kortaf.",
    }
    answer = httpx.post(f"{desk['intake']}/api/complaints", json=body, timeout=20)
    assert answer.status_code == 201, answer.text
    case = f"{base}/workspace/complaints/{answer.json()['complaint_id']}"
    with chromium() as browser:
        sam = _sign_in(browser, base, SAM)
        sam.goto(case)
        assert "Commissie klachtadvisering" in sam.locator("#committee-state").inner_text()
        _tab_to(sam, "#procedure details:has(#refer) summary")  # by keyboard alone
        sam.keyboard.press("Enter")
        _tab_to(sam, "#refer button[type=submit]")
        sam.keyboard.press("Enter")
        assert "voorgelegd" in sam.locator("#done").inner_text()
        assert "wettelijke termijn loopt tot" in sam.locator("#committee-state").inner_text()
        # Advice before the committee heard the complainant: refused in words (Awb 9:15).
        sam.click("#procedure summary:has-text('Advies van de commissie')")
        sam.select_option("#advice-advice", "unfounded")
        today = sam.evaluate(
            "new Date().toLocaleDateString('sv-SE', {timeZone: 'Europe/Amsterdam'})"
        )
        sam.fill("#advice-advised_at", today)
        sam.fill("#advice-advised_at_time", "00:01")
        sam.fill("#advice-text", "De commissie acht de klacht ongegrond.")
        sam.click("#advice button[type=submit]")
        assert "Awb 9:15" in sam.locator("#message").inner_text()
        sam.click("#procedure summary:has-text('Hoorzitting van de commissie')")
        sam.fill("#committee_heard-held_at", today)
        sam.fill("#committee_heard-held_at_time", "00:01")
        sam.check("#committee_heard-mode-video")
        sam.fill("#committee_heard-report", "De klager lichtte haar klacht toe.")
        sam.click("#committee_heard button[type=submit]")
        assert "hoorzitting is vastgelegd" in sam.locator("#done").inner_text()
        assert (
            "De commissie heeft de klager gehoord" in sam.locator("#committee-state").inner_text()
        )
        sam.click("#procedure summary:has-text('Advies van de commissie')")
        sam.select_option("#advice-advice", "unfounded")
        today = sam.evaluate(
            "new Date().toLocaleDateString('sv-SE', {timeZone: 'Europe/Amsterdam'})"
        )
        sam.fill("#advice-advised_at", today)
        sam.fill("#advice-advised_at_time", "00:01")
        sam.fill("#advice-text", "De commissie acht de klacht ongegrond.")
        sam.click("#advice button[type=submit]")
        said = sam.locator("#done, #message, #error-summary").first.inner_text()
        assert "advies van de commissie is vastgelegd" in said, said
        assert "Ongegrond" in sam.locator("#committee-state").inner_text()
        # The answer says whether it departs from the advice (Awb 9:16).
        assert sam.locator("#respond-departs_from_advice").count() == 1
        sam.fill("#respond-text", "Wij volgen het advies van de commissie.")
        sam.select_option("#respond-resolution", "unfounded")
        sam.check("#respond-departs-no")
        sam.click("#respond button[type=submit]")
        said = sam.locator("#done, #message, #error-summary").first.inner_text()
        assert "Uw reactie is vastgelegd" in said, said
        timeline = sam.locator("#timeline").inner_text()
        assert "Sam Jansen" in timeline and "referred_to_committee" not in timeline
