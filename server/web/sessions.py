"""Browser sessions: what the login cookie stands for, and the CSRF token that goes with it.

A login opens a session for an account (its *subject*, ``u:<id>``). The cookie holds only
the session's random id (256 bits): unguessable, so it needs no signature, and, unlike a
signed cookie that carries its own claims, it ends on the server the moment we say so
(logout, a disabled account, a changed password). The server keeps the id's SHA-256 (the
database alone opens no session), the subject, the session's CSRF token, and when it
began and was last used. A session ends after ``idle_timeout_s`` without a request,
``lifetime_s`` after it began, at logout, and when its account is disabled.

The CSRF token is random per session and sent back by every unsafe request the browser
makes with the cookie (a form field or a header, ``auth.py``): a page of another site can
make the browser send the cookie, but cannot read the token.

Kept in the server's own SQLite file: a lookup by primary key takes microseconds, done
inline.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
from dataclasses import dataclass
from typing import Final

# Last use is written at most this often: one write a minute per busy session, not one
# per request; the idle timeout is counted to the minute.
TOUCH_EVERY_MS: Final = 60_000


@dataclass(frozen=True)
class SessionLimits:
    idle_timeout_s: float
    lifetime_s: float


@dataclass(frozen=True)
class LiveSession:
    subject: str  # whom it stands for: "u:<account id>"
    csrf_token: str


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


class SessionStore:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        # The sessions of before accounts stood for tokens and had no CSRF token: they
        # end (their users sign in again), rather than live on without one.
        db.execute("DROP TABLE IF EXISTS web_session")
        db.execute(
            """CREATE TABLE IF NOT EXISTS web_login (
                sha256 TEXT PRIMARY KEY,
                subject TEXT NOT NULL,
                csrf_token TEXT NOT NULL,
                created_ms INTEGER NOT NULL,
                last_used_ms INTEGER NOT NULL
            )"""
        )
        db.execute("CREATE INDEX IF NOT EXISTS web_login_subject ON web_login (subject)")

    def open(self, subject: str, now_ms: int, limits: SessionLimits) -> str:
        """A new session for ``subject``; returns its id, shown only to the browser."""
        self._drop_expired(now_ms, limits)
        session_id = secrets.token_urlsafe(32)
        self._db.execute(
            "INSERT INTO web_login VALUES (?, ?, ?, ?, ?)",
            (_hash(session_id), subject, secrets.token_urlsafe(32), now_ms, now_ms),
        )
        return session_id

    def lookup(self, session_id: str, now_ms: int, limits: SessionLimits) -> LiveSession | None:
        """The live session of this id, noting its use; None once it ended."""
        key = _hash(session_id)
        row = self._db.execute(
            "SELECT subject, csrf_token, created_ms, last_used_ms FROM web_login WHERE sha256 = ?",
            (key,),
        ).fetchone()
        if row is None:
            return None
        subject, csrf_token, created_ms, last_used_ms = row
        if (
            now_ms - created_ms >= limits.lifetime_s * 1000
            or now_ms - last_used_ms >= limits.idle_timeout_s * 1000
        ):
            self._db.execute("DELETE FROM web_login WHERE sha256 = ?", (key,))
            return None
        if now_ms - last_used_ms >= TOUCH_EVERY_MS:
            self._db.execute(
                "UPDATE web_login SET last_used_ms = ? WHERE sha256 = ?", (now_ms, key)
            )
        return LiveSession(str(subject), str(csrf_token))

    def close(self, session_id: str) -> None:
        """Logout."""
        self._db.execute("DELETE FROM web_login WHERE sha256 = ?", (_hash(session_id),))

    def end_for(self, subject: str) -> int:
        """Every session of ``subject`` (a disabled account); returns how many there were."""
        return self._db.execute("DELETE FROM web_login WHERE subject = ?", (subject,)).rowcount

    def count_for(self, subject: str) -> int:
        row = self._db.execute("SELECT count(*) FROM web_login WHERE subject = ?", (subject,))
        return int(row.fetchone()[0])

    def _drop_expired(self, now_ms: int, limits: SessionLimits) -> None:
        self._db.execute(
            "DELETE FROM web_login WHERE created_ms <= ? OR last_used_ms <= ?",
            (now_ms - limits.lifetime_s * 1000, now_ms - limits.idle_timeout_s * 1000),
        )
