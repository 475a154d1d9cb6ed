"""Full-text search over the complainant's name and e-mail address, the representative's name,
the subject, the description and the reference (issue 17 item 1), inside the sealed boundary.

Why here: only intake (and the notifier) can read a complainant's key; reporting's read model
holds no plaintext personal data and must stay so. The index is a SQLite FTS5 file in intake's
data folder (mode 0600, folder 0700), fed from the log: the ``submitted`` facts, unsealed with
intake's own key access, and the ``erased`` facts, which remove the complaint's row and leave a
tombstone (the complaint id only), so a later replay of the log never indexes it again; a fact
whose key is already destroyed unseals as erased and is never indexed either.

Erasure stays true in the file's bytes (tests/services/intake/test_search_index.py): FTS5 keeps
a deleted row's tokens in its index segments until they are merged, and SQLite 3.40 has no FTS5
``secure-delete`` option (3.42 added it; it is switched on where it exists). So every round that
erased something ends with ``optimize`` (all segments merged into one, the deleted tokens
dropped) under ``PRAGMA secure_delete=ON`` (freed pages and cells are overwritten with zeros).
The journal is the rollback journal, deleted at each commit (``journal_mode=DELETE``): a WAL
would keep old page images in the -wal file after a checkpoint.

Reading the log: batch direct gets by subject from the last position (kept in the index, in the
same transaction as the rows), woken by the log's core messages (``complaints.>``, which intake
may already subscribe to) and every ``search_poll`` seconds. A wake reads only the cursor whose
fact was published, submissions at most every ``SETTLE`` seconds (a burst is one read), and a
page that reaches the end of the log (the server's pending count) needs no second read
(issue 23: these were 3-4 of a submission's NATS requests). An ordered consumer would need
consumer-create rights for intake, the internet-facing service; these reads need none. A search
first catches up (read-your-writes: a complaint registered a moment ago is found).
(Just over 300 lines: the index, its erasure and its reading of the log stay together.)
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from eventsourcing.persistence import MapperDeserialisationError

from shared.contract import events as ev
from shared.contract import subjects
from shared.eventstore.link import JetStreamLink
from shared.eventstore.mapper import unseal
from shared.privacy.keystore import KeyStore

log = logging.getLogger("klachten.intake.search")
PAGE = 1000
CURSORS = {"submitted": subjects.events_of_type("submitted"),
           "erased": subjects.events_of_type("erased")}  # fmt: skip
ORDER = ("erased", "submitted")  # as before: erasures first
SETTLE = 0.2  # seconds between reads woken by submissions (issue 23: one read for a burst)
COLUMNS = ("reference", "name", "email", "representative", "subject", "description")
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS doc (id INTEGER PRIMARY KEY, complaint_id TEXT UNIQUE NOT NULL)",
    f"CREATE VIRTUAL TABLE IF NOT EXISTS found USING fts5({', '.join(COLUMNS)}, "
    "tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3')",
    "CREATE TABLE IF NOT EXISTS erased (complaint_id TEXT PRIMARY KEY)",
    "CREATE TABLE IF NOT EXISTS position (cursor TEXT PRIMARY KEY, seq INTEGER NOT NULL)",
)
WORD = re.compile(r"\w+")
MAX_WORDS = 8


def match_expression(text: str) -> str | None:
    """The FTS5 query for what someone typed: every word must occur, each as a prefix; a word
    that is several tokens (``piet@example.nl``, ``KL-2026-000012``) is a phrase. Only ``\\w``
    tokens reach FTS5, so nobody can type its query syntax. None when nothing is searchable."""
    phrases = []
    for word in text.split()[:MAX_WORDS]:
        tokens = WORD.findall(word)
        if tokens:
            phrases.append('"' + " ".join(tokens) + '"*')
    return " ".join(phrases) or None


def _private_file(path: Path) -> None:
    """Folder 0700 and file 0600 before SQLite opens it (its journal takes the file's mode)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    os.chmod(path, 0o600)


class SearchIndex:
    """The index file; every method may be called from any thread (one connection, a lock)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        _private_file(path)
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._lock = threading.RLock()
        with self._lock:
            self._db.execute("PRAGMA secure_delete = ON")
            self._db.execute("PRAGMA journal_mode = DELETE")
            self._db.execute("PRAGMA busy_timeout = 10000")  # two intake processes, one folder
            for statement in SCHEMA:
                self._db.execute(statement)
            try:  # SQLite 3.42+: deleted tokens leave the segments at once
                self._db.execute("INSERT INTO found(found, rank) VALUES ('secure-delete', 1)")
            except sqlite3.DatabaseError:
                pass  # 3.40 here: optimize after each erasure does it (module docstring)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def position(self, cursor: str) -> int:
        with self._lock:
            row = self._db.execute(
                "SELECT seq FROM position WHERE cursor = ?", (cursor,)
            ).fetchone()
        return int(row[0]) if row else 0

    @staticmethod
    def add(db: sqlite3.Connection, fact: ev.Submitted) -> bool:
        """Index a submitted fact whose personal part is readable; False when it is not (erased,
        never sealed for us) or the complaint has a tombstone."""
        personal = fact.personal
        cid = str(fact.complaint_id)
        if personal is None or fact.erased:
            return False
        if db.execute("SELECT 1 FROM erased WHERE complaint_id = ?", (cid,)).fetchone():
            return False
        row = db.execute("SELECT id FROM doc WHERE complaint_id = ?", (cid,)).fetchone()
        if row is not None:
            return False  # replayed: already indexed
        doc = db.execute("INSERT INTO doc (complaint_id) VALUES (?)", (cid,)).lastrowid
        person, representative = personal.complainant, personal.representative
        values = (
            fact.reference,
            person.name,
            person.email,
            representative.name if representative is not None else "",
            personal.subject,
            personal.description,
        )
        db.execute(
            f"INSERT INTO found (rowid, {', '.join(COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (doc, *values),
        )
        return True

    @staticmethod
    def erase(db: sqlite3.Connection, complaint_id: str) -> None:
        """Remove the complaint's row and keep its tombstone (the caller optimizes after)."""
        row = db.execute("SELECT id FROM doc WHERE complaint_id = ?", (complaint_id,)).fetchone()
        if row is not None:
            db.execute("DELETE FROM found WHERE rowid = ?", (row[0],))
            db.execute("DELETE FROM doc WHERE id = ?", (row[0],))
        db.execute("INSERT OR IGNORE INTO erased (complaint_id) VALUES (?)", (complaint_id,))

    @staticmethod
    def forget_deleted(db: sqlite3.Connection) -> None:
        """Merge the segments, so the deleted rows' tokens are gone from the file's bytes."""
        db.execute("INSERT INTO found(found) VALUES ('optimize')")

    @staticmethod
    def advance(db: sqlite3.Connection, cursor: str, seq: int) -> None:
        db.execute(
            "INSERT INTO position (cursor, seq) VALUES (?, ?) "
            "ON CONFLICT (cursor) DO UPDATE SET seq = excluded.seq",
            (cursor, seq),
        )

    def search(self, text: str, limit: int) -> list[dict[str, str]]:
        """Up to `limit` complaints matching `text`, newest first: id and reference. Not by
        rank: bm25 scores every match before the limit applies (a word in most descriptions
        took 300+ ms instead of ~30 ms at 100k, docs/benchmarks.md), and the worklist sorts
        the rows its own way."""
        expression = match_expression(text)
        if expression is None:
            return []
        sql = (
            "SELECT doc.complaint_id, found.reference FROM found JOIN doc ON doc.id = found.rowid "
            "WHERE found MATCH ? ORDER BY found.rowid DESC LIMIT ?"
        )
        with self._lock:
            rows = self._db.execute(sql, (expression, limit)).fetchall()
        return [{"complaint_id": cid, "reference": ref} for cid, ref in rows]

    def size(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM doc").fetchone()[0])


class Follower:
    """Keeps the index up with the log; ``catch_up`` runs in a worker thread."""

    def __init__(self, index: SearchIndex, link: JetStreamLink, keystore: KeyStore | None) -> None:
        self.index, self.link, self.keystore = index, link, keystore
        self._busy = threading.Lock()

    def catch_up(self, wait: float = -1, cursors: tuple[str, ...] = ORDER) -> bool:
        """Read every new fact of `cursors` (erased before submitted); False when another
        catch-up held on for longer than `wait` seconds (the search then answers from what is
        indexed)."""
        if not self._busy.acquire(timeout=wait):
            return False
        try:
            while [c for c in cursors if self._round(c)]:  # every cursor, each round
                pass
            return True
        finally:
            self._busy.release()

    def _round(self, cursor: str) -> bool:
        """One page of one cursor; True when more is waiting after it (a page read to the end
        of the log needs no second request to learn there is nothing more)."""
        request = {"seq": self.index.position(cursor) + 1, "next_by_subj": CURSORS[cursor]}
        page = self.link.run(
            self.link.direct_batch(subjects.COMPLAINTS_STREAM, request | {"batch": PAGE})
        )
        if not page:
            return False
        facts = [(msg.seq, self._readable(msg.subject, msg.data)) for msg in page]
        with self.index.transaction() as db:
            erased = False
            for _, fact in facts:
                if isinstance(fact, ev.Erased):
                    SearchIndex.erase(db, str(fact.complaint_id))
                    erased = True
                elif isinstance(fact, ev.Submitted):
                    SearchIndex.add(db, fact)
            if erased:
                SearchIndex.forget_deleted(db)
            SearchIndex.advance(db, cursor, facts[-1][0])
        return _more_after(page)

    def _readable(self, subject: str, data: bytes) -> ev.Event | None:
        """The fact with its personal part unsealed; None for a message that is no fact of
        this complaint or whose seal does not authenticate (logged, never indexed). A key
        store that does not answer raises: the position stays, the next round tries again."""
        try:
            fact = ev.decode(data)
        except Exception:
            log.warning("search index: %s is no readable fact; skipped", subject)
            return None
        if subject.split(".")[1:2] != [str(fact.complaint_id)]:
            log.warning("search index: %s carries another complaint's fact; skipped", subject)
            return None
        if fact.sealed is None or self.keystore is None:
            return fact
        try:
            return unseal(fact, self.keystore)
        except MapperDeserialisationError as error:
            log.warning("search index: %s", error)
            return None


def _more_after(page: list[Any]) -> bool:
    """Whether the log holds more of the cursor's facts than this page: the server's count of
    the matching messages after the last one (ADR-31 ``Nats-Num-Pending``), else a full page."""
    pending = page[-1].headers.get("Nats-Num-Pending")
    if pending is not None and pending.isdigit():
        return int(pending) > 0
    return len(page) >= PAGE


async def follow(follower: Follower, nc: Any, poll: float, settle: float = SETTLE) -> None:
    """Catch up the cursor whose fact was published (an erasure at once, submissions at most
    every `settle` s, so a burst is one read), and both every `poll` s."""
    wake = asyncio.Event()
    woke: set[str] = set()

    def waker(cursor: str) -> Any:
        async def woken(_msg: Any) -> None:
            woke.add(cursor)
            wake.set()

        return woken

    subscriptions = [await nc.subscribe(f, cb=waker(c)) for c, f in CURSORS.items()]
    cursors, loop = ORDER, asyncio.get_running_loop()
    try:
        while True:
            started = loop.time()
            try:
                await asyncio.to_thread(follower.catch_up, -1, cursors)
            except Exception as error:  # NATS or the key store away: the next round retries
                log.warning("search index: catching up failed: %s", error)
                woke.update(cursors)
            try:
                await asyncio.wait_for(wake.wait(), poll)
            except TimeoutError:
                woke.update(ORDER)
            if "erased" not in woke:  # submissions only: let a burst gather into one read
                await asyncio.sleep(max(0.0, started + settle - loop.time()))
            wake.clear()
            cursors = tuple(c for c in ORDER if c in woke)
            woke.clear()
    finally:
        for subscription in subscriptions:
            await subscription.unsubscribe()
