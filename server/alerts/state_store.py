"""The alert engine's state on disk (``<data_dir>/alerts.db``), so that it survives a
restart: a "resolved" must follow every "firing" that went out, even when the server
was restarted in between.

One row holding the latest snapshot: the state is small (the groups firing now and a
few since-when trackers), written only when it changed, and read once at start. SQLite
rather than a plain file because a write is atomic and durable without rename dances,
and the server already keeps its tokens that way (``server/web/tokens.py``). Writes happen
on the event loop: a one-row upsert in WAL mode takes well under a millisecond, and a
worker thread would outlive the app in tests that check shutdown.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

FILE_NAME = "alerts.db"


class AlertStateStore:
    def __init__(self, path: str | Path) -> None:
        self._path = str(path)
        if self._path != ":memory:":
            Path(self._path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self._path, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            """CREATE TABLE IF NOT EXISTS alert_state (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                snapshot BLOB NOT NULL,
                saved_ms INTEGER NOT NULL
            )"""
        )
        self._last: bytes | None = self.load()

    @property
    def path(self) -> str:
        return self._path

    @classmethod
    def in_dir(cls, data_dir: str | Path) -> AlertStateStore:
        return cls(Path(data_dir) / FILE_NAME)

    def load(self) -> bytes | None:
        row = self._db.execute("SELECT snapshot FROM alert_state WHERE id = 1").fetchone()
        return bytes(row[0]) if row is not None else None

    def save(self, snapshot: bytes) -> bool:
        """Store ``snapshot`` unless it is what is stored already; True when written."""
        if snapshot == self._last:
            return False
        self._db.execute(
            "INSERT INTO alert_state (id, snapshot, saved_ms) VALUES (1, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET snapshot = excluded.snapshot, "
            "saved_ms = excluded.saved_ms",
            (snapshot, int(time.time() * 1000)),
        )
        self._last = snapshot
        return True

    def close(self) -> None:
        self._db.close()
