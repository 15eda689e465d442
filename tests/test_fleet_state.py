"""The live state engine: pure functions of messages and time."""

from __future__ import annotations

from server.fleet_state import DeviceStatus, FleetState
from tests.messages import heartbeat, small_index, status

T0 = 1_000_000


def started() -> FleetState:
    state = FleetState(small_index(), T0)
    state.link_up(T0)
    return state


def test_everything_starts_unknown_except_planned() -> None:
    state = started()
    assert state.devices["alpha-gw"].status is DeviceStatus.UNKNOWN
    assert state.devices["alpha-rc-1"].status is DeviceStatus.UNKNOWN
    assert state.devices["alpha-rc-2"].status is DeviceStatus.PLANNED


def test_birth_then_heartbeat_sets_gateway_and_devices() -> None:
    state = started()
    transitions = state.apply_status(status("alpha-gw", "online"), T0 + 10)
    assert transitions is not None
    assert [(t.device_id, t.status, t.cause) for t in transitions] == [
        ("alpha-gw", "online", "birth")
    ]
    transitions = state.apply_heartbeat(
        heartbeat("alpha-gw", 1),
        [r for r in heartbeat("alpha-gw", 1, {"alpha-rc-1": True, "alpha-cam-1": False}).devices],
        T0 + 20,
    )
    by_device = {t.device_id: (t.status, t.cause) for t in transitions}
    assert by_device == {
        "alpha-rc-1": ("online", "probe_ok"),
        "alpha-cam-1": ("offline", "probe_failed: timeout"),
    }


def _online(state: FleetState, now: int) -> None:
    state.apply_status(status("alpha-gw", "online", session=5), now)
    beat = heartbeat("alpha-gw", 1, {"alpha-rc-1": True, "alpha-cam-1": True}, session=5)
    state.apply_heartbeat(beat, list(beat.devices), now)


def test_will_of_current_session_marks_offline_and_devices_unknown() -> None:
    state = started()
    _online(state, T0)
    transitions = state.apply_status(status("alpha-gw", "offline", session=5), T0 + 100)
    assert transitions is not None
    assert {(t.device_id, t.status, t.cause) for t in transitions} == {
        ("alpha-gw", "offline", "will"),
        ("alpha-rc-1", "unknown", "gateway_offline"),
        ("alpha-cam-1", "unknown", "gateway_offline"),
    }


def test_stale_will_of_an_older_session_is_ignored() -> None:
    state = started()
    _online(state, T0)
    assert state.apply_status(status("alpha-gw", "offline", session=4), T0 + 100) is None
    assert state.devices["alpha-gw"].status is DeviceStatus.ONLINE


def test_stopped_is_not_offline() -> None:
    state = started()
    _online(state, T0)
    state.apply_status(status("alpha-gw", "stopped", session=5), T0 + 100)
    assert state.devices["alpha-gw"].status is DeviceStatus.STOPPED
    assert state.devices["alpha-rc-1"].cause == "gateway_stopped"


def test_timeout_marks_offline_only_after_offline_after_s() -> None:
    state = started()
    _online(state, T0)
    assert state.sweep(T0 + 3_000) == []  # exactly at the limit: still online
    transitions = state.sweep(T0 + 3_001)
    assert ("alpha-gw", "offline", "timeout") in {
        (t.device_id, t.status, t.cause) for t in transitions
    }


def test_no_timeouts_while_the_broker_link_is_down_and_a_full_timeout_after() -> None:
    state = started()
    _online(state, T0)
    state.link_down()
    assert state.sweep(T0 + 60_000) == []
    state.link_up(T0 + 60_000)
    assert state.sweep(T0 + 62_000) == []
    assert state.sweep(T0 + 63_001) != []


def test_never_heard_gateways_stay_unknown_not_offline() -> None:
    state = started()
    assert state.sweep(T0 + 3_600_000) == []
    assert state.devices["beta-gw"].status is DeviceStatus.UNKNOWN


def test_device_missing_from_heartbeats_becomes_unknown() -> None:
    state = started()
    _online(state, T0)
    # Later beats keep the gateway alive but no longer mention alpha-cam-1.
    for i, now in enumerate(range(T0 + 1_000, T0 + 5_000, 1_000), start=2):
        beat = heartbeat("alpha-gw", i, {"alpha-rc-1": True}, session=5)
        state.apply_heartbeat(beat, list(beat.devices), now)
    transitions = state.sweep(T0 + 4_500)
    assert [(t.device_id, t.status, t.cause) for t in transitions] == [
        ("alpha-cam-1", "unknown", "no_reading")
    ]


def test_historical_heartbeats_do_not_change_live_status() -> None:
    state = started()
    beat = heartbeat("alpha-gw", 1, {"alpha-rc-1": False}, historical=True)
    transitions = state.apply_heartbeat(beat, list(beat.devices), T0)
    assert transitions == []
    assert state.devices["alpha-rc-1"].status is DeviceStatus.UNKNOWN


def test_heartbeat_recovers_a_gateway_after_a_timeout() -> None:
    state = started()
    _online(state, T0)
    state.sweep(T0 + 10_000)
    beat = heartbeat("alpha-gw", 2, {"alpha-rc-1": True}, session=5)
    transitions = state.apply_heartbeat(beat, list(beat.devices), T0 + 11_000)
    assert ("alpha-gw", "online", "heartbeat") in {
        (t.device_id, t.status, t.cause) for t in transitions
    }
