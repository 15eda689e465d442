"""The live state engine: pure functions of messages and time.

The small inventory's profiles: heartbeat every 1 s, offline after 3 s.
"""

from __future__ import annotations

from tests.messages import heartbeat, small_index, status
from xaso.protocol import SCHEMA_VERSION, Status
from xaso.server.monitoring.fleet_state import DeviceStatus, FleetState, StateRules
from xaso.server.records import TransitionRecord

T0 = 1_000_000
S = 1_000  # one second, one heartbeat interval here


def started(rules: StateRules | None = None) -> FleetState:
    state = FleetState(small_index(), T0, rules)
    state.link_up(T0)
    return state


def beat(state: FleetState, now: int, seq: int = 1, session: int = 5, **readings: bool) -> list:
    message = heartbeat(
        "alpha-gw",
        seq,
        {k.replace("_", "-"): v for k, v in readings.items()},
        session=session,
        ts_ms=now,
    )
    return state.apply_heartbeat(message, list(message.devices), now)


def changes(transitions: list[TransitionRecord]) -> set[tuple[str, str, str]]:
    return {(t.device_id, t.status, t.cause) for t in transitions}


def online(state: FleetState, now: int = T0) -> None:
    state.apply_status(status("alpha-gw", "online", session=5), now)
    beat(state, now, alpha_rc_1=True, alpha_cam_1=True)


def test_everything_starts_unknown_except_planned() -> None:
    state = started()
    assert state.devices["alpha-gw"].status is DeviceStatus.UNKNOWN
    assert state.devices["alpha-rc-1"].status is DeviceStatus.UNKNOWN
    assert state.devices["alpha-rc-2"].status is DeviceStatus.PLANNED


def test_birth_and_first_heartbeat() -> None:
    state = started()
    assert changes(state.apply_status(status("alpha-gw", "online"), T0) or []) == {
        ("alpha-gw", "online", "birth")
    }
    assert changes(beat(state, T0, session=1, alpha_rc_1=True, alpha_cam_1=False)) == {
        ("alpha-rc-1", "online", "probe_ok"),
        ("alpha-cam-1", "pending", "probe_failed: timeout"),
    }


def test_a_failing_device_is_pending_then_offline_after_one_interval() -> None:
    state = started()
    online(state)
    assert changes(beat(state, T0 + S, 2, alpha_cam_1=False)) == {
        ("alpha-cam-1", "pending", "probe_failed: timeout")
    }
    assert beat(state, T0 + S + 500, 3, alpha_cam_1=False) == []  # still within grace
    assert changes(beat(state, T0 + 2 * S, 4, alpha_cam_1=False)) == {
        ("alpha-cam-1", "offline", "probe_failed: timeout")
    }


def test_a_blip_within_grace_is_no_outage() -> None:
    state = started()
    online(state)
    beat(state, T0 + S, 2, alpha_cam_1=False)
    assert changes(beat(state, T0 + 2 * S - 1, 3, alpha_cam_1=True)) == {
        ("alpha-cam-1", "online", "probe_ok")
    }


def test_recovery_needs_a_minimum_time_up() -> None:
    state = started()
    online(state)
    beat(state, T0 + S, 2, alpha_cam_1=False)
    beat(state, T0 + 2 * S, 3, alpha_cam_1=False)  # offline
    assert beat(state, T0 + 3 * S, 4, alpha_cam_1=True) == []  # up, not for long enough
    assert state.devices["alpha-cam-1"].status is DeviceStatus.OFFLINE
    assert beat(state, T0 + 3 * S + 500, 5, alpha_cam_1=False) == []  # down again: reset
    assert beat(state, T0 + 4 * S, 6, alpha_cam_1=True) == []
    assert changes(beat(state, T0 + 5 * S, 7, alpha_cam_1=True)) == {
        ("alpha-cam-1", "online", "recovered")
    }


def test_will_of_current_session_marks_offline_and_devices_unknown() -> None:
    state = started()
    online(state)
    assert state.apply_status(status("alpha-gw", "offline", session=5), T0 + 100) == []
    assert not [t for t in state.sweep(T0 + 2_099) if t.cause == "will"]  # its grace first
    assert changes(state.sweep(T0 + 2_100)) == {
        ("alpha-gw", "offline", "will"),
        ("alpha-rc-1", "unknown", "gateway_offline"),
        ("alpha-cam-1", "unknown", "gateway_offline"),
    }


def test_the_wills_a_broker_sends_on_its_way_down_say_nothing() -> None:
    """A broker shut down (a restart, an upgrade) sends every client's will, then drops
    the server: the gateways are fine, and come back with the broker."""
    state = started()
    online(state)
    state.apply_status(status("alpha-gw", "offline", session=5), T0 + 100)
    state.link_down()
    state.link_up(T0 + 5_000)
    assert not [t for t in state.sweep(T0 + 5_500) if t.cause == "will"]
    assert state.devices["alpha-gw"].status is DeviceStatus.ONLINE


def test_wills_the_broker_held_while_it_restarted_wait_for_the_births_behind_them() -> None:
    """After a broker restart the wills it sent on its way down reach the server's
    session first; the births come behind every gateway's backlog, a minute later for a
    big fleet. Not acted on: a gateway that is really gone times out instead."""
    state = started()
    online(state)
    state.link_down()
    state.link_up(T0 + 10_000)
    held = status("alpha-gw", "offline", session=5)
    assert state.apply_status(held, T0 + 11_000) is None
    assert not [t for t in state.sweep(T0 + 12_000) if t.cause == "will"]
    state.apply_status(status("alpha-gw", "online", session=6), T0 + 12_500)
    assert state.devices["alpha-gw"].status is DeviceStatus.ONLINE
    # Once the broker has had the window to hand over what it held, a will counts.
    beat(state, T0 + 70_500, 2, session=6, alpha_rc_1=True, alpha_cam_1=True)
    assert state.apply_status(status("alpha-gw", "offline", session=6), T0 + 71_000) == []
    assert changes(state.sweep(T0 + 73_100)) >= {("alpha-gw", "offline", "will")}


def test_a_will_the_broker_kept_counts_only_for_a_gateway_not_believed_alive() -> None:
    state = started()
    online(state)
    kept = status("alpha-gw", "offline", session=5)
    assert state.apply_status(kept, T0 + 100, retained=True) is None  # alive: its timeout
    assert changes(
        state.apply_status(status("beta-gw", "offline", session=3), T0 + 100, retained=True) or []
    ) >= {("beta-gw", "offline", "will")}  # never heard since the start: now known down


def test_a_newer_connection_during_the_grace_cancels_the_will() -> None:
    state = started()
    online(state)
    state.apply_status(status("alpha-gw", "offline", session=5), T0 + 100)
    state.apply_status(status("alpha-gw", "online", session=6), T0 + 600)
    assert not [t for t in state.sweep(T0 + 3_000) if t.cause == "will"]


def test_stale_will_of_an_older_session_is_ignored() -> None:
    state = started()
    online(state)
    assert state.apply_status(status("alpha-gw", "offline", session=4), T0 + 100) is None
    assert state.devices["alpha-gw"].status is DeviceStatus.ONLINE


def test_stopped_is_not_offline() -> None:
    state = started()
    online(state)
    state.apply_status(status("alpha-gw", "stopped", session=5), T0 + 100)
    assert state.devices["alpha-gw"].status is DeviceStatus.STOPPED
    assert state.devices["alpha-rc-1"].cause == "gateway_stopped"


def test_a_silent_gateway_is_pending_then_offline_by_timeout() -> None:
    state = started()
    online(state)
    assert state.sweep(T0 + 1_500) == []  # 1.5 intervals: not yet a missed beat
    assert changes(state.sweep(T0 + 1_501)) == {("alpha-gw", "pending", "missed_heartbeat")}
    assert state.sweep(T0 + 3_000) == []  # exactly the timeout: still pending
    assert ("alpha-gw", "offline", "timeout") in changes(state.sweep(T0 + 3_001))


def test_no_timeouts_while_the_broker_link_is_down_and_a_full_timeout_after() -> None:
    state = started()
    online(state)
    state.link_down()
    assert state.sweep(T0 + 60_000) == []
    state.link_up(T0 + 60_000)
    assert state.sweep(T0 + 61_000) == []
    assert ("alpha-gw", "offline", "timeout") in changes(state.sweep(T0 + 63_001))


def test_never_heard_gateways_stay_unknown_not_offline() -> None:
    state = started()
    assert state.sweep(T0 + 3_600_000) == []
    assert state.devices["beta-gw"].status is DeviceStatus.UNKNOWN


def test_device_missing_from_heartbeats_becomes_unknown() -> None:
    state = started()
    online(state)
    for i, now in enumerate(range(T0 + S, T0 + 5 * S, S), start=2):
        beat(state, now, i, alpha_rc_1=True)  # alpha-cam-1 no longer reported
    assert changes(state.sweep(T0 + 4_500)) == {("alpha-cam-1", "unknown", "no_reading")}


def test_historical_heartbeats_do_not_change_live_status() -> None:
    state = started()
    message = heartbeat("alpha-gw", 1, {"alpha-rc-1": False}, historical=True)
    assert state.apply_heartbeat(message, list(message.devices), T0) == []
    assert state.devices["alpha-rc-1"].status is DeviceStatus.UNKNOWN


def test_a_gateway_back_after_a_timeout_recovers_after_a_minimum_time_up() -> None:
    state = started()
    online(state)
    state.sweep(T0 + 10_000)
    assert state.devices["alpha-gw"].status is DeviceStatus.OFFLINE
    assert not [t for t in beat(state, T0 + 11_000, 2) if t.device_id == "alpha-gw"]
    assert state.devices["alpha-gw"].status is DeviceStatus.OFFLINE
    assert ("alpha-gw", "online", "recovered") in changes(beat(state, T0 + 12_000, 3))


def test_flapping_is_marked_once_and_ends_after_a_quiet_window() -> None:
    state = started(StateRules(flap_count=3, flap_window_s=60, will_grace_s=0))
    online(state)
    found: list[TransitionRecord] = []
    now = T0
    for i in range(5):  # down by its will, back for long enough, five times
        found += state.apply_status(status("alpha-gw", "offline", session=5), now) or []
        found += beat(state, now + 10, 2 * i + 2)
        found += beat(state, now + 1_100, 2 * i + 3)
        now += 3_000
    causes = [t.cause for t in found if t.device_id == "alpha-gw"]
    assert causes.count("will") == 5 and causes.count("recovered") == 5
    assert causes.count("flapping_started") == 1  # one mark, not five
    assert state.devices["alpha-gw"].flapping
    # Not at the moment of the outage that caused it: the stores keep one transition
    # per device and moment, and the outage's own cause must survive.
    (mark,) = [t for t in found if t.cause == "flapping_started"]
    assert mark.ts_ms not in {t.ts_ms for t in found if t.cause == "will"}
    # Nothing ends while it keeps flapping; a quiet window ends it, once.
    assert not [t for t in state.sweep(now) if t.cause.startswith("flapping")]
    ended = [t.cause for t in state.sweep(now + 61_000) if t.cause.startswith("flapping")]
    assert ended == ["flapping_ended"]


def test_maintenance_overrides_reports_and_ends_in_unknown() -> None:
    state = started()
    online(state)
    assert changes(state.apply_maintenance({"alpha-cam-1"}, T0 + 100)) == {
        ("alpha-cam-1", "maintenance", "maintenance")
    }
    assert beat(state, T0 + 2 * S, 2, alpha_cam_1=False) == []
    assert beat(state, T0 + 3 * S, 3, alpha_cam_1=False) == []  # no outage in maintenance
    assert changes(state.apply_maintenance(set(), T0 + 4 * S)) == {
        ("alpha-cam-1", "unknown", "maintenance_ended")
    }


def test_restore_takes_up_stored_statuses_without_inventing_outages() -> None:
    state = FleetState(small_index(), T0)
    stored = [
        TransitionRecord(
            device_id="alpha-gw",
            commune="alpha",
            kind="gateway",
            ts_ms=T0 - 50_000,
            status="online",
            previous="unknown",
            cause="birth",
        ),
        TransitionRecord(
            device_id="alpha-cam-1",
            commune="alpha",
            kind="camera",
            ts_ms=T0 - 40_000,
            status="offline",
            previous="pending",
            cause="probe_failed: timeout",
        ),
    ]
    state.restore(stored, T0)
    state.link_up(T0)
    gateway, camera = state.devices["alpha-gw"], state.devices["alpha-cam-1"]
    assert (gateway.status, gateway.since_ms) == (DeviceStatus.ONLINE, T0 - 50_000)
    assert (camera.status, camera.cause) == (DeviceStatus.OFFLINE, "probe_failed: timeout")
    assert state.sweep(T0 + 1_000) == []  # a full interval from the restart, not before
    # The camera's outage continues: it is not re-announced, and it ends only when it
    # is seen up for long enough.
    assert state.apply_status(status("alpha-gw", "online", session=9), T0 + 1_000) == []
    assert beat(state, T0 + 1_000, 1, session=9, alpha_cam_1=True) == []
    assert changes(beat(state, T0 + 2_000, 2, session=9, alpha_cam_1=True)) == {
        ("alpha-cam-1", "online", "recovered")
    }


def test_a_recovering_gateway_keeps_its_devices_unknown_and_silence_starts_over() -> None:
    state = started(StateRules(will_grace_s=0))  # down at once, to see the way back
    online(state)
    state.apply_status(status("alpha-gw", "offline", session=5), T0 + 100)
    state.apply_status(status("alpha-gw", "online", session=6), T0 + 200)
    # Recovering, not yet back: its readings do not make its devices online.
    beat(state, T0 + 300, 1, session=6, alpha_rc_1=True)
    assert state.devices["alpha-gw"].status is DeviceStatus.OFFLINE
    assert state.devices["alpha-rc-1"].status is DeviceStatus.UNKNOWN
    # It goes quiet past its timeout: the time it was up no longer counts.
    state.sweep(T0 + 4_000)
    assert not [t for t in beat(state, T0 + 60_000, 2, session=6) if t.device_id == "alpha-gw"]
    assert ("alpha-gw", "online", "recovered") in changes(beat(state, T0 + 61_000, 3, session=6))


def test_a_device_the_gateway_never_reports_is_not_configured_on_it() -> None:
    # alpha-cam-1 is in the inventory under alpha-gw, but the gateway's configuration
    # lacks it: every heartbeat reports the cluster alone.
    state = started()
    state.apply_status(status("alpha-gw", "online", session=5), T0)
    assert state.unconfigured("alpha-gw") is None  # nothing heard yet: cannot tell
    beat(state, T0, seq=1, alpha_rc_1=True)
    beat(state, T0 + S, seq=2, alpha_rc_1=True)
    assert state.unconfigured("alpha-gw") is None  # one beat may miss a hung collector
    beat(state, T0 + 2 * S, seq=3, alpha_rc_1=True)
    # The planned cluster is not expected to report; the gateway itself is no device of it.
    assert state.unconfigured("alpha-gw") == ["alpha-cam-1"]
    assert state.devices["alpha-cam-1"].status is DeviceStatus.UNKNOWN
    assert state.unconfigured("beta-gw") is None


def test_one_report_in_the_connection_is_enough_and_a_new_connection_starts_over() -> None:
    state = started()
    state.apply_status(status("alpha-gw", "online", session=5), T0)
    beat(state, T0, seq=1, alpha_rc_1=True, alpha_cam_1=False)  # a failed probe counts
    beat(state, T0 + S, seq=2, alpha_rc_1=True)  # its collector hung this cycle
    beat(state, T0 + 2 * S, seq=3, alpha_rc_1=True)
    assert state.unconfigured("alpha-gw") == []
    link = state.links["alpha-gw"]
    assert (link.session, link.beats, link.heard_since_ms) == (5, 3, T0)

    # Reconfigured and restarted without the camera: the new connection is judged alone.
    state.apply_status(status("alpha-gw", "online", session=6), T0 + 10 * S)
    for seq in range(4, 7):
        beat(state, T0 + (6 + seq) * S, seq=seq, session=6, alpha_rc_1=True)
    assert state.unconfigured("alpha-gw") == ["alpha-cam-1"]
    assert state.links["alpha-gw"].heard_since_ms == T0 + 10 * S


def test_historical_beats_and_a_late_beat_of_an_old_connection_say_nothing_of_it() -> None:
    state = started()
    state.apply_status(status("alpha-gw", "online", session=5), T0)
    for seq in range(1, 4):
        beat(state, T0 + seq * S, seq=seq, alpha_rc_1=True)
    old = heartbeat("alpha-gw", 9, {"alpha-cam-1": True}, session=4, ts_ms=T0)
    state.apply_heartbeat(old, list(old.devices), T0 + 4 * S)
    queued = heartbeat("alpha-gw", 10, {"alpha-cam-1": True}, session=5, historical=True)
    state.apply_heartbeat(queued, list(queued.devices), T0 + 5 * S)
    assert state.unconfigured("alpha-gw") == ["alpha-cam-1"]


def test_the_birth_gives_the_agent_version_and_a_retained_one_keeps_the_count() -> None:
    state = started()
    birth = Status(
        v=SCHEMA_VERSION,
        agent="alpha-gw",
        state="online",
        session=5,
        ts_ms=T0,
        agent_version="1.4.2",
    )
    state.apply_status(birth, T0)
    for seq in range(1, 4):
        beat(state, T0 + seq * S, seq=seq, alpha_rc_1=True)
    state.apply_status(birth, T0 + 5 * S, retained=True)  # the server subscribed again
    link = state.links["alpha-gw"]
    assert (link.agent_version, link.session, link.beats) == ("1.4.2", 5, 3)
