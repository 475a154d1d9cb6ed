"""Authorship: every writer signs what it appends with its own Ed25519 key.

The signature is the header ``Klachten-Signature: <key id>:<base64 signature>`` over
``klachten/event/v1\\n<subject>\\n<Klachten-Hash>`` (the chain hash already covers the previous
hash, subject, topic and body), so it sits outside the chain input and adds no field to the
contract. The key id is the first 16 hex digits of sha256 of the raw 32-byte public key.

Keys live per principal (the NATS user: intake, notifier, sla_monitor, privacy) in
``$KLACHTEN_DATA_DIR/keys/<principal>/signing.key`` (0600, folder 0700); the published keyring
``$KLACHTEN_DATA_DIR/keys/writers.json`` lists every key id ever made with its principal and
public key, so old events verify after a key is replaced. In the distributed deployment each
service gets its own key as a secret and only the keyring is shared.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from shared.integrity.keyring import key_id  # one key id for writers' keys and the signer's

SIGNATURE_HEADER = "Klachten-Signature"
KEYRING_FILE = Path("keys") / "writers.json"
KEY_FILE = "signing.key"
Keyring = dict[str, tuple[str, Ed25519PublicKey]]  # key id -> (principal, public key)


def signed_payload(subject: str, chain_hash: str) -> bytes:
    return f"klachten/event/v1\n{subject}\n{chain_hash}".encode()


@dataclass(frozen=True)
class Signer:
    principal: str
    private: Ed25519PrivateKey

    def header(self, subject: str, chain_hash: str) -> str:
        sig = self.private.sign(signed_payload(subject, chain_hash))
        return f"{key_id(self.private.public_key())}:{base64.b64encode(sig).decode()}"


def key_path(data_dir: Path | str, principal: str) -> Path:
    return Path(data_dir) / "keys" / principal / KEY_FILE


def load_signer(data_dir: Path | str | None, principal: str | None) -> Signer | None:
    """The principal's signer, or None when it has no key (a test server without users)."""
    if not data_dir or not principal:
        return None
    try:
        raw = key_path(data_dir, principal).read_bytes()
    except FileNotFoundError:
        return None
    return Signer(principal, Ed25519PrivateKey.from_private_bytes(base64.b64decode(raw)))


def ensure_writer_keys(data_dir: Path | str, principals: list[str]) -> list[str]:
    """Each principal's key (made when missing) and the keyring listing them; the key ids made."""
    ring_path = Path(data_dir) / KEYRING_FILE
    ring = _read_ring(ring_path)
    made = []
    for principal in principals:
        path = key_path(data_dir, principal)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            os.chmod(path.parent, 0o700)
            private = Ed25519PrivateKey.generate()
            raw = private.private_bytes(
                serialization.Encoding.Raw,
                serialization.PrivateFormat.Raw,
                serialization.NoEncryption(),
            )
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as out:
                out.write(base64.b64encode(raw))
        public = load_signer(data_dir, principal).private.public_key()  # type: ignore[union-attr]
        kid = key_id(public)
        if kid not in ring:
            raw_pub = public.public_bytes(
                serialization.Encoding.Raw, serialization.PublicFormat.Raw
            )
            ring[kid] = {"principal": principal, "public_key": base64.b64encode(raw_pub).decode()}
            made.append(kid)
    if made:
        ring_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = ring_path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"keys": ring}, indent=1, sort_keys=True))
        os.replace(tmp, ring_path)
    return made


def _read_ring(path: Path) -> dict[str, dict[str, str]]:
    try:
        return dict(json.loads(path.read_text())["keys"])
    except FileNotFoundError:
        return {}


def load_keyring(path: Path | str) -> Keyring:
    """The published keyring (raises on a missing or broken file: no keyring, no verdict)."""
    return {
        kid: (
            entry["principal"],
            Ed25519PublicKey.from_public_bytes(base64.b64decode(entry["public_key"])),
        )
        for kid, entry in _read_ring(Path(path)).items()
    }


def author(keyring: Keyring, subject: str, chain_hash: str, header: str | None) -> str:
    """The principal whose key made `header` over this event; ValueError says why not."""
    if not header:
        raise ValueError("is not signed by any writer")
    kid, _, sig = header.partition(":")
    if kid not in keyring:
        raise ValueError(f"is signed with key {kid!r}, which is not in the keyring")
    principal, public = keyring[kid]
    try:
        public.verify(base64.b64decode(sig), signed_payload(subject, chain_hash))
    except (InvalidSignature, ValueError) as e:
        raise ValueError(f"has a signature that does not match (claimed writer {principal})") from e
    return principal


def allowed_types(principal: str) -> frozenset[str]:
    """The event types `principal` may append: its NATS allow-list (config/permissions.py)."""
    from shared.config import permissions

    spec = permissions.SPEC.get(principal)
    prefix = "complaints.*.*."
    return (
        frozenset(s.removeprefix(prefix) for s in spec.publish if s.startswith(prefix))
        if (spec)
        else frozenset()
    )


# Who may attest an actor: staff and complainants authenticate at intake, nowhere else.
ATTESTED_BY = {"staff:": "intake", "complainant": "intake"}


def attestation_problem(actor: str, principal: str) -> str | None:
    for prefix, attester in ATTESTED_BY.items():
        if actor.startswith(prefix) and principal != attester:
            return f"claims actor {actor!r}, which only {attester} can attest"
    return None


def writers() -> list[str]:
    """Every principal that may append events (each gets its own signing key)."""
    from shared.config import permissions

    return [p for p in permissions.USERS if allowed_types(p)]
