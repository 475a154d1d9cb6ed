"""The KV and object store buckets of klachten, provisioned with the admin credential.

Services run under users that may not create streams (shared/config/permissions.py), and every
bucket is a stream: so `klachten up` / `klachten streams` create them beforehand. Like
shared/eventstore/streams.py this is idempotent and never changes an existing bucket."""

from __future__ import annotations

import json
from dataclasses import dataclass

from nats.aio.client import Client as NATS
from nats.js import JetStreamContext
from nats.js.api import KeyValueConfig, ObjectStoreConfig, StorageType
from nats.js.errors import APIError, NotFoundError

from shared.config.permissions import (
    IDEMPOTENCY_BUCKET,
    OUTBOX_BUCKET,
    PRESENCE_BUCKET,
    RATE_BUCKET,
    REFERENCES_BUCKET,
    SEEN_BUCKET,
)
from shared.contract import subjects
from shared.privacy.keystore import BUCKET as KEYS_BUCKET
from shared.privacy.keystore import bucket_config as keys_bucket_config

STREAM_NAME_IN_USE = 10058
# The notifier's outbox only bridges a send and its record (minutes); kept a while for support.
OUTBOX_TTL = 90 * 24 * 3600.0
# Intake's shared rate limits (services/intake/limits.py): the longest window is a day.
RATE_TTL = 24 * 3600.0
# In memory, not on disk (issue 23: a public submission hits two limits, each hit was an
# fsync). What that costs: a nats-server restart forgets the current windows (every client
# starts afresh, as after a day without requests), which is acceptable for abuse limiting; a
# standalone server forgets the bucket itself (a cluster keeps its definition), so intake
# limits per process until provisioning makes it again (`klachten up` after its supervisor
# restarts a server, or `klachten streams`), and then joins it again by itself
# (docs/security.md). Memory is bounded: a full bucket refuses new
# clients' entries and those are then limited per process.
RATE_STORAGE = StorageType.MEMORY
RATE_MAX_BYTES = 64 * 1024 * 1024
# Intake's reference index holds each submission's idempotency claim too, with the key as its
# message id (services/intake/claims.py): within this window a key's second claim is refused
# and names the first (beyond it the log still refuses a second complaint for the key).
CLAIM_WINDOW = 24 * 3600.0
# The workspace's presence heartbeats (every ~20 s): gone a minute after the last one.
PRESENCE_TTL = 60.0


@dataclass(frozen=True)
class ProvisionedBucket:
    name: str
    kind: str  # "kv" | "object store"
    created: bool


async def provision_buckets(nc: NATS, *, replicas: int = 1) -> list[ProvisionedBucket]:
    js = nc.jetstream(timeout=10)
    out: list[ProvisionedBucket] = []
    for name, ttl in (
        (IDEMPOTENCY_BUCKET, None),  # keys claimed before Dec 2026 (services/intake/claims.py)
        (REFERENCES_BUCKET, None),
        (OUTBOX_BUCKET, OUTBOX_TTL),
        (PRESENCE_BUCKET, PRESENCE_TTL),  # direct gets: who has a case open, in one batch
        (SEEN_BUCKET, None),
    ):
        try:
            await js.key_value(name)
            out.append(ProvisionedBucket(name, "kv", False))
        except NotFoundError:
            config = KeyValueConfig(
                bucket=name, history=1, storage=StorageType.FILE, replicas=replicas, ttl=ttl,
                direct=name in (PRESENCE_BUCKET, SEEN_BUCKET) or None,
            )  # fmt: skip
            await js.create_key_value(config=config)
            out.append(ProvisionedBucket(name, "kv", True))
    await claims_window(js)
    out.append(await _rate(nc, replicas))
    out.append(await _keys(nc, replicas))
    try:
        await js.object_store(subjects.ATTACHMENTS_BUCKET)
        out.append(ProvisionedBucket(subjects.ATTACHMENTS_BUCKET, "object store", False))
    except NotFoundError:
        config = ObjectStoreConfig(storage=StorageType.FILE, replicas=replicas)
        await js.create_object_store(subjects.ATTACHMENTS_BUCKET, config=config)
        out.append(ProvisionedBucket(subjects.ATTACHMENTS_BUCKET, "object store", True))
    return out


async def claims_window(js: JetStreamContext) -> None:
    """The reference index's duplicate window is the claims' (`CLAIM_WINDOW`); a bucket made
    before Dec 2026 (nats-py's two minutes) gets it in place (a window may change)."""
    info = await js.stream_info(f"KV_{REFERENCES_BUCKET}")
    if info.config.duplicate_window != CLAIM_WINDOW:
        info.config.duplicate_window = CLAIM_WINDOW
        await js.update_stream(info.config)


def rate_bucket_config(replicas: int = 1) -> KeyValueConfig:
    """The rate limits' bucket (`RATE_STORAGE`): the one declaration, used by intake too."""
    return KeyValueConfig(
        bucket=RATE_BUCKET, history=1, ttl=RATE_TTL, storage=RATE_STORAGE,
        max_bytes=RATE_MAX_BYTES, replicas=replicas,
    )  # fmt: skip


async def _rate(nc: NATS, replicas: int) -> ProvisionedBucket:
    """The one bucket provisioning replaces: a stream's storage cannot change in place, and a
    stack provisioned before Dec 2026 has it on disk. Its entries are only the current windows
    (what a server restart forgets anyway), so it is deleted and made again in memory."""
    js = nc.jetstream(timeout=10)
    try:
        info = await js.stream_info(f"KV_{RATE_BUCKET}")
    except NotFoundError:
        info = None
    if info is not None and info.config.storage == RATE_STORAGE:
        return ProvisionedBucket(RATE_BUCKET, "kv", False)
    if info is not None:
        await js.delete_stream(f"KV_{RATE_BUCKET}")
    try:
        await js.create_key_value(config=rate_bucket_config(replicas))
    except APIError as error:
        if error.err_code != STREAM_NAME_IN_USE:
            raise
        return ProvisionedBucket(RATE_BUCKET, "kv", False)  # another provisioner was first
    return ProvisionedBucket(RATE_BUCKET, "kv", True)


async def _keys(nc: NATS, replicas: int) -> ProvisionedBucket:
    """The key store's bucket allows message deletion (secure erase): created raw."""
    info = await nc.request(f"$JS.API.STREAM.INFO.KV_{KEYS_BUCKET}", b"", timeout=10)
    if "error" not in json.loads(info.data):
        return ProvisionedBucket(KEYS_BUCKET, "kv", False)
    body = json.dumps(keys_bucket_config(KEYS_BUCKET, replicas)).encode()
    reply = await nc.request(f"$JS.API.STREAM.CREATE.KV_{KEYS_BUCKET}", body, timeout=10)
    error = json.loads(reply.data).get("error")
    if error is None:
        return ProvisionedBucket(KEYS_BUCKET, "kv", True)
    if error.get("err_code") == STREAM_NAME_IN_USE:  # another provisioner was first
        return ProvisionedBucket(KEYS_BUCKET, "kv", False)
    raise RuntimeError(f"key store bucket {KEYS_BUCKET}: {error.get('description')}")
