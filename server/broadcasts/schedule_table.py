"""The broadcast schedules, and every version each of them ever had.

The playout log of a past month must be reconciled against the schedules as they were
that month: an officer who deletes a bulletin's schedule, or moves it from 06:00 to
17:00, changes what is planned from then on, not what was planned before (the missed
06:00 bulletins of September stay missed, and stay in September's R8 evidence). So
every save and every deletion appends a version — the body, when, by whom — to a table
that refuses UPDATE and DELETE, and ``versions_between`` tells which version was in
force when.

A version is in force from its save until the next save or the deletion; a
schedule's first version is taken as in force since ever, so that a bulletin created
with a start already past (or "emergency now", whose start is the current second)
keeps its occurrences; a standing relay's (class ``background``) from its save, since
it was not due on air before it existed. Schedules saved before this history existed
get a first version since ever when the table is opened.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from typing import Final, NamedTuple

import msgspec

from xaso.server.broadcasts.schedule import ALWAYS_FROM_MS, ALWAYS_TO_MS, Schedule
from xaso.server.database import transaction
from xaso.server.json_table import JsonTable

__all__ = ["ScheduleTable", "ScheduleVersion"]

TABLE: Final = "broadcast_schedule"
HISTORY_TABLE: Final = "broadcast_schedule_version"

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS {HISTORY_TABLE} (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    schedule_id TEXT    NOT NULL,
    saved_ms    INTEGER NOT NULL,
    saved_by    TEXT    NOT NULL,
    body        TEXT    -- NULL: deleted
);
CREATE INDEX IF NOT EXISTS {HISTORY_TABLE}_by_schedule ON {HISTORY_TABLE} (schedule_id, seq);
CREATE TRIGGER IF NOT EXISTS {HISTORY_TABLE}_no_update BEFORE UPDATE ON {HISTORY_TABLE}
BEGIN SELECT RAISE(ABORT, 'schedule versions are append-only'); END;
CREATE TRIGGER IF NOT EXISTS {HISTORY_TABLE}_no_delete BEFORE DELETE ON {HISTORY_TABLE}
BEGIN SELECT RAISE(ABORT, 'schedule versions are append-only'); END;
"""


class ScheduleVersion(NamedTuple):
    """One schedule as it was over ``[from_ms, to_ms)``; ``schedule`` None: deleted."""

    schedule_id: str
    schedule: Schedule | None
    saved_ms: int
    saved_by: str
    from_ms: int
    to_ms: int


class _Saved(NamedTuple):
    saved_ms: int
    saved_by: str
    schedule: Schedule | None


class ScheduleTable(JsonTable[Schedule]):
    """The schedules in force (``items``), and their versions."""

    def __init__(self, db: sqlite3.Connection, clock_ms: Callable[[], int]) -> None:
        super().__init__(db, TABLE, Schedule)
        self._clock_ms = clock_ms
        db.executescript(_SCHEMA)
        self._saved: dict[str, list[_Saved]] = {}
        rows = db.execute(
            f"SELECT schedule_id, saved_ms, saved_by, body FROM {HISTORY_TABLE} ORDER BY seq"
        )
        for schedule_id, saved_ms, saved_by, body in rows:
            schedule = None if body is None else msgspec.json.decode(body, type=Schedule)
            self._saved.setdefault(schedule_id, []).append(_Saved(saved_ms, saved_by, schedule))
        for schedule in self.items.values():
            if schedule.id not in self._saved:
                # Saved before versions were kept: as it is, since ever.
                body = msgspec.json.encode(schedule).decode()
                self._insert_version(schedule.id, body, ALWAYS_FROM_MS, schedule.created_by)
                self._saved[schedule.id] = [_Saved(ALWAYS_FROM_MS, schedule.created_by, schedule)]

    def put(self, item: Schedule, *, by: str = "") -> None:
        """Save a new version (insert or replace), in force from now."""
        at_ms, body = self._clock_ms(), msgspec.json.encode(item).decode()
        with transaction(self._db):
            self._db.execute(f"INSERT OR REPLACE INTO {TABLE} VALUES (?, ?)", (item.id, body))
            self._insert_version(item.id, body, at_ms, by or item.created_by)
        self.items[item.id] = item
        self._saved.setdefault(item.id, []).append(_Saved(at_ms, by or item.created_by, item))

    def remove(self, item_id: str, *, by: str = "") -> bool:
        """End the schedule from now on; what it planned before stays planned."""
        if item_id not in self.items:
            return False
        at_ms = self._clock_ms()
        with transaction(self._db):
            self._db.execute(f"DELETE FROM {TABLE} WHERE id = ?", (item_id,))
            self._insert_version(item_id, None, at_ms, by)
        del self.items[item_id]
        self._saved.setdefault(item_id, []).append(_Saved(at_ms, by, None))
        return True

    def versions(self, schedule_id: str) -> list[ScheduleVersion]:
        """Every version of one schedule, oldest first (deleted ones too)."""
        saved = self._saved.get(schedule_id, [])
        found = []
        for i, version in enumerate(saved):
            start = _first_in_force_from(version) if i == 0 else _in_force_from(version.saved_ms)
            end = _in_force_from(saved[i + 1].saved_ms) if i + 1 < len(saved) else ALWAYS_TO_MS
            found.append(
                ScheduleVersion(
                    schedule_id, version.schedule, version.saved_ms, version.saved_by, start, end
                )
            )
        return found

    def versions_between(
        self, from_ms: int, to_ms: int, communes: Iterable[str] | None = None
    ) -> list[ScheduleVersion]:
        """The versions in force at some time in ``[from_ms, to_ms)``, of the schedules
        of ``communes`` (all when None); deletions are not listed."""
        wanted = None if communes is None else set(communes)
        found = []
        for schedule_id in sorted(self._saved):
            for version in self.versions(schedule_id):
                schedule = version.schedule
                if (
                    schedule is not None
                    and (wanted is None or schedule.commune in wanted)
                    and version.from_ms < to_ms
                    and from_ms < version.to_ms
                ):
                    found.append(version)
        return found

    def _insert_version(self, schedule_id: str, body: str | None, at_ms: int, by: str) -> None:
        self._db.execute(
            f"INSERT INTO {HISTORY_TABLE} (schedule_id, saved_ms, saved_by, body) "
            "VALUES (?, ?, ?, ?)",
            (schedule_id, at_ms, by, body),
        )


def _first_in_force_from(version: _Saved) -> int:
    """A first version is in force since ever (a bulletin created with a start already
    past keeps its occurrences), but a standing relay's from its save: its slot runs
    for hours, and a relay saved at 14:00 was not due on air at 06:00 (``reconcile.py``
    plans it the rest of the slot it joined)."""
    schedule = version.schedule
    if schedule is None or schedule.priority != "background" or version.saved_ms <= ALWAYS_FROM_MS:
        return ALWAYS_FROM_MS
    return _in_force_from(version.saved_ms)


def _in_force_from(saved_ms: int) -> int:
    """A change counts from the start of the second it was saved in: a schedule moved
    to start "now" (to the second, as wall times are written) plans that start."""
    return saved_ms - saved_ms % 1000
