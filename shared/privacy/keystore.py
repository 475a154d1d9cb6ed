"""The key store of crypto-shredding: one AES-256 key per complainant, kept apart from the log.

A JetStream KV bucket (``KLACHTEN_KEYS``, history 1, file storage; back it up separately from
the COMPLAINTS stream) holds:

- ``key.<key_id>``        → {"key": base64, "subject": pseudonym or null, "created_at": …}
- ``subject.<pseudonym>`` → {"key_id", "lookup"}   (the complainant's key, and the lookup's
  name, so destroying the key finds the lookup; made with the pseudonym. Before Dec 2026: the
  key id alone, with a ``pseudonym.<pseudonym>`` entry for the lookup)
- ``complaint.<id>``      → key_id   (complaints before Dec 2026, and a complaint whose first
  fact has no sealed part; otherwise the submitted fact's ``sealed.key_id`` names the key)
- ``lookup.<keyed hash of the address>`` → pseudonym   (random; shared/privacy/pseudonym.py)
- ``pseudonym.<pseudonym>`` → the lookup's name   (pseudonyms made before Dec 2026 only)
- ``erased.<key_id>``     → {"at", "actor", "reason"}  (tombstone: the key was destroyed)

Destroying a key writes the tombstone first, then erases the key's message, its pseudonym
mapping and the pseudonym's lookup entries (the bucket's stream allows message deletion, which
overwrites the bytes on disk): nothing then links the address to the pseudonym in the events.
Every entry is write-once: the stream keeps one message per subject and refuses a second one
(``discard_new_per_subject``) and any rollup, so a writer that may create keys (intake) can
neither overwrite nor delete nor purge one; only message deletion, granted to the privacy
principal alone (shared/config/permissions.py), removes a key.

A key that is absent *without* a tombstone is an inconsistency (a key store restored from an
old backup?) and raises `KeyMissing`, never a silent "erased". Every read asks
the bucket's stream leader, not any replica: a replica that has not yet applied a key written a
moment ago must not pass for a key store that lacks it.

Keys are cached in memory for ``ttl`` seconds (the setting ``KLACHTEN_KEY_CACHE_SECONDS``,
default 30; a caller without its settings gets the shared settings' value): `destroy` clears
this process's cache at once; other processes stop using a destroyed key within the TTL.
(About 460 lines: every entry of the bucket is made and destroyed here, in one place.)
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import threading
import time
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Any, TypeVar
from uuid import uuid4

from nats.js.errors import KeyNotFoundError, KeyWrongLastSequenceError, NotFoundError
from nats.js.kv import KeyValue

from shared.config.settings import Settings
from shared.contract import subjects
from shared.eventstore.link import (
    JetStreamError,
    JetStreamLink,
    Unavailable,
    create_or_read,
    leader_reads,
)

T = TypeVar("T")
BUCKET = "KLACHTEN_KEYS"
KEY_BYTES = 32
DEFAULT_TTL = 30.0
MSG_DELETE_FAILED = 10057  # e.g. "no message found"
NO_MESSAGE, NO_STREAM = 10037, 10059


# The cache is per process, so a key destroyed through any KeyStore of this process is never
# served again by another one (e.g. the erasure CLI and a service in the same interpreter).
_CACHE: dict[tuple[str, str], tuple[float, bytes]] = {}
_DESTROYED: set[tuple[str, str]] = set()
_LOCK = threading.Lock()


def forget(bucket: str, key_id: str) -> None:
    with _LOCK:
        _CACHE.pop((bucket, key_id), None)
        _DESTROYED.add((bucket, key_id))


class KeyStoreError(RuntimeError):
    """Base of the key store's errors."""


class KeyStoreUnavailable(KeyStoreError, Unavailable):
    """The key store cannot be reached: nothing is sealed, written or shown in plaintext."""


class KeyDestroyed(KeyStoreError):
    """The key was destroyed on purpose (erasure or retention)."""


class KeyMissing(KeyStoreError):
    """No key and no record of its destruction: the key store is not the one of this log."""


def bucket_config(bucket: str = BUCKET, replicas: int = 1) -> dict[str, Any]:
    """A KV bucket's stream, like nats-py creates it, but with message deletion allowed (secure
    erase) and every subject write-once (no put, delete or purge marker over an entry)."""
    return {
        "name": f"KV_{bucket}",
        "subjects": [f"$KV.{bucket}.>"],
        "retention": "limits",
        "storage": "file",
        "num_replicas": replicas,
        "max_msgs_per_subject": 1,
        "max_age": 0,
        "discard": "new",
        "discard_new_per_subject": True,
        "allow_rollup_hdrs": False,
        "deny_delete": False,
        "deny_purge": False,
        "allow_direct": True,
    }


class KeyStore:
    def __init__(
        self,
        link: JetStreamLink | Callable[[], JetStreamLink],
        bucket: str = BUCKET,
        ttl: float | None = None,
    ) -> None:
        self._link_source = link
        self.bucket = bucket
        self.ttl = Settings.from_env(credentials=False).key_cache_seconds if ttl is None else ttl
        self._ids: dict[str, str] = {}  # complaint id -> key id (never changes once written)
        # Pseudonyms whose key this process just made or read (pseudonym → key id): their
        # complaint's sealing reads nothing more (issue 23: round trips).
        self._made: dict[str, str] = {}
        self._linked: set[str] = set()  # pseudonyms whose link to the lookup this process saw
        self._kv: KeyValue | None = None

    # --- plumbing --------------------------------------------------------------------------

    @property
    def link(self) -> JetStreamLink:
        source = self._link_source
        if not isinstance(source, JetStreamLink):
            try:
                source = source()
            except Exception as e:
                raise KeyStoreUnavailable(f"key store: cannot connect to NATS: {e!r}") from e
            self._link_source = source
        return source

    def _run(self, make: Callable[[KeyValue], Coroutine[Any, Any, T]]) -> T:
        link = self.link

        async def call() -> T:
            return await make(await self._bucket())

        try:
            return link.run(call(), timeout=link.timeout * 2 + 1)
        except (KeyStoreError, KeyNotFoundError, KeyWrongLastSequenceError):
            raise
        except Exception as e:
            raise KeyStoreUnavailable(
                f"key store {self.bucket} unavailable ({type(e).__name__}: {e}); "
                "nothing was written and no personal data is shown"
            ) from e

    async def _bucket(self) -> KeyValue:
        if self._kv is None:
            js = self.link.nc.jetstream(timeout=self.link.timeout)
            try:
                kv = await js.key_value(self.bucket)
            except NotFoundError:
                await self._create()
                kv = await js.key_value(self.bucket)
            # A key is read right after it is created (sealing a new complaint), maybe by
            # another process: only the bucket's leader surely holds it.
            self._kv = leader_reads(kv)
        return self._kv

    async def _create(self) -> None:
        name = f"KV_{self.bucket}"
        try:
            await self.link.api(f"STREAM.CREATE.{name}", bucket_config(self.bucket))
        except JetStreamError as e:
            if e.err_code != 10058:  # created by someone else meanwhile
                raise

    def ensure(self) -> None:
        """Create the bucket when missing (idempotent)."""
        self._run(lambda kv: _noop())

    # --- reading ---------------------------------------------------------------------------

    def key(self, key_id: str) -> bytes:
        """The key; `KeyDestroyed` after erasure, `KeyMissing` when it never was here."""
        now = time.monotonic()
        with _LOCK:
            cached = _CACHE.get((self.bucket, key_id))
            if cached is not None and now - cached[0] < self.ttl:
                return cached[1]
        record = self._get_json(f"key.{key_id}")
        if record is None:
            tombstone = self.erasure_of(key_id)
            if tombstone is not None:
                raise KeyDestroyed(f"key {key_id} was destroyed at {tombstone.get('at')}")
            raise KeyMissing(
                f"key {key_id} is not in {self.bucket} (asked its stream leader, not a replica) "
                "and no erasure is recorded: is this the key store of this log (restored from "
                "an older backup?)"
            )
        key = base64.b64decode(record["key"])
        with _LOCK:
            if (self.bucket, key_id) not in _DESTROYED:
                _CACHE[(self.bucket, key_id)] = (now, key)
        return key

    def erasure_of(self, key_id: str) -> dict[str, Any] | None:
        return self._get_json(f"erased.{key_id}")

    def key_id_of_complaint(self, complaint_id: str) -> str | None:
        """The key its submitted fact was sealed with (read from the log's leader), else the
        binding complaints of before Dec 2026 got (``complaint.<id>``), else None."""
        if complaint_id in self._ids:
            return self._ids[complaint_id]
        found = self._sealed_with(complaint_id) or self._get_text(f"complaint.{complaint_id}")
        if found is not None:
            self._ids[complaint_id] = found
        return found

    def _sealed_with(self, complaint_id: str) -> str | None:
        """The key id in the complaint's first fact, ``submitted`` (version 1); None when the
        log has none (or no such stream here) or it was not sealed."""
        subject = subjects.event_subject(complaint_id, 1, "submitted")

        async def get(kv: KeyValue) -> dict[str, Any] | None:
            try:
                return await self.link.api(
                    f"STREAM.MSG.GET.{subjects.COMPLAINTS_STREAM}", {"last_by_subj": subject}
                )
            except JetStreamError as e:
                if e.err_code in (NO_MESSAGE, NO_STREAM):
                    return None
                raise

        reply = self._run(get)
        if reply is None:
            return None
        body = json.loads(base64.b64decode(reply["message"]["data"]))
        if body.get("complaint_id") != complaint_id:
            return None  # not this complaint's fact: never trust it for a key
        return (body.get("sealed") or {}).get("key_id")

    def key_id_of_subject(self, subject_key: str) -> str | None:
        text = self._get_text(f"subject.{subject_key}")
        return None if text is None else _subject_entry(text)[0]

    def pseudonym_of(self, lookup: str) -> str | None:
        return self._get_text(f"lookup.{lookup}")

    def pseudonym_for(self, lookup: str, legacy: str | None = None) -> str:
        """The pseudonym of the address whose lookup entry is `lookup`, made on first use:
        random, or `legacy` (the keyed hash of events written before) while a key is still
        kept under it, so an earlier complainant's complaints stay grouped.

        A new pseudonym's key is made here, right after its lookup (issue 23: one entry less
        per new complainant): its ``subject.`` entry names the lookup, which the back-reference
        entry did before, so destroying the key still finds the lookup."""
        found, legacy_keyed = self._probe(lookup, legacy)
        if found is None:
            kept = legacy is not None and legacy_keyed
            fresh = legacy if kept and legacy else secrets.token_hex(32)
            found = self._create_or_read(f"lookup.{lookup}", fresh)
            if found == fresh and not kept:  # made here: nobody else has a key for it
                self._remember_key(found, self._link_key(found, lookup, None))
                self._remember_linked(found)
                return found
        if found not in self._linked:
            self._link(found, lookup)
            self._remember_linked(found)
        return found

    def _link(self, pseudonym: str, lookup: str) -> None:
        """Whatever destroying the pseudonym's key needs to find `lookup`: its ``subject.``
        entry naming it, or the back-reference of a pseudonym made before Dec 2026. Made
        here when its maker stopped before (or is still making it)."""
        text = self._get_text(f"subject.{pseudonym}")
        if text is None:
            self._remember_key(pseudonym, self._link_key(pseudonym, lookup, None))
            return
        key_id, named = _subject_entry(text)
        if named is None and self._get_text(f"pseudonym.{pseudonym}") is None:
            self._create_or_read(f"pseudonym.{pseudonym}", lookup)  # made before Dec 2026
        self._remember_key(pseudonym, key_id)

    def _link_key(self, pseudonym: str, lookup: str | None, key_id: str | None) -> str:
        """The pseudonym's key: a new one bound by ``subject.`` (naming `lookup`), or the one
        a concurrent maker bound first (the loser's key stays unused, as before)."""
        key_id = key_id or self._new_key(pseudonym)
        value = json.dumps({"key_id": key_id, "lookup": lookup}) if lookup else key_id
        won = self._create_or_read(f"subject.{pseudonym}", value)
        bound, named = _subject_entry(won)
        if lookup and named is None and bound != key_id:  # bound by code of before Dec 2026
            self._create_or_read(f"pseudonym.{pseudonym}", lookup)
        return bound

    def _remember_key(self, pseudonym: str, key_id: str) -> None:
        if len(self._made) > 10_000:
            self._made.clear()  # only a saving: forgetting costs a read
        self._made[pseudonym] = key_id

    def _remember_linked(self, pseudonym: str) -> None:
        if len(self._linked) > 100_000:
            self._linked.clear()  # only a saving: forgetting costs a read
        self._linked.add(pseudonym)

    def _probe(self, lookup: str, legacy: str | None) -> tuple[str | None, bool]:
        """The lookup entry and whether the legacy pseudonym has a key, in one direct batch
        get (no error counted for a miss). Any replica may answer: a lookup it lacks is then
        created and refused, and the winner read from the leader; a legacy key is old."""
        names = [f"lookup.{lookup}"] + ([f"subject.{legacy}"] if legacy else [])
        prefix = f"$KV.{self.bucket}."
        request = {"multi_last": [prefix + n for n in names], "batch": len(names)}

        async def get(kv: KeyValue) -> dict[str, bytes] | None:
            try:
                found = await self.link.direct_batch(f"KV_{self.bucket}", request)
            except JetStreamError:
                return None  # no batch gets here (an older server): read from the leader
            return {m.subject.removeprefix(prefix): m.data for m in found if m.data}

        found = self._run(get)
        if found is None:
            keyed = legacy is not None and self.key_id_of_subject(legacy) is not None
            return self.pseudonym_of(lookup), keyed
        value = found.get(f"lookup.{lookup}")
        return (value.decode() if value else None), f"subject.{legacy}" in found

    # --- writing ---------------------------------------------------------------------------

    def key_for_complaint(self, complaint_id: str, subject_key: str | None = None) -> str:
        """The complaint's key id; bound on first use to the complainant's key (or a new one)."""
        if complaint_id in self._ids:
            return self._ids[complaint_id]
        if subject_key is not None:
            # The submission, the complaint's first event: the complainant's key, and no
            # binding entry (issue 23: a message and an fsync less): the sealed fact names its
            # key, and later facts find it there (`key_id_of_complaint`). A retry after a crash
            # finds the same complainant's same key.
            made = self._made.pop(subject_key, None)  # by `pseudonym_for` a moment ago
            key_id = made if made is not None else self._key_for_subject(subject_key)
            self._ids[complaint_id] = key_id
            return key_id
        found = self.key_id_of_complaint(complaint_id)
        if found is not None:
            return found
        key_id = self._new_key(None)  # a complaint whose first fact holds no sealed part
        bound = self._ids[complaint_id] = self._create_or_read(f"complaint.{complaint_id}", key_id)
        return bound

    def _key_for_subject(self, subject_key: str) -> str:
        found = self.key_id_of_subject(subject_key)
        if found is not None:
            return found
        return self._link_key(subject_key, None, None)  # no lookup (events of before)

    def _new_key(self, subject_key: str | None) -> str:
        key_id = f"k{uuid4().hex}"
        record = {
            "key": base64.b64encode(os.urandom(KEY_BYTES)).decode(),
            "subject": subject_key,
            "created_at": datetime.now(UTC).isoformat(),
        }
        self._run(lambda kv: kv.create(f"key.{key_id}", json.dumps(record).encode()))
        with _LOCK:  # sealing reads it next: no read back
            _CACHE[(self.bucket, key_id)] = (time.monotonic(), base64.b64decode(record["key"]))
        return key_id

    def _create_or_read(self, name: str, value: str) -> str:
        """Create-only; a concurrent writer's value wins (the loser's key stays unused)."""
        return self._run(lambda kv: create_or_read(kv, name, value.encode())).decode()

    def destroy(self, key_id: str, *, actor: str, reason: str, at: datetime) -> bool:
        """Destroy the key (idempotent). True when this call destroyed it."""
        forget(self.bucket, key_id)
        tombstone = {"at": at.isoformat(), "actor": actor, "reason": reason}
        try:
            self._run(lambda kv: kv.create(f"erased.{key_id}", json.dumps(tombstone).encode()))
            fresh = True
        except KeyWrongLastSequenceError:
            fresh = False
        self._run(lambda kv: self._shred(kv, key_id))
        forget(self.bucket, key_id)
        return fresh

    async def _shred(self, kv: KeyValue, key_id: str) -> None:
        try:
            entry = await kv.get(f"key.{key_id}")
        except KeyNotFoundError:
            return
        subject = json.loads(entry.value or b"{}").get("subject")
        # Overwrite the key's bytes on disk; the pseudonym's mapping goes the same way.
        await self._delete_message(entry.revision)
        if subject:
            lookup = None
            try:
                mapped = await kv.get(f"subject.{subject}")
                bound, lookup = _subject_entry((mapped.value or b"").decode())
                if bound == key_id:
                    await self._delete_message(mapped.revision)
            except KeyNotFoundError:
                pass
            if lookup:
                await self._shred_lookup_entry(kv, lookup, subject)
            await self._shred_lookup(kv, subject)

    async def _shred_lookup(self, kv: KeyValue, pseudonym: str) -> None:
        """The address's lookup entry and its back-reference (pseudonyms made before Dec
        2026): the pseudonym is unlinkable."""
        try:
            back = await kv.get(f"pseudonym.{pseudonym}")
        except KeyNotFoundError:
            return
        await self._shred_lookup_entry(kv, (back.value or b"").decode(), pseudonym)
        await self._delete_message(back.revision)

    async def _shred_lookup_entry(self, kv: KeyValue, lookup: str, pseudonym: str) -> None:
        try:
            entry = await kv.get(f"lookup.{lookup}")
            if (entry.value or b"").decode() == pseudonym:
                await self._delete_message(entry.revision)
        except KeyNotFoundError:
            pass

    async def _delete_message(self, seq: int) -> None:
        try:
            await self.link.api(f"STREAM.MSG.DELETE.KV_{self.bucket}", {"seq": seq})
        except JetStreamError as e:
            if e.err_code != MSG_DELETE_FAILED:  # deleted already by a concurrent erasure
                raise

    # --- helpers ---------------------------------------------------------------------------

    def _get_text(self, name: str) -> str | None:
        async def get(kv: KeyValue) -> str | None:
            try:
                entry = await kv.get(name)
            except KeyNotFoundError:
                return None
            return entry.value.decode() if entry.value else None

        return self._run(get)

    def _get_json(self, name: str) -> dict[str, Any] | None:
        text = self._get_text(name)
        return json.loads(text) if text else None


async def _noop() -> None:
    return None


def _subject_entry(text: str) -> tuple[str, str | None]:
    """(key id, lookup name or None) of a ``subject.`` entry (a bare key id before Dec 2026)."""
    if not text.startswith("{"):
        return text, None
    entry = json.loads(text)
    return entry["key_id"], entry.get("lookup")
