"""A camera's picture as a second dimension of its live state (picture_state.py).

The small inventory: heartbeat every 1 s (so the grace of a bad picture is 1 s), and
two different snapshots needed.
"""

from __future__ import annotations

from tests.messages import small_index, status
from xaso.protocol import (
    SCHEMA_VERSION,
    AgentHealth,
    CameraStatus,
    DeviceReading,
    Heartbeat,
    PictureHealth,
)
from xaso.server.monitoring.fleet_state import DeviceStatus, FleetState
from xaso.server.monitoring.picture_state import (
    PictureStatus,
    picture_series,
    series_owner,
)
from xaso.server.records import TransitionRecord

T0 = 1_000_000
S = 1_000
CAM = "alpha-cam-1"
SERIES = picture_series(CAM)


def started() -> FleetState:
    state = FleetState(small_index(), T0)
    state.link_up(T0)
    state.apply_status(status("alpha-gw", "online", session=5), T0)
    return state


def beat(
    state: FleetState,
    now: int,
    picture: str | None,
    taken_ms: int | None = None,
    reachable: bool = True,
) -> list[TransitionRecord]:
    camera = None
    if picture is not None:
        health = PictureHealth(state=picture, taken_ms=taken_ms, brightness=12.0)  # type: ignore[arg-type]
        camera = CameraStatus(stream_ok=True, picture=health)
    reading = DeviceReading(
        id=CAM, reachable=reachable, error=None if reachable else "timeout", camera=camera
    )
    message = Heartbeat(
        v=SCHEMA_VERSION,
        agent="alpha-gw",
        session=5,
        seq=now,
        ts_ms=now,
        interval_s=1.0,
        health=AgentHealth(uptime_s=1.0),
        devices=[reading],
    )
    return state.apply_heartbeat(message, [reading], now)


def pictures(transitions: list[TransitionRecord]) -> list[tuple[str, str]]:
    return [(t.status, t.cause) for t in transitions if t.device_id == SERIES]


def test_the_series_is_named_after_its_camera() -> None:
    assert SERIES == "alpha-cam-1:picture"
    assert series_owner(SERIES) == CAM
    assert series_owner(CAM) == CAM


def test_a_good_picture_is_usable_and_the_camera_online() -> None:
    state = started()
    found = beat(state, T0, "ok", taken_ms=T0)
    assert pictures(found) == [("usable", "ok")]
    assert [(t.device_id, t.status) for t in found if t.device_id == CAM] == [(CAM, "online")]
    record = next(t for t in found if t.device_id == SERIES)
    assert (record.kind, record.previous) == ("picture", "unknown")


def test_one_bad_frame_is_no_problem_two_snapshots_past_the_grace_are() -> None:
    state = started()
    beat(state, T0, "ok", taken_ms=T0)
    track = state.devices[CAM].picture
    assert track is not None
    assert beat(state, T0 + S, "covered", taken_ms=T0 + S) == []
    # The same snapshot carried again, past the grace: still one bad frame.
    assert beat(state, T0 + 3 * S, "covered", taken_ms=T0 + S) == []
    assert track.status is PictureStatus.USABLE
    assert pictures(beat(state, T0 + 4 * S, "covered", taken_ms=T0 + 4 * S)) == [
        ("unusable", "covered")
    ]
    assert track.problem == "covered"
    assert track.since_ms == T0 + 4 * S
    assert state.devices[CAM].status is DeviceStatus.ONLINE  # online is untouched


def test_a_bad_frame_between_good_ones_starts_over() -> None:
    state = started()
    beat(state, T0, "ok", taken_ms=T0)
    beat(state, T0 + S, "dark", taken_ms=T0 + S)
    beat(state, T0 + 2 * S, "ok", taken_ms=T0 + 2 * S)
    assert beat(state, T0 + 3 * S, "dark", taken_ms=T0 + 3 * S) == []
    assert pictures(beat(state, T0 + 4 * S, "dark", taken_ms=T0 + 4 * S)) == [("unusable", "dark")]


def test_a_cleared_picture_is_usable_again_at_once_and_a_new_cause_is_stored() -> None:
    state = started()
    beat(state, T0, "covered", taken_ms=T0)
    assert pictures(beat(state, T0 + S, "covered", taken_ms=T0 + S)) == [("unusable", "covered")]
    assert pictures(beat(state, T0 + 2 * S, "frozen", taken_ms=T0 + 2 * S)) == [
        ("unusable", "frozen")
    ]
    track = state.devices[CAM].picture
    assert track is not None and track.since_ms == T0 + S  # still the same problem
    assert pictures(beat(state, T0 + 3 * S, "ok", taken_ms=T0 + 3 * S)) == [("usable", "ok")]
    assert track.problem is None


def test_a_heartbeat_without_a_picture_keeps_the_last_one() -> None:
    state = started()
    beat(state, T0, "ok", taken_ms=T0)
    assert beat(state, T0 + S, None) == []
    track = state.devices[CAM].picture
    assert track is not None and track.status is PictureStatus.USABLE
    assert track.last is not None and track.last.brightness == 12.0


def test_an_offline_camera_gives_no_usable_picture_and_comes_back_checking() -> None:
    state = started()
    beat(state, T0, "ok", taken_ms=T0)
    beat(state, T0 + S, None, reachable=False)
    found = beat(state, T0 + 2 * S, None, reachable=False)
    assert [(t.device_id, t.status) for t in found] == [
        (CAM, "offline"),
        (SERIES, "unusable"),
    ]
    assert pictures(found) == [("unusable", "offline")]
    track = state.devices[CAM].picture
    assert track is not None and track.problem is None  # the outage is the problem
    # Back (after the recovery time) with its old good picture: usable.
    beat(state, T0 + 3 * S, None)
    assert pictures(beat(state, T0 + 4 * S, None)) == [("usable", "ok")]


def test_gateway_gone_makes_the_picture_unknown_and_maintenance_follows() -> None:
    state = started()
    beat(state, T0, "ok", taken_ms=T0)
    found = state.apply_status(status("alpha-gw", "stopped", session=5), T0 + S) or []
    assert pictures(found) == [("unknown", "camera_unknown")]
    found = state.apply_maintenance({CAM}, T0 + 2 * S)
    assert pictures(found) == [("maintenance", "maintenance")]


def test_a_camera_never_measured_has_no_picture_transitions() -> None:
    state = started()
    assert pictures(beat(state, T0, None)) == []
    beat(state, T0 + S, None, reachable=False)
    assert pictures(beat(state, T0 + 2 * S, None, reachable=False)) == []
    track = state.devices[CAM].picture
    assert track is not None and track.status is PictureStatus.UNKNOWN


def test_restore_takes_up_the_picture_and_a_restart_invents_nothing() -> None:
    state = started()
    state.restore(
        [
            TransitionRecord(CAM, "alpha", "camera", T0 - 5 * S, "online", "unknown", "probe_ok"),
            TransitionRecord(
                SERIES, "alpha", "picture", T0 - 4 * S, "unusable", "usable", "covered"
            ),
        ],
        T0,
    )
    track = state.devices[CAM].picture
    assert track is not None
    assert (track.status, track.cause, track.since_ms) == ("unusable", "covered", T0 - 4 * S)
    assert track.problem == "covered"
    # Heartbeats without a picture keep it; the next picture decides.
    assert pictures(beat(state, T0, None)) == []
    assert pictures(beat(state, T0 + S, "ok", taken_ms=T0 + S)) == [("usable", "ok")]


def test_watchers_hear_of_a_change_of_picture() -> None:
    state = started()
    heard: list[str | None] = []
    state.watchers.append(lambda s: heard.append(s.picture.cause if s.picture else None))
    beat(state, T0, "ok", taken_ms=T0)
    heard.clear()
    beat(state, T0 + S, "covered", taken_ms=T0 + S)
    beat(state, T0 + 2 * S, "covered", taken_ms=T0 + 2 * S)
    assert heard == ["covered"]


def test_a_workers_change_of_picture_reaches_the_web_tier_and_its_watchers() -> None:
    """With ingest workers, the web tier's live state is a copy (state_mirror.py): a
    change of picture alone is told to its watchers (the acknowledgements) as one of
    status is, and survives the pipe (pickled, as multiprocessing sends it)."""
    import pickle

    from xaso.server.monitoring.state_mirror import apply_deltas, device_delta

    worker, web = started(), started()
    beat(worker, T0, "ok", taken_ms=T0)
    apply_deltas(web, [pickle.loads(pickle.dumps(device_delta(worker.devices[CAM])))], [])
    heard: list[str] = []
    web.watchers.append(lambda s: heard.append(s.picture.cause if s.picture else ""))
    beat(worker, T0 + S, "covered", taken_ms=T0 + S)
    beat(worker, T0 + 2 * S, "covered", taken_ms=T0 + 2 * S)
    delta = pickle.loads(pickle.dumps(device_delta(worker.devices[CAM])))
    assert apply_deltas(web, [delta], []) == 0  # the camera's status did not change
    track = web.devices[CAM].picture
    assert track is not None and track.problem == "covered"
    assert heard == ["covered"]
