"""OpenID Connect against a real provider (tests/support/oidc: the certified `oidc-provider`),
intake and reporting on a real nats-server (issue 20 item 4):
- intake's staff API (and reporting's API) takes a staff member's own access token (signed by
  the provider, for intake's audience) and records their actions as ``staff:<their name>``; it
  refuses an unsigned one, one signed by another key, the ID token (another audience), a token
  without a klachten role, and a reader's attempt to act (403);
- reporting's sign-in answers only a state it issued, once: a replayed or made-up callback
  opens no session, and a failed sign-in counts towards the throttle;
- a forged ``version`` (999) on a workspace form does not skip the check that a colleague acted
  since the page was rendered.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from joserfc import jwt
from joserfc.jwk import RSAKey

from klachten.stack.natsserver import EmbeddedNats
from services.intake.server import BackgroundIntake
from tests.support.intake import (
    STAFF,
    STAFF_TOKEN,
    complaint_body,
    intake_settings,
    start_intake,
)
from tests.support.oidc import OidcProvider, log_in, oidc_provider, tokens_for
from tests.support.polling import wait_until_sync
from tests.support.ports import free_port
from tests.support.signin import csrf_of, session_cookie
from tests.support.workspace import reporting_process

CLIENT_CALLBACK = "http://127.0.0.1:9/callback"  # where tokens_for's code goes (never served)
TOKEN = STAFF_TOKEN  # reporting calls intake with the token it was signed in with


@pytest.fixture
def stack(provisioned_nats: EmbeddedNats, tmp_path: Path) -> Iterator[dict[str, Any]]:
    port = free_port()
    reporting_callback = f"http://127.0.0.1:{port}/login/oidc/callback"
    with oidc_provider([CLIENT_CALLBACK, reporting_callback]) as provider:
        intake = start_intake(
            intake_settings(
                provisioned_nats, oidc_issuer=provider.issuer, oidc_audience=provider.audience
            )
        )
        try:
            env = {
                **provider.env(),
                "KLACHTEN_INTAKE_URL": intake.url,
                "KLACHTEN_REPORTING_PORT": str(port),
                "KLACHTEN_SIGNIN_ATTEMPTS": "2",
            }
            with reporting_process(provisioned_nats.url, tmp_path, TOKEN, **env):
                base = f"http://127.0.0.1:{port}"  # the port the provider sends people back to
                wait_until_sync(lambda: _answers(f"{base}/health/live"), 60, 0.2, "reporting")
                yield {"provider": provider, "intake": intake, "base": base}
        finally:
            intake.stop()


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _complaint(intake: BackgroundIntake) -> str:
    made = httpx.post(f"{intake.url}/api/complaints", json=complaint_body(), headers=STAFF)
    assert made.status_code == 201, made.text
    return str(made.json()["complaint_id"])


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _forgeries(genuine: str, provider: OidcProvider) -> dict[str, str]:
    header = json.loads(base64.urlsafe_b64decode(genuine.split(".")[0] + "=="))
    claims = json.loads(base64.urlsafe_b64decode(genuine.split(".")[1] + "=="))
    claims["klachten_roles"] = ["handler", "supervisor", "privacy"]
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    own = RSAKey.import_key(pem)
    later = {**claims, "aud": "urn:another:service"}
    return {
        "unsigned": f"{_b64({'alg': 'none', 'typ': 'at+jwt'})}.{_b64(claims)}.",
        "other key, same kid": jwt.encode(header, claims, own),
        "claims changed": ".".join([genuine.split(".")[0], _b64(claims), genuine.split(".")[2]]),
        "other audience, other key": jwt.encode(header, later, own),
        "expired, other key": jwt.encode(header, {**claims, "exp": int(time.time()) - 60}, own),
        "not a JWT": "eyJhbGciOi.not-a-token",
    }


def test_intake_takes_a_staff_members_access_token_and_refuses_forgeries(
    stack: dict[str, Any],
) -> None:
    provider, intake = stack["provider"], stack["intake"]
    cid = _complaint(intake)
    hanna = tokens_for(provider, "hanna", CLIENT_CALLBACK)
    as_hanna = {"Authorization": f"Bearer {hanna['access_token']}"}
    url = f"{intake.url}/api/complaints/{cid}"
    assert httpx.get(url, headers=as_hanna).status_code == 200
    note = httpx.post(f"{url}/notes", json={"text": "Gebeld."}, headers=as_hanna)
    assert note.status_code == 201, note.text
    events = httpx.get(f"{url}/timeline", headers=STAFF).json()["events"]
    assert [e["actor"] for e in events if e["type"] == "note_added"] == ["staff:hanna"]

    refused = {
        name: httpx.get(url, headers={"Authorization": f"Bearer {token}"}).status_code
        for name, token in {
            **_forgeries(hanna["access_token"], provider),
            "the ID token (audience: the workspace)": hanna["id_token"],
            "no klachten role": tokens_for(provider, "nobody", CLIENT_CALLBACK)["access_token"],
        }.items()
    }
    assert refused == dict.fromkeys(refused, 401), refused
    # reporting's API takes the same token (and refuses the ID token)
    assert httpx.get(f"{stack['base']}/api/complaints", headers=as_hanna).status_code == 200
    as_id = {"Authorization": f"Bearer {hanna['id_token']}"}
    assert httpx.get(f"{stack['base']}/api/complaints", headers=as_id).status_code == 401
    rita = tokens_for(provider, "rita", CLIENT_CALLBACK)["access_token"]
    as_rita = {"Authorization": f"Bearer {rita}"}
    assert httpx.get(url, headers=as_rita).status_code == 200  # a reader reads
    acting = httpx.post(f"{url}/notes", json={"text": "x"}, headers=as_rita)
    assert acting.status_code == 403  # and does not act


def test_reporting_answers_only_its_own_state_and_only_once(stack: dict[str, Any]) -> None:
    base, provider = stack["base"], stack["provider"]
    callback = f"{base}/login/oidc/callback"
    with httpx.Client(timeout=20) as browser:
        start = browser.get(f"{base}/login/oidc", params={"next": "/workspace"})
        assert start.status_code == 303
        assert start.headers["location"].startswith(provider.issuer)
        assert "code_challenge_method=S256" in start.headers["location"]
        back = log_in(browser, start.headers["location"], "hanna", callback)
        first = browser.get(back)
        assert first.status_code == 303, first.text
        assert first.headers["set-cookie"].startswith("__Host-klachten_session=")
        replayed = browser.get(back)  # the same code and state again
        assert replayed.status_code == 401 and "set-cookie" not in replayed.headers
        made_up = browser.get(callback, params={"code": "x", "state": "made-up"})
        assert made_up.status_code == 401  # the second failure of this client
        again = browser.get(f"{base}/login/oidc", params={"next": "/workspace"})
        assert again.status_code == 429  # two per client per window (the test's setting)
        assert int(again.headers["retry-after"]) > 0


def test_a_forged_version_does_not_skip_the_colleague_check(stack: dict[str, Any]) -> None:
    base, intake = stack["base"], stack["intake"]
    cid = _complaint(intake)
    cookie = session_cookie(base, TOKEN)
    page = httpx.get(f"{base}/workspace/complaints/{cid}", headers=cookie)
    assert page.status_code == 200, page.text
    url = f"{intake.url}/api/complaints/{cid}"
    pause = httpx.post(f"{url}/pause", json={"reason": "Wacht op stukken"}, headers=STAFF)
    assert pause.status_code in (200, 201), pause.text  # a colleague acts meanwhile
    form = {"csrf_token": csrf_of(page.text), "version": "999", "outcome": "withdrawn"}
    closing = httpx.post(f"{base}/workspace/complaints/{cid}/close", data=form, headers=cookie)
    assert closing.status_code == 409, closing.text[:300]
    state = httpx.get(url, headers=STAFF).json()
    assert state["status"] != "closed"
