"""Validation at the boundary: every kind of bad input is dropped and counted."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.messages import heartbeat, payload, small_index, status
from xaso.protocol import (
    MAX_PAYLOAD_BYTES,
    SCHEMA_VERSION,
    BroadcastEvent,
    DeviceReading,
    ScheduledContent,
    broadcast_topic,
    encode,
    heartbeat_topic,
    status_topic,
)
from xaso.server.monitoring.backfill import Backfill
from xaso.server.monitoring.fleet_state import FleetState
from xaso.server.monitoring.ingest import Ingest
from xaso.server.monitoring.metrics import Metrics
from xaso.server.monitoring.record_time import RecordTimeWindow
from xaso.server.records import (
    AgentHealthRecord,
    BroadcastEventRecord,
    DeviceReadingRecord,
    TransitionRecord,
)

NOW = 5_000_000


@pytest.fixture
def ingest() -> Ingest:
    state = FleetState(small_index(), NOW)
    state.link_up(NOW)
    return Ingest(state, Metrics())


def rejected(ingest: Ingest, reason: str) -> float:
    value = ingest.metrics.registry.get_sample_value(
        "xaso_messages_rejected_total", {"reason": reason}
    )
    return value or 0.0


def test_valid_heartbeat_gives_health_readings_and_transitions(ingest: Ingest) -> None:
    beat = heartbeat("alpha-gw", 1, {"alpha-rc-1": True, "alpha-cam-1": False})
    records = ingest.handle(heartbeat_topic("alpha-gw"), payload(beat), NOW).records
    kinds = [type(r) for r in records]
    assert kinds.count(AgentHealthRecord) == 1
    assert kinds.count(DeviceReadingRecord) == 2
    assert kinds.count(TransitionRecord) == 3  # gateway + two devices
    reading = next(r for r in records if isinstance(r, DeviceReadingRecord))
    assert reading.ts_ms == beat.ts_ms  # the device's time, not ours: duplicates collapse


@pytest.mark.parametrize(
    ("topic", "raw", "reason"),
    [
        (heartbeat_topic("alpha-gw"), b"{not json", "malformed_json"),
        (heartbeat_topic("alpha-gw"), b"", "malformed_json"),
        (heartbeat_topic("alpha-gw"), b'{"v": 1, "agent": "alpha-gw"}', "invalid_schema"),
        (heartbeat_topic("alpha-gw"), b"[1, 2, 3]", "invalid_schema"),
        (
            status_topic("alpha-gw"),
            b'{"v": 1, "agent": "alpha-gw", "state": "dancing", "session": 1, "ts_ms": 1}',
            "invalid_schema",
        ),
        (
            heartbeat_topic("alpha-gw"),
            json.dumps({"v": 99, "agent": "alpha-gw"}).encode(),
            "unsupported_version",
        ),
        (heartbeat_topic("nobody"), payload(heartbeat("nobody", 1)), "unknown_agent"),
        (heartbeat_topic("alpha-gw"), payload(heartbeat("beta-gw", 1)), "agent_mismatch"),
        ("xaso/v1/agents/alpha-gw/nonsense", b"{}", "unknown_channel"),
        ("somewhere/else", b"{}", "bad_topic"),
        (heartbeat_topic("alpha-gw"), b" " * (MAX_PAYLOAD_BYTES + 1), "oversized"),
    ],
)
def test_bad_input_is_dropped_and_counted(
    ingest: Ingest, topic: str, raw: bytes, reason: str
) -> None:
    handled = ingest.handle(topic, raw, NOW)
    assert handled.records == []
    assert handled.refused is not None and handled.refused[0] == reason
    assert rejected(ingest, reason) == 1


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        # ~1,000 levels of nesting exhaust the JSON decoder's stack (RecursionError).
        (
            b'{"v": 1, "agent": "alpha-gw", "x": ' + b"[" * 1000 + b"]" * 1000 + b"}",
            "malformed_json",
        ),
        (b"[" * 5000 + b"]" * 5000, "invalid_schema"),
        # Past 64 bits: no store can hold it (SQLite raised OverflowError for ever).
        (
            payload(heartbeat("alpha-gw", 1)).replace(b'"seq":1,', b'"seq":18446744073709551616,'),
            "invalid_schema",
        ),
    ],
)
def test_hostile_payloads_are_refused_not_raised(ingest: Ingest, raw: bytes, reason: str) -> None:
    handled = ingest.handle(heartbeat_topic("alpha-gw"), raw, NOW)
    assert handled.refused is not None and handled.refused[0] == reason
    assert handled.records == []


def test_reading_for_another_agents_device_is_dropped_rest_kept(ingest: Ingest) -> None:
    beat = heartbeat("alpha-gw", 1, {"alpha-rc-1": True, "beta-rc-1": False})
    records = ingest.handle(heartbeat_topic("alpha-gw"), payload(beat), NOW).records
    devices = {r.device_id for r in records if isinstance(r, DeviceReadingRecord)}
    assert devices == {"alpha-rc-1"}
    assert ingest.state.devices["beta-rc-1"].last_reading is None
    sample = ingest.metrics.registry.get_sample_value(
        "xaso_readings_rejected_total", {"reason": "foreign_device"}
    )
    assert sample == 1


def test_planned_device_cannot_be_reported(ingest: Ingest) -> None:
    beat = heartbeat("alpha-gw", 1, {"alpha-rc-2": True})
    records = ingest.handle(heartbeat_topic("alpha-gw"), payload(beat), NOW).records
    assert not [r for r in records if isinstance(r, DeviceReadingRecord)]


def test_stale_will_is_counted_not_applied(ingest: Ingest) -> None:
    ingest.handle(status_topic("alpha-gw"), payload(status("alpha-gw", "online", 9)), NOW)
    handled = ingest.handle(
        status_topic("alpha-gw"), payload(status("alpha-gw", "offline", 8)), NOW
    )
    assert handled.records == [] and handled.refused is None
    assert ingest.metrics.registry.get_sample_value("xaso_stale_wills_total") == 1
    assert str(ingest.state.devices["alpha-gw"].status) == "online"


def test_problems_are_logged_at_most_once_a_minute_per_agent(
    ingest: Ingest, caplog: pytest.LogCaptureFixture
) -> None:
    for i in range(50):
        ingest.handle(heartbeat_topic("alpha-gw"), b"garbage", NOW + i * 100)
    ingest.handle(heartbeat_topic("alpha-gw"), b"garbage", NOW + 61_000)
    lines = [r for r in caplog.records if "malformed_json" in r.getMessage()]
    assert len(lines) == 2
    assert "49 more like it" in lines[1].getMessage()
    assert rejected(ingest, "malformed_json") == 51


def test_a_backlog_corrects_the_history_without_touching_the_live_state(
    ingest: Ingest,
) -> None:
    topic = heartbeat_topic("alpha-gw")
    found: list[TransitionRecord] = []
    for seq, cam_up in ((1, True), (2, True), (3, False), (4, False), (5, True)):
        beat = heartbeat(
            "alpha-gw", seq, {"alpha-cam-1": cam_up}, ts_ms=1_000 * seq, historical=True
        )
        found += [
            r
            for r in ingest.handle(topic, payload(beat), NOW).records
            if isinstance(r, TransitionRecord)
        ]
    # Written at the device's own times, only where the status changed.
    assert [(t.ts_ms, t.status, t.cause) for t in found] == [
        (1_000, "online", "backfill: probe_ok"),
        (3_000, "offline", "backfill: probe_failed: timeout"),
        (5_000, "online", "backfill: probe_ok"),
    ]
    assert str(ingest.state.devices["alpha-cam-1"].status) == "unknown"  # live: untouched


def test_a_backlog_reading_without_an_error_text_is_a_plain_probe_failed() -> None:
    index = small_index()
    quiet = DeviceReading(id="alpha-cam-1", reachable=False)  # no error text given
    [found] = Backfill().transitions([quiet], index.devices, 1_000)
    assert found.cause == "backfill: probe_failed"  # as the live state says it


# -- broadcast-log events ------------------------------------------------------------------


def broadcast_event(agent: str, seq: int, cluster: str = "alpha-rc-1", **changes: Any) -> bytes:
    fields: dict[str, Any] = {
        "v": SCHEMA_VERSION,
        "agent": agent,
        "session": 1,
        "seq": seq,
        "ts_ms": 1_000 + seq,
        "event": "started",
        "cluster": cluster,
        "schedule": "lt-sang",
        "revision": 1,
        "priority": "normal",
        "content": ScheduledContent(type="tts", duration_s=600, text="Kính thưa bà con"),
        "occurrence_ms": 1_000,
        "planned_end_ms": 601_000,
        "started_ms": 1_500,
    }
    fields.update(changes)
    return encode(BroadcastEvent(**fields))


def test_a_broadcast_event_becomes_one_record_with_its_place(ingest: Ingest) -> None:
    raw = broadcast_event("alpha-gw", 7, volume=80, relay_on=True, historical=True)
    [record] = ingest.handle(broadcast_topic("alpha-gw"), raw, NOW).records
    assert isinstance(record, BroadcastEventRecord)
    assert (record.event_id, record.commune, record.village) == ("alpha-gw-7", "alpha", "alpha.t1")
    assert (record.cluster, record.event, record.ts_ms) == ("alpha-rc-1", "started", 1_007)
    assert (record.content_type, record.content_text) == ("tts", "Kính thưa bà con")
    assert (record.volume, record.relay_on, record.historical) == (80, True, True)
    # It changes no live state: the player's log is not a probe of the cluster.
    assert str(ingest.state.devices["alpha-rc-1"].status) == "unknown"


@pytest.mark.parametrize(
    ("topic", "raw", "reason"),
    [
        (broadcast_topic("alpha-gw"), broadcast_event("beta-gw", 1), "agent_mismatch"),
        (
            broadcast_topic("alpha-gw"),
            broadcast_event("alpha-gw", 1, "beta-rc-1"),
            "foreign_cluster",
        ),
        (
            broadcast_topic("alpha-gw"),
            broadcast_event("alpha-gw", 1, "alpha-rc-2"),
            "foreign_cluster",
        ),
        (
            broadcast_topic("alpha-gw"),
            broadcast_event("alpha-gw", 1, "alpha-cam-1"),
            "foreign_cluster",
        ),
        (broadcast_topic("alpha-gw"), broadcast_event("alpha-gw", 1, "nowhere"), "foreign_cluster"),
        (
            broadcast_topic("alpha-gw"),
            broadcast_event("alpha-gw", 1, event="danced"),
            "invalid_schema",
        ),
        (broadcast_topic("alpha-gw"), b'{"v": 1, "agent": "alpha-gw"}', "invalid_schema"),
        (broadcast_topic("alpha-gw"), b"{broken", "malformed_json"),
        (broadcast_topic("alpha-gw"), broadcast_event("alpha-gw", 1, v=2), "unsupported_version"),
    ],
)
def test_a_bad_broadcast_event_is_dropped_and_counted(
    ingest: Ingest, topic: str, raw: bytes, reason: str
) -> None:
    handled = ingest.handle(topic, raw, NOW)
    assert handled.records == []
    assert handled.refused is not None and handled.refused[0] == reason
    assert rejected(ingest, reason) == 1


def test_broadcast_events_and_heartbeats_carry_the_agents_numbers(ingest: Ingest) -> None:
    beat = ingest.handle(heartbeat_topic("alpha-gw"), payload(heartbeat("alpha-gw", 1)), NOW)
    event = ingest.handle(broadcast_topic("alpha-gw"), broadcast_event("alpha-gw", 2), NOW)
    assert (beat.sequences, event.sequences) == ([("alpha-gw", 1)], [("alpha-gw", 2)])
    # A refused event still arrived: asking the agent for it again would change nothing.
    refused = ingest.handle(
        broadcast_topic("alpha-gw"), broadcast_event("alpha-gw", 4, "beta-rc-1"), NOW
    )
    assert refused.refused is not None and refused.sequences == [("alpha-gw", 4)]


# -- device clocks that cannot be believed ----------------------------------------------

TODAY = 1_795_000_000_000  # 2026-11-18, a server clock in our time
HOUR = 3_600_000


@pytest.fixture
def ingest_today() -> Ingest:
    state = FleetState(small_index(), TODAY)
    state.link_up(TODAY)
    return Ingest(state, Metrics(), RecordTimeWindow(max_ahead_s=600, max_age_days=90))


def restamped(ingest: Ingest) -> float:
    return ingest.metrics.registry.get_sample_value("xaso_records_restamped_total") or 0.0


@pytest.mark.parametrize(
    "device_ts_ms",
    [
        0,  # a gateway without a clock battery, before NTP answers
        TODAY - 91 * 24 * HOUR,
        TODAY + 11 * 60_000,
        9_300_000_000_000_000,  # beyond 2262: a point InfluxDB cannot parse
    ],
)
def test_a_live_heartbeat_on_a_wrong_clock_is_kept_at_the_servers_time(
    ingest_today: Ingest, device_ts_ms: int
) -> None:
    beat = heartbeat("alpha-gw", 1, {"alpha-rc-1": True}, ts_ms=device_ts_ms)
    records = ingest_today.handle(heartbeat_topic("alpha-gw"), payload(beat), TODAY).records
    assert {r.ts_ms for r in records} == {TODAY}
    assert restamped(ingest_today) == 1
    assert ingest_today.state.devices["alpha-gw"].last_seen_ms == TODAY


@pytest.mark.parametrize("device_ts_ms", [TODAY - 89 * 24 * HOUR, TODAY + 9 * 60_000])
def test_a_heartbeat_within_the_window_keeps_the_devices_time(
    ingest_today: Ingest, device_ts_ms: int
) -> None:
    beat = heartbeat("alpha-gw", 1, {"alpha-rc-1": True}, ts_ms=device_ts_ms)
    records = ingest_today.handle(heartbeat_topic("alpha-gw"), payload(beat), TODAY).records
    assert {r.ts_ms for r in records if not isinstance(r, TransitionRecord)} == {device_ts_ms}
    assert restamped(ingest_today) == 0


def test_a_queued_record_on_a_wrong_clock_is_refused_but_not_asked_for_again(
    ingest_today: Ingest,
) -> None:
    live = heartbeat("alpha-gw", 1, ts_ms=TODAY)
    ingest_today.handle(heartbeat_topic("alpha-gw"), payload(live), TODAY)
    ingest_today.handle(heartbeat_topic("alpha-gw"), payload(heartbeat("alpha-gw", 4)), TODAY)

    queued = heartbeat("alpha-gw", 2, {"alpha-rc-1": True}, ts_ms=5_000, historical=True)
    refused_beat = ingest_today.handle(heartbeat_topic("alpha-gw"), payload(queued), TODAY)
    event = broadcast_event("alpha-gw", 3, ts_ms=TODAY + 24 * HOUR, historical=True)
    refused_event = ingest_today.handle(broadcast_topic("alpha-gw"), event, TODAY)

    for handled, seq in ((refused_beat, 2), (refused_event, 3)):
        assert handled.records == []
        assert handled.refused is not None and handled.refused[0] == "time_out_of_range"
        assert handled.sequences == [("alpha-gw", seq)]  # arrived: not a gap to ask for
    assert rejected(ingest_today, "time_out_of_range") == 2
    assert restamped(ingest_today) == 1  # only seq 4, live, 1970-stamped


def test_restamped_heartbeats_never_share_a_time_and_a_redelivery_keeps_its_own(
    ingest_today: Ingest,
) -> None:
    """Beats of a gateway 3 h ahead, held back by the broker and delivered in one burst,
    all land in the same server millisecond: each must still be a point of its own."""
    ahead = TODAY + 3 * HOUR
    times = [
        ingest_today.handle(
            heartbeat_topic("alpha-gw"),
            payload(heartbeat("alpha-gw", seq, ts_ms=ahead + seq * 1000)),
            TODAY,
        )
        .records[0]
        .ts_ms
        for seq in range(1, 31)
    ]
    assert len(set(times)) == 30
    again = ingest_today.handle(
        heartbeat_topic("alpha-gw"),
        payload(heartbeat("alpha-gw", 7, ts_ms=ahead + 7000)),
        TODAY + 5,
    )
    assert again.records[0].ts_ms == times[6]  # overwrites itself, not a second copy


@pytest.mark.parametrize(
    "planned",
    [
        {"occurrence_ms": 2**62},  # InfluxDB files the event at its occurrence
        {"occurrence_ms": TODAY, "planned_end_ms": TODAY + 40 * 24 * HOUR},
        {"occurrence_ms": 5_000},
    ],
)
def test_a_broadcast_event_about_an_impossible_occurrence_is_refused(
    ingest_today: Ingest, planned: dict[str, int]
) -> None:
    event = broadcast_event("alpha-gw", 1, ts_ms=TODAY, **planned)
    handled = ingest_today.handle(broadcast_topic("alpha-gw"), event, TODAY)
    assert handled.records == []
    assert rejected(ingest_today, "time_out_of_range") == 1


def test_a_broadcast_event_within_the_window_is_stored(ingest_today: Ingest) -> None:
    event = broadcast_event(
        "alpha-gw",
        1,
        ts_ms=TODAY - HOUR,
        started_ms=TODAY - HOUR,
        occurrence_ms=TODAY - HOUR,
        planned_end_ms=TODAY,
    )
    [record] = ingest_today.handle(broadcast_topic("alpha-gw"), event, TODAY).records
    assert record.ts_ms == TODAY - HOUR
    # A skip of a bulletin planned a week ahead (a silence ordered for it): believable.
    week = TODAY + 7 * 24 * HOUR
    ahead = broadcast_event(
        "alpha-gw", 2, ts_ms=TODAY, occurrence_ms=week, planned_end_ms=week + HOUR, event="skipped"
    )
    assert len(ingest_today.handle(broadcast_topic("alpha-gw"), ahead, TODAY).records) == 1


def test_the_window_refuses_nonsense_settings() -> None:
    with pytest.raises(ValueError, match="window"):
        RecordTimeWindow(max_ahead_s=-1)
    with pytest.raises(ValueError, match="window"):
        RecordTimeWindow(max_age_days=0)
