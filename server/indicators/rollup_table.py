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

An evaluation computes a row from raw data read before it keeps it; a late record stored
in between (by this process or an ingest worker) drops a row that is not there yet. So
every drop also moves the unit's epoch on (``indicator_rollup_epoch``, in the same file
for every process), and ``put`` keeps a row only if its unit's epoch is the one read
before the raw data was: a row computed from data a drop has since overtaken is left out
and computed again next time.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Iterable, Mapping
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
CREATE TABLE IF NOT EXISTS {TABLE}_epoch (
    scope TEXT    NOT NULL,
    unit  TEXT    NOT NULL,
    epoch INTEGER NOT NULL,
    PRIMARY KEY (scope, unit)
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

    def epochs(self, scope: str, units: Collection[str]) -> dict[str, int]:
        """Each unit's epoch now (0 if it was never dropped): read before the raw data a
        row is computed from, handed to ``put`` with the row."""
        found = dict(
            self._db.execute(
                f"SELECT unit, epoch FROM {TABLE}_epoch WHERE scope = ?", (scope,)
            ).fetchall()
        )
        return {unit: int(found.get(unit, 0)) for unit in units}

    def put(self, rows: Iterable[RollupRow], epochs: Mapping[tuple[str, str], int]) -> int:
        """Keep the rows whose unit has not been dropped since ``epochs`` (by (scope,
        unit)) was read; how many were kept."""
        # IMMEDIATE: the epochs read and the rows written in one go, whatever another
        # process drops meanwhile (a deferred read would fail to upgrade in WAL mode).
        self._db.execute("BEGIN IMMEDIATE")
        try:
            now = {
                (scope, unit): epoch
                for scope, unit, epoch in self._db.execute(
                    f"SELECT scope, unit, epoch FROM {TABLE}_epoch"
                ).fetchall()
            }
            current = [
                row
                for row in rows
                if now.get((row.scope, row.unit), 0) == epochs[(row.scope, row.unit)]
            ]
            self._db.executemany(
                f"INSERT OR REPLACE INTO {TABLE}"
                " (scope, unit, day_ms, fingerprint, changed, body) VALUES (?, ?, ?, ?, ?, ?)",
                current,
            )
            self._db.execute("COMMIT")
        except BaseException:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise
        return len(current)

    def _moved_on(self, scope: str, unit: str) -> None:
        self._db.execute(
            f"INSERT INTO {TABLE}_epoch (scope, unit, epoch) VALUES (?, ?, 1)"
            " ON CONFLICT (scope, unit) DO UPDATE SET epoch = epoch + 1",
            (scope, unit),
        )

    def move_on(self, scope: str, units: Collection[str]) -> None:
        """Move the units' epochs on without dropping a row: what the evaluated results
        kept in memory are keyed on (``indicators/late_marks.py``)."""
        if not units:
            return
        with transaction(self._db):
            for unit in sorted(units):
                self._moved_on(scope, unit)

    def drop(self, scope: str, unit: str, days: Collection[int]) -> int:
        """Drop the rows of ``days`` (their starts); how many there were."""
        if not days:
            return 0
        marks = ", ".join("?" for _ in days)
        with transaction(self._db):
            cursor = self._db.execute(
                f"DELETE FROM {TABLE} WHERE scope = ? AND unit = ? AND day_ms IN ({marks})",
                (scope, unit, *days),
            )
            self._moved_on(scope, unit)
        return cursor.rowcount

    def drop_from(self, scope: str, unit: str, from_ms: int) -> int:
        """Drop every row of the unit from the day starting at or after ``from_ms``."""
        with transaction(self._db):
            cursor = self._db.execute(
                f"DELETE FROM {TABLE} WHERE scope = ? AND unit = ? AND day_ms >= ?",
                (scope, unit, from_ms),
            )
            self._moved_on(scope, unit)
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
