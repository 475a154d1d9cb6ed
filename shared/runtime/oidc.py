"""A staff member's OpenID Connect access token, checked the same way by intake (its staff API)
and reporting (the workspace's session): a JWT signed with one of the provider's keys (its JWKS,
found through the issuer's discovery document), issued by that issuer, for our audience, not
expired; the person is its `name_claim` (e.g. ``preferred_username``), the roles its
`roles_claim` (e.g. ``klachten_roles``: a list, or a space-separated string). Roles that
klachten does not know are dropped; a token without a known role, without a name, unsigned
(``alg: none``), signed with HMAC or by another key, for another audience or expired is no
staff member (None). docs/security.md "Staff sign-in" says why the person's own token travels
to intake instead of a token of reporting's.

The keys are fetched when first needed and again (at most once per `REFETCH` seconds) when a
token does not verify with the known ones: the provider rotated its keys. While the provider
does not answer, it is asked again at most once per `REFETCH` seconds (each fetch may wait
`TIMEOUT` seconds; intake's event loop must not wait on every made-up token).
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from shared.runtime.staff import ROLES, StaffMember

ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA"]
REFETCH = 30.0
TIMEOUT = 5.0
NAME = re.compile(r"^[\w.@+-]{1,64}$")  # what an actor `staff:<name>` may carry


class ProviderUnavailable(Exception):
    """The provider's discovery document or keys could not be read."""


@dataclass
class Provider:
    """An OpenID provider's metadata and keys, cached."""

    issuer: str
    metadata: dict[str, Any] = field(default_factory=dict)
    keys: KeySet | None = None
    fetched: float = 0.0
    failed: float = -REFETCH
    lock: threading.Lock = field(default_factory=threading.Lock)

    def _get(self, url: str) -> dict[str, Any]:
        """A document of the provider; after a failure, none for `REFETCH` seconds (a caller
        sending made-up tokens while the provider is down must not make each request wait)."""
        if time.monotonic() - self.failed < REFETCH:
            raise ProviderUnavailable(f"{url}: failed less than {REFETCH:.0f} s ago")
        try:
            return _get_json(url)
        except ProviderUnavailable:
            self.failed = time.monotonic()
            raise

    def discover(self) -> dict[str, Any]:
        if not self.metadata:
            data = self._get(self.issuer.rstrip("/") + "/.well-known/openid-configuration")
            if data.get("issuer") != self.issuer:
                raise ProviderUnavailable(f"discovery names issuer {data.get('issuer')!r}")
            self.metadata = data
        return self.metadata

    def key_set(self, refresh: bool = False) -> KeySet:
        with self.lock:
            stale = time.monotonic() - self.fetched > REFETCH
            if self.keys is None or (refresh and stale):
                self.keys = KeySet.import_key_set(self._get(self.discover()["jwks_uri"]))
                self.fetched = time.monotonic()
            return self.keys


def _get_json(url: str) -> dict[str, Any]:
    try:
        answer = httpx.get(url, timeout=TIMEOUT)
        answer.raise_for_status()
        data = answer.json()
    except (httpx.HTTPError, ValueError) as error:
        raise ProviderUnavailable(f"{url}: {error}") from None
    if not isinstance(data, dict):
        raise ProviderUnavailable(f"{url}: not a JSON object")
    return data


def verify(provider: Provider, token: str, audience: str, **claims: Any) -> dict[str, Any] | None:
    """The claims of `token` when it is a JWT the provider signed for `audience` and not
    expired (plus `claims`: other values that must match, e.g. a nonce); else None."""
    if token.count(".") != 2:
        return None
    try:
        keys = provider.key_set()
        try:
            decoded = jwt.decode(token, keys, algorithms=ALGORITHMS)
        except (JoseError, ValueError):  # maybe a new key: the provider rotated them
            decoded = jwt.decode(token, provider.key_set(refresh=True), algorithms=ALGORITHMS)
        expected = {"value": audience} if audience else {}
        registry = jwt.JWTClaimsRegistry(
            leeway=30,
            iss={"essential": True, "value": provider.issuer},
            aud={"essential": True, **expected},
            exp={"essential": True},
            sub={"essential": True},
            **{k: {"essential": True, "value": v} for k, v in claims.items()},
        )
        registry.validate(decoded.claims)
    except (JoseError, ValueError, KeyError, TypeError):
        return None
    return dict(decoded.claims)


def member_from(claims: dict[str, Any], name_claim: str, roles_claim: str) -> StaffMember | None:
    """The staff member the claims name, with the roles klachten knows; None without either."""
    name = claims.get(name_claim)
    raw = claims.get(roles_claim) or []
    given = raw.split() if isinstance(raw, str) else raw if isinstance(raw, list) else []
    roles = frozenset(r for r in given if isinstance(r, str) and r in ROLES)
    if not isinstance(name, str) or not NAME.match(name) or not roles:
        return None
    return StaffMember(name, roles)


@dataclass
class AccessTokens:
    """Checks staff members' access tokens (intake's settings `oidc_*`)."""

    provider: Provider
    audience: str
    name_claim: str = "preferred_username"
    roles_claim: str = "klachten_roles"

    def member(self, token: str) -> StaffMember | None:
        try:
            claims = verify(self.provider, token.strip(), self.audience)
        except ProviderUnavailable:
            return None
        return member_from(claims, self.name_claim, self.roles_claim) if claims else None


def access_tokens(settings: Any) -> AccessTokens | None:
    """The checker the settings ask for (`oidc_issuer`, `oidc_audience`, the claims), or None
    when no issuer is set (bearer tokens only)."""
    issuer = getattr(settings, "oidc_issuer", "")
    if not issuer:
        return None
    if not settings.oidc_audience:
        raise ValueError("KLACHTEN_OIDC_AUDIENCE: needed with KLACHTEN_OIDC_ISSUER")
    return AccessTokens(
        Provider(issuer),
        settings.oidc_audience,
        settings.oidc_name_claim,
        settings.oidc_roles_claim,
    )
