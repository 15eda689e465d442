"""The server's side of camera snapshots without a broker: what is refused, which picture
stands for a day, and the bounds of what is kept."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.doubles import Clock
from tests.jpegs import jpeg
from tests.messages import SMALL_INVENTORY, small_index
from tests.waiting import eventually
from xaso.protocol import SCHEMA_VERSION, Snapshot, encode, snapshot_topic
from xaso.server.app import Deps, create_app
from xaso.server.camera_snapshots.incoming import IncomingSnapshot
from xaso.server.camera_snapshots.keys import SNAPSHOTS
from xaso.server.camera_snapshots.store import (
    LATEST,
    SnapshotLimits,
    SnapshotStore,
    better_for_day,
)
from xaso.server.keys import METRICS
from xaso.server.monitoring.fleet_state import FleetState
from xaso.server.monitoring.ingest import Ingest
from xaso.server.monitoring.keys import PIPELINE
from xaso.server.monitoring.metrics import Metrics
from xaso.server.settings import Settings
from xaso.server.store.sqlite import SqliteStore

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def _at(day: int, hour: int, minute: int = 0) -> int:
    return int(dt.datetime(2026, 11, day, hour, minute, tzinfo=TZ).timestamp() * 1000)


def _incoming(device: str, taken_ms: int, picture: bytes | None = None) -> IncomingSnapshot:
    return IncomingSnapshot(
        "alpha-gw", device, taken_ms, taken_ms + 500, 160, 90, picture or jpeg()
    )


@pytest.fixture
def store() -> SnapshotStore:
    return SnapshotStore(sqlite3.connect(":memory:", isolation_level=None), TZ)


def test_the_day_picture_is_the_first_from_nine_else_the_latest_before(
    store: SnapshotStore,
) -> None:
    nine = _at(15, 9)
    assert better_for_day(_at(15, 9, 5), _at(15, 8), nine)
    assert better_for_day(_at(15, 9, 5), _at(15, 10), nine)
    assert not better_for_day(_at(15, 11), _at(15, 9, 5), nine)
    assert better_for_day(_at(15, 7), _at(15, 2), nine)
    assert not better_for_day(_at(15, 8), _at(15, 9), nine)
    # Whatever order they arrive in (a backlog comes after the live ones), the same pick.
    times = [_at(15, 12), _at(15, 2), _at(15, 9, 10), _at(15, 8, 55), _at(15, 23)]
    for order in (times, list(reversed(times)), sorted(times)):
        fresh = SnapshotStore(sqlite3.connect(":memory:", isolation_level=None), TZ)
        for taken_ms in order:
            fresh.keep([_incoming("alpha-cam-1", taken_ms)])
        (day,) = fresh.days("alpha-cam-1")
        assert (day.slot, day.taken_ms) == ("2026-11-15", _at(15, 9, 10))
        assert fresh.latest(["alpha-cam-1"])["alpha-cam-1"].taken_ms == _at(15, 23)


def test_an_older_picture_changes_nothing(store: SnapshotStore) -> None:
    assert store.keep([_incoming("alpha-cam-1", _at(15, 9, 30))]) == [[LATEST, "2026-11-15"]]
    assert store.keep([_incoming("alpha-cam-1", _at(15, 10))]) == [[LATEST]]
    assert store.keep([_incoming("alpha-cam-1", _at(15, 9, 45))]) == [[]]
    kept, picture = store.picture("alpha-cam-1", "2026-11-15") or (None, b"")
    assert kept is not None and kept.taken_ms == _at(15, 9, 30) and picture.startswith(b"\xff\xd8")


def test_oldest_days_go_first_past_the_byte_bound_and_the_latest_stays() -> None:
    picture = jpeg()
    limits = SnapshotLimits(keep_days=400, max_bytes=int(len(picture) * 2 * 3.5))
    store = SnapshotStore(sqlite3.connect(":memory:", isolation_level=None), TZ, limits)
    for day in range(1, 8):
        store.keep(
            [_incoming(cam, _at(day, 9, 30), picture) for cam in ("alpha-cam-1", "beta-cam-1")]
        )
    days = sorted({k.slot for k in store.days("alpha-cam-1")})
    # Two cameras a day: three whole days fit, the oldest went, a day at a time.
    assert days == ["2026-11-05", "2026-11-06", "2026-11-07"]
    assert store.day_bytes() <= limits.max_bytes
    assert store.latest(["alpha-cam-1"])["alpha-cam-1"].slot == LATEST


def test_days_past_keep_days_go() -> None:
    store = SnapshotStore(
        sqlite3.connect(":memory:", isolation_level=None), TZ, SnapshotLimits(keep_days=3)
    )
    for day in range(1, 8):
        store.keep([_incoming("alpha-cam-1", _at(day, 10))])
    assert [k.slot for k in store.days("alpha-cam-1")] == ["2026-11-07", "2026-11-06", "2026-11-05"]


def _message(agent: str, device: str, picture: bytes, **changes: object) -> bytes:
    fields: dict[str, object] = {
        "v": SCHEMA_VERSION,
        "agent": agent,
        "session": 1,
        "seq": 42,
        "ts_ms": _at(15, 10),
        "device": device,
        "taken_ms": _at(15, 10),
        "width": 160,
        "height": 90,
        "jpeg": picture,
        **changes,
    }
    return encode(Snapshot(**fields))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("agent", "device", "picture", "changes", "reason"),
    [
        ("alpha-gw", "alpha-cam-1", b"\x89PNG\r\n", {}, "snapshot_not_jpeg"),
        (
            "alpha-gw",
            "alpha-cam-1",
            b"\xff\xd8\xff" + b"\0" * 70_000 + b"\xff\xd9",
            {},
            "snapshot_too_big",
        ),
        ("alpha-gw", "alpha-cam-1", None, {"width": 0}, "snapshot_bad_size"),
        ("alpha-gw", "nowhere-cam", None, {}, "unknown_camera"),
        ("alpha-gw", "alpha-rc-1", None, {}, "not_a_camera"),
        ("beta-gw", "alpha-cam-1", None, {}, "foreign_camera"),
        (
            "alpha-gw",
            "alpha-cam-1",
            None,
            {"taken_ms": 1000, "historical": True},
            "time_out_of_range",
        ),
    ],
)
def test_bad_snapshots_are_refused_and_counted_with_their_number_arrived(
    agent: str, device: str, picture: bytes | None, changes: dict[str, object], reason: str
) -> None:
    index = small_index()
    metrics = Metrics()
    ingest = Ingest(FleetState(index, _at(15, 10)), metrics)
    payload = _message(agent, device, picture or jpeg(), **changes)
    handled = ingest.handle(snapshot_topic(agent), payload, _at(15, 10))
    assert handled.refused is not None and handled.refused[0] == reason
    assert handled.snapshot is None and handled.sequences == [(agent, 42)]
    assert metrics.messages_rejected.labels(reason)._value.get() == 1


def test_a_good_snapshot_is_handed_on_to_keep() -> None:
    ingest = Ingest(FleetState(small_index(), _at(15, 10)), Metrics())
    picture = jpeg()
    handled = ingest.handle(
        snapshot_topic("alpha-gw"), _message("alpha-gw", "alpha-cam-1", picture), _at(15, 10)
    )
    assert handled.refused is None and handled.records == []
    assert handled.snapshot is not None and handled.snapshot.jpeg == picture


async def test_a_snapshot_is_acknowledged_only_once_kept_and_a_failure_is_retried(
    tmp_path: Path, aiohttp_client: Callable[[web.Application], Awaitable[TestClient]]
) -> None:
    store = await SqliteStore.open(":memory:")
    now = Clock(_at(15, 10))
    app = create_app(
        Settings(inventory=str(SMALL_INVENTORY), data_dir=str(tmp_path)),
        Deps(store=store, index=small_index(), clock_ms=now, connect_mqtt=False),
    )
    client = await aiohttp_client(app)
    pipeline = app[PIPELINE]
    assert pipeline.snapshots is not None
    keeper_store = pipeline.snapshots._store
    real_keep = keeper_store.keep
    failures = [sqlite3.OperationalError("disk I/O error")]

    def keep(snapshots: Any) -> Any:
        if failures:
            raise failures.pop()
        return real_keep(snapshots)

    keeper_store.keep = keep  # type: ignore[method-assign]
    seen_at_ack: list[object] = []

    def ack() -> None:
        seen_at_ack.append(app[SNAPSHOTS].latest(["alpha-cam-1"]).get("alpha-cam-1"))

    picture = jpeg()
    pipeline.on_message(
        snapshot_topic("alpha-gw"), _message("alpha-gw", "alpha-cam-1", picture), ack
    )
    await eventually(lambda: seen_at_ack, "the acknowledgement", timeout_s=10)
    (kept,) = seen_at_ack
    assert kept is not None and kept.taken_ms == _at(15, 10) and not failures
    assert app[SNAPSHOTS].picture("alpha-cam-1", "latest") is not None
    assert app[METRICS].snapshots_kept.labels("latest")._value.get() == 1
    await client.close()
    await store.close()
