"""Staff sign-in in reporting without an OpenID provider (issue 20 item 4): the token form opens
a server-side session in a ``__Host-`` cookie (Secure, HttpOnly, SameSite=Strict, Path=/) that
ends when idle, at its absolute end and at logout (the old cookie is then worth nothing); every
state-changing form needs the session's CSRF token and this origin; failed sign-ins are
throttled (429 with Retry-After). The app runs in process (no NATS needed for these pages)."""

from __future__ import annotations

import re
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from services.reporting.app import bootstrap
from services.reporting.sessions import COOKIE
from services.reporting.settings import ReportingSettings
from tests.support.signin import csrf_of

TOKEN = "signin-token-0123456789abcdef"
BASE = "https://testserver"
TEMPLATES = Path(__file__).parents[3] / "services" / "reporting" / "templates"


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = ReportingSettings(
        data_dir=tmp_path,
        nats_url="nats://127.0.0.1:1",
        reporting_follow=False,
        staff_token=TOKEN,
        staff_tokens="rita:reader-token-123456:reader",
        signin_attempts=3,
        signin_window=600,
    )
    yield TestClient(bootstrap(settings), base_url=BASE)  # no lifespan: no NATS needed


def sign_in(client: TestClient, token: str = TOKEN, **headers: str) -> object:
    form = csrf_of(client.get("/workspace").text)
    body = {"token": token, "next": "/workspace", "csrf_token": form}
    return client.post("/login", data=body, headers=headers, follow_redirects=False)


def test_the_token_form_opens_a_server_side_session_in_a_host_cookie(
    client: TestClient, tmp_path: Path
) -> None:
    answer = sign_in(client)
    assert answer.status_code == 303  # type: ignore[attr-defined]
    cookie = answer.headers["set-cookie"]  # type: ignore[attr-defined]
    assert cookie.startswith(f"{COOKIE}=")
    for attribute in ("Secure", "HttpOnly", "SameSite=strict", "Path=/"):
        assert attribute.lower() in cookie.lower(), attribute
    assert TOKEN not in cookie and "Domain" not in cookie and "Max-Age" not in cookie
    assert client.get("/workspace/register").status_code == 200
    mode = stat.S_IMODE((tmp_path / "sessions.sqlite3").stat().st_mode)
    assert mode == 0o600


def test_the_raw_token_is_no_longer_a_cookie(client: TestClient) -> None:
    client.cookies.set("klachten_staff", TOKEN)
    assert client.get("/workspace/register").status_code == 401


def test_logout_ends_the_session_on_the_server(client: TestClient) -> None:
    sign_in(client)
    old = client.cookies[COOKIE]
    page = client.get("/workspace/register").text
    answer = client.post("/logout", data={"csrf_token": csrf_of(page)}, follow_redirects=False)
    assert answer.status_code == 303
    client.cookies.set(COOKIE, old)  # the browser kept it, or someone copied it
    assert client.get("/workspace/register").status_code == 401


def test_an_idle_session_and_one_past_its_absolute_end_are_refused(client: TestClient) -> None:
    store = client.app.state.sessions  # type: ignore[attr-defined]
    now = store.clock()
    sign_in(client)
    store.clock = lambda: now + 29 * 60
    assert client.get("/workspace/register").status_code == 200  # restarts the idle time
    store.clock = lambda: now + 29 * 60 + 30 * 60 + 1
    assert client.get("/workspace/register").status_code == 401  # idle for over 30 minutes
    store.clock = lambda: now
    sign_in(client)
    for minutes in range(20, 10 * 60, 20):  # busy all day: never idle, but 10 hours at most
        store.clock = lambda m=minutes: now + m * 60
        assert client.get("/workspace/register").status_code == 200, minutes
    store.clock = lambda: now + 10 * 3600
    assert client.get("/workspace/register").status_code == 401


def test_a_form_without_the_sessions_csrf_token_is_refused(client: TestClient) -> None:
    sign_in(client)
    token = csrf_of(client.get("/workspace/register").text)
    assert client.post("/logout", data={}).status_code == 403
    assert client.post("/logout", data={"csrf_token": "guess"}).status_code == 403
    assert client.post("/logout", json={"csrf_token": token}).status_code == 403  # a form only
    assert client.get("/workspace/register").status_code == 200  # still signed in
    assert client.post("/logout", data={"csrf_token": token}).status_code == 401  # signed out


def test_a_form_from_another_origin_is_refused_even_with_the_token(client: TestClient) -> None:
    sign_in(client)
    token = csrf_of(client.get("/workspace/register").text)
    for headers in (
        {"Origin": "http://127.0.0.1:9999"},  # another port of the same host: same site
        {"Origin": "null"},
        {"Origin": "null", "Sec-Fetch-Site": "cross-site"},
        {"Origin": BASE, "Sec-Fetch-Site": "same-site"},
        {"Sec-Fetch-Site": "cross-site"},
    ):
        answer = client.post("/logout?lang=en", data={"csrf_token": token}, headers=headers)
        assert answer.status_code == 403, headers
        assert "did not come from this page" in answer.text
    assert client.get("/workspace/register").status_code == 200
    # Chromium under Referrer-Policy: no-referrer says "null" and same-origin for its own forms
    same = {"Origin": "null", "Sec-Fetch-Site": "same-origin"}
    answer = client.post("/logout", data={"csrf_token": token}, headers=same)
    assert answer.status_code == 401  # done: signed out, so the page offers signing in


def test_the_sign_in_form_needs_its_token_and_this_origin(client: TestClient) -> None:
    body = {"token": TOKEN, "next": "/workspace"}
    assert client.post("/login", data=body, follow_redirects=False).status_code == 403
    other = {"Origin": "http://127.0.0.1:9999"}
    assert sign_in(client, **other).status_code == 403  # type: ignore[attr-defined]
    assert sign_in(client, Origin=BASE).status_code == 303  # type: ignore[attr-defined]


def test_an_api_client_with_its_own_bearer_header_needs_no_csrf_token(client: TestClient) -> None:
    answer = client.post(
        "/logout", headers={"Authorization": f"Bearer {TOKEN}"}, follow_redirects=False
    )
    assert answer.status_code == 303


def test_failed_sign_ins_are_throttled_per_client(client: TestClient) -> None:
    for _ in range(3):
        assert sign_in(client, token="wrong-token-0123456789").status_code == 401  # type: ignore[attr-defined]
    answer = sign_in(client)  # even the right token now waits
    assert answer.status_code == 429  # type: ignore[attr-defined]
    wait = int(answer.headers["retry-after"])  # type: ignore[attr-defined]
    assert 0 < wait <= 600
    assert "Te veel mislukte aanmeldpogingen" in answer.text  # type: ignore[attr-defined]
    store = client.app.state.sessions  # type: ignore[attr-defined]
    now = store.clock()
    store.clock = lambda: now + wait + 1
    assert sign_in(client).status_code == 303  # type: ignore[attr-defined]


def test_every_post_form_in_every_template_carries_the_csrf_field() -> None:
    missing = []
    for template in sorted(TEMPLATES.rglob("*.j2")):
        text = template.read_text("utf-8")
        for form in re.finditer(r"<form\b[^>]*>(.*?)</form>", text, re.S | re.I):
            if re.search(r'method="?post', form.group(0)[:200], re.I) and (
                "csrf_input()" not in form.group(1)
            ):
                missing.append(f"{template.relative_to(TEMPLATES)}: {form.group(0)[:80]}")
    assert not missing, "POST forms without {{ csrf_input() }}:\n" + "\n".join(missing)


def test_a_form_sent_after_the_session_ended_gets_the_sign_in_page(client: TestClient) -> None:
    store = client.app.state.sessions  # type: ignore[attr-defined]
    now = store.clock()
    sign_in(client)
    token = csrf_of(client.get("/workspace/register").text)
    store.clock = lambda: now + 31 * 60
    answer = client.post("/workspace/register", data={"csrf_token": token, "channel": "phone"})
    assert answer.status_code == 401 and 'name="token"' in answer.text
