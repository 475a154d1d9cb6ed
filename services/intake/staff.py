"""Staff authentication and roles: bearer tokens from configuration, checked in constant time."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Literal

ROLES = ("handler", "supervisor", "privacy", "reader")
Action = Literal[
    "read", "register", "respond", "escalate", "extend", "close", "handle", "reopen", "pause"
]
ALLOWED: dict[str, frozenset[str]] = {
    "read": frozenset({"reader", "handler", "supervisor", "privacy"}),
    "register": frozenset({"handler"}),
    # A supervisor answers at the escalation levels (Awb 9:11 applies to their answer too).
    "respond": frozenset({"handler", "supervisor"}),
    "escalate": frozenset({"handler", "supervisor"}),
    "extend": frozenset({"handler", "supervisor"}),
    "close": frozenset({"handler", "supervisor"}),
    # Reading a complainant's message and marking it handled, or reopening after closure:
    # the people who answer complaints (a reader only looks).
    "handle": frozenset({"handler", "supervisor"}),
    "reopen": frozenset({"handler", "supervisor"}),
    # Waiting for the complainant (and resuming) moves the internal clock: who answers.
    "pause": frozenset({"handler", "supervisor"}),
}


@dataclass(frozen=True)
class StaffMember:
    name: str
    roles: frozenset[str]

    def may(self, action: Action) -> bool:
        return bool(self.roles & ALLOWED[action])


def parse_tokens(all_roles_token: str, tokens: str) -> dict[str, StaffMember]:
    """``name:token:role+role;…`` plus one token with every role; raises ValueError."""
    found: dict[str, StaffMember] = {}
    if all_roles_token:
        found[all_roles_token] = StaffMember("staff", frozenset(ROLES))
    for entry in filter(None, (e.strip() for e in tokens.split(";"))):
        parts = entry.split(":")
        if len(parts) != 3 or not parts[0] or len(parts[1]) < 16:
            raise ValueError(f"staff token entry {parts[0]!r}: expected name:token(16+):roles")
        roles = frozenset(r for r in parts[2].split("+") if r)
        unknown = roles - set(ROLES)
        if unknown or not roles:
            raise ValueError(f"staff token {parts[0]!r}: unknown roles {sorted(unknown)}")
        found[parts[1]] = StaffMember(parts[0], roles)
    return found


def authenticate(header: str | None, tokens: dict[str, StaffMember]) -> StaffMember | None:
    """The staff member of a ``Bearer`` header, comparing every token in constant time."""
    scheme, _, token = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    member = None
    for known, who in tokens.items():
        if hmac.compare_digest(known.encode(), token.strip().encode()):
            member = who
    return member
