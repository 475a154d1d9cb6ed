"""The documents a complainant adds (the form, the status page, a mail): which files are
taken, by their bytes, how many and how large together; stored sealed in the ATTACHMENTS
object store, each under its own key and a random name (shared/privacy/sealedfiles.py), and
read back for the staff API.

Storing writes chunks and a meta message without nats-py's purges, which intake may not do;
reading uses message gets, because ``ObjectStore.get`` would create an ordered consumer, which
intake's NATS permissions (rightly) do not allow.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from nats.aio.client import Client as NATS
from nats.js import api
from nats.js.errors import BucketNotFoundError
from nats.js.kv import MSG_ROLLUP_SUBJECT
from nats.js.object_store import (
    OBJ_CHUNKS_PRE_TEMPLATE,
    OBJ_DEFAULT_CHUNK_SIZE,
    OBJ_DIGEST_TEMPLATE,
    OBJ_META_PRE_TEMPLATE,
    ObjectStore,
)
from starlette.datastructures import UploadFile

from services.intake import domain
from services.intake.mailparse import Attachment, detect_type
from services.intake.texts import TEXTS, file_size
from shared.contract import events as ev
from shared.contract.subjects import ATTACHMENTS_BUCKET
from shared.privacy import sealedfiles

MAX_FILES = 10


def _files_max(request: Request) -> int:
    return request.app.state.settings.attachment_max_bytes  # type: ignore[no-any-return]


async def uploads(
    request: Request, parts: list[Any], kept: list[ev.AttachmentRef], lang: domain.Lang
) -> tuple[list[Attachment], list[dict[str, str]]]:
    """The new files of the form that fit beside the documents kept: of a kind we accept (by
    their bytes), at most MAX_FILES in all, together at most the limit."""
    t, settings, limit = TEXTS[lang], request.app.state.settings, _files_max(request)
    found: list[Attachment] = []
    errors: list[dict[str, str]] = []
    total, seen = sum(d.size for d in kept), {d.sha256 for d in kept}
    for upload in [p for p in parts if isinstance(p, UploadFile) and p.filename]:
        name = Path(upload.filename or "document").name[:200]
        data = await upload.read()
        claimed = (upload.content_type or "").split(";")[0].strip().lower()
        kind = detect_type(data, claimed) if data else None
        if not data:
            continue
        file = Attachment(name, kind or claimed, data)
        if file.sha256 in seen:
            continue  # the same document twice: once is enough
        if kind not in settings.allowed_attachment_types:
            message = t["attachment_type"].format(name=name)
        elif total + len(data) > limit:
            message = t["attachment_size"].format(name=name, max=file_size(limit, lang))
        elif len(seen) >= MAX_FILES:
            message = t["attachment_count"].format(max=MAX_FILES)
        else:
            found.append(file)
            total, seen = total + len(data), seen | {file.sha256}
            continue
        errors.append({"field": "attachments", "message": message})
    return found, errors


async def store(request: Request, attachment: Attachment) -> ev.AttachmentRef:
    return await store_attachment(await _store_of(request), attachment)


async def _store_of(request: Request) -> ObjectStore:
    state = request.app.state
    if getattr(state, "attachments", None) is None:
        state.attachments = await attachment_store(state.nc)
    return state.attachments  # type: ignore[no-any-return]


async def attachment_store(nc: NATS) -> ObjectStore:
    js = nc.jetstream()
    try:
        return await js.object_store(ATTACHMENTS_BUCKET)
    except BucketNotFoundError:
        return await js.create_object_store(ATTACHMENTS_BUCKET)


async def store_attachment(store: ObjectStore, attachment: Any) -> ev.AttachmentRef:
    """A new sealed object for the document (a new name each time: the same bytes from two
    complainants are two objects, each shredded with its own complainant)."""
    name = sealedfiles.new_name()
    key, sealed = sealedfiles.seal(attachment.data, name)
    await _put_new(store, name, sealed)
    return ev.AttachmentRef(
        object_name=name,
        filename=attachment.filename,
        content_type=attachment.content_type,
        size=len(attachment.data),
        sha256=attachment.sha256,
        key=key,
    )


async def read_attachment(request: Request, ref: ev.AttachmentRef) -> bytes:
    """The document's bytes, opened with its key (or as stored, before sealing), checked
    against the hash its reference carries."""
    info = await (await _store_of(request)).get_info(ref.object_name)
    js, stream = request.app.state.nc.jetstream(), f"OBJ_{ATTACHMENTS_BUCKET}"
    chunks, data, seq = f"$O.{ATTACHMENTS_BUCKET}.C.{info.nuid}", bytearray(), 0
    for _ in range(info.chunks or 0):
        msg = await js.get_msg(stream, seq=seq + 1, subject=chunks, next=True)
        data += msg.data or b""
        seq = msg.seq or seq + 1
    document = sealedfiles.open_document(ref, bytes(data))
    if hashlib.sha256(document).hexdigest() != ref.sha256:
        raise sealedfiles.DocumentUnreadable(f"{ref.object_name}: does not match its hash")
    return document


def _digest(data: bytes) -> str:
    return OBJ_DIGEST_TEMPLATE.format(
        digest=base64.urlsafe_b64encode(hashlib.sha256(data).digest()).decode()
    )


async def _put_new(store: ObjectStore, name: str, data: bytes) -> None:
    """``ObjectStore.put`` less its purges (of an older version, or of chunks after a failed
    write): a failure leaves unreferenced chunks, and the sender's retry writes new ones."""
    js, bucket = store._js, store._name
    nuid = js._nc._nuid.next().decode()
    chunks = OBJ_CHUNKS_PRE_TEMPLATE.format(bucket=bucket, obj=nuid)
    size = OBJ_DEFAULT_CHUNK_SIZE
    for start in range(0, len(data), size):
        await js.publish(chunks, data[start : start + size])
    info = api.ObjectInfo(
        name=name,
        bucket=bucket,
        nuid=nuid,
        size=len(data),
        chunks=-(-len(data) // size),
        digest=_digest(data),
        mtime=datetime.now(UTC).isoformat(),
        options=api.ObjectMetaOptions(max_chunk_size=size),
    )
    meta = OBJ_META_PRE_TEMPLATE.format(
        bucket=bucket, obj=base64.urlsafe_b64encode(name.encode()).decode()
    )
    body = json.dumps(info.as_dict()).encode()
    await js.publish(meta, body, headers={api.Header.ROLLUP: MSG_ROLLUP_SUBJECT})
