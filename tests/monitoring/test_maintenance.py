"""Maintenance windows (server/monitoring/maintenance.py): pure, no clock, no I/O.

Expected UTC values are worked out by hand: Asia/Ho_Chi_Minh (ICT) is UTC+7 all year,
so 22:00 ICT is 15:00 UTC the same day and 06:00 ICT on a Sunday is 23:00 UTC on the
Saturday before.
"""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import msgspec
import pytest
from dateutil.rrule import rrulestr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xaso.inventory import DeviceEntry
from xaso.server.monitoring.maintenance import (
    InvalidWindow,
    MaintenanceWindow,
    applies_to,
    decode_window,
    in_maintenance,
    is_retroactive,
    occurrences,
    windows_for,
)

ICT = ZoneInfo("Asia/Ho_Chi_Minh")
HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS


def utc_ms(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> int:
    return int(dt.datetime(year, month, day, hour, minute, tzinfo=dt.UTC).timestamp() * 1000)


def window(**fields: object) -> MaintenanceWindow:
    base: dict[str, object] = {
        "id": "w1",
        "scope": "device",
        "target": "cam-01",
        "start": dt.datetime(2025, 7, 1, 22, 0),
        "duration_s": 3600.0,
    }
    base.update(fields)
    return MaintenanceWindow(**base)  # type: ignore[arg-type]


def device(
    id: str = "cam-01", kind: str = "camera", commune: str = "xuan-hong", agent_id: str = "gw-01"
) -> DeviceEntry:
    return DeviceEntry(
        id=id,
        name=id,
        kind=kind,  # type: ignore[arg-type]
        commune=commune,
        agent_id=agent_id,
        village=None,
        location=None,
        planned=False,
        heartbeat_interval_s=30.0,
        offline_after_s=90.0,
    )


# -- one-off and time zones -----------------------------------------------------------


def test_one_off_naive_start_is_local_wall_time() -> None:
    w = window(duration_s=2 * 3600)
    # 2025-07-01 22:00-24:00 ICT = 15:00-17:00 UTC.
    day = (utc_ms(2025, 7, 1), utc_ms(2025, 7, 2))
    assert occurrences(w, *day) == [(utc_ms(2025, 7, 1, 15), utc_ms(2025, 7, 1, 17))]
    assert occurrences(w, utc_ms(2025, 7, 1, 17), utc_ms(2025, 7, 3)) == []
    assert occurrences(w, utc_ms(2025, 6, 1), utc_ms(2025, 7, 1, 15)) == []


def test_start_with_offset_is_the_same_instant() -> None:
    naive = window()
    as_utc = window(start=dt.datetime(2025, 7, 1, 15, 0, tzinfo=dt.UTC))
    as_ict = window(start=dt.datetime(2025, 7, 1, 22, 0, tzinfo=ICT))
    span = (utc_ms(2025, 6, 1), utc_ms(2025, 8, 1))
    assert occurrences(naive, *span) == occurrences(as_utc, *span) == occurrences(as_ict, *span)


def test_other_time_zone() -> None:
    w = window(timezone="UTC")
    assert occurrences(w, utc_ms(2025, 7, 1), utc_ms(2025, 7, 2)) == [
        (utc_ms(2025, 7, 1, 22), utc_ms(2025, 7, 1, 23))
    ]


def test_duration_is_elapsed_time_across_a_dst_change() -> None:
    # Berlin springs forward at 02:00 on 2025-03-30: 22:00 CET + 8 h is 07:00 CEST.
    w = window(start=dt.datetime(2025, 3, 29, 22, 0), duration_s=8 * 3600, timezone="Europe/Berlin")
    assert occurrences(w, utc_ms(2025, 3, 29), utc_ms(2025, 3, 31)) == [
        (utc_ms(2025, 3, 29, 21), utc_ms(2025, 3, 30, 5))
    ]


# -- recurring ------------------------------------------------------------------------


def test_daily_window_crosses_local_midnight() -> None:
    w = window(duration_s=4 * 3600, rrule="FREQ=DAILY")  # 22:00-02:00 ICT every day
    # The local day 2025-07-02 (00:00 ICT = 2025-07-01 17:00 UTC) holds the tail of the
    # 1 July occurrence (00:00-02:00 ICT) and the head of the 2 July one (22:00-24:00).
    local_day = (utc_ms(2025, 7, 1, 17), utc_ms(2025, 7, 2, 17))
    assert occurrences(w, *local_day) == [
        (utc_ms(2025, 7, 1, 17), utc_ms(2025, 7, 1, 19)),
        (utc_ms(2025, 7, 2, 15), utc_ms(2025, 7, 2, 17)),
    ]
    # Unclipped, the 2 July occurrence is 15:00-19:00 UTC.
    assert occurrences(w, utc_ms(2025, 7, 2), utc_ms(2025, 7, 3)) == [
        (utc_ms(2025, 7, 2, 15), utc_ms(2025, 7, 2, 19))
    ]


def test_weekly_on_local_sunday_does_not_slip_to_saturday() -> None:
    # Sunday 06:00 ICT is Saturday 23:00 UTC: the rule's BYDAY is about the local day.
    w = window(start=dt.datetime(2025, 7, 1, 6, 0), rrule="FREQ=WEEKLY;BYDAY=SU")
    found = occurrences(w, utc_ms(2025, 7, 1), utc_ms(2025, 7, 31))
    assert [start for start, _ in found] == [
        utc_ms(2025, 7, 5, 23),
        utc_ms(2025, 7, 12, 23),
        utc_ms(2025, 7, 19, 23),
        utc_ms(2025, 7, 26, 23),
    ]
    for start, _ in found:
        assert dt.datetime.fromtimestamp(start / 1000, ICT).strftime("%a %H:%M") == "Sun 06:00"


def test_count_limits_the_occurrences() -> None:
    w = window(rrule="FREQ=DAILY;COUNT=3")
    found = occurrences(w, utc_ms(2025, 1, 1), utc_ms(2026, 1, 1))
    assert [start for start, _ in found] == [utc_ms(2025, 7, d, 15) for d in (1, 2, 3)]


@pytest.mark.parametrize(
    ("until", "last_day"),
    [
        ("20250703T150000Z", 3),  # UTC, inclusive: exactly the 3 July 22:00 ICT start
        ("20250703T145959Z", 2),
        ("20250703T220000", 3),  # local wall time
        ("20250703", 3),  # a date includes that whole local day
        ("20250702", 2),
    ],
)
def test_until_forms(until: str, last_day: int) -> None:
    w = window(rrule=f"FREQ=DAILY;UNTIL={until}")
    found = occurrences(w, utc_ms(2025, 1, 1), utc_ms(2026, 1, 1))
    assert [start for start, _ in found] == [utc_ms(2025, 7, d, 15) for d in range(1, last_day + 1)]


def test_occurrence_that_started_before_the_range_is_included() -> None:
    w = window(duration_s=6 * 3600, rrule="FREQ=WEEKLY;BYDAY=TU")
    # 1 July 22:00 ICT + 6 h = 2 July 04:00 ICT = 1 July 21:00 UTC.
    assert occurrences(w, utc_ms(2025, 7, 1, 20), utc_ms(2025, 7, 2)) == [
        (utc_ms(2025, 7, 1, 20), utc_ms(2025, 7, 1, 21))
    ]


def test_monthly_last_sunday_and_a_long_history() -> None:
    # Anchors make later queries start near the range: the answers must not change.
    w = window(start=dt.datetime(2020, 1, 1, 23, 0), rrule="FREQ=MONTHLY;BYDAY=-1SU")
    for year in (2025, 2021, 2030, 2025):
        found = occurrences(w, utc_ms(year, 3, 1), utc_ms(year, 4, 15))
        assert len(found) == 1
        local = dt.datetime.fromtimestamp(found[0][0] / 1000, ICT)
        assert (local.month, local.weekday(), local.hour) == (3, 6, 23)
        assert (local + dt.timedelta(days=7)).month == 4


def test_empty_range() -> None:
    w = window(rrule="FREQ=DAILY")
    assert occurrences(w, utc_ms(2025, 8, 1), utc_ms(2025, 8, 1)) == []
    assert occurrences(w, utc_ms(2025, 8, 2), utc_ms(2025, 8, 1)) == []


# -- scopes, merging, current window --------------------------------------------------


def test_scopes() -> None:
    cam = device()
    gateway = device(id="gw-01", kind="gateway", agent_id="gw-01")
    other = device(id="cam-02", commune="xuan-lai", agent_id="gw-02")
    cases = {
        ("device", "cam-01"): [True, False, False],
        ("agent", "gw-01"): [True, True, False],
        ("commune", "xuan-hong"): [True, True, False],
        ("kind", "camera"): [True, False, True],
        ("kind", "gateway"): [False, True, False],
    }
    for (scope, target), expected in cases.items():
        w = window(scope=scope, target=target)
        assert [applies_to(w, d) for d in (cam, gateway, other)] == expected, (scope, target)


def test_windows_for_merges_overlapping_and_touching_windows() -> None:
    windows = [
        window(id="a", start=dt.datetime(2025, 7, 1, 22, 0), duration_s=2 * 3600),
        window(id="b", start=dt.datetime(2025, 7, 1, 23, 0), duration_s=2 * 3600),
        window(id="c", start=dt.datetime(2025, 7, 2, 1, 0), duration_s=3600),  # touches b
        window(id="d", start=dt.datetime(2025, 7, 2, 10, 0), duration_s=3600),
        window(id="e", scope="device", target="cam-99", start=dt.datetime(2025, 7, 2, 5, 0)),
    ]
    assert windows_for(device(), windows, utc_ms(2025, 7, 1), utc_ms(2025, 7, 3)) == [
        (utc_ms(2025, 7, 1, 15), utc_ms(2025, 7, 1, 19)),
        (utc_ms(2025, 7, 2, 3), utc_ms(2025, 7, 2, 4)),
    ]


def test_in_maintenance() -> None:
    short = window(id="short", duration_s=3600)
    long = window(id="long", scope="commune", target="xuan-hong", duration_s=3 * 3600)
    elsewhere = window(id="x", scope="commune", target="xuan-lai", duration_s=9 * 3600)
    windows = [short, long, elsewhere]
    assert in_maintenance(device(), windows, utc_ms(2025, 7, 1, 14, 59)) is None
    # Both run at 15:30 UTC; "long" says until when (18:00 UTC).
    assert in_maintenance(device(), windows, utc_ms(2025, 7, 1, 15, 30)) == long
    assert in_maintenance(device(), windows, utc_ms(2025, 7, 1, 17, 59)) == long
    assert in_maintenance(device(), windows, utc_ms(2025, 7, 1, 18)) is None
    assert in_maintenance(device(), [short], utc_ms(2025, 7, 1, 15)) == short
    assert in_maintenance(device(), [short], utc_ms(2025, 7, 1, 16)) is None


# -- validation -----------------------------------------------------------------------


def test_invalid_window_lists_every_problem() -> None:
    with pytest.raises(InvalidWindow) as caught:
        window(id="Bad Id", scope="kind", target="toaster", duration_s=-5, timezone="Mars/Base")
    problems = caught.value.problems
    assert len(problems) == 4, problems
    assert any(p.startswith("id:") for p in problems)
    assert any("toaster" in p for p in problems)
    assert any(p.startswith("duration_s:") for p in problems)
    assert any("Mars/Base" in p for p in problems)


@pytest.mark.parametrize(
    ("rule", "fragment"),
    [
        ("DTSTART:20250101T000000\nRRULE:FREQ=DAILY", "DTSTART"),
        ("FREQ=DAILY;DTSTART=20250101T000000", "DTSTART"),
        ("FREQ=SOMETIMES", "not a valid"),
        ("BYDAY=MO", "FREQ is required"),
        ("FREQ=DAILY;BYHOUR=25", "not a valid"),
        ("FREQ=DAILY;COUNT=3;UNTIL=20250801", "COUNT and UNTIL"),
        ("FREQ=MINUTELY", "at most hourly"),
        ("FREQ=DAILY;COUNT=0", "COUNT"),
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "never"),
        ("FREQ=DAILY;UNTIL=tomorrow", "UNTIL"),
    ],
)
def test_invalid_rules(rule: str, fragment: str) -> None:
    with pytest.raises(InvalidWindow) as caught:
        window(rrule=rule, duration_s=0)
    problems = caught.value.problems
    assert len(problems) == 2, problems  # the rule and the duration
    assert any(p.startswith("rrule:") and fragment in p for p in problems), problems


def test_rules_without_end_and_with_prefix_are_fine() -> None:
    window(rrule="FREQ=WEEKLY;BYDAY=SU")
    window(rrule="RRULE:FREQ=MONTHLY;BYMONTHDAY=31;INTERVAL=2")
    window(rrule="FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29")


def test_decode_window_from_api_json() -> None:
    body = {
        "id": "bt-thang-7",
        "scope": "commune",
        "target": "xuan-hong",
        "start": "2025-07-06T22:00:00",
        "duration_s": 7200,
        "rrule": "FREQ=WEEKLY;BYDAY=SU;COUNT=10",
        "reason": "Bảo trì cụm loa",
    }
    w = decode_window(msgspec.json.encode(body))
    assert w.timezone == "Asia/Ho_Chi_Minh" and w.duration_s == 7200.0
    assert decode_window(body) == w
    assert decode_window(msgspec.json.encode(w)) == w  # what the API echoes back

    with pytest.raises(InvalidWindow, match="unknown field `colour`"):
        decode_window(msgspec.json.encode({**body, "colour": "red"}))
    with pytest.raises(InvalidWindow, match=r"\$\.scope"):
        decode_window({**body, "scope": "village"})
    with pytest.raises(InvalidWindow, match="JSON"):
        decode_window(b"{")
    with pytest.raises(InvalidWindow) as caught:
        decode_window({**body, "duration_s": 0, "rrule": "FREQ=DAILY;DTSTART=x"})
    assert len(caught.value.problems) == 2


# -- properties and speed -------------------------------------------------------------

RULES = [
    None,
    "FREQ=DAILY",
    "FREQ=DAILY;INTERVAL=3",
    "FREQ=HOURLY;INTERVAL=7",
    "FREQ=WEEKLY;BYDAY=SU",
    "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH",
    "FREQ=MONTHLY;BYDAY=-1SU",
    "FREQ=MONTHLY;BYMONTHDAY=31",
    "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29",
    "FREQ=DAILY;COUNT=500",
    "FREQ=WEEKLY;BYDAY=SA;UNTIL=20270101T000000Z",
]
ZONES = ["Asia/Ho_Chi_Minh", "UTC", "Europe/Berlin", "America/New_York", "Pacific/Apia"]

windows_strategy = st.builds(
    window,
    start=st.datetimes(min_value=dt.datetime(2020, 1, 1), max_value=dt.datetime(2027, 1, 1)),
    duration_s=st.floats(min_value=1, max_value=10 * 86_400),
    rrule=st.sampled_from(RULES),
    timezone=st.sampled_from(ZONES),
)
ranges = st.tuples(
    st.integers(min_value=utc_ms(2019, 6, 1), max_value=utc_ms(2028, 1, 1)),
    st.integers(min_value=0, max_value=120 * DAY_MS),
).map(lambda pair: (pair[0], pair[0] + pair[1]))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(windows=st.lists(windows_strategy, min_size=1, max_size=5), span=ranges)
def test_intervals_stay_in_range_sorted_and_disjoint(
    windows: list[MaintenanceWindow], span: tuple[int, int]
) -> None:
    from_ms, to_ms = span
    for w in windows:
        found = occurrences(w, from_ms, to_ms)
        assert found == sorted(found)
        assert all(from_ms <= start < end <= to_ms for start, end in found)
    merged = windows_for(device(), windows, from_ms, to_ms)
    assert all(from_ms <= start < end <= to_ms for start, end in merged)
    assert all(a_end < b_start for (_, a_end), (b_start, _) in itertools.pairwise(merged))
    assert sum(end - start for start, end in merged) <= to_ms - from_ms


def reference(w: MaintenanceWindow, from_ms: int, to_ms: int) -> list[tuple[int, int]]:
    """Plain dateutil with a zoned DTSTART, iterated from the beginning."""
    if to_ms <= from_ms:
        return []
    zone = ZoneInfo(w.timezone)
    duration_ms = max(1, round(w.duration_s * 1000))
    start = w.start.replace(tzinfo=zone)
    starts = [start] if w.rrule is None else rrulestr(w.rrule, dtstart=start)
    found = []
    for occurrence in starts:
        begin = int(occurrence.timestamp() * 1000)
        if begin >= to_ms:
            break
        if begin + duration_ms > from_ms:
            found.append((max(begin, from_ms), min(begin + duration_ms, to_ms)))
    return sorted(found)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    w=windows_strategy.filter(lambda w: w.timezone in ("Asia/Ho_Chi_Minh", "UTC")),
    spans=st.lists(ranges, min_size=1, max_size=4),
)
def test_anchored_queries_match_plain_iteration(
    w: MaintenanceWindow, spans: list[tuple[int, int]]
) -> None:
    # Zones without DST, where dateutil's own zoned iteration is exact; the queries in
    # any order, as anchors from earlier queries (also of earlier examples) persist.
    for from_ms, to_ms in spans:
        assert occurrences(w, from_ms, to_ms) == reference(w, from_ms, to_ms)


def test_thousand_windows_for_one_device_over_thirty_days() -> None:
    rules = ["FREQ=DAILY", "FREQ=WEEKLY;BYDAY=SU,WE", "FREQ=MONTHLY;BYDAY=1MO", None]
    windows = [
        window(
            id=f"w{i}",
            start=dt.datetime(2023, 1, 1) + dt.timedelta(minutes=37 * i),
            duration_s=1800,
            rrule=rules[i % len(rules)],
        )
        for i in range(1000)
    ]
    span = (utc_ms(2025, 6, 1), utc_ms(2025, 7, 1))
    first = windows_for(device(), windows, *span)
    # The same range again (another device under the same windows) is answered from the
    # per-rule cache, and must give the same answer. How fast: bench/maintenance.py.
    again = windows_for(device(), windows, *span)
    assert first == again and first


# -- over the past --------------------------------------------------------------------


def test_a_window_is_retroactive_when_its_first_occurrence_began_before_it_was_made() -> None:
    # 2025-07-01 22:00 local is 15:00 UTC.
    start_ms = utc_ms(2025, 7, 1, 15)
    one_off = window()
    # A "from now" form and a little clock skew: up to a minute is not the past.
    assert not is_retroactive(one_off, start_ms + 60_000)
    assert is_retroactive(one_off, start_ms + 60_001)
    assert not is_retroactive(one_off, start_ms - DAY_MS)  # planned ahead
    weekly = window(rrule="FREQ=WEEKLY;BYDAY=TU")  # 1 July 2025 is a Tuesday
    assert is_retroactive(weekly, start_ms + 8 * DAY_MS)
    # The rule's first occurrence, not the start, says whether it covers the past:
    # started on a Tuesday, it first occurs on Sunday 6 July.
    sundays = window(rrule="FREQ=WEEKLY;BYDAY=SU")
    assert not is_retroactive(sundays, start_ms + 2 * DAY_MS)
    assert is_retroactive(sundays, start_ms + 6 * DAY_MS)
    # A rule that ends before it starts never occurs: it covers nothing.
    never = window(rrule="FREQ=DAILY;UNTIL=20250601")
    assert not is_retroactive(never, start_ms + 30 * DAY_MS)
