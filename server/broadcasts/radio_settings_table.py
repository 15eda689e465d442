"""The communes' radio settings (``radio_settings.py``), and every version they had.

Each save appends the whole document — when, by whom — to a table that refuses UPDATE
and DELETE, so "who turned the loudspeakers of thôn 3 down, and when" has an answer
besides the audit log.
"""

from __future__ import annotations

import sqlite3
from typing import Final, NamedTuple

import msgspec

from xaso.server.broadcasts.radio_settings import RadioSettings
from xaso.server.database import transaction
from xaso.server.json_table import JsonTable

__all__ = ["RadioSettingsTable", "SettingsVersion"]

TABLE: Final = "radio_settings"
HISTORY_TABLE: Final = "radio_settings_version"

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS {HISTORY_TABLE} (
    seq      INTEGER PRIMARY KEY AUTOINCREMENT,
    commune  TEXT    NOT NULL,
    saved_ms INTEGER NOT NULL,
    saved_by TEXT    NOT NULL,
    body     TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS {HISTORY_TABLE}_by_commune ON {HISTORY_TABLE} (commune, seq);
CREATE TRIGGER IF NOT EXISTS {HISTORY_TABLE}_no_update BEFORE UPDATE ON {HISTORY_TABLE}
BEGIN SELECT RAISE(ABORT, 'radio settings versions are append-only'); END;
CREATE TRIGGER IF NOT EXISTS {HISTORY_TABLE}_no_delete BEFORE DELETE ON {HISTORY_TABLE}
BEGIN SELECT RAISE(ABORT, 'radio settings versions are append-only'); END;
"""


class SettingsVersion(NamedTuple):
    saved_ms: int
    saved_by: str
    settings: RadioSettings


class RadioSettingsTable(JsonTable[RadioSettings]):
    """The settings in force (``items``, by commune), and their versions."""

    def __init__(self, db: sqlite3.Connection) -> None:
        super().__init__(db, TABLE, RadioSettings)
        db.executescript(_SCHEMA)

    def of(self, commune: str) -> RadioSettings:
        """A commune's settings; empty ones if it never saved any."""
        return self.items.get(commune) or RadioSettings(id=commune)

    def save(self, settings: RadioSettings, *, by: str, at_ms: int) -> RadioSettings:
        """Save a new version (the revision goes up); answers it as saved."""
        saved = msgspec.structs.replace(
            settings,
            revision=self.of(settings.id).revision + 1,
            changed_by=by,
            changed_ms=at_ms,
        )
        body = msgspec.json.encode(saved).decode()
        with transaction(self._db):
            self._db.execute(f"INSERT OR REPLACE INTO {TABLE} VALUES (?, ?)", (saved.id, body))
            self._db.execute(
                f"INSERT INTO {HISTORY_TABLE} (commune, saved_ms, saved_by, body) "
                "VALUES (?, ?, ?, ?)",
                (saved.id, at_ms, by, body),
            )
        self.items[saved.id] = saved
        return saved

    def versions(self, commune: str) -> list[SettingsVersion]:
        """Every version of a commune's settings, oldest first."""
        rows = self._db.execute(
            f"SELECT saved_ms, saved_by, body FROM {HISTORY_TABLE} WHERE commune = ? ORDER BY seq",
            (commune,),
        )
        return [
            SettingsVersion(saved_ms, saved_by, msgspec.json.decode(body, type=RadioSettings))
            for saved_ms, saved_by, body in rows
        ]
