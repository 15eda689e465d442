"""The SQLite store on a really full disk: a write says the disk is full and may be
tried again (StoreUnavailable), and it works again once there is room."""

from __future__ import annotations

from pathlib import Path

import pytest

from xaso.server.records import TransitionRecord
from xaso.server.store.base import StoreUnavailable
from xaso.server.store.sqlite import SqliteStore
from xaso.testbed.disk import fill


def transitions(count: int, first_ms: int) -> list[TransitionRecord]:
    return [
        TransitionRecord(f"d{i}", "c", "camera", first_ms + i, "online", "unknown", "probe_ok")
        for i in range(count)
    ]


async def test_a_full_disk_is_said_as_such_and_passes(small_disk: Path) -> None:
    store = await SqliteStore.open(str(small_disk / "ts.db"))
    try:
        await store.write(transitions(1, 0))
        ballast = fill(small_disk)
        # A failed COMMIT rolls back by itself: a second ROLLBACK used to hide the cause
        # behind "cannot rollback - no transaction is active".
        with pytest.raises(StoreUnavailable, match="disk is full"):
            await store.write(transitions(10, 1_000))
        ballast.unlink()
        await store.write(transitions(10, 1_000))
        assert len(await store.transitions("d9", 0, 10_000)) == 1
    finally:
        await store.close()
