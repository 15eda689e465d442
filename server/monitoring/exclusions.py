"""Maintenance windows and excused periods, kept in the server's own SQLite file.

Both say "this time does not count against these devices", from two sides:
- a **maintenance window** is planned by the people who run the network; during it a
  device is in maintenance, raises no alert, and its time counts as available;
- an **excused period** is a cause the commune could not prevent (a grid power cut,
  say); it changes nothing live and is left out of availability only when a report
  asks for excused causes to be excluded.

Only **approved** ones count, and every change is a version with its author, time and
reason (server/monitoring/exclusion_history.py says what each state means; the API who may do
what). Windows and excused periods kept before versions were (the JSON tables
``maintenance_window`` and ``excused_period``) are migrated when the store opens.
"""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Iterable
from typing import Generic, Literal, NamedTuple, TypeVar

import msgspec

from xaso.inventory import DeviceEntry
from xaso.server.json_table import HasId
from xaso.server.monitoring.availability import merge_windows
from xaso.server.monitoring.exclusion_history import (
    Author,
    Decision,
    ExclusionVersions,
    Kind,
    State,
    Tracked,
)
from xaso.server.monitoring.maintenance import MaintenanceWindow, Scope, applies_to, occurrences

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


T = TypeVar("T", bound=HasId)


class Counted(NamedTuple, Generic[T]):
    """An approved item, and the instant it stops counting (its deletion, if any)."""

    item: T
    until_ms: int


class ExclusionStore:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        self._windows = ExclusionVersions(self._db, "maintenance", MaintenanceWindow)
        self._excused = ExclusionVersions(self._db, "excused", ExcusedPeriod)
        self._migrate()
        # What counts, asked once per device by the availability API: kept until a change.
        self._counted: tuple[list[Counted[MaintenanceWindow]], list[Counted[ExcusedPeriod]]] | None
        self._counted = None

    def _migrate(self) -> None:
        # Their author is who created them; when is known for excused periods only.
        windows = _old_rows(self._db, "maintenance_window", MaintenanceWindow)
        if windows:
            found = [(w, Author(w.created_by, ""), 0) for w in windows]
            self._windows.migrate(found, "maintenance_window")
        periods = _old_rows(self._db, "excused_period", ExcusedPeriod)
        if periods:
            recorded = [(p, Author(p.recorded_by, ""), p.recorded_ms) for p in periods]
            self._excused.migrate(recorded, "excused_period")

    # -- what counts -------------------------------------------------------------------

    @property
    def windows(self) -> dict[str, MaintenanceWindow]:
        """The windows that count from now on (approved, not deleted): what the live
        maintenance status looks at."""
        return {i: t.item for i, t in self._windows.items.items() if t.state == "approved"}

    @property
    def excused(self) -> dict[str, ExcusedPeriod]:
        """The excused periods that count from now on (approved, not deleted)."""
        return {i: t.item for i, t in self._excused.items.items() if t.state == "approved"}

    def counted_windows(self) -> list[Counted[MaintenanceWindow]]:
        """Every window that counts for some time (for availability and indicators)."""
        return self._counted_now()[0]

    def counted_excused(self) -> list[Counted[ExcusedPeriod]]:
        return self._counted_now()[1]

    def _counted_now(
        self,
    ) -> tuple[list[Counted[MaintenanceWindow]], list[Counted[ExcusedPeriod]]]:
        if self._counted is None:
            self._counted = (
                _counted(self._windows.items.values()),
                _counted(self._excused.items.values()),
            )
        return self._counted

    # -- every item, every state -------------------------------------------------------

    @property
    def tracked_windows(self) -> dict[str, Tracked[MaintenanceWindow]]:
        return self._windows.items

    @property
    def tracked_excused(self) -> dict[str, Tracked[ExcusedPeriod]]:
        return self._excused.items

    def tracked(
        self, kind: Kind, item_id: str
    ) -> Tracked[MaintenanceWindow] | Tracked[ExcusedPeriod] | None:
        return self._of(kind).items.get(item_id)

    # -- changes -----------------------------------------------------------------------

    def add_window(
        self, window: MaintenanceWindow, *, state: State, by: Author, at_ms: int
    ) -> Tracked[MaintenanceWindow]:
        """A new window in ``state``; its reason is the window's own."""
        self._counted = None
        return self._windows.create(window, state, by, at_ms, window.reason)

    def add_excused(
        self, period: ExcusedPeriod, *, state: State, by: Author, at_ms: int
    ) -> Tracked[ExcusedPeriod]:
        self._counted = None
        return self._excused.create(period, state, by, at_ms, period.reason)

    def decide(
        self, kind: Kind, item_id: str, state: Decision, by: Author, at_ms: int, reason: str
    ) -> Tracked[MaintenanceWindow] | Tracked[ExcusedPeriod]:
        """Approve or reject: KeyError for an unknown item, ``StateConflict`` when its
        state does not allow it."""
        self._counted = None
        return self._of(kind).change(item_id, state, by, at_ms, reason)

    def delete(
        self, kind: Kind, item_id: str, by: Author, at_ms: int, reason: str
    ) -> Tracked[MaintenanceWindow] | Tracked[ExcusedPeriod]:
        self._counted = None
        return self._of(kind).change(item_id, "deleted", by, at_ms, reason)

    def _of(
        self, kind: Kind
    ) -> ExclusionVersions[MaintenanceWindow] | ExclusionVersions[ExcusedPeriod]:
        return self._windows if kind == "maintenance" else self._excused


def _old_rows(db: sqlite3.Connection, table: str, type_: type[T]) -> list[T]:
    """The rows left in a JSON table of before (server/json_table.py)."""
    exists = db.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
    ).fetchone()
    if exists is None:
        return []
    rows = db.execute(f"SELECT body FROM {table} ORDER BY id")
    return [msgspec.json.decode(body, type=type_) for (body,) in rows]


def _counted(tracked: Iterable[Tracked[T]]) -> list[Counted[T]]:
    found = []
    for item in tracked:
        until_ms = item.counts_until_ms
        if until_ms is not None:
            found.append(Counted(item.item, until_ms))
    return found


def devices_in_maintenance(
    devices: Iterable[DeviceEntry], windows: Iterable[MaintenanceWindow], now_ms: int
) -> set[str]:
    """The ids of the devices some window covers right now (give it the windows in
    force: ``ExclusionStore.windows``)."""
    running = [w for w in windows if occurrences(w, now_ms, now_ms + 1)]
    if not running:
        return set()
    return {d.id for d in devices if any(applies_to(w, d) for w in running)}


def counted_windows_for(
    device: DeviceEntry, windows: Iterable[Counted[MaintenanceWindow]], from_ms: int, to_ms: int
) -> list[tuple[int, int]]:
    """The time in ``[from_ms, to_ms)`` when ``device`` is under a window that counts
    (each up to its deletion): sorted, disjoint, non-touching intervals."""
    return merge_windows(
        interval
        for window, until_ms in windows
        if applies_to(window, device)
        for interval in occurrences(window, from_ms, min(to_ms, until_ms))
    )


def excused_for(
    device: DeviceEntry, periods: Iterable[Counted[ExcusedPeriod]], from_ms: int, to_ms: int
) -> list[tuple[int, int]]:
    """The parts of ``[from_ms, to_ms)`` that excused periods which count cover for
    ``device``, each up to its deletion."""
    found = []
    for period, until_ms in periods:
        start, end = max(period.from_ms, from_ms), min(period.to_ms, to_ms, until_ms)
        if start < end and applies_to(period, device):
            found.append((start, end))
    return found
