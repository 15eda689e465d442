"""Maintenance windows and excused periods keep every version: append-only, migrated
from the tables of before, and only approved ones count (server/monitoring/exclusions.py)."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from xaso.inventory import DeviceEntry
from xaso.server.broadcasts.schedule import ALWAYS_TO_MS
from xaso.server.database import ServerDatabase, connect
from xaso.server.json_table import JsonTable
from xaso.server.monitoring.exclusion_history import Author, StateConflict
from xaso.server.monitoring.exclusions import (
    ExclusionStore,
    ExcusedPeriod,
    counted_windows_for,
    excused_for,
)
from xaso.server.monitoring.maintenance import MaintenanceWindow

H = 3_600_000
OPERATOR = Author("can-bo-xa", "operator")
VERIFIER = Author("tham-dinh", "verifier")

# 2025-07-01 22:00 local (15:00 UTC), daily for two hours.
WINDOW = MaintenanceWindow(
    id="mw-1",
    scope="device",
    target="cam-01",
    start=dt.datetime(2025, 7, 1, 22),
    duration_s=7200.0,
    rrule="FREQ=DAILY",
    reason="Bảo dưỡng",
    created_by="can-bo-xa",
)
FIRST_MS = int(dt.datetime(2025, 7, 1, 15, tzinfo=dt.UTC).timestamp() * 1000)
PERIOD = ExcusedPeriod(
    id="ex-1",
    scope="commune",
    target="xuan-hong",
    from_ms=FIRST_MS,
    to_ms=FIRST_MS + 10 * H,
    cause="grid_power_cut",
    reason="Điện lực cắt điện",
    recorded_by="tham-dinh",
    recorded_ms=FIRST_MS + 20 * H,
)
CAMERA = DeviceEntry(
    id="cam-01",
    name="cam-01",
    kind="camera",
    commune="xuan-hong",
    agent_id="gw-01",
    village=None,
    location=None,
    planned=False,
    heartbeat_interval_s=30.0,
    offline_after_s=90.0,
)


def test_only_approved_items_count_and_a_deletion_ends_them_from_then(tmp_path: Path) -> None:
    store = ExclusionStore(connect(tmp_path / "x.db"))
    store.add_window(WINDOW, state="pending", by=OPERATOR, at_ms=FIRST_MS + 72 * H)
    three_days = (FIRST_MS, FIRST_MS + 72 * H)
    assert counted_windows_for(CAMERA, store.counted_windows(), *three_days) == []
    assert store.windows == {}  # nothing in force for the live status either

    store.decide("maintenance", WINDOW.id, "approved", VERIFIER, FIRST_MS + 80 * H, "Có biên bản")
    assert counted_windows_for(CAMERA, store.counted_windows(), *three_days) == [
        (FIRST_MS + day * 24 * H, FIRST_MS + day * 24 * H + 2 * H) for day in range(3)
    ]
    assert list(store.windows) == [WINDOW.id]
    with pytest.raises(StateConflict):
        store.decide("maintenance", WINDOW.id, "approved", VERIFIER, FIRST_MS + 81 * H, "lại")

    # Deleted in the middle of the fourth day's occurrence: that one is cut there.
    deleted_ms = FIRST_MS + 72 * H + H
    store.delete("maintenance", WINDOW.id, OPERATOR, deleted_ms, "Xong việc")
    assert counted_windows_for(CAMERA, store.counted_windows(), FIRST_MS, FIRST_MS + 240 * H)[
        -1
    ] == (FIRST_MS + 72 * H, deleted_ms)
    assert store.windows == {}
    tracked = store.tracked_windows[WINDOW.id]
    assert [(v.version, v.state, v.by, v.role, v.reason) for v in tracked.versions] == [
        (1, "pending", "can-bo-xa", "operator", "Bảo dưỡng"),
        (2, "approved", "tham-dinh", "verifier", "Có biên bản"),
        (3, "deleted", "can-bo-xa", "operator", "Xong việc"),
    ]
    assert tracked.decision is not None and tracked.decision.by == "tham-dinh"
    with pytest.raises(StateConflict):
        store.delete("maintenance", WINDOW.id, OPERATOR, deleted_ms, "lại")


def test_a_rejected_item_never_counted_even_once_approved(tmp_path: Path) -> None:
    store = ExclusionStore(connect(tmp_path / "x.db"))
    store.add_excused(PERIOD, state="approved", by=VERIFIER, at_ms=PERIOD.recorded_ms)
    span = (FIRST_MS - H, FIRST_MS + 24 * H)
    assert excused_for(CAMERA, store.counted_excused(), *span) == [(PERIOD.from_ms, PERIOD.to_ms)]
    # The verifier takes the approval back: it counts nowhere, the past included.
    store.decide("excused", PERIOD.id, "rejected", VERIFIER, PERIOD.recorded_ms + H, "Nhầm xã")
    assert excused_for(CAMERA, store.counted_excused(), *span) == []
    assert store.tracked_excused[PERIOD.id].counts_until_ms is None


def test_versions_survive_a_restart_and_cannot_be_rewritten(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    with ServerDatabase(path) as database:
        store = ExclusionStore(database.connection)
        store.add_window(WINDOW, state="pending", by=OPERATOR, at_ms=FIRST_MS)
        store.decide("maintenance", WINDOW.id, "rejected", VERIFIER, FIRST_MS + H, "Không rõ")
    with ServerDatabase(path) as database:
        tracked = ExclusionStore(database.connection).tracked_windows[WINDOW.id]
        assert [v.state for v in tracked.versions] == ["pending", "rejected"]
        assert tracked.item == WINDOW
    db = sqlite3.connect(path)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("UPDATE exclusion_version SET state = 'approved'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("DELETE FROM exclusion_version")
    db.close()


def test_the_tables_of_before_are_migrated_once_as_approved_versions(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    db = connect(path)
    JsonTable(db, "maintenance_window", MaintenanceWindow).put(WINDOW)
    JsonTable(db, "excused_period", ExcusedPeriod).put(PERIOD)
    db.close()

    database = ServerDatabase(path)
    store = ExclusionStore(database.connection)
    window = store.tracked_windows[WINDOW.id]
    assert window.item == WINDOW and window.state == "approved"
    assert [(v.version, v.state, v.by, v.at_ms, v.reason) for v in window.versions] == [
        (1, "approved", "can-bo-xa", 0, "migrated")
    ]
    period = store.tracked_excused[PERIOD.id]
    assert [(v.by, v.at_ms) for v in period.versions] == [("tham-dinh", PERIOD.recorded_ms)]
    assert window.counts_until_ms == ALWAYS_TO_MS
    store.delete("maintenance", WINDOW.id, VERIFIER, FIRST_MS, "Hết hạn")
    database.close()

    database = ServerDatabase(path)
    again = ExclusionStore(database.connection)  # not migrated a second time, nor back
    assert [v.state for v in again.tracked_windows[WINDOW.id].versions] == [
        "approved",
        "deleted",
    ]
    assert len(again.tracked_excused[PERIOD.id].versions) == 1
    database.close()
