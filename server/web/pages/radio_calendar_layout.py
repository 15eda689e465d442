"""Where each broadcast goes on the calendar's week, month and day views, and the words
on it: pure functions of the occurrences (``server/broadcasts/calendar.py``), the
silences, the local days and the language.

The page's Content-Security-Policy forbids style attributes, so nothing is positioned
by numbers in the HTML: the week is a CSS grid whose rows are quarter-hours, and a box
takes the classes ``cal-r{row}`` (its first row) and ``cal-s{rows}`` (how many it
spans), defined once in xaso.css; the day view draws its bars in SVG, whose ``x`` and
``width`` are attributes. Boxes whose quarter-hours overlap share one grid cell, one
under the other: a grid cell holds one box.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Final
from zoneinfo import ZoneInfo

from xaso.server.broadcasts.calendar import (
    BACKGROUND,
    Aggregate,
    CalendarOccurrence,
    Collision,
    SilenceSpan,
    aggregate,
)
from xaso.server.broadcasts.playout_outcome import PRIORITY_TEXT, STATUS_TEXT

SLOT_MINUTES: Final = 15
SLOTS: Final = 24 * 60 // SLOT_MINUTES  # rows of a day in the week grid
FIRST_SLOT_ROW: Final = 2  # row 1 holds the days' names
MONTH_SHOWN: Final = 4  # occurrences listed in a month's day before "+N"
DAY_MINUTES: Final = 24 * 60
# The narrowest bar of the day view, in minutes of its 24 h axis: a 2-minute bulletin
# must still be seen (and clicked).
MIN_BAR_MINUTES: Final = 8
TRACK_HEIGHT: Final = 24.0  # of the day view's 30-unit-high rows, what bars may fill

# Besides its colour, each outcome has a mark: never colour alone.
SYMBOL: Final = {
    "played": "✓",
    "late": "◷",
    "partial": "◐",
    "failed": "✗",
    "missed": "⊘",
    "not_received": "?",
    "silenced": "■",
    "upcoming": "○",
    "playing": "▶",
    "manual": "✎",
}
WEEKDAYS: Final = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def local_day_start_ms(day: dt.date, tz: ZoneInfo) -> int:
    return int(dt.datetime.combine(day, dt.time(), tzinfo=tz).timestamp() * 1000)


def _local(ts_ms: int, tz: ZoneInfo) -> dt.datetime:
    return dt.datetime.fromtimestamp(ts_ms / 1000, tz)


def hhmm(ts_ms: int, tz: ZoneInfo) -> str:
    return _local(ts_ms, tz).strftime("%H:%M")


def priority_word(priority: str, lang: str, words: dict[str, str]) -> str:
    if priority == BACKGROUND:
        return words["radio.cal.relay"]
    return PRIORITY_TEXT[lang].get(priority, priority)


@dataclass(frozen=True)
class ShownOccurrence:
    """One occurrence as the calendar shows it, with its words."""

    occurrence: CalendarOccurrence
    href: str
    time: str  # "06:00–06:10"
    start: str  # "06:00"
    title: str
    priority: str
    priority_word: str
    status: str  # the worst outcome: the colour and the mark
    status_word: str
    symbol: str
    outcome: str  # "3/4 cụm đã phát"
    clashes: tuple[str, ...]
    tooltip: str

    @property
    def background(self) -> bool:
        return self.priority == BACKGROUND


def occurrence_href(occurrence: CalendarOccurrence) -> str:
    return f"/radio/occurrences/{occurrence.schedule}/{occurrence.start_ms}"


def outcome_words(summary: Aggregate, words: dict[str, str]) -> str:
    if summary.status == "upcoming" and summary.confirmed == 0:
        return words["radio.cal.clusters"].format(total=summary.total)
    if summary.status == "manual":
        return words["radio.cal.manual"].format(total=summary.total)
    return words["radio.cal.confirmed"].format(confirmed=summary.confirmed, total=summary.total)


def clash_words(collision: Collision, tz: ZoneInfo, words: dict[str, str]) -> str:
    when = f"{hhmm(collision.start_ms, tz)}–{hhmm(collision.end_ms, tz)}"
    first = words[f"radio.cal.first.{collision.first}"]
    return words["radio.cal.clash"].format(other=collision.other.title, time=when, first=first)


def shown(
    occurrence: CalendarOccurrence,
    found_clashes: Sequence[Collision],
    tz: ZoneInfo,
    lang: str,
    words: dict[str, str],
) -> ShownOccurrence:
    summary = aggregate(occurrence.outcomes)
    time = f"{hhmm(occurrence.start_ms, tz)}–{hhmm(occurrence.end_ms, tz)}"
    status_word = STATUS_TEXT[lang].get(summary.status, summary.status)
    outcome = outcome_words(summary, words)
    clashes = tuple(clash_words(c, tz, words) for c in found_clashes)
    prio = priority_word(occurrence.priority, lang, words)
    tooltip = " · ".join(
        [f"{time} {occurrence.title}", prio, f"{status_word}: {outcome}", *clashes]
    )
    return ShownOccurrence(
        occurrence=occurrence,
        href=occurrence_href(occurrence),
        time=time,
        start=hhmm(occurrence.start_ms, tz),
        title=occurrence.title,
        priority=occurrence.priority,
        priority_word=prio,
        status=summary.status,
        status_word=status_word,
        symbol=SYMBOL.get(summary.status, "•"),
        outcome=outcome,
        clashes=clashes,
        tooltip=tooltip,
    )


@dataclass(frozen=True)
class ShownSilence:
    span: SilenceSpan
    time: str  # "14:00–15:00", the part of it on the day shown
    label: str  # "Im lặng 14:00–15:00 (đã gỡ)"
    tooltip: str


def shown_silence(
    span: SilenceSpan, from_ms: int, to_ms: int, tz: ZoneInfo, words: dict[str, str]
) -> ShownSilence:
    """The part of a silence within ``[from_ms, to_ms)`` (a day), in words."""
    start, end = max(span.from_ms, from_ms), min(span.to_ms, to_ms)
    time = f"{hhmm(start, tz)}–{hhmm(end, tz)}" if end < to_ms else f"{hhmm(start, tz)}–24:00"
    label = f"{words['radio.cal.silence']} {time}"
    if span.lifted:
        label += f" ({words['radio.cal.lifted']})"
    details = [label, words["radio.cal.silence_by"].format(who=span.order.created_by or "—")]
    if span.order.reason:
        details.append(span.order.reason)
    return ShownSilence(span, time, label, " · ".join(details))


def silence_line(span: SilenceSpan, tz: ZoneInfo, words: dict[str, str]) -> dict[str, str]:
    """A silence order in the list under the calendar: when, who, why."""
    start, end = _local(span.from_ms, tz), _local(span.to_ms, tz)
    shape = "%H:%M" if start.date() == end.date() else "%d/%m/%Y %H:%M"
    return {
        "when": f"{start.strftime('%d/%m/%Y %H:%M')} – {end.strftime(shape)}",
        "who": words["radio.cal.silence_by"].format(who=span.order.created_by or "—"),
        "reason": span.order.reason,
        "lifted": words["radio.cal.lifted_by"].format(who=span.order.lifted_by or "—")
        if span.lifted
        else "",
    }


# -- the week ---------------------------------------------------------------------


@dataclass
class WeekEntry:
    """A box of a day's column: a band (a silence, the standing relay) or a stack of
    occurrences whose quarter-hours overlap."""

    row: int
    span: int
    start_ms: int
    band: ShownSilence | None = None
    relay: ShownOccurrence | None = None
    items: list[ShownOccurrence] = field(default_factory=list)


@dataclass(frozen=True)
class WeekDay:
    day: dt.date
    column: int  # 2..8: the first column holds the hours
    name: str  # "Thứ Hai"
    date: str  # "12/05"
    today: bool
    href: str  # the day view
    entries: tuple[WeekEntry, ...]


def _slots(start_ms: int, end_ms: int, day_ms: int) -> tuple[int, int]:
    """The first quarter-hour row and how many rows [start, end) covers of the day
    starting at ``day_ms`` (clipped to the day; at least one)."""
    first = max(0, (start_ms - day_ms) // (SLOT_MINUTES * 60_000))
    last = math.ceil(
        (min(end_ms, day_ms + DAY_MINUTES * 60_000) - day_ms) / (SLOT_MINUTES * 60_000)
    )
    first = min(first, SLOTS - 1)
    return FIRST_SLOT_ROW + int(first), max(1, min(SLOTS, int(last)) - int(first))


def week_days(
    days: Sequence[dt.date],
    occurrences: Sequence[ShownOccurrence],
    silences: Sequence[SilenceSpan],
    today: dt.date,
    tz: ZoneInfo,
    words: dict[str, str],
    day_href: Callable[[dt.date], str],
) -> list[WeekDay]:
    found = []
    for column, day in enumerate(days, start=2):
        day_ms = local_day_start_ms(day, tz)
        next_ms = local_day_start_ms(day + dt.timedelta(days=1), tz)
        entries: list[WeekEntry] = []
        for span in silences:
            if span.to_ms > day_ms and span.from_ms < next_ms:
                row, rows = _slots(max(span.from_ms, day_ms), span.to_ms, day_ms)
                band = shown_silence(span, day_ms, next_ms, tz, words)
                entries.append(WeekEntry(row, rows, max(span.from_ms, day_ms), band=band))
        stacks: list[WeekEntry] = []
        for item in occurrences:
            occurrence = item.occurrence
            if not day_ms <= occurrence.start_ms < next_ms:
                continue
            row, rows = _slots(occurrence.start_ms, occurrence.end_ms, day_ms)
            if item.background:
                entries.append(WeekEntry(row, rows, occurrence.start_ms, relay=item))
                continue
            last = stacks[-1] if stacks else None
            if last is not None and row < last.row + last.span:
                last.span = max(last.span, row + rows - last.row)
                last.items.append(item)
            else:
                stacks.append(WeekEntry(row, rows, occurrence.start_ms, items=[item]))
        entries += stacks
        # In time order: on a phone the grid becomes the day's list, in this order.
        entries.sort(key=lambda e: (e.start_ms, e.items != []))
        weekday = WEEKDAYS[day.weekday()]
        found.append(
            WeekDay(
                day=day,
                column=column,
                name=words[f"weekday.{weekday}"],
                date=day.strftime("%d/%m"),
                today=day == today,
                href=day_href(day),
                entries=tuple(entries),
            )
        )
    return found


def hour_rows() -> list[tuple[int, str]]:
    """(first row, "06:00") of each hour of the week grid."""
    per_hour = 60 // SLOT_MINUTES
    return [(FIRST_SLOT_ROW + hour * per_hour, f"{hour:02d}:00") for hour in range(24)]


# -- the month ----------------------------------------------------------------------


@dataclass(frozen=True)
class MonthDay:
    day: dt.date
    in_month: bool
    today: bool
    href: str
    items: tuple[ShownOccurrence, ...]  # the first MONTH_SHOWN
    more: int
    silences: tuple[ShownSilence, ...]

    @property
    def empty(self) -> bool:
        return not self.items and not self.silences


def month_weeks(
    first_day: dt.date,
    month: int,
    occurrences: Sequence[ShownOccurrence],
    silences: Sequence[SilenceSpan],
    today: dt.date,
    tz: ZoneInfo,
    words: dict[str, str],
    day_href: Callable[[dt.date], str],
) -> list[list[MonthDay]]:
    """The month's weeks, Monday first, from ``first_day`` (a Monday)."""
    by_day: dict[dt.date, list[ShownOccurrence]] = {}
    for item in occurrences:
        by_day.setdefault(_local(item.occurrence.start_ms, tz).date(), []).append(item)
    weeks: list[list[MonthDay]] = []
    day = first_day
    while not weeks or day.month == month:
        week = []
        for _ in range(7):
            day_ms = local_day_start_ms(day, tz)
            next_ms = local_day_start_ms(day + dt.timedelta(days=1), tz)
            items = by_day.get(day, [])
            week.append(
                MonthDay(
                    day=day,
                    in_month=day.month == month,
                    today=day == today,
                    href=day_href(day),
                    items=tuple(items[:MONTH_SHOWN]),
                    more=max(0, len(items) - MONTH_SHOWN),
                    silences=tuple(
                        shown_silence(s, day_ms, next_ms, tz, words)
                        for s in silences
                        if s.to_ms > day_ms and s.from_ms < next_ms
                    ),
                )
            )
            day += dt.timedelta(days=1)
        weeks.append(week)
    return weeks


# -- the day ------------------------------------------------------------------------


@dataclass(frozen=True)
class Zone:
    """A row of the day view, an option of the zone picker: the whole commune, a
    village, or a cluster."""

    code: str  # "" for the whole commune
    name: str
    clusters: frozenset[str] | None  # None: every cluster
    level: str  # commune | village | cluster


@dataclass(frozen=True)
class DayBar:
    x: int  # minutes since midnight
    width: int
    css: str  # its colour: outcome once under way or past, class before
    href: str
    tooltip: str
    clash: bool
    y: float = 3.0  # overlapping bars share the row's height, one lane each
    height: float = TRACK_HEIGHT


def _in_lanes(bars: list[DayBar]) -> list[DayBar]:
    """Bars that overlap side by side in lanes of the row's height; the standing relay
    a thin band under them all (first: drawn first, under the bulletins)."""
    relays = [replace(bar, y=8.0, height=14.0) for bar in bars if bar.css == f"prio-{BACKGROUND}"]
    lanes: list[int] = []  # where each lane is free from
    placed: list[tuple[DayBar, int]] = []
    for bar in sorted(bars, key=lambda b: b.x):
        if bar.css == f"prio-{BACKGROUND}":
            continue
        lane = next((n for n, free in enumerate(lanes) if free <= bar.x), len(lanes))
        if lane == len(lanes):
            lanes.append(0)
        lanes[lane] = bar.x + bar.width
        placed.append((bar, lane))
    height = TRACK_HEIGHT / max(1, len(lanes))
    return relays + [
        replace(bar, y=3.0 + lane * height, height=max(height - 1, 2.0)) for bar, lane in placed
    ]


@dataclass(frozen=True)
class DayRow:
    zone: Zone
    bars: tuple[DayBar, ...]
    silences: tuple[tuple[int, int, str], ...]  # (x, width, tooltip)


def day_rows(
    zones: Iterable[Zone],
    occurrences: Sequence[CalendarOccurrence],
    clashes: dict[tuple[str, int], list[Collision]],
    silences: Sequence[SilenceSpan],
    day: dt.date,
    tz: ZoneInfo,
    lang: str,
    words: dict[str, str],
) -> list[DayRow]:
    day_ms = local_day_start_ms(day, tz)
    next_ms = local_day_start_ms(day + dt.timedelta(days=1), tz)

    def minutes(ts_ms: int) -> int:
        return max(0, min(DAY_MINUTES, round((ts_ms - day_ms) / 60_000)))

    rows = []
    for zone in zones:
        bars = []
        for occurrence in occurrences:
            mine = occurrence.within(zone.clusters)
            if mine is None:
                continue
            theirs = [c for c in clashes.get(occurrence.key, ()) if mine.clusters & set(c.clusters)]
            item = shown(mine, theirs, tz, lang, words)
            x = minutes(occurrence.start_ms)
            width = max(MIN_BAR_MINUTES, minutes(occurrence.end_ms) - x)
            width = min(width, DAY_MINUTES - min(x, DAY_MINUTES - MIN_BAR_MINUTES))
            css = (
                f"prio-{item.priority}"
                if item.status == "upcoming" or item.background
                else f"outcome-{item.status}"
            )
            bars.append(DayBar(x, width, css, item.href, item.tooltip, bool(theirs)))
        bands = []
        for span in silences:
            if zone.clusters is not None and not zone.clusters & set(span.order.clusters):
                continue
            x = minutes(max(span.from_ms, day_ms))
            width = max(1, minutes(min(span.to_ms, next_ms)) - x)
            bands.append((x, width, shown_silence(span, day_ms, next_ms, tz, words).tooltip))
        rows.append(DayRow(zone, tuple(_in_lanes(bars)), tuple(bands)))
    return rows
