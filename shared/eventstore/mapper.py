"""Maps Complaint domain events to stored events whose state is the contract's JSON.

The stored bytes are exactly ``shared.contract.events.encode(fact)``, so an analyst reading the
stream sees the published contract, not an opaque blob. Events that are not contract events (e.g.
the library's own) keep eventsourcing's standard mapping.

With a key store (shared/privacy/keystore.py) the mapper seals the ``personal`` member of each fact:
AES-256-GCM with the complaint's complainant key, the nonce random, and the associated data
binding the ciphertext to (complaint id, version, type, key id) so it cannot be moved to
another event. ``personal`` is then stored as null and ``sealed`` carries the ciphertext; every
other field stays plaintext. Reading reverses it; when the key was destroyed the fact comes out
with ``personal=None, erased=True``. When the key store cannot be reached both directions raise
`KeyStoreUnavailable`: nothing is written in plaintext and nothing is shown as erased by mistake.
Without a key store (``KLACHTEN_KEYSTORE=none``, or a reader without keys) nothing is sealed and
sealed facts come out with ``personal=None`` and ``sealed`` set: the keyless, analyst's view.
"""

from __future__ import annotations

import base64
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import msgspec
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate, CanInitAggregate
from eventsourcing.persistence import (
    Cipher,
    Compressor,
    Mapper,
    MapperDeserialisationError,
    StoredEvent,
    Transcoder,
)
from eventsourcing.utils import get_topic, resolve_topic

from shared.contract import events as ev
from shared.eventstore.layout import LoadedEvent, stored_topic
from shared.eventstore.link import JetStreamLink
from shared.privacy.keystore import BUCKET, KeyDestroyed, KeyStore, KeyStoreUnavailable

log = logging.getLogger(__name__)
NONCE_BYTES = 12


@dataclass(frozen=True)
class ContractStoredEvent(StoredEvent):
    """A stored event that knows its event id (used as ``Nats-Msg-Id``)."""

    event_id: str = ""


class ContractMapper(Mapper[Any]):
    def __init__(
        self,
        transcoder: Transcoder,
        compressor: Compressor | None = None,
        cipher: Cipher | None = None,
        keystore: KeyStore | None = None,
    ) -> None:
        super().__init__(transcoder=transcoder, compressor=compressor, cipher=cipher)
        self.keystore = keystore

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        fact = getattr(domain_event, "fact", None)
        if not isinstance(fact, ev.Event):
            return super().to_stored_event(domain_event)
        if self.keystore is not None:
            fact = seal(fact, self.keystore)
        return ContractStoredEvent(
            originator_id=domain_event.originator_id,
            originator_version=domain_event.originator_version,
            topic=stored_topic(type(domain_event)),
            state=ev.encode(fact),
            event_id=str(fact.event_id),
        )

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        try:
            return self._to_domain_event(stored_event)
        except KeyStoreUnavailable:
            raise
        except Exception as e:
            if not isinstance(stored_event, LoadedEvent):
                if isinstance(e, MapperDeserialisationError):
                    raise
                raise MapperDeserialisationError(str(e)) from e
            if stored_event.originator_version == 1:
                # Nothing to fold onto: the complaint is not there (not a 500 on every read).
                log.error("complaint %s has no readable first event (stream sequence %s): %s",
                          stored_event.originator_id, stored_event.seq, e)  # fmt: skip
                raise UnreadableFirstEvent(
                    f"complaint {stored_event.originator_id}: its first event (stream sequence "
                    f"{stored_event.seq}) is unreadable: {e}"
                ) from e
            # Loading a complaint: one bad message keeps its place (its version) and changes
            # nothing, so the complaint stays readable; the reason is logged and kept.
            log.error("skipped stream sequence %s: %s", stored_event.seq, e)
            return Unreadable(
                originator_id=stored_event.originator_id,
                originator_version=stored_event.originator_version,
                timestamp=Unreadable.create_timestamp(),
                seq=stored_event.seq,
                reason=str(e),
            )

    def _to_domain_event(self, stored_event: StoredEvent) -> Any:
        try:
            cls = resolve_topic(stored_event.topic)
        except Exception as e:
            raise MapperDeserialisationError(f"unknown topic {stored_event.topic!r}") from e
        if getattr(cls, "contract", None) is None:
            return super().to_domain_event(stored_event)
        try:
            fact = ev.decode(stored_event.state)
        except Exception as e:
            raise MapperDeserialisationError(
                f"event {stored_event.originator_id} v{stored_event.originator_version}: {e}"
            ) from e
        check_claims(stored_event, cls.contract, fact)
        if fact.sealed is not None and self.keystore is not None:
            fact = unseal(fact, self.keystore)
        return domain_event(cls, fact)


def domain_event(cls: type, fact: ev.Event) -> Any:
    """The aggregate's event `cls` carrying `fact`, as if loaded (also integrity/redecide.py)."""
    state: dict[str, Any] = {
        "originator_id": fact.complaint_id,
        "originator_version": fact.version,
        "timestamp": fact.occurred_at,
        "fact": fact,
    }
    if issubclass(cls, CanInitAggregate):
        state["originator_topic"] = get_topic(_aggregate_of(cls))
    made = object.__new__(cls)
    object.__setattr__(made, "__dict__", state)
    return made


class UnreadableFirstEvent(AggregateNotFoundError):
    """A complaint whose version 1 is not the submission it claims to be: it is not found
    (the application says ComplaintNotFound with this reason; the audit names the message)."""


class Unreadable(Aggregate.Event):
    """A stored message that is not the event it claims to be (or whose sealed part does not
    open): it holds its version in the history and changes nothing but the record of it."""

    seq: int
    reason: str

    def apply(self, aggregate: Any) -> None:
        aggregate.__dict__.setdefault("unreadable", {})[self.seq] = self.reason


def check_claims(stored_event: StoredEvent, contract: type[ev.Event], fact: ev.Event) -> None:
    """A message must be the event its subject, topic and body all say it is (a forged or
    misfiled one would otherwise be folded into a history as something else)."""
    stored_as = (str(stored_event.originator_id), stored_event.originator_version, contract)
    if (str(fact.complaint_id), fact.version, type(fact)) != stored_as:
        raise MapperDeserialisationError(
            f"stored as {stored_as[0]} v{stored_as[1]} {contract.__name__}, but the "
            f"body is {fact.complaint_id} v{fact.version} {type(fact).__name__}"
        )
    token = getattr(stored_event, "event_type", "")
    if token and token != ev.subject_token(contract):
        raise MapperDeserialisationError(
            f"stored as {stored_as[0]} v{stored_as[1]}: the subject says {token!r}, the topic "
            f"and body say {ev.subject_token(contract)!r}"
        )


# --- sealing ---------------------------------------------------------------------------------


def associated_data(fact: ev.Event, key_id: str) -> bytes:
    tag = ev.tag_of(type(fact))
    return f"klachten/v1|{fact.complaint_id}|{fact.version}|{tag}|{key_id}".encode()


def seal(fact: ev.Event, keystore: KeyStore) -> ev.Event:
    """The fact with its personal part encrypted (no-op for facts without personal data)."""
    personal = getattr(fact, "personal", None)
    if personal is None or fact.sealed is not None:
        return fact
    subject_key = fact.subject_key if isinstance(fact, ev.Submitted) else None
    key_id = keystore.key_for_complaint(str(fact.complaint_id), subject_key)
    try:
        key = keystore.key(key_id)
    except KeyDestroyed:
        # The complainant's data was erased: new personal data about them is not recorded.
        log.warning("%s v%s: key destroyed, personal part dropped", fact.complaint_id, fact.version)
        return msgspec.structs.replace(fact, personal=None, erased=True)  # type: ignore[call-arg]
    nonce = os.urandom(NONCE_BYTES)
    ciphertext = AESGCM(key).encrypt(
        nonce, msgspec.json.encode(personal), associated_data(fact, key_id)
    )
    sealed = ev.Sealed(
        key_id=key_id,
        nonce=base64.b64encode(nonce).decode(),
        ciphertext=base64.b64encode(ciphertext).decode(),
    )
    return msgspec.structs.replace(fact, personal=None, sealed=sealed)  # type: ignore[call-arg]


def unseal(fact: ev.Event, keystore: KeyStore) -> ev.Event:
    """The fact with its personal part decrypted, or marked erased when the key is gone."""
    sealed = fact.sealed
    assert sealed is not None
    try:
        key = keystore.key(sealed.key_id)
    except KeyDestroyed:
        return msgspec.structs.replace(fact, personal=None, erased=True)  # type: ignore[call-arg]
    try:
        plain = AESGCM(key).decrypt(
            base64.b64decode(sealed.nonce),
            base64.b64decode(sealed.ciphertext),
            associated_data(fact, sealed.key_id),
        )
    except (InvalidTag, ValueError) as e:
        raise MapperDeserialisationError(
            f"event {fact.complaint_id} v{fact.version}: the sealed personal data does not "
            "authenticate (altered, or moved from another event)"
        ) from e
    personal = _personal_decoder(type(fact)).decode(plain)
    return msgspec.structs.replace(fact, personal=personal)  # type: ignore[call-arg]


@lru_cache(maxsize=32)
def _personal_decoder(cls: type[ev.Event]) -> msgspec.json.Decoder[Any]:
    (field,) = [f for f in msgspec.structs.fields(cls) if f.name == "personal"]
    return msgspec.json.Decoder(field.type)


def _aggregate_of(event_cls: type) -> type:
    """The aggregate class an event class is nested in (``Complaint.Submitted`` → Complaint)."""
    module = __import__(event_cls.__module__, fromlist=["_"])
    return getattr(module, event_cls.__qualname__.split(".")[0])


# --- wiring: the factory and PrivateComplaints give the mapper its key store -------------------


def keystore_from_env(env: Any, link: Callable[[], JetStreamLink]) -> KeyStore | None:
    """The key store the environment asks for; None only for ``KLACHTEN_KEYSTORE=none``."""
    mode = (env.get("KLACHTEN_KEYSTORE") or "nats").strip().lower()
    if mode == "none":
        return None
    if mode != "nats":
        raise ValueError(f"KLACHTEN_KEYSTORE={mode!r}: expected 'nats' or 'none'")
    url = env.get("KLACHTEN_KEYSTORE_URL")
    source: Callable[[], JetStreamLink] = (
        (lambda: JetStreamLink(url, name="klachten-keystore")) if url else link
    )
    return KeyStore(source, env.get("KLACHTEN_KEYS_BUCKET") or BUCKET)


def attach_keystore(
    mapper: Mapper[Any], env: Any, link: Callable[[], JetStreamLink]
) -> Mapper[Any]:
    """Give a contract mapper its key store (idempotent). The persistence factory calls this."""
    if isinstance(mapper, ContractMapper) and mapper.keystore is None:
        mapper.keystore = keystore_from_env(env, link)
    return mapper
