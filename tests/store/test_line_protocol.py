"""server/store/line_protocol.py against influxdb_client's ``Point``: the same bytes for
every record kind, realistic and hostile.

The reference is the store's encoder before line_protocol.py replaced it, kept whole in
xaso/testbed/point_lines.py: a record as a ``Point``, then ``Point.to_line_protocol()``.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.store.test_contract import T0, broadcast, health, reading, transition
from xaso.server.records import (
    DETAIL_KEY,
    AgentHealthRecord,
    BroadcastEventRecord,
    DeviceReadingRecord,
    Record,
    TransitionRecord,
)
from xaso.server.store.line_protocol import SERIES_CACHE_SIZE, _series, line_of
from xaso.server.store.schema import SHAPES
from xaso.testbed.point_lines import point_line

# -- realistic records ---------------------------------------------------------------

REALISTIC: list[Record] = [
    health(),
    health(
        "gw-02",
        detail={
            "boot_reason": "watchdog",
            "clock_offset_ms": -12.5,
            "ntp_synced": True,
            "bearer": "4g",
            "rssi_dbm": -71,
            "collector.onvif.ok": False,
            "collector.onvif.error": 'ONVIF "GetStatus" timed out',
        },
    ),
    health(historical=True, uptime_s=None, load1=None, temp_c=float("nan")),
    reading(),
    reading("loa-03", kind="radio_cluster", reachable=False, rtt_ms=None, error="timeout"),
    reading(
        "cam-07",
        detail={
            "camera.stream_ok": True,
            "camera.fps": 25,
            "camera.bitrate_kbps": 2048.0,
            "camera.model": "DS-2CD1023G0E-I",
            "camera.clock_offset_ms": 0.0,
        },
    ),
    reading(
        "nvr-01",
        kind="nvr",
        detail={"nvr.channels_recording": 7, "nvr.channels_total": 8, "nvr.recording": True},
    ),
    reading(
        "loa-01",
        kind="radio_cluster",
        rtt_ms=3,  # an int in a float field: still a float
        detail={"radio.play_state": "playing", "radio.volume": 80, "radio.frame_loss_pct": 0.25},
    ),
    transition(),
    transition(status="online", previous="offline", cause="backfill: gateway reconnected"),
    broadcast(12),
    broadcast(13, "received"),
    broadcast(1_000_014, "finished", played_s=899.5, content_s=900.2, volume=70, relay_on=True),
    broadcast(15, "failed", error='speaker\\amp: no "ack"', reason="relay", village="v-01"),
    broadcast(16, "preempted", preempted_by="khan-cap", preempted_schedule=None, resumed=True),
]


def test_realistic_records_encode_as_the_point_did() -> None:
    kinds = {type(record) for record in REALISTIC}
    assert kinds == set(SHAPES)
    for record in REALISTIC:
        assert line_of(record) == point_line(record), record


def test_a_series_is_escaped_once_and_the_cache_is_bounded() -> None:
    _series.cache_clear()
    for seq in range(3):
        line_of(reading(seq=seq))
    info = _series.cache_info()
    assert (info.hits, info.misses, info.maxsize) == (2, 1, SERIES_CACHE_SIZE)


def test_detail_keys_need_no_escaping() -> None:
    # line_of writes detail keys as they are: DETAIL_KEY admits none of these.
    for char in ',= \n\r\t"\\':
        assert DETAIL_KEY.fullmatch(f"a{char}") is None


# -- hostile records -----------------------------------------------------------------

_SPECIAL = " ,=\"\\\n\r\t#'\x00ệ😀"
text = st.text(alphabet=st.one_of(st.sampled_from(_SPECIAL), st.characters()), max_size=12)
floats = st.one_of(
    st.floats(),  # NaN and both infinities included
    st.sampled_from([0.0, -0.0, 1e-320, 5e-324, 1.7976931348623157e308, 1e16, 1e15, 0.1]),
    st.integers(-(10**20), 10**20),  # ints sent to a float field
    st.integers(-(10**6), 10**6).map(float),
)
ints = st.integers(-(2**63), 2**63 - 1)
times = st.integers(-(2**53), 2**53)
details = st.dictionaries(
    st.one_of(text, st.from_regex(DETAIL_KEY, fullmatch=True).map(lambda k: k[:20])),
    st.one_of(st.none(), st.booleans(), text, floats, ints),
    max_size=6,
)


def optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


records = st.one_of(
    st.builds(
        AgentHealthRecord,
        agent_id=text,
        commune=text,
        ts_ms=times,
        seq=ints,
        session=ints,
        historical=st.booleans(),
        uptime_s=optional(floats),
        load1=optional(floats),
        mem_used_pct=optional(floats),
        disk_free_pct=optional(floats),
        temp_c=optional(floats),
        detail=details,
    ),
    st.builds(
        DeviceReadingRecord,
        device_id=text,
        agent_id=text,
        commune=text,
        kind=text,
        ts_ms=times,
        seq=ints,
        reachable=st.booleans(),
        historical=st.booleans(),
        rtt_ms=optional(floats),
        error=optional(text),
        detail=details,
    ),
    st.builds(
        TransitionRecord,
        device_id=text,
        commune=text,
        kind=text,
        ts_ms=times,
        status=text,
        previous=text,
        cause=text,
    ),
    st.builds(
        BroadcastEventRecord,
        event_id=text,
        agent_id=text,
        cluster=text,
        commune=text,
        event=st.one_of(st.sampled_from(["received", "started", "finished"]), text),
        ts_ms=times,
        seq=ints,
        session=ints,
        schedule=text,
        revision=ints,
        priority=text,
        content_type=text,
        content_duration_s=floats,
        occurrence_ms=times,
        planned_end_ms=times,
        village=optional(text),
        content_title=text,
        content_sha256=optional(text),
        content_text=optional(text),
        content_voice=text,
        content_url=optional(text),
        content_source=text,
        started_ms=optional(times),
        played_s=optional(floats),
        content_s=optional(floats),
        error=optional(text),
        reason=optional(text),
        preempted_by=optional(text),
        preempted_schedule=optional(text),
        resumed=st.booleans(),
        volume=optional(ints),
        relay_on=optional(st.booleans()),
        clock_offset_ms=optional(floats),
        historical=st.booleans(),
    ),
)


@settings(max_examples=500)
@given(records)
def test_hostile_records_encode_as_the_point_did(record: Record) -> None:
    assert line_of(record) == point_line(record)


@given(st.lists(st.sampled_from(["gw-01", "gw 01", "gw,01", "gw=01", "gw\\"]), max_size=8))
def test_a_cached_series_stays_right(agents: list[str]) -> None:
    for agent in agents:
        record = health(agent, ts_ms=T0, commune=agent)
        assert line_of(record) == point_line(record)
