"""Page sessions: what the login cookie holds instead of the API token.

A login exchanges the token for a random session id. The cookie holds only that id; the
server keeps its SHA-256 (the database alone opens no page), the token it stands for,
and when it began and was last used. A session ends after ``idle_timeout_s`` without a
request, ``lifetime_s`` after it began, at logout, and when its token is revoked (the
token store ends them; a revoked token's sessions are refused anyway).

Kept in the server's own SQLite file, next to the tokens: a lookup by primary key takes
microseconds, done inline like the token's.
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


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


class SessionStore:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        db.execute(
            """CREATE TABLE IF NOT EXISTS web_session (
                sha256 TEXT PRIMARY KEY,
                token_id TEXT NOT NULL,
                created_ms INTEGER NOT NULL,
                last_used_ms INTEGER NOT NULL
            )"""
        )
        db.execute("CREATE INDEX IF NOT EXISTS web_session_token ON web_session (token_id)")

    def open(self, token_id: str, now_ms: int, limits: SessionLimits) -> str:
        """A new session for ``token_id``; returns its id, shown only to the browser."""
        self._drop_expired(now_ms, limits)
        session_id = secrets.token_urlsafe(32)
        self._db.execute(
            "INSERT INTO web_session VALUES (?, ?, ?, ?)",
            (_hash(session_id), token_id, now_ms, now_ms),
        )
        return session_id

    def token_id(self, session_id: str, now_ms: int, limits: SessionLimits) -> str | None:
        """The token a live session stands for, noting its use; None once it ended."""
        key = _hash(session_id)
        row = self._db.execute(
            "SELECT token_id, created_ms, last_used_ms FROM web_session WHERE sha256 = ?",
            (key,),
        ).fetchone()
        if row is None:
            return None
        token_id, created_ms, last_used_ms = row
        if (
            now_ms - created_ms >= limits.lifetime_s * 1000
            or now_ms - last_used_ms >= limits.idle_timeout_s * 1000
        ):
            self._db.execute("DELETE FROM web_session WHERE sha256 = ?", (key,))
            return None
        if now_ms - last_used_ms >= TOUCH_EVERY_MS:
            self._db.execute(
                "UPDATE web_session SET last_used_ms = ? WHERE sha256 = ?", (now_ms, key)
            )
        return str(token_id)

    def close_session(self, session_id: str) -> None:
        """Logout."""
        self._db.execute("DELETE FROM web_session WHERE sha256 = ?", (_hash(session_id),))

    def end_for_token(self, token_id: str) -> int:
        """Every session of a token (revoked); returns how many there were."""
        cursor = self._db.execute("DELETE FROM web_session WHERE token_id = ?", (token_id,))
        return cursor.rowcount

    def _drop_expired(self, now_ms: int, limits: SessionLimits) -> None:
        self._db.execute(
            "DELETE FROM web_session WHERE created_ms <= ? OR last_used_ms <= ?",
            (now_ms - limits.lifetime_s * 1000, now_ms - limits.idle_timeout_s * 1000),
        )
