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
from pathlib import Path
from typing import Any

from services.intake.searchapi import index_path
from services.intake.settings import IntakeSettings
from tests.support.axe import violations
from tests.support.browser import chromium
from tests.support.polling import wait_until_sync
from tests.support.workspace_stack import ALL, ANNA, RITA, Stack, signed_in

NAME, EMAIL = "Wubbo Terpstra-Ykema", "wubbo.ykema@example.nl"


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


def test_a_handler_finds_a_caller_by_name_until_the_caller_is_erased(workspace: Stack) -> None:
    base, settings = workspace.base, workspace.settings
    workspace.submit(subject="Lange wachttijd", description="Drie uur gewacht aan de balie.")
    problems: dict[str, Any] = {}
    with chromium() as browser:
        anna = signed_in(browser, workspace, ANNA)
        anna.goto(f"{base}/workspace")
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

        rita = signed_in(browser, workspace, RITA)
        assert _search(rita, base, "terpstra") == []
        assert "Alleen op kenmerk gezocht" in rita.locator("#search-note").inner_text()
        assert _search(rita, base, reference[-6:]) == [reference]  # the reference: anyone
        problems["reader-nl"] = violations(rita)

        assert b"terpstra" in _index_bytes(settings)
        env = {
            **os.environ,
            "KLACHTEN_NATS_URL": workspace.nats,
            "KLACHTEN_DATA_DIR": str(settings.data_dir),
            "KLACHTEN_STAFF_TOKEN": ALL,
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
    assert {k: v for k, v in problems.items() if v} == {}
