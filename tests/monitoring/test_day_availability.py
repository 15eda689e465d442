"""Availability day by day (the pages' bars): local days, spans cut at midnight, the
maintenance and excused time of each day apart, and the days adding up to the whole."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from xaso.server.monitoring.availability import availability, spans
from xaso.server.monitoring.day_availability import Day, clip, day_figures, last_days, total
from xaso.server.records import TransitionRecord

H = 3_600_000
DAY = 24 * H
VN = ZoneInfo("Asia/Ho_Chi_Minh")
# 2027-01-10 00:00 in Vietnam (2027-01-09 17:00 UTC).
TODAY = 1_799_514_000_000


def tr(ts_ms: int, status: str) -> TransitionRecord:
    return TransitionRecord("d", "c", "camera", ts_ms, status, "", status)


def test_the_last_days_are_local_and_today_ends_now() -> None:
    days = last_days(3, TODAY + 5 * H, VN)
    assert [d.day for d in days] == [dt.date(2027, 1, 8), dt.date(2027, 1, 9), dt.date(2027, 1, 10)]
    assert days[0] == Day(dt.date(2027, 1, 8), TODAY - 2 * DAY, TODAY - DAY)
    assert days[-1] == Day(dt.date(2027, 1, 10), TODAY, TODAY + 5 * H)


def test_an_outage_across_midnight_counts_on_both_days() -> None:
    days = [
        Day(dt.date(2027, 1, 9), TODAY - DAY, TODAY),
        Day(dt.date(2027, 1, 10), TODAY, TODAY + DAY),
    ]
    history = spans(
        [tr(TODAY - 2 * H, "offline"), tr(TODAY + 3 * H, "online")],
        tr(TODAY - 5 * DAY, "online"),
        days[0].from_ms,
        days[-1].to_ms,
    )
    found = day_figures(history, days, maintenance=[(TODAY + 2 * H, TODAY + 3 * H)])
    assert [f.figure.down_ms for f in found] == [2 * H, 2 * H]
    assert [f.maintenance_ms for f in found] == [0, H]
    assert found[1].figure.percent == 100 * (1 - 2 / 24)


def test_excused_time_is_apart_and_counts_only_when_asked() -> None:
    days = [Day(dt.date(2027, 1, 10), TODAY, TODAY + DAY)]
    history = spans([tr(TODAY, "offline")], None, TODAY, TODAY + DAY)
    excused = [(TODAY + 6 * H, TODAY + 12 * H)]
    maintenance = [(TODAY + 10 * H, TODAY + 14 * H)]  # overlaps the excused time
    (found,) = day_figures(history, days, maintenance, excused)
    assert (found.maintenance_ms, found.excused_ms) == (4 * H, 4 * H)
    assert found.figure.down_ms == 20 * H
    (counted,) = day_figures(history, days, maintenance, excused, count_excused=True)
    assert counted.figure.down_ms == 16 * H and counted.excused_ms == 4 * H


def test_a_day_under_the_maintenance_status_is_all_excluded() -> None:
    days = [Day(dt.date(2027, 1, 10), TODAY, TODAY + DAY)]
    history = spans([], tr(TODAY - H, "maintenance"), TODAY, TODAY + DAY)
    (found,) = day_figures(history, days)
    assert found.maintenance_ms == DAY and found.figure.percent == 100.0


statuses = st.sampled_from(["online", "offline", "unknown", "maintenance", "pending"])


@given(
    changes=st.lists(st.tuples(st.integers(-DAY, 5 * DAY), statuses), max_size=30),
    windows=st.lists(st.tuples(st.integers(0, 5 * DAY), st.integers(1, DAY)), max_size=4),
    now_in_day=st.integers(1, DAY),
)
def test_the_days_add_up_to_the_whole(
    changes: list[tuple[int, str]], windows: list[tuple[int, int]], now_in_day: int
) -> None:
    now = TODAY + 4 * DAY + now_in_day
    days = last_days(5, now, VN)
    start = days[0].from_ms
    records = [tr(start + at, status) for at, status in sorted(changes)]
    before = [r for r in records if r.ts_ms < start]
    history = spans(
        [r for r in records if r.ts_ms >= start], before[-1] if before else None, start, now
    )
    maintenance = [(start + a, start + a + length) for a, length in windows]
    whole = availability(clip(history, start, now), maintenance)
    assert total(day_figures(history, days, maintenance)) == whole
