"""Signing in to the workspace with OpenID Connect (Authlib's OAuth 2 client): the authorization
code flow with PKCE (S256), a fresh ``state`` and ``nonce`` per sign-in kept server-side
(sessions.py, used once, 10 minutes), the provider's ``iss`` in the answer checked (RFC 9207),
the ID token verified against the provider's keys (issuer, audience = our client id, expiry,
nonce) and the access token verified as intake verifies it (shared/runtime/oidc.py: issuer,
audience = intake, expiry, the person's name and roles from their claims). The session keeps the
access token: reporting calls intake with it, so the person is the principal end to end.

On when `KLACHTEN_OIDC_ISSUER` and `KLACHTEN_OIDC_CLIENT_ID` are set; the token sign-in stays.
"""

from __future__ import annotations

import asyncio
import warnings
from dataclasses import dataclass
from typing import Any

from authlib.common.security import generate_token
from authlib.oauth2 import OAuth2Error

with warnings.catch_warnings():
    # Authlib 1.7+ prefers the `httpx2` package and says so on import; httpx serves as well.
    warnings.filterwarnings("ignore", message="The httpx module is deprecated")
    from authlib.integrations.httpx_client import AsyncOAuth2Client

from services.reporting.sessions import Pending, SessionStore
from shared.runtime import oidc
from shared.runtime.staff import StaffMember


class SignInFailed(Exception):
    """Why an OpenID Connect sign-in did not give a staff member (said in the log, not shown)."""


@dataclass(frozen=True)
class SignedIn:
    member: StaffMember
    access_token: str
    expires: float


class OidcSignIn:
    def __init__(self, settings: Any) -> None:
        tokens = oidc.access_tokens(settings)
        assert tokens is not None
        self.tokens, self.provider = tokens, tokens.provider
        self.client_id, self.secret = settings.oidc_client_id, settings.oidc_client_secret
        self.scopes = settings.oidc_scopes

    def _client(self, redirect_uri: str) -> AsyncOAuth2Client:
        return AsyncOAuth2Client(
            self.client_id,
            self.secret,
            scope=self.scopes,
            redirect_uri=redirect_uri,
            code_challenge_method="S256",
            timeout=oidc.TIMEOUT,
        )

    async def start(self, store: SessionStore, redirect_uri: str, next: str, lang: str) -> str:
        """The provider's authorization URL for a new sign-in, remembered by its state."""
        metadata = await asyncio.to_thread(self.provider.discover)
        state, nonce, verifier = generate_token(32), generate_token(32), generate_token(64)
        async with self._client(redirect_uri) as client:
            url, _ = client.create_authorization_url(
                metadata["authorization_endpoint"], state=state, nonce=nonce, code_verifier=verifier
            )
        await asyncio.to_thread(store.put_pending, state, Pending(nonce, verifier, next, lang))
        return str(url)

    async def finish(
        self, store: SessionStore, redirect_uri: str, query: dict[str, str]
    ) -> tuple[Pending | None, SignedIn]:
        """The person the provider's answer (the callback's query) signs in; raises SignInFailed
        (with the pending sign-in, when the state was one of ours, for its language and page)."""
        pending = await asyncio.to_thread(store.pop_pending, query.get("state", ""))
        if pending is None:
            raise SignInFailed("unknown, used or expired state")
        try:
            return pending, await self._finish(pending, redirect_uri, query)
        except SignInFailed as failed:
            failed.args = (*failed.args, pending)
            raise

    async def _finish(self, pending: Pending, redirect_uri: str, query: dict[str, str]) -> SignedIn:
        if "error" in query:
            raise SignInFailed(f"the provider answered {query['error']!r}")
        if query.get("iss", self.provider.issuer) != self.provider.issuer:
            raise SignInFailed("the answer names another issuer")
        metadata = await asyncio.to_thread(self.provider.discover)
        try:
            async with self._client(redirect_uri) as client:
                token = await client.fetch_token(
                    metadata["token_endpoint"],
                    code=query.get("code", ""),
                    code_verifier=pending.verifier,
                )
        except (OAuth2Error, OSError, ValueError) as error:
            raise SignInFailed(f"token endpoint: {error}") from None
        id_claims = await asyncio.to_thread(
            oidc.verify, self.provider, token.get("id_token", ""), self.client_id,
            nonce=pending.nonce,
        )  # fmt: skip
        if id_claims is None:
            raise SignInFailed("the ID token did not verify (signature, issuer, audience, nonce)")
        access = token.get("access_token", "")
        at_claims = await asyncio.to_thread(
            oidc.verify, self.provider, access, self.tokens.audience
        )
        if at_claims is None or at_claims.get("sub") != id_claims.get("sub"):
            raise SignInFailed("the access token did not verify for intake's audience")
        member = oidc.member_from(at_claims, self.tokens.name_claim, self.tokens.roles_claim)
        if member is None:
            raise SignInFailed("no name or no klachten role in the access token")
        return SignedIn(member, access, float(at_claims["exp"]))
