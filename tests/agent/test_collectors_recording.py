"""Recording continuity: the camera collector asks a real ONVIF Recording Search
responder, a real HTTP JSON server or a command on 127.0.0.1 what the recorder holds."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from tests.agent.device_servers import (
    RecorderState,
    http_server,
    json_route,
    onvif_search_route,
    rtsp_server,
)
from xaso.agent.collectors import CollectorsConfig, config_problems
from xaso.agent.collectors.camera import CameraCollector, CameraConfig, CameraDevice
from xaso.agent.collectors.recording import RecorderSource
from xaso.agent.collectors.recording_gaps import continuity, stretches_from_states
from xaso.protocol import DeviceReading, RecordingContinuity, RecordingGap

USER, PASSWORD = "admin", "Nvr#2025"
H = 3_600_000


@contextmanager
def cameras(config: CameraConfig) -> Iterator[CameraCollector]:
    built = CameraCollector(config)
    try:
        yield built
    finally:
        built.close()


def _now_s() -> int:
    return int(time.time())


def _one(config: CameraConfig) -> DeviceReading:
    """The first reading that carries the recorder's answer (or its failure): the ask
    runs beside the cycles, so it rides with a later one."""
    with cameras(config) as collector:
        (first,) = collector.collect().readings
        assert first.camera is not None and first.camera.recorded is None
        deadline = time.monotonic() + 10
        while True:
            (reading,) = collector.collect().readings
            assert reading.camera is not None
            if reading.camera.recorded is not None or "recorder" in (reading.error or ""):
                break
            assert time.monotonic() < deadline, "no answer from the recorder"
            time.sleep(0.02)
        # Sent once; not due again for recording_every_s.
        (again,) = collector.collect().readings
    assert again.camera is not None and again.camera.recorded is None
    assert "recorder" not in (again.error or "")
    return reading


def _gaps_s(recorded: RecordingContinuity) -> list[tuple[float, float]]:
    return [(g.from_ms / 1000, g.to_ms / 1000) for g in recorded.gaps]


def _camera(rtsp_port: int, recorder: RecorderSource) -> CameraDevice:
    return CameraDevice(id="cam-cho", url=f"rtsp://127.0.0.1:{rtsp_port}/live", recorder=recorder)


@pytest.fixture(autouse=True)
def _passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XASO_TEST_NVR_PW", PASSWORD)
    monkeypatch.setenv("XASO_TEST_CAM_PW", PASSWORD)  # the camera's, serving the NVR too


def test_onvif_recording_search_finds_the_gaps_beyond_the_seams() -> None:
    now = _now_s() * 1000
    state = RecorderState(
        {
            "REC-01": (
                "cam-cho-src",
                [
                    (now - 30 * H, now - 10 * H),
                    (now - 10 * H + 30_000, now - 5 * H),  # a 30 s seam: not a gap
                    (now - 3 * H, now + H),
                ],
            ),
            "REC-02": ("other", [(now - 30 * H, now + H)]),
        }
    )
    with (
        rtsp_server("ok") as rtsp,
        http_server(
            {"/onvif/search": onvif_search_route(state, user=USER, password=PASSWORD)}
        ) as nvr,
    ):
        recorder = RecorderSource(
            onvif_search_url=nvr.url("/onvif/search"),
            recording_token="REC-01",
            username=USER,
            password_env="XASO_TEST_NVR_PW",
        )
        reading = _one(CameraConfig(devices=[_camera(rtsp.port, recorder)]))
    assert reading.error is None, reading.error
    assert reading.camera is not None and reading.camera.stream_ok
    recorded = reading.camera.recorded
    assert recorded is not None
    assert abs(recorded.to_ms - recorded.from_ms - 24 * H) < 1000
    ((start, end),) = _gaps_s(recorded)
    assert abs(start - (now - 5 * H) / 1000) <= 1 and abs(end - (now - 3 * H) / 1000) <= 1
    assert abs(recorded.recorded_s - 22 * 3600) <= 2
    assert state.operations == ["FindEvents", "GetEventSearchResults", "EndSearch"]
    assert state.ended == ["ev-search-0"]
    (window,) = state.windows
    assert abs(window[1] - window[0] - 24 * H) <= 1000


def test_onvif_recording_found_by_source_and_results_taken_page_by_page() -> None:
    now = _now_s() * 1000
    # 150 ten-minute stretches an hour apart: 300 changes, three pages of 100.
    stretches = [
        (now - 25 * H + i * 600_000, now - 25 * H + i * 600_000 + 300_000) for i in range(150)
    ]
    state = RecorderState({"REC-09": ("cam-cho-src", stretches)})
    with (
        rtsp_server("ok") as rtsp,
        http_server({"/search": onvif_search_route(state, user=USER, password=PASSWORD)}) as nvr,
    ):
        recorder = RecorderSource(onvif_search_url=nvr.url("/search"), source="cam-cho-src")
        config = CameraConfig(
            username=USER,
            password_env="XASO_TEST_CAM_PW",
            recording_min_gap_s=0,
            devices=[_camera(rtsp.port, recorder)],
        )
        reading = _one(config)
    assert reading.error is None, reading.error
    assert reading.camera is not None and reading.camera.recorded is not None
    recorded = reading.camera.recorded
    inside = [s for s in stretches if s[1] > recorded.from_ms]
    expected_s = sum(min(b, recorded.to_ms) - max(a, recorded.from_ms) for a, b in inside) / 1000
    # ~145 gaps found, capped at 100 by joining the closest: footage between them is
    # counted missing, never the other way round.
    assert len(recorded.gaps) == 100 and recorded.recorded_s < expected_s
    missing_s = sum(g.to_ms - g.from_ms for g in recorded.gaps) / 1000
    assert recorded.recorded_s == pytest.approx(24 * 3600 - missing_s, abs=1)
    assert state.operations[:2] == ["FindRecordings", "GetRecordingSearchResults"]
    assert state.operations.count("GetEventSearchResults") >= 3
    assert state.operations.count("EndSearch") == 2


def test_recorder_refusing_our_token_is_named_and_the_stream_still_reported() -> None:
    state = RecorderState({"REC-01": ("src", [])})
    with (
        rtsp_server("ok") as rtsp,
        http_server({"/search": onvif_search_route(state, user=USER, password="other")}) as nvr,
    ):
        recorder = RecorderSource(onvif_search_url=nvr.url("/search"), recording_token="REC-01")
        reading = _one(CameraConfig(devices=[_camera(rtsp.port, recorder)]))
    assert reading.error == "recorder: FindEvents: Sender not authorized"
    assert reading.camera is not None and reading.camera.stream_ok is True
    assert reading.camera.recorded is None


def test_vendor_json_segments_over_http_with_the_window_in_the_url() -> None:
    now = _now_s()
    document = {
        "result": {
            "channel": 1,
            "items": [
                [now - 30 * 3600, now - 20 * 3600],
                [now - 20 * 3600 + 40, now - 2 * 3600],  # a 40 s seam
                [now - 90 * 60, now + 60],  # 30 min missing before it
            ],
        }
    }
    with (
        rtsp_server("ok") as rtsp,
        http_server({"/api/record": json_route(document, user=USER, password=PASSWORD)}) as nvr,
    ):
        recorder = RecorderSource(
            url=nvr.url("/api/record?ch=1&from={from_s}&to={to_s}"),
            segments="result.items",
            start="0",
            end="1",
            username=USER,
            password_env="XASO_TEST_NVR_PW",
        )
        reading = _one(CameraConfig(devices=[_camera(rtsp.port, recorder)]))
    assert reading.error is None, reading.error
    assert reading.camera is not None and reading.camera.recorded is not None
    ((start, end),) = _gaps_s(reading.camera.recorded)
    assert (start, end) == (now - 2 * 3600, now - 90 * 60)
    (asked,) = nvr.hits
    assert asked.startswith("/api/record?ch=1&from=")
    to_s = int(asked.rpartition("&to=")[2])
    assert abs(to_s - now) <= 1 and f"from={to_s - 24 * 3600}&" in asked


def test_vendor_command_printing_iso_segments() -> None:
    now = _now_s()
    iso = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(now - 6 * 3600))
    script = (
        "import json, sys; "
        f"print(json.dumps({{'segments': [{{'begin': sys.argv[1], 'end': '{iso}'}}]}}))"
    )
    with rtsp_server("ok") as rtsp:
        recorder = RecorderSource(
            command=[sys.executable, "-c", script, "{from_iso}"],
            segments="segments",
            start="begin",
            time_format="iso",
        )
        reading = _one(CameraConfig(devices=[_camera(rtsp.port, recorder)]))
    assert reading.error is None, reading.error
    assert reading.camera is not None and reading.camera.recorded is not None
    recorded = reading.camera.recorded
    ((start, end),) = _gaps_s(recorded)
    assert start == now - 6 * 3600 and abs(end - recorded.to_ms / 1000) < 0.01
    assert abs(recorded.recorded_s - 18 * 3600) <= 2


def test_unreadable_vendor_document_is_named() -> None:
    with (
        rtsp_server("ok") as rtsp,
        http_server({"/rec": json_route({"segments": [{"start": "soon"}]})}) as nvr,
    ):
        recorder = RecorderSource(url=nvr.url("/rec"), segments="segments")
        reading = _one(CameraConfig(devices=[_camera(rtsp.port, recorder)]))
    assert reading.error == "recorder: segments.0: unreadable start or end"
    assert reading.camera is not None and reading.camera.recorded is None


def test_continuity_merges_clips_and_ignores_seams() -> None:
    found = continuity([(50, 200), (150, 400), (430, 600), (800, 2000)], 100, 1000, min_gap_ms=50)
    # 400-430 is a seam; 600-800 a gap; what lies outside the window is clipped.
    assert found.gaps == [RecordingGap(from_ms=600, to_ms=800)]
    assert found.recorded_s == 0.7
    empty = continuity([], 0, 10_000, min_gap_ms=60_000)
    assert empty.gaps == [] and empty.recorded_s == 10.0  # a sliver is no gap
    nothing = continuity([], 0, 120_000, min_gap_ms=60_000)
    assert nothing.gaps == [RecordingGap(from_ms=0, to_ms=120_000)] and nothing.recorded_s == 0
    assert stretches_from_states([(0, True), (40, False), (70, True)], 10, 100) == [
        (10, 40),
        (70, 100),
    ]


def test_a_report_lists_at_most_a_hundred_gaps_joining_the_closest() -> None:
    # 150 one-minute gaps: 99 ten minutes apart, then 51 three minutes apart; the 50
    # closest together (those 51) are joined into one.
    recorded = [(i * 600_000 + 60_000, (i + 1) * 600_000) for i in range(99)]
    base = 99 * 600_000
    recorded += [(base + i * 180_000 + 60_000, base + (i + 1) * 180_000) for i in range(51)]
    end = base + 51 * 180_000
    found = continuity(recorded, 0, end, min_gap_ms=1)
    assert found.gaps[:99] == [
        RecordingGap(from_ms=i * 600_000, to_ms=i * 600_000 + 60_000) for i in range(99)
    ]
    assert found.gaps[99:] == [RecordingGap(from_ms=base, to_ms=base + 50 * 180_000 + 60_000)]
    missing = sum(g.to_ms - g.from_ms for g in found.gaps)
    assert found.recorded_s == (end - missing) / 1000


def test_recorder_settings_are_checked() -> None:
    config = CollectorsConfig(
        camera=CameraConfig(
            recording_every_s=0,
            devices=[
                CameraDevice(
                    id="cam-a",
                    url="rtsp://10.0.0.1/live",
                    recorder=RecorderSource(url="http://nvr/a", command=["x"]),
                ),
                CameraDevice(
                    id="cam-b",
                    url="rtsp://10.0.0.2/live",
                    recorder=RecorderSource(onvif_search_url="http://nvr/onvif/search"),
                ),
                CameraDevice(
                    id="cam-c",
                    url="rtsp://10.0.0.3/live",
                    recorder=RecorderSource(url="http://nvr/rec?from={start}"),
                ),
            ],
        )
    )
    found = dict(config_problems(config))
    assert found[("camera", "recording_every_s")] == "recording_every_s must be positive"
    assert "exactly one" in found[("camera", "devices", 0, "recorder", "url")]
    assert found[("camera", "devices", 1, "recorder", "recording_token")] == (
        "give recording_token or source"
    )
    assert "unknown placeholder" in found[("camera", "devices", 2, "recorder", "url")]
