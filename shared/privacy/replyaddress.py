"""The per-complaint reply address that proves a reply comes from the complainant.

Every letter is sent with ``Reply-To: <mailbox>+<complaint id hex>.<mac>@<mail domain>``; the
mac is the first 80 bits of HMAC-SHA256 of the complaint id under the status-link secret (with
its own label, so a status token is no reply token). Only someone who received our letter knows
the address, so a reply that arrives on it may act for the complainant; a message that merely
quotes a reference in its subject may not. The local part stays under 64 characters (RFC 5321).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from uuid import UUID

_LABEL = b"klachten reply address v1\x00"
_TAG = re.compile(r"^(?P<mailbox>[^+@\s]+)\+(?P<id>[0-9a-f]{32})\.(?P<mac>[a-z2-7]{16})$")


def _mac(secret: bytes, complaint_id: UUID) -> str:
    digest = hmac.new(secret, _LABEL + complaint_id.bytes, hashlib.sha256).digest()
    return base64.b32encode(digest[:10]).decode().lower()


def reply_address(secret: bytes, complaint_id: UUID, mailbox: str, domain: str) -> str:
    return f"{mailbox}+{complaint_id.hex}.{_mac(secret, complaint_id)}@{domain}"


def complaint_of_reply_address(secret: bytes, address: str) -> UUID | None:
    """The complaint an address was made for, or None when it is not one of ours (or forged)."""
    local, _, _ = address.strip().strip("<>").rpartition("@")
    found = _TAG.match(local.lower())
    if found is None:
        return None
    complaint_id = UUID(found["id"])
    if not hmac.compare_digest(_mac(secret, complaint_id), found["mac"]):
        return None
    return complaint_id
