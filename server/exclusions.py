"""Maintenance windows and excused periods, kept in the server's own SQLite file.

Both say "this time does not count against these devices", from two sides:
- a **maintenance window** is planned ahead by the people who run the network; during
  it a device is in maintenance, raises no alert, and its time counts as available;
- an **excused period** is recorded afterwards by the verifier (a grid power cut the
  commune could not prevent, say); it changes nothing live and is left out of
  availability only when a report asks for excused causes to be excluded.

Kept in the server's SQLite file as JSON tables (server/json_table.py).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

import msgspec

from server.json_table import JsonTable, open_db
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


def new_id(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(4)}"


class ExclusionStore:
    def __init__(self, path: str | Path) -> None:
        self._db = open_db(str(path))
        self._windows = JsonTable(self._db, "maintenance_window", MaintenanceWindow)
        self._excused = JsonTable(self._db, "excused_period", ExcusedPeriod)

    @property
    def windows(self) -> dict[str, MaintenanceWindow]:
        return self._windows.items

    @property
    def excused(self) -> dict[str, ExcusedPeriod]:
        return self._excused.items

    def add_window(self, window: MaintenanceWindow) -> None:
        self._windows.put(window)

    def remove_window(self, window_id: str) -> bool:
        return self._windows.remove(window_id)

    def add_excused(self, period: ExcusedPeriod) -> ExcusedPeriod:
        period = msgspec.structs.replace(period, recorded_ms=int(time.time() * 1000))
        self._excused.put(period)
        return period

    def remove_excused(self, period_id: str) -> bool:
        return self._excused.remove(period_id)

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
