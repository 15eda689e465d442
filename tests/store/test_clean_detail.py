"""``clean_detail`` keeps what the stores can hold, exactly as the plain rule says, on
any keys and values, the first time and once its keys are remembered."""

from __future__ import annotations

import math
from collections.abc import Mapping

from hypothesis import given
from hypothesis import strategies as st

from xaso.protocol import CameraStatus, DeviceReading, NvrStatus, RadioStatus
from xaso.server.monitoring.detail import reading_detail
from xaso.server.records import DETAIL_KEY, clean_detail


def plain_rule(detail: Mapping[object, object]) -> dict[str, object]:
    """The rule as first written: the oracle for the faster function."""
    kept: dict[str, object] = {}
    for key, value in detail.items():
        if not isinstance(key, str) or not DETAIL_KEY.fullmatch(key):
            continue
        if isinstance(value, bool | str):
            kept[key] = value
        elif isinstance(value, int | float) and math.isfinite(value):
            kept[key] = float(value)
    return kept


keys = st.one_of(
    st.sampled_from(["camera.fps", "rssi_dbm", "Bad", "1x", "a b", "radio.volume", ""]),
    st.text(max_size=8),
    st.integers(),
)
values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**60), max_value=2**60),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=5),
    st.lists(st.integers(), max_size=2),
)


@given(st.dictionaries(keys, values, max_size=8))
def test_the_fast_rule_is_the_plain_rule(detail: dict[object, object]) -> None:
    expected = plain_rule(detail)
    assert clean_detail(detail) == expected  # type: ignore[arg-type]
    assert clean_detail(detail) == expected  # type: ignore[arg-type]  # keys remembered
    assert all(type(v) is type(expected[k]) for k, v in clean_detail(detail).items())  # type: ignore[arg-type]


def test_a_reading_s_sections_flatten_by_their_field_names() -> None:
    reading = DeviceReading(
        id="cam-1",
        reachable=True,
        camera=CameraStatus(stream_ok=True, fps=25, model="DS-2CD", clock_offset_ms=None),
        nvr=NvrStatus(recording=False, channels_recording=14),
        radio=RadioStatus(volume=70, play_state="idle"),
    )
    detail = reading_detail(reading)
    assert detail["camera.stream_ok"] is True
    assert detail["camera.fps"] == 25.0 and type(detail["camera.fps"]) is float
    assert detail["camera.model"] == "DS-2CD"
    assert "camera.clock_offset_ms" not in detail  # None: unknown, left out
    assert detail["nvr.channels_recording"] == 14.0
    assert detail["radio.volume"] == 70.0 and detail["radio.play_state"] == "idle"
