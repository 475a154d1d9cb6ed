"""The complainant's private status link: ``/status/<complaint_id>/<token>``.

token = the first 128 bits of HMAC-SHA256 of the complaint id under a secret
(``KLACHTEN_STATUS_LINK_SECRET``, else a random one kept in
``$KLACHTEN_DATA_DIR/credentials/status-link-secret``, mode 0600). It cannot be guessed from the
reference or the id; intake (which serves the page) and the notifier (which puts the link in
letters) share the secret through the data directory or the environment.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path
from uuid import UUID

SECRET_ENV = "KLACHTEN_STATUS_LINK_SECRET"
SECRET_FILE = Path("credentials") / "status-link-secret"
TOKEN_HEX = 32  # 128 bits


def link_secret(data_dir: Path) -> bytes:
    """The configured secret, else the one kept in the data directory (made once, 0600)."""
    configured = os.environ.get(SECRET_ENV, "").strip()
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


def link_token(secret: bytes, complaint_id: UUID) -> str:
    return hmac.new(secret, str(complaint_id).encode(), hashlib.sha256).hexdigest()[:TOKEN_HEX]


def token_matches(secret: bytes, complaint_id: UUID, token: str) -> bool:
    return hmac.compare_digest(link_token(secret, complaint_id), token.strip().lower())


def status_path(secret: bytes, complaint_id: UUID) -> str:
    return f"/status/{complaint_id}/{link_token(secret, complaint_id)}"
