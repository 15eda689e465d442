"""The maintenance form's meaning: the rule builder both ways, a rule in words, the next
occurrences, and the API's problems in words."""

from __future__ import annotations

import datetime as dt

from multidict import MultiDict

from tests.messages import small_index
from xaso.server.monitoring.maintenance import MaintenanceWindow
from xaso.server.web.pages.maintenance_form import (
    WindowForm,
    next_occurrences,
    problem_text,
    rule_text,
)
from xaso.server.words import translator

VI, EN = translator("vi"), translator("en")
MONDAY = dt.datetime(2027, 1, 4, 22, 0)  # a Monday, wall time


def window(rule: str | None, start: dt.datetime = MONDAY, hours: float = 2) -> MaintenanceWindow:
    return MaintenanceWindow(
        id="mw-1", scope="commune", target="alpha", start=start, duration_s=hours * 3600, rrule=rule
    )


def test_the_builder_makes_the_rules_people_mean() -> None:
    posted = MultiDict(
        [("repeat", "weekly"), ("weekday", "TH"), ("weekday", "MO"), ("until", "2027-03-31")]
    )
    assert WindowForm.posted(posted).rule() == "FREQ=WEEKLY;BYDAY=MO,TH;UNTIL=20270331"
    assert WindowForm(repeat="daily").rule() == "FREQ=DAILY"
    assert WindowForm(repeat="monthly", until="").rule() == "FREQ=MONTHLY"
    assert WindowForm(repeat="once", rrule="FREQ=DAILY").rule() is None
    assert (
        WindowForm(repeat="advanced", rrule="FREQ=YEARLY;COUNT=3").rule() == "FREQ=YEARLY;COUNT=3"
    )
    assert WindowForm.posted(MultiDict([("repeat", "sometimes")])).repeat == "once"


def test_a_window_comes_back_into_the_builder_or_as_its_rule() -> None:
    index = small_index()
    weekly = WindowForm.of_window(window("FREQ=WEEKLY;BYDAY=MO,TH;UNTIL=20270331"), index)
    assert (weekly.repeat, weekly.weekdays, weekly.until) == ("weekly", ["MO", "TH"], "2027-03-31")
    assert (weekly.commune, weekly.target, weekly.start) == (
        "alpha",
        "commune:alpha",
        "2027-01-04T22:00",
    )
    assert (weekly.hours, weekly.minutes) == ("2", "0")
    odd = WindowForm.of_window(window("FREQ=MONTHLY;BYDAY=1SU"), index)
    assert (odd.repeat, odd.rrule) == ("advanced", "FREQ=MONTHLY;BYDAY=1SU")
    assert WindowForm.of_window(window(None), index).repeat == "once"


def test_rules_in_words() -> None:
    assert rule_text(None, MONDAY, VI) == "Một lần"
    assert rule_text("FREQ=WEEKLY", MONDAY, VI) == "Hằng tuần vào Thứ Hai"
    assert (
        rule_text("FREQ=WEEKLY;INTERVAL=2;BYDAY=SA,SU;UNTIL=20270331", MONDAY, VI)
        == "Cứ 2 tuần một lần vào Thứ Bảy, Chủ nhật, đến hết ngày 31/03/2027"
    )
    assert rule_text("FREQ=MONTHLY;COUNT=6", MONDAY, EN) == "Every month on day 4, 6 times"
    assert rule_text("FREQ=DAILY", MONDAY, EN) == "Every day"
    # What the words do not cover is shown as written.
    assert rule_text("FREQ=MONTHLY;BYDAY=1SU", MONDAY, VI) is None
    assert rule_text("FREQ=YEARLY;BYMONTH=1", MONDAY, VI) is None


def test_the_next_occurrences_begin_with_the_one_running() -> None:
    start_ms = int(MONDAY.replace(tzinfo=dt.timezone(dt.timedelta(hours=7))).timestamp() * 1000)
    weekly = window("FREQ=WEEKLY;BYDAY=MO,TH")
    found = next_occurrences(weekly, start_ms + 3_600_000, 10)  # an hour into the first
    assert len(found) == 10 and found[0][0] == start_ms
    assert found[1][0] == start_ms + 3 * 86_400_000  # the Thursday
    yearly = window("FREQ=YEARLY")
    assert len(next_occurrences(yearly, start_ms, 10)) == 10  # ten years ahead
    assert next_occurrences(window(None), start_ms + 3 * 3_600_000, 10) == []


def test_the_apis_problems_in_words() -> None:
    assert problem_text("reason: say why, in a non-empty text (JSON body or ?reason=)", VI) == (
        "Hãy ghi lý do."
    )
    assert problem_text(
        "rrule: FREQ=MINUTELY is not allowed: a maintenance window recurs at most hourly", VI
    ).startswith("Khung bảo trì lặp nhiều nhất mỗi giờ")
    # A specific problem keeps the API's own words.
    said = problem_text("rrule: not a valid RFC 5545 rule: invalid weekday XX", VI)
    assert said == "Quy tắc lặp không hợp lệ (not a valid RFC 5545 rule: invalid weekday XX)"
    assert problem_text("something new", VI) == "something new"
