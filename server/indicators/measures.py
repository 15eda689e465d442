"""The building blocks of the measured indicators: one device over one window, and a
count that may be undecided.

A device's figure is time-weighted availability over the time it was **expected** to
report in the window: while it belonged to the commune, was in service, and not after
now (``server.monitoring.availability``: unknown time is left out, excluded time counts as
available). A device then **works**, **does not work**, or is **unknown**:

- unknown when nothing of it was observed (no up or down time: never heard, or in
  maintenance throughout — maintenance proves nothing either way), or when less than
  ``min_known_pct`` of its expected time is known;
- otherwise it works when its availability meets the threshold.

Counts over devices, villages or key locations carry the unknowns as bounds: an
indicator is met when it is met even with every unknown counted as failing, not met
when it fails even with every unknown counted as working, and insufficient data in
between (never silently one or the other).

Pure: functions of the records handed in.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal, NamedTuple

from xaso.server.indicators.profile import Indicator
from xaso.server.indicators.result import Verdict
from xaso.server.indicators.snapshot import MemberDevice
from xaso.server.monitoring.availability import (
    Availability,
    Outage,
    Span,
    availability,
    outages,
    spans,
)
from xaso.server.records import TransitionRecord

if TYPE_CHECKING:
    from xaso.server.indicators.day_pieces import PiecedHistory

DeviceState = Literal["working", "not_working", "unknown", "planned"]


class DeviceHistory(NamedTuple):
    """A device's stored transitions over the data range, and the last one before it."""

    before: TransitionRecord | None
    transitions: Sequence[TransitionRecord]  # time-ordered, within the data range


NO_HISTORY = DeviceHistory(None, ())


class Window(NamedTuple):
    from_ms: int
    to_ms: int


class DeviceFigure(NamedTuple):
    device: MemberDevice
    window: Window  # the expected time: the window ∩ membership ∩ service ∩ before now
    figure: Availability
    outages: list[Outage]
    state: DeviceState
    # Judged by its picture series: up means online with a usable picture (C1–C3 with
    # ``picture: required``).
    picture: bool = False

    @property
    def expected_ms(self) -> int:
        return max(0, self.window.to_ms - self.window.from_ms)

    @property
    def percent(self) -> float | None:
        return self.figure.percent


def window_spans(history: DeviceHistory, from_ms: int, to_ms: int) -> list[Span]:
    """The status spans over ``[from_ms, to_ms)``, which lies within the data range
    the history was read for."""
    times = [t.ts_ms for t in history.transitions]
    first = bisect.bisect_left(times, from_ms)
    last = bisect.bisect_left(times, to_ms)
    before = history.transitions[first - 1] if first > 0 else history.before
    return spans(history.transitions[first:last], before, from_ms, to_ms)


def device_figure(
    device: MemberDevice,
    history: DeviceHistory | PiecedHistory,
    exclusions: Sequence[tuple[int, int]],
    window: Window,
    working: Indicator,
    now_ms: int,
) -> DeviceFigure:
    """One device over ``window``, judged by the availability indicator ``working``
    (its threshold and ``min_known_pct``)."""
    start = max(window.from_ms, device.from_ms)
    end = min(window.to_ms, device.to_ms, now_ms)
    expected = Window(start, max(start, end))
    if device.planned or device.from_ms >= min(window.to_ms, now_ms):
        # Not in service (or not the commune's) before the window ends.
        return DeviceFigure(device, expected, Availability(), [], "planned")
    if end <= start:
        # Left the commune before the window (cannot happen for a commune in force).
        return DeviceFigure(device, expected, Availability(), [], "unknown")
    if isinstance(history, DeviceHistory):
        period_spans = window_spans(history, start, end)
        figure = availability(period_spans, exclusions)
        found = outages(period_spans, exclusions, now_ms=now_ms)
    else:  # closed days summed up beforehand (day_pieces.py): the same figures
        figure, found = history.figure(start, end, exclusions, now_ms)
    observed_ms = figure.up_ms + figure.down_ms
    percent = figure.percent
    if (
        observed_ms <= 0
        or percent is None
        or figure.known_ms * 100 < working.min_known_pct * (end - start)
    ):
        state: DeviceState = "unknown"
    else:
        state = "working" if working.meets(percent) else "not_working"
    return DeviceFigure(device, expected, figure, found, state, working.picture == "required")


class Bounds(NamedTuple):
    """A count whose undecided items may go either way."""

    yes: int  # decided: counts
    unknown: int  # undecided
    total: int  # the denominator (what was planned)


def ratio_verdict(bounds: Bounds, indicator: Indicator, *, percent: bool) -> tuple[Verdict, float]:
    """(verdict, value) of a count or a percentage of ``total``: the value is the
    decided count (or its share); the verdict is insufficient data only when the
    unknowns could still tip it."""

    def value_of(count: int) -> float:
        if not percent:
            return float(count)
        return 100.0 * count / bounds.total if bounds.total else 0.0

    low, high = value_of(bounds.yes), value_of(bounds.yes + bounds.unknown)
    if indicator.meets(low) and indicator.meets(high):
        return "met", low
    if not indicator.meets(low) and not indicator.meets(high):
        return "not_met", low
    return "insufficient_data", low


def hours(ms: int) -> float:
    return ms / 3_600_000
