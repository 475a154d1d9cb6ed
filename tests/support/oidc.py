"""A real OpenID Connect provider for tests: tests/support/oidc/provider.mjs (the certified
`oidc-provider` from npm, installed with `npm ci` there when missing, as tests/support/axe.py
does). Its development login page takes any password; the login name is the account, whose
name and roles come from `accounts`. Skipped only outside CI when node or npm is missing."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlparse

import httpx
import pytest

from tests.support.ports import free_port

HERE = Path(__file__).parent / "oidc"
AUDIENCE = "urn:klachten:intake"
CLIENT_ID = "klachten-workspace"
CLIENT_SECRET = "workspace-secret-0123456789abcdef"
ACCOUNTS = {
    "hanna": {"name": "Hanna de Vries", "preferred_username": "hanna",
              "klachten_roles": ["handler"]},
    "rita": {"name": "Rita Lezer", "preferred_username": "rita", "klachten_roles": ["reader"]},
    "nobody": {"name": "Zonder Rol", "preferred_username": "nobody", "klachten_roles": []},
}  # fmt: skip


@dataclass(frozen=True)
class OidcProvider:
    issuer: str
    client_id: str = CLIENT_ID
    client_secret: str = CLIENT_SECRET
    audience: str = AUDIENCE

    def env(self) -> dict[str, str]:
        """The settings that turn OIDC on in intake and reporting."""
        return {
            "KLACHTEN_OIDC_ISSUER": self.issuer,
            "KLACHTEN_OIDC_AUDIENCE": self.audience,
            "KLACHTEN_OIDC_CLIENT_ID": self.client_id,
            "KLACHTEN_OIDC_CLIENT_SECRET": self.client_secret,
            "KLACHTEN_OIDC_SCOPES": "openid profile klachten",
        }


def _installed() -> None:
    if (HERE / "node_modules" / "oidc-provider").exists():
        return
    npm = shutil.which("npm")
    if not npm or not shutil.which("node"):
        if os.environ.get("CI"):
            raise RuntimeError("node and npm are needed for the OIDC provider of the tests")
        pytest.skip("node and npm are needed for the OIDC provider (tests/support/oidc)")
    command = [npm, "ci", "--no-audit", "--no-fund"]
    subprocess.run(command, cwd=HERE, check=True, timeout=300, capture_output=True)


@contextmanager
def oidc_provider(
    redirect_uris: list[str], accounts: dict[str, Any] | None = None, token_ttl: int = 3600
) -> Iterator[OidcProvider]:
    """`node provider.mjs` on a free port until the block ends."""
    _installed()
    port = free_port()
    env = {
        **os.environ,
        "OIDC_PORT": str(port),
        "OIDC_CLIENT": json.dumps(
            {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "redirect_uris": redirect_uris}
        ),
        "OIDC_ACCOUNTS": json.dumps(ACCOUNTS if accounts is None else accounts),
        "OIDC_AUDIENCE": AUDIENCE,
        "OIDC_TOKEN_TTL": str(token_ttl),
    }
    proc = subprocess.Popen(
        ["node", "provider.mjs"], cwd=HERE, env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line.startswith("ready "):
            raise RuntimeError(f"the OIDC provider did not start: {line!r}")
        yield OidcProvider(line.split()[1])
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def log_in(http: httpx.Client, authorization_url: str, login: str, redirect_uri: str) -> str:
    """Follows the provider's pages from `authorization_url` with `http` (its cookies are the
    browser's), signs in as `login` (any password) and returns the URL the provider sends the
    browser back to (on `redirect_uri`, not followed)."""
    answer = http.get(authorization_url)
    while True:
        location = answer.headers.get("location", "")
        if location.startswith(redirect_uri):
            return location
        if answer.status_code in (302, 303):
            answer = http.get(urljoin(str(answer.url), location))
            continue
        form = re.search(r'action="([^"]+)"', answer.text)
        assert answer.status_code == 200 and form, answer.text[:500]
        fields = {"prompt": "login", "login": login, "password": "any"}
        if 'value="consent"' in answer.text:
            fields = {"prompt": "consent"}
        answer = http.post(urljoin(str(answer.url), form.group(1)), data=fields)


def tokens_for(provider: OidcProvider, login: str, redirect_uri: str) -> dict[str, Any]:
    """The provider's token answer (access_token, id_token) for `login`, by the code flow with
    PKCE as a client would run it (the nonce is "n")."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    metadata = httpx.get(f"{provider.issuer}/.well-known/openid-configuration").json()
    query = {
        "client_id": provider.client_id, "response_type": "code", "redirect_uri": redirect_uri,
        "scope": "openid profile klachten", "state": "s", "nonce": "n",
        "code_challenge": challenge.rstrip(b"=").decode(), "code_challenge_method": "S256",
    }  # fmt: skip
    with httpx.Client(timeout=20) as http:
        url = f"{metadata['authorization_endpoint']}?{urlencode(query)}"
        back = log_in(http, url, login, redirect_uri)
        code = parse_qs(urlparse(back).query)["code"][0]
        answer = http.post(
            metadata["token_endpoint"],
            data={"grant_type": "authorization_code", "code": code,
                  "redirect_uri": redirect_uri, "code_verifier": verifier},
            auth=(provider.client_id, provider.client_secret),
        )  # fmt: skip
    answer.raise_for_status()
    return answer.json()  # type: ignore[no-any-return]
