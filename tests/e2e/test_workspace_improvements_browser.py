"""Learning from complaints in the workspace, in a real browser (Debian's Chromium) against
intake and reporting on a real nats-server (issue 18): a handler classifies a complaint,
records a remedy, opens an improvement action on it and links a second complaint to it from
that complaint's page; the management page lists the action with both complaints, by due date,
and counts the complaints per theme and month; a refusal comes back in words on its field.
axe-core finds no violation on the case page and the management page, in Dutch and English, at
1280 and 390 px."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from klachten.stack.natsserver import EmbeddedNats
from services.intake.server import BackgroundIntake
from services.intake.settings import IntakeSettings
from tests.support.axe import violations
from tests.support.polling import wait_until_sync
from tests.support.ports import free_port
from tests.support.workspace import reporting_process

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
TOKEN = "improvements-browser-token-0123456789"
STAFF = {"Authorization": f"Bearer {TOKEN}"}
TITLE = "Standaardbrief over de parkeervergunning herschrijven"
DUE = (datetime.now(UTC) + timedelta(days=45)).date().isoformat()


def _complaint(intake: str, subject: str) -> str:
    body = {
        "channel": "web",
        "complainant": {"name": "Els de Boer", "email": "els@example.nl", "language": "nl"},
        "subject": subject,
        "description": "De brief over mijn parkeervergunning was niet te begrijpen.",
    }
    made = httpx.post(f"{intake}/api/complaints", json=body, headers=STAFF, timeout=20)
    assert made.status_code == 201, made.text
    return str(made.json()["complaint_id"])


@pytest.fixture
def desk(
    provisioned_nats: EmbeddedNats, tmp_path: Path, data_dir: Path
) -> Iterator[dict[str, str]]:
    settings = IntakeSettings(
        nats_url=provisioned_nats.url,
        data_dir=data_dir,
        intake_port=free_port(),
        smtp_port=free_port(),
        staff_token=TOKEN,
        intake_rate_limit=10_000,
    )
    intake = BackgroundIntake(settings).start()
    try:
        first = _complaint(intake.url, "Onbegrijpelijke brief")
        second = _complaint(intake.url, "Weer die brief")
        with reporting_process(
            provisioned_nats.url, tmp_path, TOKEN, KLACHTEN_INTAKE_URL=intake.url
        ) as base:
            wait_until_sync(lambda: _answers(f"{base}/health/live"), 60, 0.2, "reporting")
            yield {"base": base, "first": first, "second": second, "intake": intake.url}
    finally:
        intake.stop()


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _accessible(page: Any, name: str, problems: dict[str, Any]) -> None:
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        problems[f"{name}-{width}"] = violations(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, width)
    page.set_viewport_size({"width": 1280, "height": 900})


def _shows(page: Any, url: str, selector: str) -> bool:
    """Reload until reporting's projection has caught up and `selector` is on the page."""
    page.goto(url)
    return page.locator(selector).count() > 0


def test_a_handler_classifies_remedies_and_opens_an_action_two_complaints_join(
    desk: dict[str, str],
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    base, first, second = desk["base"], desk["first"], desk["second"]
    problems: dict[str, Any] = {}
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            page = browser.new_context(locale="nl-NL").new_page()
            page.set_viewport_size({"width": 1280, "height": 900})
            page.goto(f"{base}/workspace")
            page.fill("#token", TOKEN)
            page.click("button[type=submit]")
            page.wait_for_selector("#who")
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
            _accessible(page, "case-nl", problems)

            # the second complaint joins it from its own page
            other = f"{base}/workspace/complaints/{second}?lang=en"
            wait_until_sync(lambda: _shows(page, other, "#improvement_link"), 30, 0.3, "joinable")
            page.locator("#improvement_link button[type=submit]").click()
            page.wait_for_selector("#done")
            assert "linked to the improvement action" in page.locator("#done").inner_text()
            wait_until_sync(lambda: _shows(page, other, "#part-of li"), 30, 0.3, "linked")
            assert "opened on" in page.locator("#part-of").inner_text()
            _accessible(page, "case-en", problems)

            # the management page: the action, both complaints, the themes per month
            page.goto(f"{base}/workspace/improvements?lang=nl")
            row = page.locator("#improvements tr[data-action]")
            assert row.count() == 1 and TITLE in row.inner_text()
            assert row.locator("a").count() == 2  # both complaints, one click away
            assert "open" in row.inner_text()
            informatie = page.locator("#per-theme tr[data-theme=informatie] td").last
            assert informatie.inner_text() == "1"
            _accessible(page, "register-nl", problems)
            page.select_option("#filter-status", "done")
            page.locator("#filters button[type=submit]").click()
            page.wait_for_selector("#improvements-none")
            page.goto(f"{base}/workspace/improvements?lang=en&theme=informatie")
            assert "Improvement actions" in page.locator("h1").inner_text()
            assert page.locator("#improvements tr[data-action]").count() == 1
            _accessible(page, "register-en", problems)
        finally:
            browser.close()
    assert problems == {name: [] for name in problems}, problems
