"""One contract for every store: the same tests run on SQLite and on a real influxd.

The InfluxDB-only tests at the end cover what only a network store does: partial writes,
outages and HTTP error mapping.
"""

from __future__ import annotations

import json
import math
import sqlite3
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from xaso.server.records import (
    AgentHealthRecord,
    BroadcastEventRecord,
    DeviceReadingRecord,
    Record,
    TransitionRecord,
)
from xaso.server.store import Store, StoreUnavailable, WriteResult, open_store
from xaso.server.store.influx import InfluxStore
from xaso.server.store.sqlite import MIGRATIONS, SCHEMA_VERSION, SqliteStore
from xaso.testbed.influxdb import InfluxServer, running_influxd

T0 = 1_700_000_000_000  # 2023-11-14, epoch ms
COMMUNE = "Xã Xuân Hồng"


def reading(device_id: str = "cam-01", ts_ms: int = T0, **changes: Any) -> DeviceReadingRecord:
    fields: dict[str, Any] = {
        "agent_id": "gw-01",
        "commune": COMMUNE,
        "kind": "camera",
        "seq": 7,
        "reachable": True,
        "rtt_ms": 12.5,
    }
    fields.update(changes)
    return DeviceReadingRecord(device_id=device_id, ts_ms=ts_ms, **fields)


def health(agent_id: str = "gw-01", ts_ms: int = T0, **changes: Any) -> AgentHealthRecord:
    fields: dict[str, Any] = {
        "commune": COMMUNE,
        "seq": 41,
        "session": 3,
        "uptime_s": 3600.0,
        "load1": 0.25,
        "mem_used_pct": 41.5,
        "disk_free_pct": 80.0,
        "temp_c": 52.0,
    }
    fields.update(changes)
    return AgentHealthRecord(agent_id=agent_id, ts_ms=ts_ms, **fields)


def transition(device_id: str = "cam-01", ts_ms: int = T0, **changes: Any) -> TransitionRecord:
    fields: dict[str, Any] = {
        "commune": COMMUNE,
        "kind": "camera",
        "status": "offline",
        "previous": "online",
        "cause": "no reading for 90 s",
    }
    fields.update(changes)
    return TransitionRecord(device_id=device_id, ts_ms=ts_ms, **fields)


def broadcast(
    seq: int, event: str = "started", occurrence_ms: int = T0, **changes: Any
) -> BroadcastEventRecord:
    fields: dict[str, Any] = {
        "agent_id": "gw-01",
        "cluster": "loa-01",
        "commune": COMMUNE,
        "ts_ms": occurrence_ms + 2_000 if event != "received" else T0 - 86_400_000,
        "session": 3,
        "schedule": "lt-sang",
        "revision": 2,
        "priority": "normal",
        "content_type": "tts",
        "content_duration_s": 900.0,
        "occurrence_ms": occurrence_ms if event != "received" else 0,
        "planned_end_ms": occurrence_ms + 900_000 if event != "received" else 0,
    }
    fields.update(changes)
    agent = fields.pop("agent_id")
    return BroadcastEventRecord(
        event_id=f"{agent}-{seq}", agent_id=agent, seq=seq, event=event, **fields
    )


# -- fixtures -------------------------------------------------------------------------


async def _open_influx(server: InfluxServer) -> InfluxStore:
    # A fresh database per test: isolation without restarting influxd.
    return await InfluxStore.open(server.url, f"test_{uuid.uuid4().hex}")


@pytest.fixture(params=["sqlite", "influxdb"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    opened: Store
    if request.param == "sqlite":
        opened = await SqliteStore.open(str(tmp_path / "xaso.db"))
    else:
        # Looked up lazily so that the SQLite half runs without influxd installed.
        opened = await _open_influx(request.getfixturevalue("influxd"))
    yield opened
    await opened.close()


@pytest.fixture
async def influx_store(influxd: InfluxServer) -> AsyncIterator[InfluxStore]:
    opened = await _open_influx(influxd)
    yield opened
    await opened.close()


# -- the contract ---------------------------------------------------------------------


async def test_name_and_ping(store: Store) -> None:
    assert store.name in ("sqlite", "influxdb")
    assert await store.ping() is True


async def test_round_trip_every_kind(store: Store) -> None:
    records: list[Record] = [health(), reading(historical=True, error="slow"), transition()]
    assert await store.write(records) == WriteResult(written=3)
    assert await store.agent_health("gw-01", T0, T0 + 1) == [records[0]]
    assert await store.device_readings("cam-01", T0, T0 + 1) == [records[1]]
    assert await store.transitions("cam-01", T0, T0 + 1) == [records[2]]


async def test_round_trip_with_none_fields(store: Store) -> None:
    sparse_health = AgentHealthRecord(agent_id="gw-02", commune="", ts_ms=T0, seq=0, session=0)
    sparse_reading = reading("cam-02", reachable=False, rtt_ms=None, error=None)
    await store.write([sparse_health, sparse_reading])
    assert await store.agent_health("gw-02", T0, T0 + 1) == [sparse_health]
    assert await store.device_readings("cam-02", T0, T0 + 1) == [sparse_reading]


async def test_integral_floats_keep_their_type(store: Store) -> None:
    # 5 instead of 5.0 must not become an InfluxDB integer field (a type conflict later).
    await store.write([reading(rtt_ms=5), reading(ts_ms=T0 + 1, rtt_ms=5.5)])
    rtts = [r.rtt_ms for r in await store.device_readings("cam-01", T0, T0 + 2)]
    assert rtts == [5.0, 5.5]
    assert all(isinstance(rtt, float) for rtt in rtts)


async def test_reads_are_time_ordered_and_half_open(store: Store) -> None:
    times = [T0 + 40, T0, T0 + 30, T0 + 10, T0 + 20]
    await store.write([reading(ts_ms=t, seq=i) for i, t in enumerate(times)])
    got = await store.device_readings("cam-01", T0 + 10, T0 + 30)
    assert [r.ts_ms for r in got] == [T0 + 10, T0 + 20]
    everything = await store.device_readings("cam-01", T0, T0 + 41)
    assert [r.ts_ms for r in everything] == sorted(times)
    assert len(await store.device_readings("cam-01", -(2**62), 2**62)) == 5  # no overflow
    assert await store.device_readings("cam-01", T0 + 30, T0 + 30) == []
    assert await store.device_readings("cam-01", T0 + 30, T0 + 10) == []


async def test_limit_keeps_the_earliest(store: Store) -> None:
    await store.write([transition(ts_ms=T0 + i, cause=f"c{i}") for i in range(5)])
    got = await store.transitions("cam-01", T0, T0 + 100, limit=2)
    assert [t.ts_ms for t in got] == [T0, T0 + 1]
    assert await store.transitions("cam-01", T0, T0 + 100, limit=0) == []


async def test_duplicates_collapse(store: Store) -> None:
    records: list[Record] = [health(), reading(), transition()]
    await store.write(records)
    await store.write(records)  # an agent replaying its queue
    await store.write([records[1], records[1]])  # a redelivery inside one batch
    assert len(await store.agent_health("gw-01", T0, T0 + 1)) == 1
    assert len(await store.device_readings("cam-01", T0, T0 + 1)) == 1
    assert len(await store.transitions("cam-01", T0, T0 + 1)) == 1


async def test_same_key_merges_like_influxdb(store: Store) -> None:
    # InfluxDB: a later point with the same series and time overwrites the fields it
    # carries and keeps the others. SQLite must do the same.
    await store.write([reading(seq=1, rtt_ms=10.0, error="first")])
    await store.write([reading(seq=2, reachable=False, rtt_ms=None, error=None)])
    await store.write([transition(status="online", previous="offline", cause="probe ok")])
    [merged] = await store.device_readings("cam-01", T0, T0 + 1)
    assert (merged.seq, merged.reachable, merged.rtt_ms, merged.error) == (2, False, 10.0, "first")
    [latest] = await store.transitions("cam-01", T0, T0 + 1)
    assert latest == transition(status="online", previous="offline", cause="probe ok")


async def test_same_timestamp_other_series_are_kept(store: Store) -> None:
    await store.write(
        [
            reading("cam-01"),
            reading("cam-02"),
            reading("cam-01", agent_id="gw-02"),  # same device seen through another gateway
            health("gw-01"),
            health("gw-02"),
        ]
    )
    assert [r.agent_id for r in await store.device_readings("cam-01", T0, T0 + 1)] in (
        ["gw-01", "gw-02"],
        ["gw-02", "gw-01"],
    )
    assert len(await store.device_readings("cam-02", T0, T0 + 1)) == 1
    assert len(await store.agent_health("gw-02", T0, T0 + 1)) == 1


async def test_unicode_survives(store: Store) -> None:
    record = reading("loa-xã-1", commune="Xã Xuân Hồng, huyện Như Xuân", error="Lỗi: mất kết nối")
    event = transition("loa-xã-1", commune="Xã Xuân Hồng", cause="Mất điện — chờ khôi phục")
    await store.write([record, event])
    assert await store.device_readings("loa-xã-1", T0, T0 + 1) == [record]
    assert await store.transitions("loa-xã-1", T0, T0 + 1) == [event]


NASTY = [
    'say "hi"',
    "it's",
    "a b  c",
    "a,b,c",
    "k=v",
    r"back\slash",
    r"\,",
    r"\\double",
    r"'\''",
    " leading and trailing ",
    "=,\" '",
]


@pytest.mark.parametrize("value", NASTY)
async def test_strings_needing_escapes_survive(store: Store, value: str) -> None:
    record = reading(value, agent_id=value, commune=value, kind=value, error=value + "\nline 2")
    event = transition(value, commune=value, kind=value, status=value, cause=value)
    beat = health(value, commune=value)
    result = await store.write([record, event, beat])
    assert result == WriteResult(written=3)
    assert await store.device_readings(value, T0, T0 + 1) == [record]
    assert await store.transitions(value, T0, T0 + 1) == [event]
    assert await store.agent_health(value, T0, T0 + 1) == [beat]
    # Escaping must not make another series match.
    assert await store.device_readings(value + "x", T0, T0 + 1) == []


async def test_last_transition_before_gives_the_status_then(store: Store) -> None:
    await store.write(
        [
            transition(ts_ms=T0, status="online"),
            transition(ts_ms=T0 + 60_000, status="offline", previous="online"),
            transition(ts_ms=T0 + 120_000, status="online", previous="offline"),
            transition("cam-02", ts_ms=T0 + 90_000, status="offline"),
        ]
    )
    assert await store.last_transition_before("cam-01", T0) is None
    found = await store.last_transition_before("cam-01", T0 + 90_000)
    assert found is not None and (found.ts_ms, found.status) == (T0 + 60_000, "offline")
    # Strictly before: a transition at the moment itself is not yet in effect before it.
    found = await store.last_transition_before("cam-01", T0 + 120_000)
    assert found is not None and found.status == "offline"
    found = await store.last_transition_before("cam-01", 2**62)
    assert found is not None and found.ts_ms == T0 + 120_000
    assert await store.last_transition_before("no-such-device", 2**62) is None


async def test_latest_transitions_one_per_device(store: Store) -> None:
    assert await store.latest_transitions() == []
    await store.write(
        [
            transition(ts_ms=T0, status="online"),
            transition(ts_ms=T0 + 60_000, status="offline", previous="online"),
            transition("cam-02", ts_ms=T0 + 30_000, status="pending"),
            # A backlog's correction of the past is not the live status.
            transition("cam-02", ts_ms=T0 + 40_000, status="offline", cause="backfill: x"),
        ]
    )
    latest = {t.device_id: (t.ts_ms, t.status) for t in await store.latest_transitions()}
    assert latest == {"cam-01": (T0 + 60_000, "offline"), "cam-02": (T0 + 30_000, "pending")}


async def test_empty_write(store: Store) -> None:
    assert await store.write([]) == WriteResult(written=0)


async def test_large_batch(store: Store) -> None:
    # More than one InfluxDB chunk (5,000 lines), and more than the default read limit.
    records = [reading(ts_ms=T0 + i, seq=i) for i in range(12_000)]
    assert await store.write(records) == WriteResult(written=12_000)
    first = await store.device_readings("cam-01", T0, T0 + 12_000)
    assert len(first) == 10_000
    rest = await store.device_readings("cam-01", T0 + 10_000, T0 + 12_000)
    assert [r.seq for r in rest] == list(range(10_000, 12_000))
    if isinstance(store, InfluxStore):
        assert store._gzip, "the real influxd took the writes gzipped, as we send them"


# -- detail ---------------------------------------------------------------------------

HEALTH_DETAIL: dict[str, Any] = {
    "boot_reason": "watchdog",
    "clock_offset_ms": -12.5,
    "ntp_synced": True,
    "bearer": "4g",
    "rssi_dbm": -71.0,
    "reconnects": 3.0,
    "queue_error": "Đĩa đầy: không ghi được hàng đợi",
}
READING_DETAIL: dict[str, Any] = {
    "camera.stream_ok": True,
    "camera.auth_ok": False,
    "camera.fps": 24.97,
    "camera.model": 'DS-2CD "Pro", zoom=4x \\ tầng 2',
    "nvr.channels_recording": 0.0,
    "radio.play_state": "playing",
    "radio.volume": 70.0,
}


async def test_round_trip_with_detail(store: Store) -> None:
    beat = health(detail=HEALTH_DETAIL)
    probe = reading(detail=READING_DETAIL)
    assert await store.write([beat, probe]) == WriteResult(written=2)
    [got_beat] = await store.agent_health("gw-01", T0, T0 + 1)
    [got_probe] = await store.device_readings("cam-01", T0, T0 + 1)
    assert (got_beat, got_probe) == (beat, probe)
    for got, sent in ((got_beat.detail, HEALTH_DETAIL), (got_probe.detail, READING_DETAIL)):
        assert {k: type(v) for k, v in got.items()} == {k: type(v) for k, v in sent.items()}


async def test_empty_detail_reads_back_empty(store: Store) -> None:
    records: list[Record] = [health(), reading(detail={})]
    await store.write(records)
    assert (await store.agent_health("gw-01", T0, T0 + 1))[0].detail == {}
    assert (await store.device_readings("cam-01", T0, T0 + 1))[0].detail == {}


@pytest.mark.parametrize(
    "value", [*NASTY, "", "Loa phường: “bật” lúc 5h", "ends-with\\", "tab\there\nnot"]
)
async def test_detail_strings_needing_escapes_survive(store: Store, value: str) -> None:
    probe = reading(detail={"camera.model": value, "radio.source": value + "\nline 2"})
    assert await store.write([probe]) == WriteResult(written=1)
    assert await store.device_readings("cam-01", T0, T0 + 1) == [probe]


async def test_detail_numbers_are_floats(store: Store) -> None:
    # An int today and a float tomorrow under the same key: no InfluxDB type conflict.
    first = reading(detail={"radio.volume": 70, "nvr.channels_recording": 0})
    second = reading(ts_ms=T0 + 1, detail={"radio.volume": 70.5, "nvr.channels_recording": 3})
    assert await store.write([first]) == WriteResult(written=1)
    assert await store.write([second]) == WriteResult(written=1)
    got = [r.detail for r in await store.device_readings("cam-01", T0, T0 + 2)]
    assert got == [
        {"radio.volume": 70.0, "nvr.channels_recording": 0.0},
        {"radio.volume": 70.5, "nvr.channels_recording": 3.0},
    ]
    assert all(type(v) is float for detail in got for v in detail.values())


async def test_detail_merges_key_by_key_on_duplicate(store: Store) -> None:
    await store.write(
        [reading(detail={"camera.fps": 25.0, "camera.model": "A", "camera.tamper": False})]
    )
    await store.write([reading(detail={"camera.model": "B", "camera.stream_ok": True})])
    await store.write([reading(seq=9, detail={})])  # carries no detail: keeps it all
    await store.write([health(detail={"bearer": "4g"}), health(detail={"ntp_synced": False})])
    [probe] = await store.device_readings("cam-01", T0, T0 + 1)
    assert probe.seq == 9
    assert probe.detail == {
        "camera.fps": 25.0,
        "camera.model": "B",
        "camera.tamper": False,
        "camera.stream_ok": True,
    }
    [beat] = await store.agent_health("gw-01", T0, T0 + 1)
    assert beat.detail == {"bearer": "4g", "ntp_synced": False}


async def test_detail_entries_a_store_cannot_hold_are_left_out(store: Store) -> None:
    detail: dict[str, Any] = {
        "camera.fps": math.nan,
        "camera.bitrate_kbps": math.inf,
        "camera.model": None,
        "Camera.Model": "upper case",
        "camera model": "space",
        "camera.ok\n": True,
        "1st": 1.0,
        "camera.stream_ok": True,
    }
    assert await store.write([reading(detail=detail)]) == WriteResult(written=1)
    [probe] = await store.device_readings("cam-01", T0, T0 + 1)
    assert probe.detail == {"camera.stream_ok": True}


# -- the broadcast log ----------------------------------------------------------------


FULL_EVENT = broadcast(
    12,
    "finished",
    village="xh.thon-1",
    content_title="Bản tin sáng — “thời tiết”",
    content_sha256="ab" * 32,
    content_text="Kính thưa bà con,\nhôm nay trời mưa",
    content_voice="vi-north",
    content_url="rtsp://radio.example.vn/live",
    content_source="provincial",
    started_ms=T0 + 1_500,
    played_s=897.5,
    content_s=897.25,
    error="underrun, 'tạm'",
    reason="done",
    preempted_by="lt-khan",
    preempted_schedule="lt-cu",
    resumed=True,
    volume=80,
    relay_on=False,
    clock_offset_ms=-12.5,
    historical=True,
)


async def test_broadcast_events_round_trip(store: Store) -> None:
    sparse = broadcast(13, "started", occurrence_ms=T0 + 60_000, content_duration_s=900)
    assert await store.write([FULL_EVENT, sparse]) == WriteResult(written=2)
    got = await store.broadcast_events([COMMUNE], T0, T0 + 3_600_000)
    assert got == [FULL_EVENT, sparse]
    assert got[1].relay_on is None and got[0].relay_on is False  # unknown is not False
    assert isinstance(got[1].content_duration_s, float)
    assert got[1].content_s is None  # not known (an older agent, a relay): not 0


async def test_a_replayed_broadcast_event_is_stored_once(store: Store) -> None:
    await store.write([FULL_EVENT, broadcast(14, "received")])
    await store.write([FULL_EVENT, FULL_EVENT, broadcast(14, "received")])  # agent's backlog
    got = await store.broadcast_events([COMMUNE], T0, T0 + 1)
    assert [e.event_id for e in got] == ["gw-01-14", "gw-01-12"]


async def test_events_in_the_same_millisecond_are_all_kept(store: Store) -> None:
    # A new schedule set: one ``received`` per schedule and cluster, at one moment.
    at_once = [broadcast(20 + i, "received", schedule=f"lt-{i}") for i in range(5)]
    plays = [broadcast(30, "started"), broadcast(31, "started", resumed=True)]
    await store.write([*at_once, *plays])
    got = await store.broadcast_events(
        [COMMUNE], T0, T0 + 1, schedules=[f"lt-{i}" for i in range(5)]
    )
    assert sorted(e.seq for e in got) == [20, 21, 22, 23, 24, 30, 31]


async def test_broadcast_events_are_found_by_occurrence(store: Store) -> None:
    hour = 3_600_000
    events = [
        broadcast(1, "received", ts_ms=T0 - 30 * 24 * hour),  # a month before: still needed
        broadcast(2, "received", schedule="lt-chieu", ts_ms=T0 - hour),
        broadcast(3, "received", schedule="lt-khac", ts_ms=T0 - hour),  # concerns no one
        broadcast(4, "started", occurrence_ms=T0 - 1),  # before the period
        broadcast(5, "started", occurrence_ms=T0),
        # Reported long after its occurrence (the gateway was off): found by occurrence.
        broadcast(6, "skipped", occurrence_ms=T0 + hour, ts_ms=T0 + 50 * hour),
        broadcast(7, "started", occurrence_ms=T0 + 2 * hour),  # at the end: excluded
        broadcast(8, "started", commune="Xã Khác", cluster="loa-99"),
    ]
    await store.write(events)
    got = await store.broadcast_events([COMMUNE], T0, T0 + 2 * hour)
    assert [e.seq for e in got] == [1, 5, 6]
    # The schedules planned in the period bring their ``received`` too.
    got = await store.broadcast_events([COMMUNE], T0, T0 + 2 * hour, schedules=["lt-chieu"])
    assert [e.seq for e in got] == [1, 2, 5, 6]
    both = await store.broadcast_events([COMMUNE, "Xã Khác"], T0, T0 + 2 * hour)
    assert [e.seq for e in both] == [1, 5, 8, 6]
    assert await store.broadcast_events([], T0, T0 + hour) == []
    assert await store.broadcast_events([COMMUNE], T0, T0) == []
    assert await store.broadcast_events(["Xã Không Có"], T0, T0 + hour) == []


@pytest.mark.parametrize("value", NASTY)
async def test_broadcast_strings_needing_escapes_survive(store: Store, value: str) -> None:
    event = broadcast(40, "failed", content_title=value, error=value, schedule=value)
    assert await store.write([event]) == WriteResult(written=1)
    assert await store.broadcast_events([COMMUNE], T0, T0 + 1) == [event]
    received = broadcast(41, "received", schedule=value)
    await store.write([received])
    assert received in await store.broadcast_events([COMMUNE], T0, T0 + 1)


# -- SQLite only ----------------------------------------------------------------------


async def test_sqlite_persists_and_versions_its_schema(tmp_path: Path) -> None:
    path = str(tmp_path / "xaso.db")
    store = await SqliteStore.open(path)
    await store.write([reading()])
    await store.close()
    await store.close()  # idempotent

    reopened = await SqliteStore.open(path)
    assert await reopened.device_readings("cam-01", T0, T0 + 1) == [reading()]
    await reopened.close()

    import sqlite3

    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    connection.close()
    with pytest.raises(RuntimeError, match="newer than this xaso"):
        await SqliteStore.open(path)


async def test_sqlite_migrates_a_v1_database_in_place(tmp_path: Path) -> None:
    path = str(tmp_path / "v1.db")
    with sqlite3.connect(path) as connection:
        connection.executescript(MIGRATIONS[0] + "\nPRAGMA user_version = 1;")
        connection.execute(
            "INSERT INTO device_reading VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ("cam-01", T0, "gw-01", COMMUNE, "camera", 7, 1, 0, 12.5, None),
        )
        connection.execute(
            "INSERT INTO agent_health VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ("gw-01", T0, COMMUNE, 41, 3, 0, 3600.0, 0.25, 41.5, 80.0, 52.0),
        )
    connection.close()

    store = await SqliteStore.open(path)
    try:
        assert await store.device_readings("cam-01", T0, T0 + 1) == [reading()]
        assert await store.agent_health("gw-01", T0, T0 + 1) == [health()]
        # An old row takes detail on a duplicate write like any other.
        await store.write([reading(detail={"camera.stream_ok": True})])
        [merged] = await store.device_readings("cam-01", T0, T0 + 1)
        assert merged.detail == {"camera.stream_ok": True}
    finally:
        await store.close()

    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
        assert SCHEMA_VERSION >= 3  # 3: the broadcast log
        assert connection.execute("SELECT count(*) FROM broadcast_event").fetchone() == (0,)
        rows = connection.execute("SELECT detail FROM agent_health").fetchall()
        assert rows == [(None,)]  # empty detail is NULL
        (text,) = connection.execute("SELECT detail FROM device_reading").fetchone()
        assert json.loads(text) == {"camera.stream_ok": True}
    connection.close()


async def test_sqlite_keeps_a_v3_broadcast_log_and_adds_the_content_length(
    tmp_path: Path,
) -> None:
    path = str(tmp_path / "v3.db")
    old = broadcast(5, "finished", played_s=5.9)
    columns = [c for c in BroadcastEventRecord.__struct_fields__ if c != "content_s"]
    with sqlite3.connect(path) as connection:
        connection.executescript("\n".join(MIGRATIONS[:3]) + "\nPRAGMA user_version = 3;")
        connection.execute(
            f"INSERT INTO broadcast_event ({', '.join(columns)})"
            f" VALUES ({', '.join('?' for _ in columns)})",
            [getattr(old, c) for c in columns],
        )
    connection.close()

    store = await SqliteStore.open(path)
    try:
        assert await store.broadcast_events([COMMUNE], T0, T0 + 1) == [old]
        told = broadcast(6, "finished", played_s=5.9, content_s=5.9, ts_ms=T0 + 9_000)
        await store.write([told])
        assert await store.broadcast_events([COMMUNE], T0, T0 + 1) == [old, told]
    finally:
        await store.close()


# -- InfluxDB only ----------------------------------------------------------------------


async def _raw_write(server: InfluxServer, database: str, lines: str) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{server.url}/write", params={"db": database, "precision": "ms"}, data=lines
        ) as response,
    ):
        assert response.status == 204, await response.text()


async def test_influx_partial_write_is_reported_not_raised(
    influxd: InfluxServer, influx_store: InfluxStore
) -> None:
    # Make rtt_ms a string field in this shard; later float values then conflict.
    await _raw_write(
        influxd, influx_store._database, f'device_reading,device_id=other rtt_ms="x" {T0}'
    )
    batch = [
        reading("cam-01", ts_ms=T0 + 1, rtt_ms=3.5),  # conflicts: dropped by influxd
        reading("cam-02", ts_ms=T0 + 2, rtt_ms=None, seq=2),
        reading("cam-03", ts_ms=T0 + 3, rtt_ms=None, seq=3),
    ]
    result = await influx_store.write(batch)
    assert (result.written, result.rejected) == (2, 1)
    assert "partial write" in result.detail and "rtt_ms" in result.detail
    assert await influx_store.device_readings("cam-02", T0, T0 + 10) == [batch[1]]
    assert await influx_store.device_readings("cam-03", T0, T0 + 10) == [batch[2]]
    assert await influx_store.device_readings("cam-01", T0, T0 + 10) == []


async def test_influx_a_line_it_cannot_parse_is_counted_lost(
    influxd: InfluxServer, influx_store: InfluxStore
) -> None:
    # influxd writes the others and answers "partial write: unable to parse …
    # dropped=0": the lost line is not among the "dropped", yet it is lost.
    batch = [
        reading("cam-01", ts_ms=T0),
        reading("cam-02", ts_ms=10**17),  # beyond what nanoseconds in int64 can hold
        reading("cam-03", ts_ms=T0 + 1),
    ]
    result = await influx_store.write(batch)
    assert (result.written, result.rejected) == (2, 1)
    assert await influx_store.device_readings("cam-03", T0, T0 + 10) == [batch[2]]


async def test_influx_refuses_a_tag_it_would_store_as_another_series(
    influxd: InfluxServer, influx_store: InfluxStore
) -> None:
    # A trailing backslash or a newline in an id would file the reading under another
    # device; refused every time, also when the same series comes again (the check is
    # kept per tag set).
    batch = [
        reading("cam\\", ts_ms=T0),
        reading("cam-01", ts_ms=T0 + 1),
        reading("cam\n02", ts_ms=T0 + 2),
        reading("cam\\", ts_ms=T0 + 3, seq=4),
    ]
    result = await influx_store.write(batch)
    assert (result.written, result.rejected) == (1, 3)
    assert "cannot be stored in InfluxDB" in result.detail
    assert await influx_store.device_readings("cam-01", T0, T0 + 10) == [batch[1]]


async def test_influx_detail_fields_answer_grafana_style_queries(
    influxd: InfluxServer, influx_store: InfluxStore
) -> None:
    await influx_store.write(
        [
            reading(detail={"camera.stream_ok": True, "radio.volume": 70, "bearer": "4g"}),
            reading(ts_ms=T0 + 1000, detail={"camera.stream_ok": False, "radio.volume": 40}),
            health(detail={"clock_offset_ms": -3, "ntp_synced": True}),
        ]
    )
    query = (
        'SELECT "d.camera.stream_ok", "d.radio.volume", "d.bearer", "rtt_ms"'
        ' FROM "device_reading" WHERE "device_id" = \'cam-01\' AND $timeFilter'
    ).replace("$timeFilter", f"time >= {T0}ms AND time < {T0 + 2000}ms")
    async with (
        aiohttp.ClientSession() as session,
        session.get(
            f"{influxd.url}/query",
            params={"db": influx_store._database, "q": query, "epoch": "ms"},
        ) as response,
    ):
        body = await response.json()
    [series] = body["results"][0]["series"]
    assert series["columns"] == [
        "time",
        "d.camera.stream_ok",
        "d.radio.volume",
        "d.bearer",
        "rtt_ms",
    ]
    assert series["values"] == [[T0, True, 70, "4g", 12.5], [T0 + 1000, False, 40, None, 12.5]]

    # A panel's aggregate over the detail field, grouped like the dashboards do.
    panel = (
        'SELECT last("d.radio.volume") FROM "device_reading"'
        f" WHERE time >= {T0}ms AND time < {T0 + 2000}ms"
        ' GROUP BY time(1s), "device_id" fill(none)'
    )
    async with (
        aiohttp.ClientSession() as session,
        session.get(
            f"{influxd.url}/query",
            params={"db": influx_store._database, "q": panel, "epoch": "ms"},
        ) as response,
    ):
        body = await response.json()
    [series] = body["results"][0]["series"]
    assert series["tags"] == {"device_id": "cam-01"}
    assert series["values"] == [[T0, 70], [T0 + 1000, 40]]

    # Numbers are float fields (a later 70.5 cannot conflict); bools and strings keep theirs.
    async with (
        aiohttp.ClientSession() as session,
        session.get(
            f"{influxd.url}/query",
            params={"db": influx_store._database, "q": "SHOW FIELD KEYS"},
        ) as response,
    ):
        body = await response.json()
    types = {
        (series["name"], key): kind
        for series in body["results"][0]["series"]
        for key, kind in series["values"]
    }
    assert types[("device_reading", "d.camera.stream_ok")] == "boolean"
    assert types[("device_reading", "d.radio.volume")] == "float"
    assert types[("device_reading", "d.bearer")] == "string"
    assert types[("agent_health", "d.clock_offset_ms")] == "float"
    assert types[("agent_health", "d.ntp_synced")] == "boolean"


@pytest.mark.parametrize("device_id", ["ends-with\\", "new\nline", "tab\there"])
async def test_influx_refuses_ids_line_protocol_would_mangle(
    influx_store: InfluxStore, device_id: str
) -> None:
    # influxd would store another id (e.g. "ends-with " for "ends-with\\"): refuse and
    # report rather than file the record under the wrong device.
    result = await influx_store.write([reading(device_id), reading("cam-ok")])
    assert (result.written, result.rejected) == (1, 1)
    assert "cannot be stored" in result.detail
    assert len(await influx_store.device_readings("cam-ok", T0, T0 + 1)) == 1


async def test_influx_outage_raises_then_recovers(tmp_path: Path) -> None:
    with running_influxd(tmp_path) as server:
        store = await InfluxStore.open(server.url, "outage", timeout_s=2.0)
        try:
            assert await store.write([reading(ts_ms=T0)]) == WriteResult(written=1)
            server.stop()
            assert await store.ping() is False
            with pytest.raises(StoreUnavailable):
                await store.write([reading(ts_ms=T0 + 1)])
            with pytest.raises(StoreUnavailable):
                await store.device_readings("cam-01", T0, T0 + 10)
            server.start()
            assert await store.ping() is True
            assert await store.write([reading(ts_ms=T0 + 1)]) == WriteResult(written=1)
            got = await store.device_readings("cam-01", T0, T0 + 10)
            assert [r.ts_ms for r in got] == [T0, T0 + 1]
        finally:
            await store.close()


async def test_influx_creates_a_dropped_database_again(
    influxd: InfluxServer, influx_store: InfluxStore
) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{influxd.url}/query", data={"q": f'DROP DATABASE "{influx_store._database}"'}
        ) as response,
    ):
        assert response.status == 200
    assert await influx_store.write([reading()]) == WriteResult(written=1)


def _fake_influx(status: int, body: str) -> web.Application:
    async def write(request: web.Request) -> web.Response:
        return web.Response(status=status, text=body, content_type="application/json")

    async def query(request: web.Request) -> web.Response:
        return web.json_response({"results": [{"statement_id": 0}]})

    app = web.Application()
    app.router.add_post("/write", write)
    app.router.add_post("/query", query)
    return app


@pytest.mark.parametrize(
    ("status", "body", "outcome"),
    [
        (500, '{"error":"engine: cache maximum memory size exceeded"}', StoreUnavailable),
        (503, "overloaded", StoreUnavailable),
        (401, '{"error":"authorization failed"}', StoreUnavailable),
        (404, '{"error":"bucket not found"}', StoreUnavailable),
        (429, '{"message":"too many requests"}', StoreUnavailable),
        (400, '{"error":"unable to parse \'x\': invalid field format"}', (0, 3)),
        # 2.x answers a partial write with 422 and the 1.x message.
        (422, '{"code":"unprocessable entity","message":"partial write: x dropped=2"}', (1, 2)),
        # 3 Core lists the refused lines.
        (
            400,
            '{"error":"partial write of line protocol occurred","data":'
            '[{"original_line":"a","line_number":1,"error_message":"e"}]}',
            (2, 1),
        ),
        (400, '{"error":"partial write: something new"}', (0, 3)),
        # 1.x: a line it could not parse is lost, though not among the "dropped".
        (
            400,
            '{"error":"partial write: unable to parse \'x\': time outside range dropped=0"}',
            (2, 1),
        ),
    ],
)
async def test_influx_http_errors_map_to_the_contract(
    aiohttp_server: Any, status: int, body: str, outcome: Any
) -> None:
    server = await aiohttp_server(_fake_influx(status, body))
    store = await InfluxStore.open(str(server.make_url("/")), "xaso")
    try:
        records = [reading(ts_ms=T0 + i) for i in range(3)]
        if outcome is StoreUnavailable:
            with pytest.raises(StoreUnavailable):
                await store.write(records)
        else:
            result = await store.write(records)
            assert (result.written, result.rejected) == outcome
            assert result.detail
    finally:
        await store.close()


# -- open_store -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("postgres://db/xaso", "scheme must be sqlite, influxdb or influxdbs"),
        ("xaso.db", "scheme must be"),
        ("sqlite://relative.db", "absolute path"),
        ("sqlite:///", "absolute path"),
        ("influxdb://127.0.0.1:8086", "must name one database"),
        ("influxdb://127.0.0.1:8086/", "must name one database"),
        ("influxdb://127.0.0.1:8086/a/b", "must name one database"),
        ("influxdb:///xaso", "has no host"),
        ("influxdb://admin:secret@127.0.0.1:8086/xaso", "XASO_INFLUX_USERNAME"),
        ("influxdb://127.0.0.1:notaport/xaso", "Port"),
    ],
)
async def test_open_store_rejects_bad_urls(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message) as caught:
        await open_store(url, env={})
    assert "secret" not in str(caught.value)


async def test_open_store_sqlite(tmp_path: Path) -> None:
    for url in ("sqlite:///:memory:", f"sqlite://{tmp_path}/xaso.db"):
        store = await open_store(url, env={})
        try:
            assert store.name == "sqlite"
            await store.write([reading()])
        finally:
            await store.close()
    assert (tmp_path / "xaso.db").exists()


async def test_open_store_influx(influxd: InfluxServer) -> None:
    store = await open_store(f"influxdb://127.0.0.1:{influxd.port}/via_url", env={})
    try:
        assert store.name == "influxdb"
        assert await store.write([reading()]) == WriteResult(written=1)
    finally:
        await store.close()


async def test_open_store_influx_options(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    async def fake_open(url: str, database: str, **kwargs: Any) -> str:
        seen.update(url=url, database=database, **kwargs)
        return "opened"

    monkeypatch.setattr(InfluxStore, "open", fake_open)
    env = {"XASO_INFLUX_USERNAME": "xaso", "XASO_INFLUX_PASSWORD": "pw", "XASO_INFLUX_TOKEN": ""}
    assert await open_store("influxdbs://influx.example.vn/xa%20so", env) == "opened"
    assert seen == {
        "url": "https://influx.example.vn:8086",
        "database": "xa so",
        "username": "xaso",
        "password": "pw",
        "token": None,
    }
