"""A stacked bar chart of verdicts counted per period, as the geometry of an inline SVG
(``templates/_indicator_chart.html``): drawn on the server, no script, nothing inline
for the Content-Security-Policy to refuse (each segment's colour is a class of its
verdict). Not colour alone: each segment has its count and symbol written on it when
it has room, the chart a spoken label with every number, and the page a legend and a
table of the same figures. Pure.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from xaso.server.web.pages.indicators_overview_view import SYMBOLS, VERDICTS

SLOT: Final = 96  # px of width per period
BAR: Final = 56
LEFT: Final = 40  # the axis's numbers
RIGHT: Final = 8
TOP: Final = 22  # room for the note above the tallest bar
PLOT: Final = 160  # px of height for the bars
BOTTOM: Final = 44  # the periods' names, on up to two lines
MIN_LABEL: Final = 16  # px of height a segment needs to carry its count
MAX_TICKS: Final = 5


@dataclass(frozen=True)
class Segment:
    verdict: str
    count: int
    y: float
    height: float
    label: str  # "✓ 5" when it fits, else ""


@dataclass(frozen=True)
class Bar:
    x: float  # the bar's left edge
    width: int
    centre: float
    segments: tuple[Segment, ...]
    total: int
    listed: bool  # False: nothing to count in that period (the commune did not exist)
    top: float  # the y of the bar's top
    note: str  # above the bar, the counts too thin to carry their own: "✗ 2 · ? 1"
    lines: tuple[str, ...]  # the period's name, one or two lines
    link: str | None  # where a click on the bar goes


@dataclass(frozen=True)
class Tick:
    y: float
    value: int


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int  # the y of the axis
    bars: tuple[Bar, ...]
    ticks: tuple[Tick, ...]
    label: str  # what a screen reader says: what it counts and every number


def axis_step(largest: int) -> int:
    """A round step that needs at most MAX_TICKS steps to reach ``largest``."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if largest <= step * factor * MAX_TICKS:
                return step * factor
        step *= 10


def _lines(period: str) -> tuple[str, ...]:
    """A range of days ("01/07/2026 – 30/09/2026") on two lines, a name on one."""
    first, dash, last = period.partition(" – ")
    return (f"{first} –", last) if dash else (period,)


def stacked_chart(
    periods: Sequence[str],
    counts: Sequence[Counter[str] | None],
    links: Sequence[str | None],
    what: str,
    w: Mapping[str, str],
) -> Chart:
    """One bar per period (oldest first), its verdicts stacked ``VERDICTS`` from the
    bottom; ``counts[i]`` None: nothing was listed in that period."""
    largest = max((sum(c.values()) for c in counts if c is not None), default=0)
    step = axis_step(max(largest, 1))
    top_value = step * math.ceil(max(largest, 1) / step)
    scale = PLOT / top_value
    bottom = TOP + PLOT
    bars = []
    spoken = []
    for position, (period, found) in enumerate(zip(periods, counts, strict=True)):
        x = LEFT + position * SLOT + (SLOT - BAR) / 2
        segments = []
        y = float(bottom)
        for verdict in VERDICTS:
            count = found[verdict] if found is not None else 0
            if count <= 0:
                continue
            height = count * scale
            y -= height
            label = f"{SYMBOLS[verdict]} {count}" if height >= MIN_LABEL else ""
            segments.append(Segment(verdict, count, round(y, 1), round(height, 1), label))
        bars.append(
            Bar(
                x=x,
                width=BAR,
                centre=x + BAR / 2,
                segments=tuple(segments),
                total=sum(found.values()) if found is not None else 0,
                listed=found is not None,
                top=round(y, 1),
                note=" · ".join(f"{SYMBOLS[s.verdict]} {s.count}" for s in segments if not s.label),
                lines=_lines(period),
                link=links[position],
            )
        )
        said = (
            ", ".join(f"{s.count} {w[f'verdict.{s.verdict}']}" for s in segments) or "0"
            if found is not None
            else w["ind.trend.not_listed"]
        )
        spoken.append(f"{period}: {said}")
    ticks = tuple(
        Tick(round(bottom - value * scale, 1), value) for value in range(0, top_value + 1, step)
    )
    return Chart(
        width=LEFT + SLOT * len(periods) + RIGHT,
        height=TOP + PLOT + BOTTOM,
        left=LEFT,
        right=LEFT + SLOT * len(periods),
        top=TOP,
        bottom=bottom,
        bars=tuple(bars),
        ticks=ticks,
        label=w["ind.trend.chart_label"].format(what=what, values="; ".join(spoken)),
    )
