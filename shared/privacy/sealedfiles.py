"""Documents sealed in the ATTACHMENTS object store, shredded with their complainant.

Each document is encrypted (AES-256-GCM) with a key of its own, made when it is stored, under
a random object name (``sealed/<hex>``; the name is the associated data, so bytes moved under
another name do not open). The key is written only into the document's `AttachmentRef`
(``key``), which events carry inside their personal part, sealed with the complainant's key
(shared/eventstore/mapper.py). Destroying the complainant's key (erasure, retention) therefore
makes the document's key, and so its bytes, unreadable wherever they are left: in the object
store's block files after a purge (JetStream frees a purged message's bytes only when the
block is compacted or removed), in a backup, in a snapshot of the data folder.

A web form that is never sent leaves a sealed object whose key nobody holds.

Documents stored before sealing (``key`` None, names ``sha256/<hex>``) stay readable as
plaintext: their references are in events already written, which cannot be rewritten with a
key, so there is no migration; erasure deletes their objects as before.
"""

from __future__ import annotations

import base64
import os
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from shared.contract import events as ev

MAGIC = b"klachten-sealed-document/1\n"
NONCE_BYTES = 12


class DocumentUnreadable(RuntimeError):
    """The stored bytes do not open with the reference's key (altered, or another object)."""


def new_name() -> str:
    """A fresh object name that says nothing of the document or its sender."""
    return f"sealed/{secrets.token_hex(16)}"


def seal(data: bytes, name: str) -> tuple[str, bytes]:
    """(the document's key, base64; the bytes to store under `name`)."""
    key = AESGCM.generate_key(bit_length=256)
    nonce = os.urandom(NONCE_BYTES)
    stored = MAGIC + nonce + AESGCM(key).encrypt(nonce, data, name.encode())
    return base64.b64encode(key).decode(), stored


def open_document(ref: ev.AttachmentRef, stored: bytes) -> bytes:
    """The document's bytes: opened with the reference's key, or as stored (before sealing)."""
    if ref.key is None:
        return stored
    if not stored.startswith(MAGIC):
        raise DocumentUnreadable(f"{ref.object_name}: not a sealed document")
    body = stored[len(MAGIC) :]
    try:
        return AESGCM(base64.b64decode(ref.key)).decrypt(
            body[:NONCE_BYTES], body[NONCE_BYTES:], ref.object_name.encode()
        )
    except (InvalidTag, ValueError) as e:
        raise DocumentUnreadable(f"{ref.object_name}: does not open with its key") from e
