"""Search by name in the workspace, in a real browser (Debian's Chromium) against intake and
reporting on a real nats-server with the real key store (issue 17 item 1): a handler registers
a phone complaint and finds it in the worklist by the caller's name and e-mail address (intake's
index, inside the sealed boundary); a reader searching the same name is told it searches by
reference only, and why; after ``klachten privacy erase`` the name finds nothing, and the index
file's bytes (its -journal and -wal included) hold neither the name nor the e-mail address.
axe-core finds no violation on the list with results, in Dutch and English, at 1280 and 390 px."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from klachten.stack.natsserver import EmbeddedNats
from services.intake.searchapi import index_path
from services.intake.server import BackgroundIntake
from services.intake.settings import IntakeSettings
from tests.support.axe import violations
from tests.support.polling import wait_until_sync
from tests.support.ports import free_port
from tests.support.workspace import reporting_process

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
TOKEN = "search-browser-all-roles-0123456789"  # the stack's all-roles token: the erasure CLI
ANNA = "anna-search-handler-0123456789"
RITA = "rita-search-reader-0123456789"
TOKENS = f"anna:{ANNA}:handler;rita:{RITA}:reader"
NAME, EMAIL = "Wubbo Terpstra-Ykema", "wubbo.ykema@example.nl"


@pytest.fixture
def desk(
    provisioned_nats: EmbeddedNats, tmp_path: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[dict[str, Any]]:
    # intake forgets a destroyed key within this (30 s by default; shared/privacy/keystore.py)
    monkeypatch.setenv("KLACHTEN_KEY_CACHE_SECONDS", "1")
    settings = IntakeSettings(
        nats_url=provisioned_nats.url,
        data_dir=data_dir,
        intake_port=free_port(),
        smtp_port=free_port(),
        staff_token=TOKEN,
        staff_tokens=TOKENS,
        intake_rate_limit=10_000,
    )
    intake = BackgroundIntake(settings).start()
    try:
        other = {
            "channel": "web",
            "complainant": {"name": "Jan de Vries", "email": "jan@example.nl"},
            "subject": "Lange wachttijd",
            "description": "Drie uur gewacht aan de balie.",
        }
        assert httpx.post(f"{intake.url}/api/complaints", json=other, timeout=20).is_success
        with reporting_process(
            provisioned_nats.url,
            tmp_path,
            TOKEN,
            KLACHTEN_INTAKE_URL=intake.url,
            KLACHTEN_STAFF_TOKENS=TOKENS,
        ) as base:
            wait_until_sync(lambda: _answers(f"{base}/health/live"), 60, 0.2, "reporting")
            yield {"base": base, "settings": settings, "nats": provisioned_nats.url}
    finally:
        intake.stop()


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _sign_in(page: Any, base: str, token: str) -> None:
    page.goto(f"{base}/workspace")
    page.fill("#token", token)
    page.click("button[type=submit]")
    page.wait_for_selector("#who")


def _search(page: Any, base: str, text: str, lang: str = "nl") -> list[str]:
    """Type `text` in the search box and press Enter, as a keyboard user; the references."""
    page.goto(f"{base}/workspace?lang={lang}")
    page.focus("#q")
    page.keyboard.type(text)
    page.keyboard.press("Enter")
    page.wait_for_selector("#who")
    return page.eval_on_selector_all(
        "#worklist tbody tr", "rows => rows.map(r => r.dataset.reference)"
    )


def _index_bytes(settings: IntakeSettings) -> bytes:
    path = index_path(settings)
    assert path is not None
    return b"".join(
        Path(f"{path}{s}").read_bytes()
        for s in ("", "-journal", "-wal")
        if Path(f"{path}{s}").exists()
    ).lower()


def test_a_handler_finds_a_caller_by_name_until_the_caller_is_erased(desk: dict[str, Any]) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    base, settings = desk["base"], desk["settings"]
    problems: dict[str, Any] = {}
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            anna = browser.new_context(locale="nl-NL").new_page()
            anna.set_viewport_size({"width": 1280, "height": 900})
            _sign_in(anna, base, ANNA)
            anna.click("#register-link")
            anna.fill("#register-received_at", "2026-12-01")
            anna.fill("#register-received_at_time", "10:15")
            anna.fill("#register-name", NAME)
            anna.fill("#register-email", EMAIL)
            anna.fill("#register-subject", "Telefonisch: parkeervergunning kwijt")
            anna.fill("#register-description", "Mijn parkeervergunning is niet aangekomen.")
            anna.click("#register button[type=submit]")
            anna.wait_for_selector("#done")
            reference = anna.locator("#reference").inner_text().strip()

            # the read model has it once reporting has read the log
            wait_until_sync(lambda: _search(anna, base, "terpstra") == [reference], 30, 0.5)
            assert _search(anna, base, EMAIL) == [reference]
            assert _search(anna, base, "wubbo ykema") == [reference]
            assert NAME in anna.locator("#worklist").inner_text()  # the name, for this role
            assert _search(anna, base, "vries") != [reference]
            for lang in ("nl", "en"):
                for width in (1280, 390):
                    anna.set_viewport_size({"width": width, "height": 900})
                    assert _search(anna, base, "terpstra", lang) == [reference]
                    problems[f"found-{lang}-{width}"] = violations(anna)
                    assert anna.evaluate("document.documentElement.scrollWidth") <= width
            anna.set_viewport_size({"width": 1280, "height": 900})

            rita = browser.new_context(locale="nl-NL").new_page()
            _sign_in(rita, base, RITA)
            assert _search(rita, base, "terpstra") == []
            assert "Alleen op kenmerk gezocht" in rita.locator("#search-note").inner_text()
            assert _search(rita, base, reference[-6:]) == [reference]  # the reference: anyone
            problems["reader-nl"] = violations(rita)

            assert b"terpstra" in _index_bytes(settings)
            env = {
                **os.environ,
                "KLACHTEN_NATS_URL": desk["nats"],
                "KLACHTEN_DATA_DIR": str(settings.data_dir),
                "KLACHTEN_STAFF_TOKEN": TOKEN,
            }
            erase = [
                str(Path(sys.executable).parent / "klachten"),
                "privacy",
                "erase",
                EMAIL,
                "--yes",
            ]
            done = subprocess.run(erase, env=env, capture_output=True, text=True, timeout=120)
            assert done.returncode == 0, done.stdout + done.stderr

            # intake's follower is woken by the erased fact: no search needed to clear the file
            def forgotten() -> bool:
                on_disk = _index_bytes(settings)
                return not any(w in on_disk for w in (b"terpstra", b"wubbo", b"ykema"))

            wait_until_sync(forgotten, 20, 0.2, "the index forgets the erased caller")
            assert _search(anna, base, "terpstra") == []
            assert _search(anna, base, EMAIL) == []
            assert _search(anna, base, reference) == [reference]  # the facts stay

            def nameless() -> bool:
                _search(anna, base, reference)
                return NAME not in anna.locator("#worklist").inner_text()

            wait_until_sync(nameless, 10, 0.5, "the list shows no name once the key is gone")
        finally:
            browser.close()
    assert {k: v for k, v in problems.items() if v} == {}
