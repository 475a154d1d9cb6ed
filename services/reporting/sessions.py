"""Staff sessions of the workspace and dashboard, kept on the server: SQLite in reporting's data
folder (``sessions.sqlite3``, mode 0600), so every reporting process on the host sees the same
sessions, sign-in attempts and pending OpenID Connect sign-ins (WAL, a busy timeout, and
``BEGIN IMMEDIATE`` where a row is read and then written).

The browser holds only a random session id (cookie ``__Host-klachten_session``); the table keys
its SHA-256, so a copy of the file gives no cookie. A session holds who signed in (name, roles),
the credential reporting calls intake with on their behalf (the API token they typed, or their
OpenID Connect access token), its CSRF token, and when it ends: after `idle` seconds without a
request, and at the latest `absolute` seconds after sign-in (or when the access token expires).
Logging out deletes the row: the old cookie is worth nothing after it.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from shared.runtime.staff import StaffMember

COOKIE = "__Host-klachten_session"
PENDING_SECONDS = 600.0  # an OpenID Connect sign-in must come back within 10 minutes
LOGIN_TOKEN_SECONDS = 7200.0  # a sign-in form's CSRF token
TOUCH_EVERY = 30.0  # write `seen` at most this often (not on every request)
SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, name TEXT NOT NULL,
    roles TEXT NOT NULL, kind TEXT NOT NULL, credential TEXT NOT NULL, csrf TEXT NOT NULL,
    created REAL NOT NULL, seen REAL NOT NULL, ends REAL NOT NULL);
CREATE TABLE IF NOT EXISTS pending (state TEXT PRIMARY KEY, nonce TEXT NOT NULL,
    verifier TEXT NOT NULL, next TEXT NOT NULL, lang TEXT NOT NULL, created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS attempts (key TEXT PRIMARY KEY, count INTEGER NOT NULL,
    since REAL NOT NULL);
CREATE TABLE IF NOT EXISTS secrets (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


@dataclass(frozen=True)
class Session:
    member: StaffMember
    kind: str  # "token" (the API token form) or "oidc"
    credential: str  # what intake is called with
    csrf: str
    ends: float


@dataclass(frozen=True)
class Pending:
    nonce: str
    verifier: str
    next: str
    lang: str


def _key(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


class SessionStore:
    def __init__(self, path: Path, idle: float, absolute: float) -> None:
        """Opens nothing yet: the file is made at the first sign-in or session look-up (so
        building the app, e.g. for its OpenAPI document, leaves no file behind)."""
        self.path, self.idle, self.absolute = path, idle, absolute
        self.clock: Callable[[], float] = time.time  # tests move it
        self._local = threading.local()
        self._made = threading.Lock()
        self._ready = False

    def _make(self) -> None:
        with self._made:
            if self._ready:
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            os.close(os.open(self.path, os.O_CREAT | os.O_RDWR, 0o600))  # 0600 before SQLite
            os.chmod(self.path, 0o600)
            db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            try:
                db.execute("PRAGMA journal_mode=WAL")
                for statement in filter(str.strip, SCHEMA.split(";")):
                    db.execute(statement)
            finally:
                db.close()
            self._ready = True

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        if not self._ready:
            self._make()
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            self._local.db = db
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    # sessions
    def create(
        self, member: StaffMember, kind: str, credential: str, ends: float | None = None
    ) -> tuple[str, Session]:
        now = self.clock()
        end = min(now + self.absolute, ends if ends is not None else now + self.absolute)
        session_id, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        roles = "+".join(sorted(member.roles))
        with self._tx() as db:
            db.execute(
                "INSERT INTO sessions VALUES (?,?,?,?,?,?,?,?,?)",
                (_key(session_id), member.name, roles, kind, credential, csrf, now, now, end),
            )
            db.execute("DELETE FROM sessions WHERE ends < ? OR seen < ?", (now, now - self.idle))
        return session_id, Session(member, kind, credential, csrf, end)

    def get(self, session_id: str) -> Session | None:
        """The live session of this id (its idle time restarts), or None; an expired one is
        deleted."""
        if not session_id:
            return None
        now, key = self.clock(), _key(session_id)
        with self._tx() as db:
            row = db.execute(
                "SELECT name, roles, kind, credential, csrf, seen, ends FROM sessions WHERE id=?",
                (key,),
            ).fetchone()
            if row is None:
                return None
            name, roles, kind, credential, csrf, seen, ends = row
            if now >= ends or now - seen >= self.idle:
                db.execute("DELETE FROM sessions WHERE id=?", (key,))
                return None
            if now - seen >= TOUCH_EVERY:
                db.execute("UPDATE sessions SET seen=? WHERE id=?", (now, key))
        member = StaffMember(name, frozenset(roles.split("+")))
        return Session(member, kind, credential, csrf, ends)

    def delete(self, session_id: str) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM sessions WHERE id=?", (_key(session_id),))

    # pending OpenID Connect sign-ins, by their `state`
    def put_pending(self, state: str, pending: Pending) -> None:
        now = self.clock()
        with self._tx() as db:
            db.execute("DELETE FROM pending WHERE created < ?", (now - PENDING_SECONDS,))
            db.execute(
                "INSERT INTO pending VALUES (?,?,?,?,?,?)",
                (state, pending.nonce, pending.verifier, pending.next, pending.lang, now),
            )

    def pop_pending(self, state: str) -> Pending | None:
        """The sign-in this `state` started, once (a second use finds nothing)."""
        with self._tx() as db:
            row = db.execute(
                "SELECT nonce, verifier, next, lang, created FROM pending WHERE state=?", (state,)
            ).fetchone()
            db.execute("DELETE FROM pending WHERE state=?", (state,))
        if row is None or self.clock() - row[4] > PENDING_SECONDS:
            return None
        return Pending(*row[:4])

    # sign-in attempts
    def wait(self, key: str, limit: int, window: float) -> float | None:
        """Seconds until `key` may try again (None: now), after `limit` failures in `window`."""
        with self._tx() as db:
            row = db.execute("SELECT count, since FROM attempts WHERE key=?", (key,)).fetchone()
        now = self.clock()
        if row is None or now - row[1] >= window or row[0] < limit:
            return None
        return row[1] + window - now

    def failed(self, key: str, window: float) -> None:
        now = self.clock()
        with self._tx() as db:
            row = db.execute("SELECT count, since FROM attempts WHERE key=?", (key,)).fetchone()
            if row is None or now - row[1] >= window:
                db.execute("INSERT OR REPLACE INTO attempts VALUES (?,1,?)", (key, now))
            else:
                db.execute("UPDATE attempts SET count=count+1 WHERE key=?", (key,))

    # the sign-in form's CSRF token (no session yet): signed with a secret every process shares
    def _secret(self) -> bytes:
        with self._tx() as db:
            db.execute(
                "INSERT OR IGNORE INTO secrets VALUES ('login', ?)", (secrets.token_hex(32),)
            )
            (value,) = db.execute("SELECT value FROM secrets WHERE name='login'").fetchone()
        return bytes.fromhex(value)

    def login_token(self) -> str:
        issued = str(int(self.clock()))
        mac = hmac.new(self._secret(), f"login:{issued}".encode(), "sha256").hexdigest()
        return f"{issued}.{mac}"

    def login_token_valid(self, token: str) -> bool:
        issued, _, mac = token.partition(".")
        if not issued.isascii() or not issued.isdigit():
            return False
        expected = hmac.new(self._secret(), f"login:{issued}".encode(), "sha256").hexdigest()
        fresh = 0 <= self.clock() - int(issued) <= LOGIN_TOKEN_SECONDS
        return hmac.compare_digest(expected, mac) and fresh
