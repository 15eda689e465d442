"""The rollups of closed days, kept in the server's own SQLite file (``server/database.py``).

One row per scope, unit and closed local day: the availability of one commune's devices
of one kind (scope ``availability:<kind>``, unit the commune the devices are listed
under), or the reconciled broadcasts of one merge family (scope ``playout``, unit its
communes joined by commas). ``fingerprint`` digests what the row was computed from
besides the time series (maintenance windows, schedules as they were, silences, manual
entries, the inventory, the format of the body): a row whose fingerprint no longer
matches is computed again. ``changed`` lists the devices with a transition within the day
(availability only), which tells how far a late transition reaches. A cache: dropping
every row loses nothing but time.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Iterable
from typing import Final, NamedTuple

from xaso.server.database import transaction

__all__ = ["RollupRow", "RollupTable"]

TABLE: Final = "indicator_rollup"

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    scope       TEXT    NOT NULL,
    unit        TEXT    NOT NULL,
    day_ms      INTEGER NOT NULL,  -- the local day's start
    fingerprint TEXT    NOT NULL,
    changed     TEXT    NOT NULL,  -- device ids, space separated
    body        BLOB    NOT NULL,
    PRIMARY KEY (scope, unit, day_ms)
) WITHOUT ROWID;
"""


class RollupRow(NamedTuple):
    scope: str
    unit: str
    day_ms: int
    fingerprint: str
    changed: str
    body: bytes


class RollupTable:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        db.executescript(_SCHEMA)

    def rows(
        self, scope: str, units: Collection[str], from_ms: int, to_ms: int
    ) -> dict[tuple[str, int], tuple[str, bytes]]:
        """(fingerprint, body) by (unit, day) of the days starting in ``[from_ms, to_ms)``."""
        if not units or from_ms >= to_ms:
            return {}
        found = self._db.execute(
            f"SELECT unit, day_ms, fingerprint, body FROM {TABLE}"
            " WHERE scope = ? AND day_ms >= ? AND day_ms < ?",
            (scope, from_ms, to_ms),
        ).fetchall()
        wanted = set(units)
        return {(u, d): (f, b) for u, d, f, b in found if u in wanted}

    def put(self, rows: Iterable[RollupRow]) -> None:
        with transaction(self._db):
            self._db.executemany(
                f"INSERT OR REPLACE INTO {TABLE}"
                " (scope, unit, day_ms, fingerprint, changed, body) VALUES (?, ?, ?, ?, ?, ?)",
                list(rows),
            )

    def drop(self, scope: str, unit: str, days: Collection[int]) -> int:
        """Drop the rows of ``days`` (their starts); how many there were."""
        if not days:
            return 0
        marks = ", ".join("?" for _ in days)
        cursor = self._db.execute(
            f"DELETE FROM {TABLE} WHERE scope = ? AND unit = ? AND day_ms IN ({marks})",
            (scope, unit, *days),
        )
        return cursor.rowcount

    def drop_from(self, scope: str, unit: str, from_ms: int) -> int:
        """Drop every row of the unit from the day starting at or after ``from_ms``."""
        cursor = self._db.execute(
            f"DELETE FROM {TABLE} WHERE scope = ? AND unit = ? AND day_ms >= ?",
            (scope, unit, from_ms),
        )
        return cursor.rowcount

    def changes_after(self, scope: str, unit: str, from_ms: int) -> list[tuple[int, set[str]]]:
        """(day, devices with a transition that day) of the unit's rows from ``from_ms``
        on, oldest first."""
        found = self._db.execute(
            f"SELECT day_ms, changed FROM {TABLE}"
            " WHERE scope = ? AND unit = ? AND day_ms >= ? ORDER BY day_ms",
            (scope, unit, from_ms),
        ).fetchall()
        return [(day, set(changed.split())) for day, changed in found]

    def count(self) -> int:
        (found,) = self._db.execute(f"SELECT COUNT(*) FROM {TABLE}").fetchone()
        return int(found)
