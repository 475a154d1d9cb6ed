"""One running stack for the workspace's browser tests, as `klachten up` runs it: a real
nats-server (streams and buckets), intake (named staff, an organisation file), the notifier with
its mail sink as a process, reporting as a process. Started once per test session by
tests/e2e/conftest.py (or per test, where a test reads figures over the whole log); each test
makes its own complaints, with names of its own, so the tests stay independent of each other
and of their order. A role signs in once (the token form, over HTTP); a browser context gets
that session's cookie. Also the browser helpers these tests share."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import nats

from klachten.stack.natsserver import EmbeddedNats
from services.intake.settings import IntakeSettings
from services.reporting.sessions import COOKIE
from shared.eventstore.buckets import provision_buckets
from shared.eventstore.streams import provision
from tests.support.axe import violations
from tests.support.notifier import notifier_env, notifier_settings
from tests.support.polling import wait_until_sync
from tests.support.ports import free_port
from tests.support.processes import ServiceProcess
from tests.support.signin import session_cookie
from tests.support.workspace import reporting_process

ALL = "workspace-stack-all-roles-0123456789"  # the stack's token with every role ("staff")
ANNA = "anna-workspace-handler-0123456789"
SAM = "sam-workspace-supervisor-0123456789"
KIM = "kim-workspace-klachtenfunctionaris-0123"
RITA = "rita-workspace-reader-0123456789"
DORA = "dora-workspace-handler-supervisor-0123"  # not in the organisation: named by her id
BRAM = "bram-workspace-handler-supervisor-0123"
TOKENS = ";".join(
    (f"anna:{ANNA}:handler", f"sam:{SAM}:supervisor", f"kim:{KIM}:klachtenfunctionaris",
     f"rita:{RITA}:reader", f"dora:{DORA}:handler+supervisor", f"bram:{BRAM}:handler+supervisor")
)  # fmt: skip
# config/organisation.toml's departments and teams, with the front desk's people
ORGANISATION = """
version = "test-1"
[departments.publiekszaken]
name = "Publiekszaken"
name_en = "Public services"
[departments.klantcontact]
name = "Klantcontact"
name_en = "Customer contact"
[teams.klachten]
name = "Klachtenteam"
name_en = "Complaints team"
department = "klantcontact"
[teams.balie]
name = "Balie"
name_en = "Front desk"
department = "publiekszaken"
[members.staff]
name = "Klachtencoördinator"
teams = ["klachten"]
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


@dataclass
class Stack:
    """The running stack: reporting's base URL, intake's URL and settings, the mail sink's
    Maildir, the nats-server's URL."""

    base: str
    intake: str
    settings: IntakeSettings
    maildir: Path
    nats: str
    _cookies: dict[str, str] = field(default_factory=dict)

    def cookie(self, token: str) -> str:
        """The session cookie of `token`'s sign-in at reporting; signs in once per role."""
        if token not in self._cookies:
            header = session_cookie(self.base, token)["Cookie"]
            self._cookies[token] = header.split("=", 1)[1]
        return self._cookies[token]

    def submit(self, **extra: Any) -> tuple[str, str]:
        """A complaint by the web form's API (`extra` over a Dutch one); (id, reference)."""
        body = {
            "channel": "web",
            "complainant": {"name": "Jan de Vries", "email": "jan@example.nl"},
            "subject": "Balie zonder uitleg dicht",
            "description": "Ik stond om tien uur voor een dichte balie.",
            **extra,
        }
        made = httpx.post(f"{self.intake}/api/complaints", json=body, timeout=20)
        assert made.status_code == 201, made.text
        cid = made.json()["complaint_id"]
        wait_until_sync(lambda: self.read(cid), 60, 0.2, "reporting has the new complaint")
        return cid, made.json()["reference"]

    def read(self, cid: str) -> dict[str, Any] | None:
        """The complaint as reporting's API has read it (None: not yet)."""
        url, headers = f"{self.base}/api/complaints/{cid}", {"Authorization": f"Bearer {ALL}"}
        try:
            found = httpx.get(url, headers=headers, timeout=10)
        except httpx.HTTPError:
            return None
        return found.json() if found.status_code == 200 else None  # type: ignore[no-any-return]

    def staff_post(self, token: str, path: str, body: dict[str, Any]) -> httpx.Response:
        """A staff action on intake's API (`path` below /api/complaints/) as `token`."""
        headers = {"Authorization": f"Bearer {token}"}
        url = f"{self.intake}/api/complaints/{path}"
        return httpx.post(url, json=body, headers=headers, timeout=20)


async def _provision(url: str) -> None:
    nc = await nats.connect(url)
    try:
        await provision(nc)
        await provision_buckets(nc)  # the notifier's outbox, presence and seen among them
    finally:
        await nc.close()


def intake_env(settings: IntakeSettings) -> dict[str, str]:
    """`settings` as the environment of an intake process."""
    names = ("nats_url", "data_dir", "intake_port", "smtp_port", "staff_token", "staff_tokens")
    names += ("organisation_file", "intake_rate_limit", "key_cache_seconds")
    return {f"KLACHTEN_{name.upper()}": str(getattr(settings, name)) for name in names}


def answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


@contextmanager
def workspace_stack(root: Path) -> Iterator[Stack]:
    """The whole stack in `root` (its store, data, mail and logs); stopped on leaving."""
    root.mkdir(parents=True, exist_ok=True)
    server = EmbeddedNats(root / "nats").start()
    try:
        asyncio.run(_provision(server.url))
        organisation = root / "organisation.toml"
        organisation.write_text(ORGANISATION, "utf-8")
        data_dir, sink_port, maildir = root / "data", free_port(), root / "mail"
        letters = notifier_settings(server.url, sink_port, root / "notifier")
        env = {
            **os.environ, **notifier_env(letters), "KLACHTEN_DATA_DIR": str(data_dir),
            "KLACHTEN_MAILSINK_PORT": str(sink_port), "KLACHTEN_MAILSINK_DIR": str(maildir),
            "KLACHTEN_NOTIFIER_PORT": str(free_port()),
            "KLACHTEN_ORGANISATION_FILE": str(organisation),
        }  # fmt: skip
        notifier = ServiceProcess("notifier", env, root, "--with-mailsink").start()
        settings = IntakeSettings(
            nats_url=server.url, data_dir=data_dir, intake_port=free_port(),
            smtp_port=free_port(), staff_token=ALL, staff_tokens=TOKENS,
            organisation_file=str(organisation), intake_rate_limit=10_000,
            key_cache_seconds=1,  # an erased complainant's key is forgotten within a second
        )  # fmt: skip
        # A process of its own, as `klachten up` runs it: nothing it reads from the environment
        # (its pseudonym secret under KLACHTEN_DATA_DIR, say) changes with the test that runs.
        intake = ServiceProcess("intake", {**os.environ, **intake_env(settings)}, root).start()
        intake_url = f"http://127.0.0.1:{settings.intake_port}"
        try:
            wait_until_sync(lambda: answers(f"{intake_url}/health/ready"), 60, 0.2, "intake")
            reporting_env = {
                "KLACHTEN_INTAKE_URL": intake_url,
                "KLACHTEN_STAFF_TOKENS": TOKENS,
                "KLACHTEN_ORGANISATION_FILE": str(organisation),
            }
            with reporting_process(server.url, root, ALL, **reporting_env) as base:
                wait_until_sync(lambda: answers(f"{base}/health/live"), 60, 0.2, "reporting")
                yield Stack(base, intake_url, settings, maildir, server.url)
        finally:
            intake.stop()
            notifier.stop()
    finally:
        server.stop()


def signed_in(browser: Any, stack: Stack, token: str, locale: str = "nl-NL") -> Any:
    """A page of a new browser context, 1280 px wide, with `token`'s session."""
    context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    # A __Host- cookie has no Domain: Playwright's add_cookies always sets one, Chromium's own
    # protocol sets a host-only cookie from the URL (127.0.0.1 counts as a secure origin).
    cookie = {"name": COOKIE, "value": stack.cookie(token), "url": f"{stack.base}/"}
    cdp = context.new_cdp_session(page)
    cdp.send("Network.setCookie", {**cookie, "path": "/", "secure": True, "httpOnly": True})
    cdp.detach()
    return page


def tab_to(page: Any, selector: str, limit: int = 150) -> None:
    """Press Tab until the element has focus: it is reachable by keyboard alone."""
    for _ in range(limit):
        if page.evaluate(f"document.activeElement === document.querySelector(`{selector}`)"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} is not reachable with Tab")


def accessible(page: Any, name: str, problems: dict[str, Any]) -> None:
    """axe-core's violations at 1280 and 390 px into `problems`; no sideways scrolling."""
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        problems[f"{name}-{width}"] = violations(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, width)
    page.set_viewport_size({"width": 1280, "height": 900})


def said(page: Any) -> str:
    """What the page said after a form: done, a message or the error summary."""
    return str(page.locator("#done, #message, #error-summary").first.inner_text())
