"""Maintenance windows and excused periods, kept in the server's own SQLite file.

Both say "this time does not count against these devices", from two sides:
- a **maintenance window** is planned ahead by the people who run the network; during
  it a device is in maintenance, raises no alert, and its time counts as available;
- an **excused period** is recorded afterwards by the verifier (a grid power cut the
  commune could not prevent, say); it changes nothing live and is left out of
  availability only when a report asks for excused causes to be excluded.

Few rows, read at start and kept in memory; writes go straight to the file. Like the
token store, a local SQLite access takes microseconds and runs inline.
"""

from __future__ import annotations

import secrets
import sqlite3
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

import msgspec

from server.maintenance import MaintenanceWindow, Scope, applies_to, occurrences
from xaso.inventory import DeviceEntry

ExcuseCause = Literal["grid_power_cut", "natural_disaster", "third_party_network", "other"]


class ExcusedPeriod(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    id: str
    scope: Scope
    target: str
    from_ms: int
    to_ms: int
    cause: ExcuseCause
    reason: str = ""
    recorded_by: str = ""
    recorded_ms: int = 0


_SCHEMA = """
CREATE TABLE IF NOT EXISTS maintenance_window (id TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS excused_period (id TEXT PRIMARY KEY, body TEXT NOT NULL);
"""


def new_id(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(4)}"


class ExclusionStore:
    def __init__(self, path: str | Path) -> None:
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)
        self.windows: dict[str, MaintenanceWindow] = {
            row[0]: msgspec.json.decode(row[1], type=MaintenanceWindow)
            for row in self._db.execute("SELECT id, body FROM maintenance_window")
        }
        self.excused: dict[str, ExcusedPeriod] = {
            row[0]: msgspec.json.decode(row[1], type=ExcusedPeriod)
            for row in self._db.execute("SELECT id, body FROM excused_period")
        }

    def add_window(self, window: MaintenanceWindow) -> None:
        self._db.execute(
            "INSERT INTO maintenance_window VALUES (?, ?)",
            (window.id, msgspec.json.encode(window).decode()),
        )
        self.windows[window.id] = window

    def remove_window(self, window_id: str) -> bool:
        removed = self._db.execute(
            "DELETE FROM maintenance_window WHERE id = ?", (window_id,)
        ).rowcount
        self.windows.pop(window_id, None)
        return removed == 1

    def add_excused(self, period: ExcusedPeriod) -> ExcusedPeriod:
        period = msgspec.structs.replace(period, recorded_ms=int(time.time() * 1000))
        self._db.execute(
            "INSERT INTO excused_period VALUES (?, ?)",
            (period.id, msgspec.json.encode(period).decode()),
        )
        self.excused[period.id] = period
        return period

    def remove_excused(self, period_id: str) -> bool:
        removed = self._db.execute("DELETE FROM excused_period WHERE id = ?", (period_id,)).rowcount
        self.excused.pop(period_id, None)
        return removed == 1

    def close(self) -> None:
        self._db.close()


def devices_in_maintenance(
    devices: Iterable[DeviceEntry], windows: Iterable[MaintenanceWindow], now_ms: int
) -> set[str]:
    """The ids of the devices some window covers right now."""
    running = [w for w in windows if occurrences(w, now_ms, now_ms + 1)]
    if not running:
        return set()
    return {d.id for d in devices if any(applies_to(w, d) for w in running)}


def excused_for(
    device: DeviceEntry, periods: Iterable[ExcusedPeriod], from_ms: int, to_ms: int
) -> list[tuple[int, int]]:
    return [
        (max(p.from_ms, from_ms), min(p.to_ms, to_ms))
        for p in periods
        if applies_to(p, device) and p.from_ms < to_ms and p.to_ms > from_ms
    ]
