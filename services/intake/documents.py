"""The documents a complainant adds (the form, the status page): which files are taken, by
their bytes, how many and how large together; stored content-addressed in the ATTACHMENTS
object store, so the same bytes are one object however often they are sent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from starlette.datastructures import UploadFile

from services.intake import domain
from services.intake.mail import attachment_store, store_attachment
from services.intake.mailparse import Attachment, detect_type
from services.intake.texts import TEXTS, file_size
from shared.contract import events as ev

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
    state = request.app.state
    if getattr(state, "attachments", None) is None:
        state.attachments = await attachment_store(state.nc)
    return await store_attachment(state.attachments, attachment)
