"""What the web form carries from one page to the next: its language and its documents.

Pure: no I/O, no clock. Documents a complainant already uploaded are stored (content-addressed)
when the form comes back to them, for an error or a language switch; the page carries their
references in a hidden field, signed so that a form can only carry documents this service
stored for a form, never name another complainant's object.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

import msgspec

from services.intake import domain
from shared.contract import events as ev

LANGUAGE_COOKIE = "klachten_lang"
_LABEL = b"klachten form documents v1:"


def page_language(
    chosen: str | None, cookie: str | None, accept_language: str | None
) -> domain.Lang:
    """The language a person chose (link or switch, then their cookie), else their browser's."""
    for value in (chosen, cookie):
        if value in ("nl", "en"):
            return value  # type: ignore[return-value]
    return domain.negotiate(accept_language)


def seal_documents(secret: bytes, refs: list[ev.AttachmentRef]) -> str:
    """The hidden field's value for documents stored for this form ('' for none)."""
    if not refs:
        return ""
    payload = base64.urlsafe_b64encode(msgspec.json.encode(refs)).decode().rstrip("=")
    return f"{payload}.{_mac(secret, payload)}"


def open_documents(secret: bytes, sealed: str) -> list[ev.AttachmentRef]:
    """The documents in a hidden field; none when it is empty, altered or not ours."""
    payload, _, mac = sealed.strip().partition(".")
    if not payload or not hmac.compare_digest(_mac(secret, payload), mac):
        return []
    try:
        raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        return msgspec.json.decode(raw, type=list[ev.AttachmentRef])
    except (ValueError, msgspec.DecodeError):
        return []


def _mac(secret: bytes, payload: str) -> str:
    return hmac.new(secret, _LABEL + payload.encode(), hashlib.sha256).hexdigest()
