"""Signing in with OpenID Connect in a real browser (Debian's Chromium), against a real provider
(tests/support/oidc: the certified `oidc-provider`), intake and reporting on a real nats-server
(issue 20 item 4): a handler signs in through the provider's page, sees their name, writes a
note (the event says ``staff:hanna``, not a shared token's name), a page on another port of the
same host cannot close the complaint with the handler's cookie, and after logging out the old
cookie no longer opens anything on the server. The sign-in page has no axe-core violation in
Dutch and English."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from klachten.stack.natsserver import EmbeddedNats
from services.reporting.sessions import COOKIE
from tests.support.axe import violations
from tests.support.browser import chromium
from tests.support.intake import (
    HEARING_WAIVED,
    STAFF,
    STAFF_TOKEN,
    complaint_body,
    intake_settings,
    start_intake,
)
from tests.support.oidc import oidc_provider
from tests.support.polling import wait_until_sync
from tests.support.ports import free_port
from tests.support.workspace import reporting_process

NOTE = "Klager gebeld, komt dinsdag langs."


@pytest.fixture
def stack(provisioned_nats: EmbeddedNats, tmp_path: Path) -> Iterator[dict[str, Any]]:
    port = free_port()
    with oidc_provider([f"http://127.0.0.1:{port}/login/oidc/callback"]) as provider:
        intake = start_intake(
            intake_settings(
                provisioned_nats, oidc_issuer=provider.issuer, oidc_audience=provider.audience
            )
        )
        try:
            made = httpx.post(f"{intake.url}/api/complaints", json=complaint_body(), headers=STAFF)
            cid = made.json()["complaint_id"]
            waiver = f"{intake.url}/api/complaints/{cid}/hearing/waiver"
            assert httpx.post(waiver, json=HEARING_WAIVED, headers=STAFF).status_code == 201
            env = {**provider.env(), "KLACHTEN_INTAKE_URL": intake.url,
                   "KLACHTEN_REPORTING_PORT": str(port)}  # fmt: skip
            with reporting_process(provisioned_nats.url, tmp_path, STAFF_TOKEN, **env):
                base = f"http://127.0.0.1:{port}"  # the port the provider sends people back to
                wait_until_sync(lambda: _answers(f"{base}/health/live"), 60, 0.2, "reporting")
                yield {"base": base, "intake": intake.url, "cid": cid}
        finally:
            intake.stop()


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.fixture
def other_site(stack: dict[str, Any]) -> Iterator[str]:
    """A page on another port of the same host with a form that closes the complaint."""
    action = f"{stack['base']}/workspace/complaints/{stack['cid']}/close"
    page = (
        f'<!doctype html><html lang="en"><title>Win a prize</title><form method="post" '
        f'action="{action}"><input type="hidden" name="outcome" value="withdrawn">'
        f'<input type="hidden" name="version" value="999">'
        f'<button id="go">Claim</button></form></html>'
    ).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()


def test_a_handler_signs_in_with_the_provider_acts_as_themselves_and_logs_out(
    stack: dict[str, Any], other_site: str
) -> None:
    base, cid = stack["base"], stack["cid"]
    timeline = f"{stack['intake']}/api/complaints/{cid}/timeline"
    with chromium() as browser:
        context = browser.new_context(locale="nl-NL")
        page = context.new_page()
        for lang in ("en", "nl"):
            page.goto(f"{base}/workspace?lang={lang}")
            assert violations(page) == [], lang
        page.click("#oidc-login")
        page.fill("input[name=login]", "hanna")
        page.fill("input[name=password]", "any password")
        page.click("button[type=submit]")
        page.wait_for_selector("#who")
        assert page.locator("#who").inner_text() == "hanna"
        cookies = {c["name"]: c for c in context.cookies()}
        session = cookies[COOKIE]
        assert session["secure"] and session["httpOnly"] and session["sameSite"] == "Strict"

        page.goto(f"{base}/workspace/complaints/{cid}")
        page.fill("#note-text", NOTE)
        page.click("#note button[type=submit]")
        page.wait_for_selector("#done")
        events = httpx.get(timeline, headers=STAFF).json()["events"]
        notes = [e["actor"] for e in events if e["type"] == "note_added"]
        assert notes == ["staff:hanna"]

        page.goto(other_site)  # another origin, same site: the cookie goes along
        page.click("#go")
        assert "Niet uitgevoerd" in page.content() or "Not done" in page.content()
        status = httpx.get(timeline, headers=STAFF).json()["state"]["status"]
        assert status != "closed"

        page.goto(f"{base}/workspace")
        page.click("header form button[type=submit]")  # log out
        page.wait_for_selector("#oidc-login")
        old = {"Cookie": f"{COOKIE}={session['value']}"}
        assert httpx.get(f"{base}/workspace", headers=old).status_code == 401
