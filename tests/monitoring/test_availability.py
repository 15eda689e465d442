"""Availability and outages: hand-computed cases and the properties they must keep."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from xaso.server.monitoring.availability import Availability, availability, outages, spans
from xaso.server.records import TransitionRecord

H = 3_600_000  # one hour in ms


def tr(ts_ms: int, status: str, cause: str = "") -> TransitionRecord:
    return TransitionRecord(
        device_id="d",
        commune="c",
        kind="radio_cluster",
        ts_ms=ts_ms,
        status=status,
        previous="",
        cause=cause or status,
    )


def test_a_day_with_one_outage() -> None:
    before = tr(-5 * H, "online")
    day = spans(
        [tr(10 * H, "offline", "probe_failed: timeout"), tr(12 * H, "online")], before, 0, 24 * H
    )
    figure = availability(day)
    assert (figure.up_ms, figure.down_ms, figure.unknown_ms) == (22 * H, 2 * H, 0)
    assert figure.percent is not None and math.isclose(figure.percent, 100 * 22 / 24)
    (outage,) = outages(day)
    assert (outage.start_ms, outage.duration_ms, outage.cause) == (
        10 * H,
        2 * H,
        "probe_failed: timeout",
    )


def test_unknown_time_is_left_out_not_guessed() -> None:
    day = spans([tr(6 * H, "online"), tr(18 * H, "offline")], None, 0, 24 * H)
    figure = availability(day)
    assert figure.unknown_ms == 6 * H  # never heard before 06:00
    assert figure.percent is not None and math.isclose(figure.percent, 100 * 12 / 18)


def test_nothing_known_is_not_enough_data() -> None:
    assert availability(spans([], None, 0, H)).percent is None
    assert availability(spans([], tr(0, "stopped"), H, 2 * H)).percent is None


def test_maintenance_counts_as_available() -> None:
    day = spans([tr(2 * H, "offline"), tr(4 * H, "online")], tr(0, "online"), 0, 24 * H)
    figure = availability(day, exclusions=[(2 * H, 4 * H)])
    assert figure.down_ms == 0 and figure.excluded_ms == 2 * H
    assert figure.percent == 100.0
    (outage,) = outages(day, exclusions=[(2 * H, 4 * H)])
    assert outage.excluded_ms == 2 * H


def test_a_cause_change_inside_an_outage_is_one_outage() -> None:
    day = spans(
        [tr(H, "offline", "will"), tr(2 * H, "offline", "timeout"), tr(3 * H, "online")],
        tr(0, "online"),
        0,
        4 * H,
    )
    (outage,) = outages(day)
    assert (outage.start_ms, outage.end_ms, outage.cause) == (H, 3 * H, "will")


def test_an_outage_still_going_on_is_marked() -> None:
    day = spans([tr(H, "offline")], tr(0, "online"), 0, 2 * H)
    (outage,) = outages(day, now_ms=2 * H)
    assert outage.ongoing


# -- properties ----------------------------------------------------------------------

STATUSES = st.sampled_from(["online", "offline", "unknown", "stopped", "maintenance"])


@st.composite
def histories(draw: st.DrawFn) -> tuple[list[TransitionRecord], TransitionRecord | None, int]:
    period = draw(st.integers(min_value=1, max_value=10 * H))
    times = sorted(draw(st.lists(st.integers(min_value=0, max_value=period), max_size=12)))
    transitions = [tr(t, draw(STATUSES)) for t in times]
    before = draw(st.none() | STATUSES.map(lambda s: tr(-1, s)))
    return transitions, before, period


WINDOWS = st.lists(
    st.tuples(st.integers(-H, 11 * H), st.integers(0, 3 * H)).map(lambda w: (w[0], w[0] + w[1])),
    max_size=4,
)


@given(histories(), WINDOWS)
def test_availability_is_a_percentage_and_the_parts_add_up(
    history: tuple[list[TransitionRecord], TransitionRecord | None, int],
    windows: list[tuple[int, int]],
) -> None:
    transitions, before, period = history
    figure = availability(spans(transitions, before, 0, period), windows)
    assert figure.period_ms == period
    assert figure.up_ms + figure.down_ms + figure.unknown_ms + figure.excluded_ms == period
    assert min(figure.up_ms, figure.down_ms, figure.unknown_ms, figure.excluded_ms) >= 0
    assert figure.percent is None or 0.0 <= figure.percent <= 100.0


@given(histories(), WINDOWS, WINDOWS)
def test_excluding_a_window_never_lowers_availability(
    history: tuple[list[TransitionRecord], TransitionRecord | None, int],
    windows: list[tuple[int, int]],
    more: list[tuple[int, int]],
) -> None:
    transitions, before, period = history
    period_spans = spans(transitions, before, 0, period)
    fewer = availability(period_spans, windows).percent
    extra = availability(period_spans, windows + more).percent
    if fewer is not None:
        assert extra is not None and extra >= fewer - 1e-9


@given(histories(), st.floats(min_value=0, max_value=1))
def test_splitting_a_period_and_recombining_gives_the_same_figure(
    history: tuple[list[TransitionRecord], TransitionRecord | None, int], where: float
) -> None:
    transitions, before, period = history
    cut = int(period * where)
    whole = availability(spans(transitions, before, 0, period))
    first = availability(spans([t for t in transitions if t.ts_ms < cut], before, 0, cut))
    before_cut = next((t for t in reversed(transitions) if t.ts_ms < cut), before)
    second = availability(
        spans([t for t in transitions if t.ts_ms >= cut], before_cut, cut, period)
    )
    assert first + second == whole


def test_devices_combine_time_weighted() -> None:
    a = Availability(period_ms=10, up_ms=10)
    b = Availability(period_ms=10, up_ms=5, down_ms=5)
    assert (a + b).percent == 75.0
