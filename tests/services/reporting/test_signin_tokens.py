"""The access-token check intake and reporting share (shared/runtime/oidc.py), without a
provider: keys given directly, the provider's fetch replaced where it is about the fetch."""

from __future__ import annotations

import base64
import hmac
import json
import time
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from shared.runtime import oidc
from shared.runtime.staff import StaffMember

ISSUER = "https://id.example.nl"
AUDIENCE = "urn:klachten:intake"


@pytest.fixture
def signer() -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": "k1", "use": "sig"})


def _provider(key: RSAKey) -> oidc.Provider:
    provider = oidc.Provider(ISSUER, metadata={"issuer": ISSUER, "jwks_uri": "unused"})
    provider.keys = KeySet([RSAKey.import_key(key.as_dict(private=False))])
    provider.fetched = time.monotonic()
    return provider


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "u1", "exp": now + 300, "iat": now,
              "preferred_username": "hanna", "klachten_roles": ["handler"]}  # fmt: skip
    return {**claims, **changes}


def test_a_token_signed_by_the_provider_for_intake_names_the_member(signer: RSAKey) -> None:
    tokens = oidc.AccessTokens(_provider(signer), AUDIENCE)
    token = jwt.encode({"alg": "RS256", "kid": "k1"}, _claims(), signer)
    assert tokens.member(token) == StaffMember("hanna", frozenset({"handler"}))


@pytest.mark.parametrize(
    "claims",
    [
        _claims(aud="urn:other"),
        _claims(iss="https://evil.example"),
        _claims(exp=int(time.time()) - 120),
        _claims(klachten_roles=["admin"]),
        _claims(klachten_roles=[]),
        _claims(preferred_username="hanna de vries"),
        _claims(preferred_username=None),
    ],
    ids=["audience", "issuer", "expired", "unknown role", "no role", "name", "no name"],
)
def test_a_token_that_is_not_for_us_names_nobody(signer: RSAKey, claims: dict[str, Any]) -> None:
    tokens = oidc.AccessTokens(_provider(signer), AUDIENCE)
    assert tokens.member(jwt.encode({"alg": "RS256", "kid": "k1"}, claims, signer)) is None


def test_hmac_with_the_public_key_as_secret_is_refused(signer: RSAKey) -> None:
    provider = _provider(signer)
    secret = signer.as_pem(private=False)  # public: anyone has it
    signing_input = f"{_b64({'alg': 'HS256', 'kid': 'k1'})}.{_b64(_claims())}"
    mac = hmac.new(secret, signing_input.encode(), "sha256").digest()
    confused = f"{signing_input}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"
    assert oidc.AccessTokens(provider, AUDIENCE).member(confused) is None


def test_roles_may_be_a_space_separated_string_and_unknown_ones_are_dropped() -> None:
    claims = {"preferred_username": "piet", "roles": "reader admin privacy"}
    member = oidc.member_from(claims, "preferred_username", "roles")
    assert member == StaffMember("piet", frozenset({"reader", "privacy"}))


def test_a_provider_that_does_not_answer_is_asked_once_per_window(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked: list[str] = []

    def down(url: str) -> dict[str, Any]:
        asked.append(url)
        raise oidc.ProviderUnavailable(url)

    monkeypatch.setattr(oidc, "_get_json", down)
    tokens = oidc.AccessTokens(oidc.Provider(ISSUER), AUDIENCE)
    for _ in range(5):
        assert tokens.member("a.b.c") is None
    assert len(asked) == 1
