"""Version ids for rule data: the declared version plus a hash of the parsed content, so an
edited file without a new version number is still told apart (comments and layout do not
change the hash)."""

from __future__ import annotations

import hashlib
from typing import Any

import msgspec


def content_hash(value: Any) -> str:
    return hashlib.sha256(msgspec.json.encode(value, order="deterministic")).hexdigest()[:12]


def version_id(version: str, content: Any) -> str:
    return f"{version}#{content_hash(content)}"
