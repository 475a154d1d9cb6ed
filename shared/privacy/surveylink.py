"""The satisfaction survey's private link (issue 18 item 4): ``/survey/<complaint_id>/<token>``.

token = the first 128 bits of HMAC-SHA256 of ``survey:<complaint id>`` under the status link's
secret (shared/privacy/statuslink.py ``link_secret``: the notifier that writes the closure
letter and intake that serves the survey already share it). The ``survey:`` prefix keeps the two
links apart: a survey link never opens the status page, nor the other way round.

No issue day and no expiry: the link allows one answer only, while the complaint is closed and
its personal data kept (shared/rules/surveysteps.py), and shows nothing about the complaint but
its reference. It is the only way to the survey: no cookie, no pixel, no tracking parameter.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from uuid import UUID

TOKEN_HEX = 32  # 128 bits, as the status link
_IN_PATH = re.compile(r"(/survey/[0-9a-fA-F-]{36}/)[0-9a-fA-F]{32}")


def survey_token(secret: bytes, complaint_id: UUID) -> str:
    message = f"survey:{complaint_id}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()[:TOKEN_HEX]


def survey_valid(secret: bytes, complaint_id: UUID, token: str) -> bool:
    return hmac.compare_digest(survey_token(secret, complaint_id), token.strip().lower())


def survey_path(secret: bytes, complaint_id: UUID) -> str:
    return f"/survey/{complaint_id}/{survey_token(secret, complaint_id)}"


def survey_url(public_url: str, secret: bytes, complaint_id: UUID) -> str | None:
    """The whole link for a letter, or None without the shared secret."""
    if not secret:
        return None
    return f"{public_url.rstrip('/')}{survey_path(secret, complaint_id)}"


def redact(text: str) -> str:
    """Every ``/survey/<id>/<token>`` in `text` with the token replaced by ``***``."""
    return _IN_PATH.sub(r"\1***", text)
