"""Who a complainant is: their e-mail identity and their pseudonym in the log.

**Identity.** Two addresses are one complainant when `normalise_email` makes them equal: the
domain is lower-cased (DNS names have no case), the local part too (every mail provider we know
delivers ``Jan@`` and ``jan@`` to one mailbox, and erasing "jan@" must not miss "Jan@"), both in
Unicode NFC. Nothing is *folded*: ``str.lower`` maps a letter to its lower case only, so
``straße@`` and ``strasse@`` stay two people (``casefold`` would merge them, and erasing one
would erase the other).

**Pseudonym.** The ``subject_key`` of a ``submitted`` event groups one complainant's
complaints. It is random (``secrets.token_hex``), kept in the key store and found through a
lookup entry named by a keyed hash of the address (shared/privacy/keystore.py
``pseudonym_for``); destroying the complainant's key deletes both entries, so afterwards
nothing links the address to the pseudonym in the events: the operator, who holds the hash's
secret, cannot re-link an erased person to their complaints.

Events written before this change carry the old pseudonym, an HMAC of the address with the
global secret (`subject_key_for`). They keep it (the log is immutable); erasure by address
still finds them by computing it, and a complainant of before keeps that value as their
pseudonym (so their complaints stay grouped) until they are erased. For them the operator can
still re-link by recomputing the HMAC: that is written in docs/security.md.

Settings (shared/config/settings.py):
    KLACHTEN_PSEUDONYM_SECRET   the keyed hash's secret; else a generated file
                                $KLACHTEN_DATA_DIR/keys/pseudonym.secret (mode 0600)
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import unicodedata
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from shared.config.settings import Settings

if TYPE_CHECKING:
    from shared.privacy.keystore import KeyStore


def normalise_email(email: str) -> str:
    """The address as one identity: NFC, surrounding space off, lower case, never folded."""
    text = unicodedata.normalize("NFC", email.strip())
    local, at, domain = text.rpartition("@")
    if not at:
        return text.lower()
    return f"{local.lower()}@{domain.lower()}"


def same_email(given: str, stored: str) -> bool:
    """Constant-time: do two addresses name the same complainant (`normalise_email`)?"""
    return hmac.compare_digest(normalise_email(given).encode(), normalise_email(stored).encode())


@lru_cache(maxsize=8)
def _secret(env_secret: str | None, data_dir: str) -> bytes:
    if env_secret:
        return env_secret.encode()
    path = Path(data_dir) / "keys" / "pseudonym.secret"
    if not path.exists():
        # Written whole under a private name, then linked into place: the link either makes
        # the file, complete, or finds one a concurrent first submission made (both then read
        # that one); never an empty or half-written secret, never an error.
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip().encode()


def pseudonym_secret(
    env: Mapping[str, str] | None = None, *, settings: Settings | None = None
) -> bytes:
    """The secret `settings` name (default: the shared settings `env` gives, the process's
    environment when None), else the one kept in their data directory (made once, 0600)."""
    if settings is None:
        settings = Settings.from_env(env, credentials=False)
    return _secret(settings.pseudonym_secret or None, str(settings.data_dir))


def subject_key_for(email: str, secret: bytes | None = None) -> str | None:
    """The pseudonym of events written before random pseudonyms: HMAC-SHA256(secret, address).
    Only read now (erasure finds old events by it); None for a blank address."""
    normalised = normalise_email(email)
    if not normalised:
        return None
    key = pseudonym_secret() if secret is None else secret
    return hmac.new(key, normalised.encode(), hashlib.sha256).hexdigest()


def lookup_name(email: str, secret: bytes | None = None) -> str | None:
    """The name of the key store's lookup entry of an address (a keyed hash, never stored in
    an event); None for a blank address."""
    normalised = normalise_email(email)
    if not normalised:
        return None
    key = pseudonym_secret() if secret is None else secret
    return hmac.new(key, b"lookup\0" + normalised.encode(), hashlib.sha256).hexdigest()


def complainant_pseudonym(
    email: str, keystore: KeyStore | None, secret: bytes | None = None
) -> str | None:
    """The complainant's pseudonym for a new ``submitted`` event: random, kept in the key store
    (made on their first complaint). Without a key store nothing is sealed and nothing can be
    erased: the keyed hash is used as before."""
    lookup = lookup_name(email, secret)
    if lookup is None:
        return None
    legacy = subject_key_for(email, secret)
    if keystore is None:
        return legacy
    return keystore.pseudonym_for(lookup, legacy)


def pseudonyms_of(email: str, keystore: KeyStore, secret: bytes | None = None) -> set[str]:
    """Every pseudonym the address's complaints may carry: the one in the key store (while the
    complainant is not erased) and the keyed hash of events written before."""
    found = {subject_key_for(email, secret)}
    lookup = lookup_name(email, secret)
    if lookup is not None:
        found.add(keystore.pseudonym_of(lookup))
    return {p for p in found if p}
