"""The periods before and after a period, for the overview's trend and the pages'
period steps.

Periods are parsed by ``server.indicators.period`` (one parser for the API, reports and
sign-off); this steps back from one to the ones of the same kind before it: the three
quarters before 2026-Q3 are 2025-Q4, 2026-Q1 and 2026-Q2.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from xaso.server.indicators.period import local_day, parse_period, period_label
from xaso.server.indicators.reports.overview import PeriodRef


def period_ref(from_ms: int, to_ms: int, tz: ZoneInfo) -> PeriodRef:
    """The period with its name when it is exactly a year, quarter, month or day."""
    return PeriodRef(period_label(from_ms, to_ms, tz) or "", from_ms, to_ms)


def _quarter_label(day: dt.date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def _same_kind(label: str, day: dt.date) -> str:
    """The name of the period of the same kind as ``label`` that contains ``day``."""
    if len(label) == 4:
        return f"{day.year}"
    if "Q" in label:
        return _quarter_label(day)
    if len(label) == 7:
        return f"{day.year}-{day.month:02d}"
    return day.isoformat()


def previous_periods(period: PeriodRef, count: int, tz: ZoneInfo) -> list[PeriodRef]:
    """``count`` periods of the same kind right before ``period``, oldest first. A range
    that is no named period steps back by its own length."""
    found: list[PeriodRef] = []
    current = period
    for _ in range(count):
        if current.label:
            day_before = local_day(current.from_ms - 1, tz)
            label = _same_kind(current.label, day_before)
            current = PeriodRef(label, *parse_period(label, tz))
        else:
            length = current.to_ms - current.from_ms
            current = PeriodRef("", current.from_ms - length, current.from_ms)
        found.append(current)
    return found[::-1]


def next_period(period: PeriodRef, tz: ZoneInfo) -> PeriodRef:
    """The period of the same kind right after ``period``; a range that is no named
    period steps forward by its own length."""
    if period.label:
        label = _same_kind(period.label, local_day(period.to_ms, tz))
        return PeriodRef(label, *parse_period(label, tz))
    length = period.to_ms - period.from_ms
    return PeriodRef("", period.to_ms, period.to_ms + length)


def quarter_of(moment_ms: int, tz: ZoneInfo) -> PeriodRef:
    """The quarter ``moment_ms`` falls in: today's, whose ``previous_periods`` are the
    last full quarters."""
    label = _quarter_label(local_day(moment_ms, tz))
    return PeriodRef(label, *parse_period(label, tz))
