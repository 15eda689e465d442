"""The schedules' version history: append-only, and which version was in force when."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import msgspec
import pytest

from tests.doubles import Clock
from tests.messages import MORNING_NEWS
from xaso.server.broadcasts.schedule import ALWAYS_FROM_MS, ALWAYS_TO_MS, Schedule
from xaso.server.broadcasts.schedule_table import ScheduleTable
from xaso.server.database import connect
from xaso.server.json_table import JsonTable

NEWS = msgspec.structs.replace(MORNING_NEWS, created_by="can-bo-vh")


def test_each_version_is_in_force_until_the_next_save_or_the_deletion(tmp_path: Path) -> None:
    clock = Clock(1_000)
    table = ScheduleTable(connect(tmp_path / "x.db"), clock)
    table.put(NEWS)
    clock.now_ms = 5_000
    table.put(msgspec.structs.replace(NEWS, title="Bản tin chiều", revision=2), by="admin")
    clock.now_ms = 9_000
    assert table.remove(NEWS.id, by="admin") and not table.remove(NEWS.id)

    first, second, deletion = table.versions(NEWS.id)
    # The first version counts since ever: an "emergency now" starts at the current
    # second, a bulletin may be created with a start already past.
    assert (first.from_ms, first.to_ms, first.saved_ms, first.saved_by) == (
        ALWAYS_FROM_MS,
        5_000,
        1_000,
        "can-bo-vh",
    )
    assert (second.from_ms, second.to_ms, second.schedule.title) == (5_000, 9_000, "Bản tin chiều")  # type: ignore[union-attr]
    assert (deletion.schedule, deletion.from_ms, deletion.to_ms) == (None, 9_000, ALWAYS_TO_MS)
    assert NEWS.id not in table.items

    assert [v.schedule.title for v in table.versions_between(0, 4_000)] == ["Bản tin sáng"]  # type: ignore[union-attr]
    assert len(table.versions_between(4_000, 6_000)) == 2
    assert table.versions_between(9_000, 20_000) == []  # deleted: plans nothing any more
    assert table.versions_between(0, 20_000, ["beta"]) == []


def test_a_standing_relays_first_version_is_in_force_from_its_save(tmp_path: Path) -> None:
    # Not due on air before it existed (reconcile.py plans it the rest of its slot).
    clock = Clock(7_500)
    table = ScheduleTable(connect(tmp_path / "x.db"), clock)
    relay = msgspec.structs.replace(NEWS, id="ts-vov", priority="background")
    table.put(relay)
    [first] = table.versions(relay.id)
    assert (first.from_ms, first.to_ms) == (7_000, ALWAYS_TO_MS)


def test_versions_survive_a_restart_and_cannot_be_rewritten(tmp_path: Path) -> None:
    path = str(tmp_path / "x.db")
    table = ScheduleTable(connect(path), Clock(1_000))
    table.put(NEWS)
    table.put(msgspec.structs.replace(NEWS, revision=2), by="admin")
    again = ScheduleTable(connect(path), Clock(2_000))
    assert [v.schedule.revision for v in again.versions(NEWS.id)] == [1, 2]  # type: ignore[union-attr]
    assert again.items[NEWS.id].revision == 2
    db = sqlite3.connect(path)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("UPDATE broadcast_schedule_version SET saved_ms = 0")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("DELETE FROM broadcast_schedule_version")


def test_schedules_saved_before_versions_were_kept_get_one_since_ever(tmp_path: Path) -> None:
    path = str(tmp_path / "x.db")
    JsonTable(connect(path), "broadcast_schedule", Schedule).put(NEWS)  # an older server
    table = ScheduleTable(connect(path), Clock(7_000))
    [version] = table.versions(NEWS.id)
    assert (version.from_ms, version.to_ms, version.schedule) == (
        ALWAYS_FROM_MS,
        ALWAYS_TO_MS,
        NEWS,
    )
    # Only once: opening again adds nothing.
    assert len(ScheduleTable(connect(path), Clock(8_000)).versions(NEWS.id)) == 1


def test_a_failed_save_leaves_neither_the_schedule_nor_its_version(tmp_path: Path) -> None:
    path = str(tmp_path / "x.db")
    db = connect(path)
    table = ScheduleTable(db, Clock(1_000))
    db.execute(
        "CREATE TRIGGER refuse BEFORE INSERT ON broadcast_schedule_version "
        "BEGIN SELECT RAISE(ABORT, 'disk full'); END"
    )
    with pytest.raises(sqlite3.IntegrityError, match="disk full"):
        table.put(NEWS)
    assert NEWS.id not in table.items and table.versions(NEWS.id) == []
    db.execute("DROP TRIGGER refuse")
    assert ScheduleTable(connect(path), Clock(2_000)).items == {}
