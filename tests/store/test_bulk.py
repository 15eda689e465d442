"""The bulk reads the indicators use, one contract on SQLite and on a real influxd:
many devices per call, by device id whatever commune tag a record carries (a merger
changes it), with the same answers on both stores."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import msgspec
import pytest

from xaso.server.records import DeviceReadingRecord, TransitionRecord
from xaso.server.store import Store
from xaso.server.store.influx import InfluxStore
from xaso.server.store.sqlite import SqliteStore

T0 = 1_790_000_000_000
M = 60_000


def tr(device: str, minute: int, status: str, commune: str = "dong") -> TransitionRecord:
    return TransitionRecord(
        device_id=device,
        commune=commune,
        kind="radio_cluster",
        ts_ms=T0 + minute * M,
        status=status,
        previous="",
        cause=f"{status} at {minute}",
    )


def rd(device: str, minute: int, recording: bool | None = None) -> DeviceReadingRecord:
    return DeviceReadingRecord(
        device_id=device,
        agent_id="gw",
        commune="dong",
        kind="camera",
        ts_ms=T0 + minute * M,
        seq=minute,
        reachable=True,
        rtt_ms=3.0,
        detail={} if recording is None else {"camera.recording": recording},
    )


HISTORY = [
    tr("a", -100, "online"),
    tr("a", -10, "offline"),
    tr("a", 5, "online"),
    tr("a", 30, "offline"),
    # A merger on the way: the same device, later records under the successor's code.
    tr("b", -50, "online", commune="dong"),
    tr("b", 20, "offline", commune="moi"),
    tr("b", 60, "online", commune="moi"),
    tr("c", 100, "online"),  # only after the range
    tr("d", -5, "unknown"),  # only before it
]


@pytest.fixture(params=["sqlite", "influxdb"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    opened: Store
    if request.param == "sqlite":
        opened = await SqliteStore.open(str(tmp_path / "ts.db"))
    else:
        opened = await InfluxStore.open(
            request.getfixturevalue("influxd").url, f"bulk_{uuid.uuid4().hex[:8]}"
        )
    await opened.write(HISTORY)
    yield opened
    await opened.close()


async def test_transitions_of_many_devices_whatever_their_commune_tag(store: Store) -> None:
    found = await store.transitions_of(["a", "b", "c", "d", "nobody"], T0, T0 + 60 * M)
    assert found == {
        "a": [tr("a", 5, "online"), tr("a", 30, "offline")],
        "b": [tr("b", 20, "offline", commune="moi")],
    }
    # Half-open: a transition at the end is outside, one at the start inside.
    assert await store.transitions_of(["b"], T0 + 20 * M, T0 + 60 * M) == {
        "b": [tr("b", 20, "offline", commune="moi")]
    }
    assert await store.transitions_of([], T0, T0 + M) == {}


async def test_last_transitions_before(store: Store) -> None:
    found = await store.last_transitions_before(["a", "b", "c", "d", "nobody"], T0)
    assert found == {
        "a": tr("a", -10, "offline"),
        "b": tr("b", -50, "online"),
        "d": tr("d", -5, "unknown"),
    }
    # Strictly before: the transition at the very moment is not "before".
    later = await store.last_transitions_before(["a", "b"], T0 + 30 * M)
    assert later == {"a": tr("a", 5, "online"), "b": tr("b", 20, "offline", commune="moi")}


async def test_bulk_reads_match_the_single_device_reads(store: Store) -> None:
    bulk = await store.transitions_of(["a", "b"], T0 - 200 * M, T0 + 200 * M)
    before = await store.last_transitions_before(["a", "b"], T0 + 25 * M)
    for device in ("a", "b"):
        assert bulk[device] == await store.transitions(device, T0 - 200 * M, T0 + 200 * M)
        assert before[device] == await store.last_transition_before(device, T0 + 25 * M)


async def test_last_readings_newest_in_range_per_device(store: Store) -> None:
    await store.write(
        [
            rd("cam-1", 1, recording=True),
            rd("cam-1", 9, recording=False),
            rd("cam-1", 20, recording=True),  # after the range
            rd("cam-2", 3),
            rd("cam-3", -30, recording=True),  # before it
        ]
    )
    found = await store.last_readings(["cam-1", "cam-2", "cam-3"], T0, T0 + 10 * M)
    assert found == {"cam-1": rd("cam-1", 9, recording=False), "cam-2": rd("cam-2", 3)}
    assert found["cam-1"].detail == {"camera.recording": False}


async def test_the_communes_hint_changes_nothing_but_speed(store: Store) -> None:
    family = ["dong", "moi"]  # every code the records of a, b, c, d carry
    await store.write([tr("x", 10, "online", commune="other")])  # another commune's device
    for ids in (["a", "b"], ["b"], ["a", "b", "c", "d", "nobody"]):
        plain = await store.transitions_of(ids, T0 - 200 * M, T0 + 200 * M)
        hinted = await store.transitions_of(ids, T0 - 200 * M, T0 + 200 * M, communes=family)
        assert hinted == plain
        before = await store.last_transitions_before(ids, T0 + 30 * M)
        assert await store.last_transitions_before(ids, T0 + 30 * M, communes=family) == before
    assert (await store.transitions_of(["b"], T0, T0 + 60 * M, communes=family))["b"] == [
        tr("b", 20, "offline", commune="moi")
    ]
    await store.write([rd("cam-1", 1, recording=True), rd("cam-2", 1)])
    assert await store.last_readings(["cam-1"], T0, T0 + 2 * M, communes=["dong"]) == {
        "cam-1": rd("cam-1", 1, recording=True)
    }


async def test_a_series_longer_than_a_chunk_of_the_answer(store: Store) -> None:
    # 25,000 transitions of one device in the range: InfluxDB answers in chunks of
    # 20,000, and nothing may be cut at its row limit.
    many = [tr("busy", n, "online" if n % 2 else "offline") for n in range(25_000)]
    await store.write(many)
    found = await store.transitions_of(["busy"], T0, T0 + 25_000 * M, communes=["dong"])
    assert found["busy"] == many


async def test_a_province_of_devices_in_one_call(store: Store) -> None:
    # More devices than one InfluxDB chunk or SQLite batch, so the chunking is exercised.
    devices = [f"dev-{n:04d}" for n in range(1_203)]
    await store.write(
        [tr(device, n % 50, "online" if n % 2 else "offline") for n, device in enumerate(devices)]
    )
    found = await store.transitions_of(devices, T0, T0 + 60 * M)
    assert len(found) == len(devices)
    assert found["dev-0007"] == [tr("dev-0007", 7, "online")]
    before = await store.last_transitions_before(devices, T0 + 60 * M)
    assert before["dev-1202"] == tr("dev-1202", 1202 % 50, "offline")
    assert len(before) == len(devices)


async def test_two_records_at_the_same_time_under_two_tags(store: Store) -> None:
    # A device's transition stored twice at one moment, under a predecessor's and a
    # successor's code (a replay after a merger): the newest is decided by the same
    # tie-break on both stores, with or without the communes hint.
    await store.write(
        [
            tr("t", 0, "online", commune="aaa"),
            tr("t", 0, "offline", commune="zzz"),
            tr("u", 0, "offline", commune="zzz"),
            tr("u", 0, "online", commune="aaa"),
        ]
    )
    expected = {"t": tr("t", 0, "offline", commune="zzz"), "u": tr("u", 0, "offline", "zzz")}
    assert await store.last_transitions_before(["t", "u"], T0 + M) == expected
    assert await store.last_transitions_before(["t", "u"], T0 + M, communes=["aaa", "zzz"]) == (
        expected
    )
    # Two gateways reporting the same camera at the same moment.
    first = msgspec.structs.replace(rd("cam-9", 0, recording=True), agent_id="gw-a")
    second = msgspec.structs.replace(rd("cam-9", 0, recording=False), agent_id="gw-b")
    await store.write([second, first])
    for hint in ((), ("dong",)):
        found = await store.last_readings(["cam-9"], T0, T0 + M, communes=hint)
        assert found == {"cam-9": second}
