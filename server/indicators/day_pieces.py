"""A device's status history as closed days already summed up plus raw stretches, and
the figures the indicators take from it: the same numbers, to the millisecond, as the
raw transitions give.

A closed day of a device (``DeviceDay``) keeps what the measures read of it: the four
parts of its availability (with maintenance left out, and with excused periods left out
too), its outages cut at the day's bounds, and when its status was known (up or down:
what R8 and R9 call watched). Every part adds up over consecutive stretches
(``server/monitoring/availability.py``), and an outage cut at midnight is joined again
the way ``availability.outages`` joins adjacent down spans, so a window made of raw
stretches and summed days gives the figure its raw transitions give.

Pure: functions of the histories handed in (``server/indicators/gather/rollups.py`` reads
and keeps them).
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from typing import Final, NamedTuple

import msgspec

from xaso.server.indicators.measures import DeviceHistory, Window, window_spans
from xaso.server.monitoring.availability import (
    DOWN_STATUSES,
    UP_STATUSES,
    Availability,
    Outage,
    Span,
    availability,
    merge_windows,
    outages,
)

__all__ = [
    "UNKNOWN_ALL_DAY",
    "UP_ALL_DAY",
    "DeviceDay",
    "PiecedHistory",
    "Summed",
    "device_day",
    "known_intervals",
    "pieced_figure",
    "plain",
]

# (period, up, down, unknown, excluded) in ms: ``Availability`` as a plain tuple.
Parts = tuple[int, int, int, int, int]
# An outage within the day: start, end, cause, excluded ms (maintenance; with excused).
DayOutage = tuple[int, int, str, int, int]


class DeviceDay(msgspec.Struct, array_like=True, frozen=True, gc=False):
    """One device over one closed local day."""

    maintenance: Parts  # maintenance counted as available
    with_excused: Parts  # maintenance and excused periods counted as available
    outages: list[DayOutage]
    known: list[tuple[int, int]]  # up or down, merged
    changes: int  # transitions within the day: a later day's start depends on them


# Most days of most devices are one of two plain days, kept as a number rather than a
# ``DeviceDay``: a province's quarter is over a million device-days.
UP_ALL_DAY: Final = 1  # up throughout, no transition, nothing excluded
UNKNOWN_ALL_DAY: Final = 2  # unknown throughout (never heard, gateway down), likewise
Summed = DeviceDay | int


def plain(day: DeviceDay, bounds: Window) -> Summed:
    """``day`` as a plain day's number where it is one."""
    length = bounds.to_ms - bounds.from_ms
    if day.changes or day.outages or day.maintenance != day.with_excused:
        return day
    if day.maintenance == (length, length, 0, 0, 0) and day.known == [bounds]:
        return UP_ALL_DAY
    if day.maintenance == (length, 0, 0, length, 0) and not day.known:
        return UNKNOWN_ALL_DAY
    return day


def _expand(summed: Summed, bounds: Window) -> DeviceDay:
    if isinstance(summed, DeviceDay):
        return summed
    length = bounds.to_ms - bounds.from_ms
    if summed == UP_ALL_DAY:
        up = (length, length, 0, 0, 0)
        return DeviceDay(up, up, [], [(bounds.from_ms, bounds.to_ms)], 0)
    unknown = (length, 0, 0, length, 0)
    return DeviceDay(unknown, unknown, [], [], 0)


def _parts(figure: Availability) -> Parts:
    return (figure.period_ms, figure.up_ms, figure.down_ms, figure.unknown_ms, figure.excluded_ms)


def _known(period_spans: Sequence[Span]) -> list[tuple[int, int]]:
    return merge_windows(
        (s.start_ms, s.end_ms)
        for s in period_spans
        if s.status in UP_STATUSES or s.status in DOWN_STATUSES
    )


def device_day(
    history: DeviceHistory,
    day: Window,
    maintenance: Sequence[tuple[int, int]],
    excused: Sequence[tuple[int, int]],
) -> DeviceDay:
    """The day ``day`` of a device, from a history read over a range holding it.
    ``maintenance`` and ``excused``: its counted windows (any range; only their part in
    the day counts)."""
    period_spans = window_spans(history, day.from_ms, day.to_ms)
    both = [*maintenance, *excused]
    base = availability(period_spans, maintenance)
    wider = availability(period_spans, both) if excused else base
    cut = outages(period_spans, maintenance)
    cut_wider = outages(period_spans, both) if excused else cut
    return DeviceDay(
        maintenance=_parts(base),
        with_excused=_parts(wider),
        outages=[
            (o.start_ms, o.end_ms, o.cause, o.excluded_ms, w.excluded_ms)
            for o, w in zip(cut, cut_wider, strict=True)
        ],
        known=_known(period_spans),
        changes=sum(1 for t in history.transitions if day.from_ms <= t.ts_ms < day.to_ms),
    )


class PiecedHistory(NamedTuple):
    """A device's history over a data range: closed days summed up, and raw histories
    of the stretches between and around them, each read over its own window.
    ``excused``: the evaluation leaves excused periods out too (which of a day's two
    figures counts)."""

    days: Sequence[Window]  # the closed days summed up, in order (shared by devices)
    starts: Sequence[int]  # their starts, for bisecting
    summed: Sequence[Summed]  # the device's, one per day
    raw: Sequence[tuple[Window, DeviceHistory]]
    excused: bool

    def figure(
        self, start: int, end: int, exclusions: Sequence[tuple[int, int]], now_ms: int
    ) -> tuple[Availability, list[Outage]]:
        """What ``measures.device_figure`` takes of the raw spans (``pieced_figure``)."""
        return pieced_figure(self, start, end, exclusions, now_ms)


def _pieces(
    history: PiecedHistory, start: int, end: int
) -> list[tuple[int, int, Summed | DeviceHistory]]:
    """``[start, end)`` cut into summed days and raw stretches, in time order."""
    found: list[tuple[int, int, Summed | DeviceHistory]] = []
    cursor = start
    days = history.days
    at = bisect.bisect_left(history.starts, start)
    while at < len(days) and days[at].to_ms <= end:
        day = days[at]
        if day.from_ms > cursor:
            found += _raw(history, cursor, day.from_ms)
        found.append((day.from_ms, day.to_ms, history.summed[at]))
        cursor = day.to_ms
        at += 1
    if cursor < end:
        found += _raw(history, cursor, end)
    return found


def _raw(history: PiecedHistory, start: int, end: int) -> list[tuple[int, int, DeviceHistory]]:
    for window, raw in history.raw:
        if window.from_ms <= start and end <= window.to_ms:
            return [(start, end, raw)]
    raise ValueError(f"no raw history read over [{start}, {end})")


def pieced_figure(
    history: PiecedHistory,
    start: int,
    end: int,
    exclusions: Sequence[tuple[int, int]],
    now_ms: int,
) -> tuple[Availability, list[Outage]]:
    """``availability`` and ``outages`` over ``[start, end)``, as the raw spans give
    them (``measures.device_figure``)."""
    total = [0, 0, 0, 0, 0]
    found: list[Outage] = []

    def add(piece: Sequence[Outage]) -> None:
        for outage in piece:
            if found and found[-1].end_ms == outage.start_ms:
                # A down span cut at a piece's bound: one outage, with its first cause.
                first = found.pop()
                outage = Outage(
                    start_ms=first.start_ms,
                    end_ms=outage.end_ms,
                    ongoing=False,
                    cause=first.cause,
                    excluded_ms=first.excluded_ms + outage.excluded_ms,
                )
            found.append(outage)

    for piece_start, piece_end, piece in _pieces(history, start, end):
        if piece == UP_ALL_DAY:
            total[0] += piece_end - piece_start
            total[1] += piece_end - piece_start
            continue
        if isinstance(piece, int):
            piece = _expand(piece, Window(piece_start, piece_end))
        if isinstance(piece, DeviceDay):
            parts = piece.with_excused if history.excused else piece.maintenance
            add(
                [
                    Outage(o_start, o_end, False, cause, wide if history.excused else narrow)
                    for o_start, o_end, cause, narrow, wide in piece.outages
                ]
            )
        else:
            period_spans = window_spans(piece, piece_start, piece_end)
            parts = _parts(availability(period_spans, exclusions))
            add(outages(period_spans, exclusions))
        for position, value in enumerate(parts):
            total[position] += value
    # Still going on: the last span of the window is down and the window reaches now.
    if found and found[-1].end_ms == end and end >= now_ms:
        found[-1] = msgspec.structs.replace(found[-1], ongoing=True)
    return Availability(*total), found


def known_intervals(
    history: DeviceHistory | PiecedHistory, start: int, end: int
) -> list[tuple[int, int]]:
    """When the device's status was known (up or down) within ``[start, end)``."""
    if isinstance(history, DeviceHistory):
        return _known(window_spans(history, start, end))
    found: list[tuple[int, int]] = []
    for piece_start, piece_end, piece in _pieces(history, start, end):
        if isinstance(piece, int):
            piece = _expand(piece, Window(piece_start, piece_end))
        if isinstance(piece, DeviceDay):
            found += piece.known
        else:
            found += _known(window_spans(piece, piece_start, piece_end))
    return found
