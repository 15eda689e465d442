"""A device's days as the pages draw them: one cell per local day, coloured by that day's
availability, its date and figures in the cell's ``title`` (a tooltip with no script).

The colours are classes of ``xaso.css`` (no inline style under the CSP):

| class | the day |
|---|---|
| ``day-good`` | ≥ 99.5 % |
| ``day-fair`` | ≥ 95 % |
| ``day-poor`` | ≥ 80 % |
| ``day-bad`` | < 80 % |
| ``day-none`` | nothing known (never heard, gateway down, not installed yet) |
| ``day-excl`` | all its known time under maintenance or excused |
| ``day-part`` | beside a colour: some of its time under maintenance or excused |
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, NamedTuple

from xaso.server.monitoring.day_availability import DayFigure
from xaso.server.words import duration

BAR_DAYS: Final = (30, 90)
# The lower bound of each colour, best first.
LEVELS: Final = ((99.5, "day-good"), (95.0, "day-fair"), (80.0, "day-poor"), (0.0, "day-bad"))


class Cell(NamedTuple):
    css: str
    title: str


def percent(value: float | None, lang: str) -> str:
    """A percentage to two decimals, never rounded up to 100 % (a day with a minute down
    is not a perfect day); Vietnamese writes a decimal comma."""
    if value is None:
        return "—"
    shown = f"{min(value, 99.99) if value < 100 else 100:.2f}".rstrip("0").rstrip(".")
    return f"{shown.replace('.', ',')} %" if lang == "vi" else f"{shown}%"


def day_class(found: DayFigure, value: float | None) -> str:
    """``value``: the day's percentage (``found.figure.percent``, worked out once)."""
    figure = found.figure
    excluded = found.maintenance_ms + found.excused_ms
    known = figure.known_ms
    if known > 0 and excluded >= known:
        return "day-excl"
    if value is None:
        return "day-none"
    css = next(name for bound, name in LEVELS if value >= bound)
    return f"{css} day-part" if excluded else css


def day_title(found: DayFigure, value: float | None, words: dict[str, str], lang: str) -> str:
    day = found.day
    date = day.day
    parts = [f"{date.day:02d}/{date.month:02d}/{date.year}"]
    if day.to_ms - day.from_ms < 86_400_000:
        parts[0] += f" ({words['day.so_far']})"
    figure = found.figure
    if value is None and not found.maintenance_ms:
        parts.append(words["day.no_data"])
    else:
        parts.append(percent(value, lang))
    if figure.down_ms:
        parts.append(f"{words['day.down']} {duration(figure.down_ms / 1000, lang)}")
    if found.maintenance_ms:
        parts.append(f"{words['day.maintenance']} {duration(found.maintenance_ms / 1000, lang)}")
    if found.excused_ms:
        parts.append(f"{words['day.excused']} {duration(found.excused_ms / 1000, lang)}")
    return " · ".join(parts)


def cells(figures: Sequence[DayFigure], words: dict[str, str], lang: str) -> list[Cell]:
    found = []
    for figure in figures:
        value = figure.figure.percent
        found.append(Cell(day_class(figure, value), day_title(figure, value, words, lang)))
    return found
