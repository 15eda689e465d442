"""Where the calendar puts things: every grid class the week can give exists in the
style sheet (the CSP leaves no other way to place a box), and the standing relay is a
band under the day, colliding with nothing."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from zoneinfo import ZoneInfo

from xaso.server.broadcasts.calendar import collisions, grouped
from xaso.server.broadcasts.playout_outcome import PlayoutOutcome
from xaso.server.web.pages.radio_calendar_layout import (
    FIRST_SLOT_ROW,
    SLOTS,
    Zone,
    day_rows,
    local_day_start_ms,
    shown,
    week_days,
)
from xaso.server.words import translator

CSS = Path(__file__).parents[2] / "server" / "web" / "static" / "xaso.css"
VN = ZoneInfo("Asia/Ho_Chi_Minh")
DAY = dt.date(2030, 1, 7)
WORDS = translator("vi")


def test_every_row_span_and_column_class_is_in_the_style_sheet() -> None:
    css = CSS.read_text(encoding="utf-8")
    rows = {int(n) for n in re.findall(r"\.cal-r(\d+)\{grid-row-start:\1\}", css)}
    spans = {int(n) for n in re.findall(r"\.cal-s(\d+)\{grid-row-end:span \1\}", css)}
    columns = {int(n) for n in re.findall(r"\.cal-c(\d) \{ grid-column: \1; \}", css)}
    assert rows == set(range(FIRST_SLOT_ROW, FIRST_SLOT_ROW + SLOTS))
    assert spans == set(range(1, SLOTS + 1))
    assert columns == set(range(2, 9))
    assert "repeat(96, minmax(" in css  # as many grid rows as quarter-hours


def outcome(schedule: str, hour: int, minutes: int, priority: str, cluster: str) -> PlayoutOutcome:
    start = local_day_start_ms(DAY, VN) + hour * 3_600_000
    return PlayoutOutcome(
        commune="c",
        cluster=cluster,
        schedule=schedule,
        title=schedule,
        priority=priority,  # type: ignore[arg-type]
        content_type="relay",
        planned_start_ms=start,
        planned_end_ms=start + minutes * 60_000,
        status="upcoming",
    )


def test_the_standing_relay_is_a_band_under_the_bulletins() -> None:
    occurrences = grouped(
        [
            outcome("relay", 5, 17 * 60, "background", "rc-1"),
            outcome("news", 6, 10, "normal", "rc-1"),
            outcome("late", 23, 120, "normal", "rc-1"),  # past midnight: cut at the day's end
        ]
    )
    clashes = collisions(occurrences)
    assert clashes == {}  # the relay yields to every bulletin by design
    items = [shown(o, [], VN, "vi", WORDS) for o in occurrences]
    [monday] = week_days([DAY], items, [], DAY, VN, WORDS, str)
    placed = [(e.row, e.span, e.relay is not None, len(e.items)) for e in monday.entries]
    assert placed == [
        (FIRST_SLOT_ROW + 20, 68, True, 0),  # 05:00 to 22:00
        (FIRST_SLOT_ROW + 24, 1, False, 1),  # 06:00, ten minutes
        (FIRST_SLOT_ROW + 92, 4, False, 1),  # 23:00 to midnight
    ]
    assert items[0].priority_word == "Tiếp sóng thường trực"
    [row] = day_rows(
        [Zone("", "Toàn xã", None, "commune")],
        occurrences,
        clashes,
        [],
        DAY,
        VN,
        "vi",
        WORDS,  # type: ignore[arg-type]
    )
    assert [(b.css, b.x, b.width, b.y, b.height) for b in row.bars] == [
        ("prio-background", 300, 1020, 8.0, 14.0),
        ("prio-normal", 360, 10, 3.0, 23.0),
        ("prio-normal", 1380, 60, 3.0, 23.0),
    ]
