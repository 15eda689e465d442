"""Availability day by day: the bars of the commune and device pages.

Pure functions of a device's spans (``availability.spans``) over several local days, its
maintenance windows and its excused periods; the same figure as
``availability.availability`` gives for each day alone, so a day's cell and the API's
figure for that day agree (docs/availability.md, "Day by day").

A day is a local calendar day in the inventory's time zone (Asia/Ho_Chi_Minh: no
daylight saving, so every day is 24 h); today runs from its midnight to now.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import NamedTuple
from zoneinfo import ZoneInfo

from xaso.server.monitoring.availability import Availability, Span, availability, merge_windows


class Day(NamedTuple):
    day: dt.date
    from_ms: int
    to_ms: int  # the next midnight, or now for today


class DayFigure(NamedTuple):
    day: Day
    # What counts: maintenance always left out, excused periods too when asked.
    figure: Availability
    # Of the day: under maintenance (a window, or the live ``maintenance`` status) ...
    maintenance_ms: int
    # ... and under an excused period but not under maintenance already.
    excused_ms: int


def midnight_ms(day: dt.date, tz: ZoneInfo) -> int:
    return int(dt.datetime.combine(day, dt.time(), tz).timestamp() * 1000)


def last_days(count: int, now_ms: int, tz: ZoneInfo) -> list[Day]:
    """The ``count`` local days up to and including today, oldest first; today ends now."""
    today = dt.datetime.fromtimestamp(now_ms / 1000, tz).date()
    days = []
    for back in range(count - 1, -1, -1):
        day = today - dt.timedelta(days=back)
        start = midnight_ms(day, tz)
        end = min(midnight_ms(day + dt.timedelta(days=1), tz), now_ms)
        days.append(Day(day, start, max(start, end)))
    return days


def clip(period_spans: Sequence[Span], from_ms: int, to_ms: int) -> list[Span]:
    """The parts of the spans within ``[from_ms, to_ms)``."""
    return [
        Span(max(s.start_ms, from_ms), min(s.end_ms, to_ms), s.status, s.cause)
        for s in period_spans
        if s.end_ms > from_ms and s.start_ms < to_ms
    ]


def _by_day(period_spans: Sequence[Span], days: Sequence[Day]) -> list[list[Span]]:
    """The spans cut at each day's bounds, one walk over both (both are time-ordered)."""
    found: list[list[Span]] = []
    first = 0
    for day in days:
        while first < len(period_spans) and period_spans[first].end_ms <= day.from_ms:
            first += 1
        inside = []
        index = first
        while index < len(period_spans) and period_spans[index].start_ms < day.to_ms:
            span = period_spans[index]
            start, end = max(span.start_ms, day.from_ms), min(span.end_ms, day.to_ms)
            if end > start:
                inside.append(Span(start, end, span.status, span.cause))
            index += 1
        found.append(inside)
    return found


def _within(windows: Sequence[tuple[int, int]], day: Day) -> list[tuple[int, int]]:
    return [w for w in windows if w[0] < day.to_ms and w[1] > day.from_ms]


def day_figures(
    period_spans: Sequence[Span],
    days: Sequence[Day],
    maintenance: Sequence[tuple[int, int]] = (),
    excused: Sequence[tuple[int, int]] = (),
    *,
    count_excused: bool = False,
) -> list[DayFigure]:
    """Each day's availability, with its maintenance and excused time apart.

    ``period_spans`` cover the days (``availability.spans`` over the first day's start to
    the last day's end); ``maintenance`` and ``excused`` are the device's counted windows
    (``exclusions.counted_windows_for`` and ``excused_for``). ``count_excused``: leave
    excused periods out of the figure too, as the API's ``?excused=1`` does.
    """
    maintenance = merge_windows(maintenance)
    excused = merge_windows(excused)
    figures = []
    for day, spans_of_day in zip(days, _by_day(period_spans, days), strict=True):
        windows = _within(maintenance, day)
        base = availability(spans_of_day, windows)
        extra = _within(excused, day)
        with_excused = availability(spans_of_day, windows + extra) if extra else base
        figures.append(
            DayFigure(
                day=day,
                figure=with_excused if count_excused else base,
                maintenance_ms=base.excluded_ms,
                excused_ms=with_excused.excluded_ms - base.excluded_ms,
            )
        )
    return figures


def total(figures: Sequence[DayFigure]) -> Availability:
    """The days added up: the figure of the whole stretch (time-weighted)."""
    return sum((f.figure for f in figures), Availability())
