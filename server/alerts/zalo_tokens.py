"""Zalo's tokens, kept in the server's database so that a restart does not lose them.

A Zalo Official Account's access token lives about 25 hours; a new one is had from the
refresh token, and that exchange also hands out a **new refresh token while the old one
stops working**. A refresh token kept only in memory is therefore lost at the first
restart after a refresh, and the account must be authorised again by hand. So each
exchange's result is written here (``xaso.db``, table ``zalo_token``) in one statement,
before the new access token is used: the file holds either the old pair or the new one,
never half of each.

``seed`` is a digest of the refresh token the administrator gave (the environment
variable): when they give a new one (after authorising the account again), the saved
chain that started from the old one is left for the new one.
"""

from __future__ import annotations

import hashlib
import sqlite3
from typing import NamedTuple

_SCHEMA = """
CREATE TABLE IF NOT EXISTS zalo_token (
    app_id        TEXT PRIMARY KEY,
    seed          TEXT NOT NULL,     -- sha256 of the refresh token the chain began with
    access_token  TEXT NOT NULL,
    expires_ms    INTEGER NOT NULL,  -- when the access token stops working (UTC epoch ms)
    refresh_token TEXT NOT NULL,
    updated_ms    INTEGER NOT NULL
)
"""


class SavedTokens(NamedTuple):
    access_token: str
    expires_ms: int
    refresh_token: str


def seed_of(refresh_token: str) -> str:
    return hashlib.sha256(refresh_token.encode()).hexdigest()


class ZaloTokenStore:
    """One row per Zalo app. Without a database (checking a file, a test) it keeps the
    row in memory."""

    def __init__(self, db: sqlite3.Connection | None) -> None:
        self._db = db
        self._memory: dict[str, tuple[str, SavedTokens]] = {}
        if db is not None:
            db.execute(_SCHEMA)

    def load(self, app_id: str, seed: str) -> SavedTokens | None:
        """The tokens saved for ``app_id`` if their chain began with ``seed``."""
        if self._db is None:
            kept = self._memory.get(app_id)
            return kept[1] if kept is not None and kept[0] == seed else None
        row = self._db.execute(
            "SELECT access_token, expires_ms, refresh_token FROM zalo_token "
            "WHERE app_id = ? AND seed = ?",
            (app_id, seed),
        ).fetchone()
        return SavedTokens(str(row[0]), int(row[1]), str(row[2])) if row is not None else None

    def save(self, app_id: str, seed: str, tokens: SavedTokens, now_ms: int) -> None:
        """The pair an exchange handed out, replacing the old one in one statement."""
        if self._db is None:
            self._memory[app_id] = (seed, tokens)
            return
        self._db.execute(
            "INSERT OR REPLACE INTO zalo_token VALUES (?, ?, ?, ?, ?, ?)",
            (app_id, seed, tokens.access_token, tokens.expires_ms, tokens.refresh_token, now_ms),
        )
