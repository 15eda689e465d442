"""The standing relay: the officer's description checked, turned into a schedule of the
lowest class and back, its occurrences for the calendar, and no collision with
bulletins."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import msgspec

from tests.paths import REPO
from xaso.inventory import load_inventory
from xaso.server.broadcasts.schedule import (
    Content,
    Schedule,
    Targets,
    conflicts,
    occurrences,
    schedule_problems,
)
from xaso.server.broadcasts.standing_relay import (
    StandingRelay,
    relay_of,
    relay_problems,
    relay_schedule,
)

INDEX = load_inventory(REPO / "devices.yaml").index()
DAY = dt.date(2027, 1, 5)
VN = ZoneInfo("Asia/Ho_Chi_Minh")
RELAY = StandingRelay(url="http://radio.example/tinh", start_time="05:00", end_time="22:00")


def local_ms(*parts: int) -> int:
    return int(dt.datetime(*parts, tzinfo=VN).timestamp() * 1000)  # type: ignore[misc]


def as_schedule(relay: StandingRelay = RELAY) -> Schedule:
    return relay_schedule(
        relay,
        schedule_id="ts-xuan-hong",
        commune="xuan-hong",
        today=DAY,
        timezone="Asia/Ho_Chi_Minh",
        created_by="can-bo",
        revision=1,
    )


def test_every_problem_is_named_by_its_field() -> None:
    bad = StandingRelay(
        url="ftp://x", start_time="25:00", end_time="5:00", weekdays=["MO", "MO"], title="x" * 201
    )
    assert [p.split(":")[0] for p in relay_problems(bad)] == [
        "relay.url",
        "relay.start_time",
        "relay.end_time",
        "relay.weekdays",
        "relay.title",
    ]
    same = msgspec.structs.replace(RELAY, end_time="05:00")
    assert relay_problems(same) == ["relay.end_time: must differ from start_time"]
    assert relay_problems(RELAY) == []


def test_a_relay_is_a_daily_background_schedule_of_its_hours_and_comes_back_the_same() -> None:
    schedule = as_schedule()
    assert (schedule.priority, schedule.rrule, schedule.content.type) == (
        "background",
        "FREQ=DAILY",
        "relay",
    )
    assert schedule.content.duration_s == 17 * 3600
    assert schedule.title == "Tiếp sóng Đài tỉnh"
    assert schedule_problems(schedule, INDEX, DAY) == []
    assert relay_of(schedule) == msgspec.structs.replace(RELAY, title="Tiếp sóng Đài tỉnh")

    night = StandingRelay(
        url="rtsp://vov.example/1",
        start_time="22:00",
        end_time="05:30",
        source="central",
        weekdays=["SU", "SA"],
        targets=Targets(zones=["xuan-hong.thon-1"]),
        on=False,
    )
    schedule = as_schedule(night)
    assert schedule.rrule == "FREQ=WEEKLY;BYDAY=SA,SU" and schedule.paused
    assert schedule.content.duration_s == 7.5 * 3600
    assert relay_of(schedule) == msgspec.structs.replace(
        night, title="Tiếp sóng Đài Trung ương", weekdays=["SA", "SU"]
    )


def test_the_calendar_finds_its_slots_with_the_schedules_occurrences() -> None:
    schedule = as_schedule()
    found = occurrences(schedule, local_ms(2027, 1, 6), local_ms(2027, 1, 8))
    assert found == [
        (local_ms(2027, 1, 6, 5), local_ms(2027, 1, 6, 22)),
        (local_ms(2027, 1, 7, 5), local_ms(2027, 1, 7, 22)),
    ]
    # Switched off: no slot at all.
    assert occurrences(as_schedule(msgspec.structs.replace(RELAY, on=False)), 0, 2**42) == []


def test_background_is_for_a_relay_of_up_to_a_day() -> None:
    schedule = as_schedule()
    spoken = msgspec.structs.replace(schedule, content=Content(type="tts", text="x", duration_s=60))
    assert [p.split(":")[0] for p in schedule_problems(spoken, INDEX, DAY)] == ["priority"]
    too_long = msgspec.structs.replace(
        schedule, content=msgspec.structs.replace(schedule.content, duration_s=24 * 3600 + 1)
    )
    assert [p.split(":")[0] for p in schedule_problems(too_long, INDEX, DAY)] == [
        "content.duration_s"
    ]


def test_a_relay_and_a_bulletin_do_not_collide_but_two_relays_do() -> None:
    relay = as_schedule()
    news = Schedule(
        id="ban-tin",
        commune="xuan-hong",
        title="Bản tin",
        content=Content(type="tts", text="x", duration_s=600),
        start=dt.datetime(2027, 1, 5, 6, 0),
        rrule="FREQ=DAILY",
    )
    window = (local_ms(2027, 1, 5), local_ms(2027, 1, 9))
    assert conflicts(relay, [news], INDEX, *window) == []
    assert conflicts(news, [relay], INDEX, *window) == []
    other = msgspec.structs.replace(relay, id="ts-other")
    [collision] = conflicts(relay, [other], INDEX, *window)
    assert collision.first == "same"
