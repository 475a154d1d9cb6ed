"""The stack's all-roles staff token: KLACHTEN_STAFF_TOKEN when set, else the one `klachten up`
made on its first start in the data folder (credentials/staff-token, 0600)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from services.reporting.settings import ReportingSettings

TOKEN_FILE = Path("credentials") / "staff-token"


def staff_token(data_dir: Path, configured: str | None = None) -> tuple[str, str]:
    """(token, where it comes from): `configured` (default: the settings' KLACHTEN_STAFF_TOKEN),
    else the token kept in the data dir, made now if there is none."""
    configured = ReportingSettings.from_env().staff_token if configured is None else configured
    if configured:
        return configured, "from KLACHTEN_STAFF_TOKEN"
    path = data_dir / TOKEN_FILE
    existing = read_token(data_dir)
    if existing:
        return existing, f"in {path}"
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    token = secrets.token_urlsafe(32)
    # O_EXCL with mode 0600: the secret is never readable by others, not even for a moment.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(token + "\n")
    return token, f"in {path} (new)"


def read_token(data_dir: Path) -> str | None:
    """The token kept in `data_dir`, None when there is none (yet)."""
    try:
        return (data_dir / TOKEN_FILE).read_text().strip() or None
    except OSError:
        return None
