"""The checkpoint signer's keys: kept apart from the data folder, in a keyring auditors check.

The signer folder is the setting ``KLACHTEN_SIGNER_DIR``, else
``$XDG_CONFIG_HOME/klachten/signer/<id>`` (``~/.config`` by default; ``<id>`` names the data
folder, one signer per stack). It holds

    signing.pem    the current private key (PKCS#8 PEM, 0600, folder 0700)
    keyring.json   every public key ever used, oldest first, each newer one with a rotation
                   record signed by its predecessor (docs/verification.md, "Keyring")

A key is made only by `init` (no keyring yet) or `rotate`. A keyring without its private key is
a loud refusal (`MissingSigningKey`): a silently regenerated key would make every earlier
checkpoint fail, or worse, let an insider start a fresh chain unnoticed.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from shared.config.settings import Settings

FORMAT = "klachten.keyring/1"
ROTATION = "klachten.key-rotation/1"
PRIVATE = "signing.pem"
KEYRING = "keyring.json"


class KeyringError(Exception):
    """A keyring that cannot be trusted or a key that is not there: refuse, loudly."""


class MissingSigningKey(KeyringError):
    pass


def signer_dir(
    data_dir: Path, env: Mapping[str, str] | None = None, *, settings: Settings | None = None
) -> Path:
    """The signer folder of the stack in `data_dir`, as `settings` say (default: the shared
    settings `env` gives, the process's environment when None)."""
    if settings is None:
        settings = Settings.from_env(env, credentials=False)
    if settings.signer_dir:
        return Path(settings.signer_dir)
    stack = hashlib.sha256(str(data_dir.resolve()).encode()).hexdigest()[:12]
    return settings.config_folder / "klachten" / "signer" / stack


def raw(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(key: Ed25519PublicKey) -> str:
    """The first 16 hex digits of sha256 over the 32 raw bytes of the public key."""
    return hashlib.sha256(raw(key)).hexdigest()[:16]


def rotation_payload(previous: str, new: str, since: str) -> bytes:
    return f"{ROTATION}\n{previous}\n{new}\n{since}".encode()


@dataclass(frozen=True)
class Keyring:
    keys: dict[str, Ed25519PublicKey]  # key id -> key, oldest first

    @property
    def current(self) -> str:
        return list(self.keys)[-1]

    def public(self, kid: str) -> Ed25519PublicKey | None:
        return self.keys.get(kid)

    @classmethod
    def of(cls, *keys: Ed25519PublicKey) -> Keyring:
        return cls({key_id(k): k for k in keys})


def parse(document: dict[str, object]) -> Keyring:
    """A keyring whose every rotation is signed by the key before it; else KeyringError."""
    if document.get("format") != FORMAT or not isinstance(document.get("keys"), list):
        raise KeyringError(f"not a {FORMAT} document")
    keys: dict[str, Ed25519PublicKey] = {}
    previous: tuple[str, Ed25519PublicKey] | None = None
    for entry in document["keys"]:  # type: ignore[attr-defined]
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(entry["public_key"]))
        kid = key_id(key)
        if kid != entry["key_id"]:
            raise KeyringError(f"key {entry['key_id']}: its id does not match its public key")
        if previous is not None:
            payload = rotation_payload(previous[0], kid, entry["since"])
            try:
                previous[1].verify(base64.b64decode(entry.get("rotation_signature", "")), payload)
            except (InvalidSignature, ValueError):
                raise KeyringError(
                    f"key {kid}: its rotation is not signed by the key before it ({previous[0]})"
                ) from None
        keys[kid] = key
        previous = (kid, key)
    if not keys:
        raise KeyringError("the keyring lists no key")
    return Keyring(keys)


def load(path: Path) -> Keyring:
    """A keyring file; a single public key (PEM) is a keyring of one key."""
    data = path.read_bytes()
    if data.lstrip().startswith(b"-----BEGIN"):
        key = serialization.load_pem_public_key(data)
        if not isinstance(key, Ed25519PublicKey):
            raise KeyringError(f"{path}: not an Ed25519 public key")
        return Keyring.of(key)
    return parse(json.loads(data))


def signing_key(folder: Path, since: str = "") -> Ed25519PrivateKey:
    """The current signing key. Made (with a new keyring) only when the folder has neither."""
    private, ring = folder / PRIVATE, folder / KEYRING
    if not private.exists():
        if ring.exists():
            raise MissingSigningKey(
                f"the signing key {private} is missing while {ring} lists "
                f"{load(ring).current}: restore it from its backup (docs/operations.md, "
                "'Checkpoint signer'); a new key is never made silently"
            )
        return _init(folder, since)
    key = serialization.load_pem_private_key(private.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyringError(f"{private}: not an Ed25519 private key")
    current = load(ring).current if ring.exists() else None
    if current != key_id(key.public_key()):
        raise KeyringError(f"{private} is not the keyring's current key ({current})")
    return key


def rotate(folder: Path, since: str) -> Ed25519PrivateKey:
    """A new current key, its rotation record signed by the old one (which must be present)."""
    old = signing_key(folder)
    new = Ed25519PrivateKey.generate()
    document = json.loads((folder / KEYRING).read_text())
    document["keys"].append(_entry(new.public_key(), since, old))
    _write_private(folder, new)
    _write_json(folder / KEYRING, document)
    return new


def _init(folder: Path, since: str) -> Ed25519PrivateKey:
    key = Ed25519PrivateKey.generate()
    _write_private(folder, key)
    _write_json(folder / KEYRING, {"format": FORMAT, "keys": [_entry(key.public_key(), since)]})
    return key


def _entry(
    key: Ed25519PublicKey, since: str, previous: Ed25519PrivateKey | None = None
) -> dict[str, str]:
    entry = {
        "key_id": key_id(key),
        "public_key": base64.b64encode(raw(key)).decode(),
        "since": since,
    }
    if previous is not None:
        payload = rotation_payload(key_id(previous.public_key()), entry["key_id"], since)
        entry["rotation_signature"] = base64.b64encode(previous.sign(payload)).decode()
    return entry


def _write_private(folder: Path, key: Ed25519PrivateKey) -> None:
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(folder, 0o700)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    tmp = folder / (PRIVATE + ".tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, folder / PRIVATE)


def _write_json(path: Path, document: object) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(document, indent=1) + "\n")
    os.replace(tmp, path)
