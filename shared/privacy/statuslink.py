"""The complainant's private status link: ``/status/<complaint_id>/<token>``.

token = the issue day (``YYYYMMDD``) followed by the first 128 bits of HMAC-SHA256 of
``<complaint id>:<issue day>`` under a secret
(the setting ``KLACHTEN_STATUS_LINK_SECRET``, else a random one kept in
``$KLACHTEN_DATA_DIR/credentials/status-link-secret``, mode 0600). It cannot be guessed from the
reference or the id; intake (which serves the page) and the notifier (which puts the link in
letters) share the secret through the data directory or their settings.

A link is valid for ``VALID_DAYS`` days from its issue day (the day is inside the HMAC, so it
cannot be moved); an expired one, and a link of the old format without a day, opens a page that
offers a fresh link (docs/security.md). ``redact`` keeps tokens out of logs and traces.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Literal
from uuid import UUID

from shared.config.settings import Settings

SECRET_ENV = "KLACHTEN_STATUS_LINK_SECRET"  # the setting `status_link_secret`
SECRET_FILE = Path("credentials") / "status-link-secret"
TOKEN_HEX = 32  # 128 bits
VALID_DAYS = 90
LinkState = Literal["valid", "expired", "invalid"]
_TOKEN = re.compile(r"(?P<day>\d{8})(?P<mac>[0-9a-f]{32})")
_IN_PATH = re.compile(r"(/status/[0-9a-fA-F-]{36}/)[0-9a-fA-F]{32,40}")


def link_secret(data_dir: Path, configured: str | None = None) -> bytes:
    """The configured secret (`settings.status_link_secret`; None: the shared settings'), else
    the one kept in the data directory (made once, 0600)."""
    if configured is None:
        configured = Settings.from_env(credentials=False).status_link_secret
    configured = configured.strip()
    if configured:
        return configured.encode()
    path = data_dir / SECRET_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32) + "\n")
        try:
            os.link(draft, path)  # atomic: of two starting instances exactly one wins
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip().encode()


def issue_day(moment: datetime | date) -> date:
    return moment.date() if isinstance(moment, datetime) else moment


def _mac(secret: bytes, message: str) -> str:
    return hmac.new(secret, message.encode(), hashlib.sha256).hexdigest()[:TOKEN_HEX]


def link_token(secret: bytes, complaint_id: UUID, issued: datetime | date) -> str:
    day = issue_day(issued)
    return f"{day:%Y%m%d}" + _mac(secret, f"{complaint_id}:{day.isoformat()}")


def link_state(
    secret: bytes, complaint_id: UUID, token: str, today: date, valid_days: int = VALID_DAYS
) -> LinkState:
    """Valid, expired (too old, or an old-format link without an issue day) or invalid."""
    token = token.strip().lower()
    if len(token) == TOKEN_HEX:  # before links carried their issue day: expired, genuine or not
        legacy = _mac(secret, str(complaint_id))
        return "expired" if hmac.compare_digest(legacy, token) else "invalid"
    found = _TOKEN.fullmatch(token)
    if found is None:
        return "invalid"
    try:
        day = datetime.strptime(found["day"], "%Y%m%d").date()
    except ValueError:
        return "invalid"
    if not hmac.compare_digest(link_token(secret, complaint_id, day), token):
        return "invalid"
    return "valid" if day <= today < day + timedelta(days=valid_days) else "expired"


def status_path(secret: bytes, complaint_id: UUID, issued: datetime | date) -> str:
    return f"/status/{complaint_id}/{link_token(secret, complaint_id, issued)}"


def redact(text: str) -> str:
    """Every ``/status/<id>/<token>`` in `text` with the token replaced by ``***``."""
    return _IN_PATH.sub(r"\1***", text)
