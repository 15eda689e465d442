"""Indicators C1–C3 with ``picture: required``: cameras judged by their picture series
("picture usable": online with a usable picture) instead of their online status; the
data ranges ask for it; default profiles are unchanged."""

from __future__ import annotations

import msgspec

from tests.indicators.test_compute import (
    INDEX,
    PROFILE,
    SEPT_FROM,
    SEPT_TO,
    WATCHED_THROUGHOUT,
    evaluate,
)
from xaso.server.indicators.compute import data_ranges
from xaso.server.indicators.inputs import PICTURE
from xaso.server.indicators.measures import DeviceHistory, Window
from xaso.server.indicators.profile import IndicatorProfile
from xaso.server.indicators.snapshot import snapshot
from xaso.server.monitoring.picture_state import picture_series
from xaso.server.records import TransitionRecord

H = 3_600_000
CAMERAS = ["hoa-cam-1", "hoa-cam-2"]


def _since(series: str, status: str, at_ms: int) -> DeviceHistory:
    return DeviceHistory(None, [TransitionRecord(series, "hoa", "camera", at_ms, status, "", "")])


def histories(picture: str) -> dict[str, DeviceHistory]:
    """Every camera online all month; its picture ``picture`` all month."""
    found = dict(WATCHED_THROUGHOUT)
    start = SEPT_FROM - 40 * 24 * H
    for camera in CAMERAS:
        found[camera] = _since(camera, "online", start)
        found[picture_series(camera)] = _since(picture_series(camera), picture, start)
    return found


def asking(**where: str) -> IndicatorProfile:
    """The default profile with ``picture: required`` on the indicators named."""
    return msgspec.structs.replace(
        PROFILE,
        indicators=[
            msgspec.structs.replace(i, picture="required") if i.id in where else i
            for i in PROFILE.indicators
        ],
    )


def test_by_default_a_covered_camera_online_still_counts() -> None:
    results = evaluate("hoa", [], histories=histories("unusable"))
    assert results["C3"].verdict == "met"
    c2 = results["C2"]
    assert [e.counted for e in c2.evidence if e.kind == "device" and e.id in CAMERAS] == [
        True,
        True,
    ]


def test_c2_asking_for_the_picture_counts_no_covered_camera_and_c3_stays_online() -> None:
    results = evaluate("hoa", [], histories=histories("unusable"), profile=asking(C2="y"))
    c2 = results["C2"]
    devices = {e.id: e for e in c2.evidence if e.kind == "device"}
    assert devices["hoa-cam-1"].counted is False and devices["hoa-cam-2"].counted is False
    assert "hình ảnh không dùng được 720 h" in (devices["hoa-cam-1"].note or "")
    assert c2.numerator == 0 and c2.verdict == "not_met"
    assert "tính cả hình ảnh dùng được" in c2.method
    assert results["C3"].verdict == "met"  # not asked: the online figure
    # With usable pictures the same profile counts them.
    usable = evaluate("hoa", [], histories=histories("usable"), profile=asking(C2="y"))
    devices = {e.id: e for e in usable["C2"].evidence if e.kind == "device"}
    assert devices["hoa-cam-1"].counted is True


def test_c3_asking_for_the_picture_judges_for_c1_and_c2_too() -> None:
    results = evaluate("hoa", [], histories=histories("unusable"), profile=asking(C3="y"))
    assert results["C3"].verdict == "not_met"
    assert "hình ảnh dùng được" in results["C3"].method
    assert results["C2"].numerator == 0


def test_a_camera_whose_picture_was_never_measured_is_undecided_under_it() -> None:
    found = dict(WATCHED_THROUGHOUT)
    for camera in CAMERAS:
        found[camera] = _since(camera, "online", SEPT_FROM - 40 * 24 * H)
    results = evaluate("hoa", [], histories=found, profile=asking(C2="y"))
    places = {e.id: e for e in results["C2"].evidence if e.kind == "key_location"}
    assert places["hoa.cho"].counted is None  # undecided: nothing known of its picture
    assert "không đủ dữ liệu" in (places["hoa.cho"].note or "")


def test_the_data_ranges_ask_for_the_picture_series_only_when_asked() -> None:
    snap = snapshot(INDEX, "hoa", SEPT_FROM, SEPT_TO)
    assert PICTURE not in data_ranges(snap, PROFILE, SEPT_TO + 24 * H).transitions
    ranges = data_ranges(snap, asking(C2="y"), SEPT_TO + 24 * H)
    assert (
        ranges.transitions[PICTURE]
        == ranges.transitions["camera"]
        == Window(SEPT_TO - 30 * 24 * H, SEPT_TO)
    )
