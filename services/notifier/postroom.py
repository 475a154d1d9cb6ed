"""The post room: paper letters waiting to be printed and posted (issue 16 item 8).

A folder (KLACHTEN_POST_ROOM_DIR, default $KLACHTEN_DATA_DIR/post-room) with, per letter,
`<sha256>.pdf` (named by the SHA-256 of its bytes, the same hash the log's letter record holds)
and `<sha256>.json` (what the list shows); `<sha256>.posted.json` once someone posted it; and
`journal.jsonl`, one line per action (queued, printed, posted, erased) with who and when. Files
are written whole (a temporary file renamed into place) and never rewritten: a redelivered
event makes the same PDF, finds it there and adds nothing, so a letter is never lost or doubled.
An erased complainant's letters leave (`erase`, when the notifier reads `complaint.erased`);
`<complaint id>.erased` then keeps any later letter of that complaint out.
The notifier writes; `klachten post-room` lists, prints and marks letters posted.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Literal

import msgspec

_COMPLAINT_ID = re.compile(r"[A-Za-z0-9-]+")  # a UUID as the log writes it: a safe file name
Action = Literal["queued", "printed", "posted", "erased"]


class PostEntry(msgspec.Struct, frozen=True, kw_only=True):
    """One paper letter: which, for whom, since when it waits. Holds the name and address
    (personal data, as the PDF does): the post room folder is as private as the mail sink."""

    document_sha256: str
    message_id: str
    complaint_id: str
    reference: str
    kind: str
    language: str
    recipient: str  # name and address on one line
    pages: int
    queued_at: datetime


class Posted(msgspec.Struct, frozen=True, kw_only=True):
    document_sha256: str
    posted_at: datetime
    posted_by: str


class JournalLine(msgspec.Struct, frozen=True, kw_only=True):
    action: Action
    document_sha256: str
    reference: str
    at: datetime
    by: str


class ErasedMark(msgspec.Struct, frozen=True, kw_only=True):
    """A complaint whose personal data was erased: when, and on whose word."""

    complaint_id: str
    at: datetime
    by: str


class UnknownLetter(LookupError):
    """No letter in the post room matches (or more than one does)."""


class ComplaintErased(Exception):
    """The complaint's personal data was erased: no letter of it may be kept here."""


class PostRoom:
    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def put(self, pdf: bytes, entry: PostEntry) -> bool:
        """Keep `pdf` with its entry; True when it is new, False when it was there already
        (a redelivery). `entry.document_sha256` must be the PDF's hash."""
        digest = hashlib.sha256(pdf).hexdigest()
        if digest != entry.document_sha256:
            raise ValueError(f"entry names {entry.document_sha256}, the PDF is {digest}")
        if self.is_erased(entry.complaint_id):
            raise ComplaintErased(entry.complaint_id)
        self.folder.mkdir(parents=True, exist_ok=True)
        # The PDF first: an entry is listed only once its document is whole.
        new_pdf = _write_once(self.folder / f"{digest}.pdf", pdf)
        new_entry = _write_once(self.folder / f"{digest}.json", msgspec.json.encode(entry))
        if new_pdf or new_entry:
            self._journal("queued", entry, entry.queued_at, "notifier")
        if self.is_erased(entry.complaint_id):
            # Erased while this letter was being written: `erase` marks before it looks, so
            # either it saw this entry or this look sees its mark.
            mark = self.erased_mark(entry.complaint_id)
            assert mark is not None
            self.erase(entry.complaint_id, mark.at, mark.by)
            raise ComplaintErased(entry.complaint_id)
        return new_pdf or new_entry

    def entries(self) -> list[PostEntry]:
        """Every letter ever put here, oldest first."""
        if not self.folder.is_dir():
            return []
        found = [
            msgspec.json.decode(path.read_bytes(), type=PostEntry)
            for path in self.folder.glob("*.json")
            if not path.name.endswith(".posted.json")
        ]
        return sorted(found, key=lambda e: (e.queued_at, e.reference, e.document_sha256))

    def waiting(self) -> list[PostEntry]:
        """The letters still to print and post, oldest first."""
        return [e for e in self.entries() if self.posted(e.document_sha256) is None]

    def find(self, key: str) -> PostEntry:
        """The letter whose hash starts with `key` (at least 6 characters) or whose
        reference is `key` while one letter of it waits."""
        key = key.strip()
        entries = self.entries()
        hits = [e for e in entries if len(key) >= 6 and e.document_sha256.startswith(key)]
        if not hits:
            waiting = {e.document_sha256 for e in self.waiting()}
            hits = [e for e in entries if e.reference == key and e.document_sha256 in waiting]
        if len(hits) != 1:
            many = f"{len(hits)} letters match" if hits else "no letter matches"
            raise UnknownLetter(f"{many} {key!r}")
        return hits[0]

    def pdf_path(self, entry: PostEntry) -> Path:
        return self.folder / f"{entry.document_sha256}.pdf"

    def posted(self, document_sha256: str) -> Posted | None:
        path = self.folder / f"{document_sha256}.posted.json"
        return msgspec.json.decode(path.read_bytes(), type=Posted) if path.exists() else None

    def printed(self, entry: PostEntry, at: datetime, by: str) -> None:
        self._journal("printed", entry, at, by)

    def mark_posted(self, entry: PostEntry, at: datetime, by: str) -> tuple[Posted, bool]:
        """Record that `entry` went into the post; the first mark counts (a second one
        returns it with False)."""
        mark = Posted(document_sha256=entry.document_sha256, posted_at=at, posted_by=by)
        path = self.folder / f"{entry.document_sha256}.posted.json"
        if not _write_once(path, msgspec.json.encode(mark)):
            existing = self.posted(entry.document_sha256)
            assert existing is not None
            return existing, False
        self._journal("posted", entry, at, by)
        return mark, True

    def erase(self, complaint_id: str, at: datetime, by: str) -> int:
        """Remove the PDFs and entries of one complaint (its personal data, for erasure), each
        an "erased" line in the journal; how many went. The journal and posted marks hold
        hashes and references only and stay; the complaint's mark keeps later letters out.
        Again: nothing left to remove, nothing journalled."""
        self.folder.mkdir(parents=True, exist_ok=True)
        mark = ErasedMark(complaint_id=complaint_id, at=at, by=by)
        _write_once(self._mark_path(complaint_id), msgspec.json.encode(mark))
        erased = 0
        for entry in self.entries():
            if entry.complaint_id == complaint_id:
                self.pdf_path(entry).unlink(missing_ok=True)
                (self.folder / f"{entry.document_sha256}.json").unlink(missing_ok=True)
                self._journal("erased", entry, at, by)
                erased += 1
        return erased

    def is_erased(self, complaint_id: str) -> bool:
        return self._mark_path(complaint_id).exists()

    def erased_mark(self, complaint_id: str) -> ErasedMark | None:
        path = self._mark_path(complaint_id)
        return msgspec.json.decode(path.read_bytes(), type=ErasedMark) if path.exists() else None

    def _mark_path(self, complaint_id: str) -> Path:
        if not _COMPLAINT_ID.fullmatch(complaint_id):
            raise ValueError(f"not a complaint id: {complaint_id!r}")
        return self.folder / f"{complaint_id}.erased"

    def journal(self) -> list[JournalLine]:
        path = self.folder / "journal.jsonl"
        if not path.exists():
            return []
        lines = path.read_bytes().splitlines()
        return [msgspec.json.decode(line, type=JournalLine) for line in lines if line.strip()]

    def _journal(self, action: Action, entry: PostEntry, at: datetime, by: str) -> None:
        line = JournalLine(
            action=action, document_sha256=entry.document_sha256, reference=entry.reference,
            at=at, by=by,
        )  # fmt: skip
        # One write of one line with O_APPEND: lines of concurrent writers do not interleave.
        fd = os.open(self.folder / "journal.jsonl", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            os.write(fd, msgspec.json.encode(line) + b"\n")
            os.fsync(fd)
        finally:
            os.close(fd)


def _write_once(path: Path, data: bytes) -> bool:
    """Write `data` to `path` unless it exists; whole or not at all (fsync, then a hard link,
    which fails when the name is taken: two writers cannot both win)."""
    if path.exists():
        return False
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o600)
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
        return True
    finally:
        os.unlink(tmp)
