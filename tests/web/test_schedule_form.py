"""The schedule editor's meaning without a browser: the rule built both ways (weekdays,
a number of times, an end day, days skipped), the slot's length, and problems in words."""

from __future__ import annotations

import datetime as dt

import msgspec
from multidict import MultiDict

from xaso.server.broadcasts.schedule import Content, Schedule, Targets
from xaso.server.web.pages.maintenance_form import rule_text
from xaso.server.web.pages.schedule_form import ScheduleForm, api_problem, speech_estimate_s
from xaso.server.words import translator

VI, EN = translator("vi"), translator("en")
MONDAY = dt.datetime(2027, 1, 4, 6, 0)


def test_weekdays_ten_times_and_skipped_days_both_ways() -> None:
    form = ScheduleForm.posted(
        MultiDict(
            [
                ("title", "Bản tin"),
                ("kind", "tts"),
                ("text", "Kính thưa bà con"),
                ("start", "2027-01-04T06:00"),
                ("repeat", "workdays"),
                ("ends", "count"),
                ("count", "10"),
                ("until", "2027-03-01"),  # typed, then "after 10 times" chosen: left out
                ("skip", "2027-01-06"),
                ("skip", ""),
                ("zone", "xuan-hong.thon-1"),
            ]
        )
    )
    assert form.problems() == []
    assert form.rule() == "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;COUNT=10"
    body = form.body("Asia/Ho_Chi_Minh", None)
    assert body["skip_dates"] == ["2027-01-06"] and body["targets"]["zones"] == ["xuan-hong.thon-1"]
    schedule = Schedule(
        id="x",
        commune="xuan-hong",
        title="Bản tin",
        content=Content(type="tts", text="Kính thưa bà con", duration_s=95),
        start=MONDAY,
        rrule=form.rule(),
        skip_dates=[dt.date(2027, 1, 6)],
        targets=Targets(zones=["xuan-hong.thon-1"]),
    )
    again = ScheduleForm.of_schedule(schedule)
    assert (again.repeat, again.ends, again.count, again.skip) == (
        "workdays",
        "count",
        "10",
        ["2027-01-06"],
    )
    assert (again.minutes, again.seconds) == ("1", "35")
    assert rule_text(schedule.rrule, MONDAY, VI) == "Các ngày trong tuần (T2–T6), 10 lần"
    assert rule_text("FREQ=WEEKLY;BYDAY=MO,WE", MONDAY, EN) == "Every week on Monday, Wednesday"


def test_the_slot_comes_from_the_file_or_the_text_unless_typed() -> None:
    assert ScheduleForm(kind="file", sha256="a" * 64).duration_s(95.2) == 96
    spoken = ScheduleForm(kind="tts", text="một hai ba bốn năm sáu bảy tám chín mười")
    assert spoken.duration_s(None) == speech_estimate_s(spoken.text) == 7
    assert ScheduleForm(kind="tts", text="x", minutes="2", seconds="5").duration_s(None) == 125
    assert ("content", "sched.form.duration_invalid") in ScheduleForm(
        kind="tts", text="x", minutes="-1", start="2027-01-04T06:00"
    ).problems()


def test_the_apis_problems_land_next_to_their_fields() -> None:
    assert api_problem("title: must not be empty", VI) == ("title", "Hãy nhập tiêu đề.")
    section, text = api_problem("targets.zones: 'x' is not a village of Xã Xuân Hồng", VI)
    assert section == "targets" and text.startswith("Thôn không thuộc xã")
    assert api_problem("rrule: FREQ=MINUTELY is not allowed: …", EN)[0] == "when"


def test_a_start_keeps_its_seconds_both_ways() -> None:
    # An officer starting a bulletin in a moment types seconds (the input steps by one).
    form = ScheduleForm.posted(
        MultiDict([("kind", "tts"), ("text", "Alô"), ("start", "2027-01-04T06:00:15")])
    )
    assert form.problems() == []
    assert form.body("Asia/Ho_Chi_Minh", None)["start"] == "2027-01-04T06:00:15"
    schedule = Schedule(
        id="x",
        commune="xuan-hong",
        title="Alô",
        content=Content(type="tts", text="Alô", duration_s=5),
        start=dt.datetime(2027, 1, 4, 6, 0, 15),
    )
    assert ScheduleForm.of_schedule(schedule).start == "2027-01-04T06:00:15"
    schedule = msgspec.structs.replace(schedule, start=MONDAY)
    assert ScheduleForm.of_schedule(schedule).start == "2027-01-04T06:00"  # whole minutes
