"""A submission's idempotency claim and its reference's index entry, as one entry (issue 23).

The entry is the reference index's own, ``ref.<reference>`` in INTAKE_REFERENCES → the
complaint id (what `Intake.by_reference` reads), created only if absent, with the digest of
the caller's key as its message id and the request's fingerprint in a header. The bucket's
duplicate window (`CLAIM_WINDOW`, a day; shared/eventstore/buckets.py) refuses a second claim
of a key and names the first claim's message, whose reference and fingerprint then win. So a
submission with a key writes one entry (one request, one fsync) instead of an idempotency
record and an index entry.

Beyond the window a key claims afresh, and the log still makes it the same request: the
complaint id is the key's (uuid5), the log refuses a second ``submitted`` for it, and the
fingerprint is checked against the first claim's (`earlier_fingerprint`). Only a claim whose
complaint was never appended (a crash between claim and append) and that is retried more than
a day later gets a new reference; the first one's entry then names the same complaint. Keys
claimed before Dec 2026 have their record in INTAKE_IDEMPOTENCY, read only on that path.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from uuid import UUID

from nats.js import JetStreamContext
from nats.js.errors import APIError, NotFoundError
from nats.js.kv import KeyValue

from shared.eventstore.link import Unavailable

FINGERPRINT_HEADER = "Klachten-Fingerprint"
MSG_ID_HEADER = "Nats-Msg-Id"
DUPLICATE_IN_PROCESS = 10158  # a cluster's leader, while the first claim is replicated
_PATIENCE = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0)  # a racing claim still in flight


@dataclass(frozen=True)
class Claim:
    complaint_id: UUID
    reference: str
    fingerprint: str | None
    fresh: bool  # this call claimed the key: no complaint can have been appended for it


async def claim(
    js: JetStreamContext,
    bucket: str,
    reference: str,
    complaint_id: UUID,
    digest: str,
    fingerprint: str | None,
) -> Claim:
    """Index `reference` to the key's complaint unless the key was claimed within the window;
    then the first claim (its reference was never written here: the caller gives it back)."""
    headers = {MSG_ID_HEADER: digest, "Nats-Expected-Last-Subject-Sequence": "0"}
    if fingerprint is not None:
        headers[FINGERPRINT_HEADER] = fingerprint
    subject = f"$KV.{bucket}.ref.{reference}"
    for delay in (*_PATIENCE, None):
        try:
            ack = await js.publish(subject, str(complaint_id).encode(), headers=headers)
        except APIError as error:
            if error.err_code != DUPLICATE_IN_PROCESS:
                raise
            ack = None
        if ack is not None and not ack.duplicate:
            return Claim(complaint_id, reference, fingerprint, fresh=True)
        if ack is not None and ack.seq:
            first = await js.get_msg(f"KV_{bucket}", seq=ack.seq)  # from the stream's leader
            return Claim(
                UUID(first.data.decode()),
                first.subject.removeprefix(f"$KV.{bucket}.ref."),
                (first.headers or {}).get(FINGERPRINT_HEADER),
                fresh=False,
            )
        if delay is None:
            break
        # A cluster's leader refuses ("in process") or names no sequence while the first
        # claim is being replicated: ask again (if it failed after all, this one claims).
        await asyncio.sleep(delay)
    raise Unavailable(f"claim of {reference}: the key's first claim never became readable")


async def earlier_fingerprint(
    js: JetStreamContext, bucket: str, reference: str, digest: str, records: KeyValue
) -> tuple[bool, str | None]:
    """(found, fingerprint) of the claim that made the complaint with `reference`: its entry,
    when that claim was made with this key, else the key's record from before Dec 2026."""
    try:
        entry = await js.get_msg(f"KV_{bucket}", subject=f"$KV.{bucket}.ref.{reference}")
    except NotFoundError:
        entry = None
    headers = (entry.headers or {}) if entry is not None else {}
    if headers.get(MSG_ID_HEADER) == digest:
        return True, headers.get(FINGERPRINT_HEADER)
    try:
        record = await records.get(digest)
    except NotFoundError:
        return False, None
    return True, json.loads(record.value or b"{}").get("fp")
