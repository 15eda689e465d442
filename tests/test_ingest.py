"""Validation at the boundary: every kind of bad input is dropped and counted."""

from __future__ import annotations

import json

import pytest

from server.fleet_state import FleetState
from server.ingest import Ingest
from server.metrics import Metrics
from server.store.base import AgentHealthRecord, DeviceReadingRecord, TransitionRecord
from tests.messages import heartbeat, payload, small_index, status
from xaso.protocol import MAX_PAYLOAD_BYTES, heartbeat_topic, status_topic

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
    records = ingest.handle(heartbeat_topic("alpha-gw"), payload(beat), NOW)
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
    assert ingest.handle(topic, raw, NOW) == []
    assert rejected(ingest, reason) == 1


def test_reading_for_another_agents_device_is_dropped_rest_kept(ingest: Ingest) -> None:
    beat = heartbeat("alpha-gw", 1, {"alpha-rc-1": True, "beta-rc-1": False})
    records = ingest.handle(heartbeat_topic("alpha-gw"), payload(beat), NOW)
    devices = {r.device_id for r in records if isinstance(r, DeviceReadingRecord)}
    assert devices == {"alpha-rc-1"}
    assert ingest.state.devices["beta-rc-1"].last_reading is None
    sample = ingest.metrics.registry.get_sample_value(
        "xaso_readings_rejected_total", {"reason": "foreign_device"}
    )
    assert sample == 1


def test_planned_device_cannot_be_reported(ingest: Ingest) -> None:
    beat = heartbeat("alpha-gw", 1, {"alpha-rc-2": True})
    records = ingest.handle(heartbeat_topic("alpha-gw"), payload(beat), NOW)
    assert not [r for r in records if isinstance(r, DeviceReadingRecord)]


def test_stale_will_is_counted_not_applied(ingest: Ingest) -> None:
    ingest.handle(status_topic("alpha-gw"), payload(status("alpha-gw", "online", 9)), NOW)
    assert (
        ingest.handle(status_topic("alpha-gw"), payload(status("alpha-gw", "offline", 8)), NOW)
        == []
    )
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
            r for r in ingest.handle(topic, payload(beat), NOW) if isinstance(r, TransitionRecord)
        ]
    # Written at the device's own times, only where the status changed.
    assert [(t.ts_ms, t.status, t.cause) for t in found] == [
        (1_000, "online", "backfill: probe_ok"),
        (3_000, "offline", "backfill: probe_failed: timeout"),
        (5_000, "online", "backfill: probe_ok"),
    ]
    assert str(ingest.state.devices["alpha-cam-1"].status) == "unknown"  # live: untouched
