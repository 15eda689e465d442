"""The indicators section's period: the picker's fields become the API's period, the
periods before and after step by the same kind, a custom range keeps its days."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from aiohttp import web

from xaso.server.indicators.period import parse_period
from xaso.server.indicators.reports.overview import PeriodRef
from xaso.server.web.pages.indicators_shared import _picked_query, describe_period

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def _ref(label: str) -> PeriodRef:
    return PeriodRef(label, *parse_period(label, TZ))


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"kind": "quarter", "year": "2026", "quarter": "3"}, {"period": "2026-Q3"}),
        ({"kind": "month", "year": "2026", "month": "2"}, {"period": "2026-02"}),
        ({"kind": "year", "year": "2025", "month": "2"}, {"period": "2025"}),
        (
            {"kind": "custom", "first": "2026-07-01", "last": "2026-07-10", "year": "x"},
            {"from": "2026-07-01", "to": "2026-07-11"},
        ),
    ],
)
def test_the_pickers_fields_name_the_period_as_the_api_does(
    fields: dict[str, str], expected: dict[str, str]
) -> None:
    assert _picked_query(fields) == expected


@pytest.mark.parametrize(
    "fields",
    [
        {"kind": "quarter", "year": "26", "quarter": "3"},
        {"kind": "month", "year": "2026", "month": "x"},
        {"kind": "custom", "first": "2026-07-01"},
        {"kind": "week", "year": "2026"},
    ],
)
def test_a_picker_that_names_no_period_is_refused(fields: dict[str, str]) -> None:
    with pytest.raises(web.HTTPBadRequest):
        _picked_query(fields)


def test_a_quarter_steps_to_the_quarters_around_it_across_a_year() -> None:
    chosen = describe_period(_ref("2026-Q1"), TZ, "vi")
    assert chosen.name == "Quý 1/2026"
    assert chosen.kind == "quarter"
    assert chosen.query == (("period", "2026-Q1"),)
    assert chosen.earlier.label == "2025-Q4"
    assert chosen.later.label == "2026-Q2"
    assert (chosen.first_day, chosen.last_day) == (dt.date(2026, 1, 1), dt.date(2026, 3, 31))


def test_a_month_and_a_year_step_by_their_own_kind() -> None:
    assert describe_period(_ref("2026-12"), TZ, "vi").later.label == "2027-01"
    assert describe_period(_ref("2026"), TZ, "en").earlier.label == "2025"


def test_a_custom_range_is_named_by_its_days_and_steps_by_its_length() -> None:
    ref = PeriodRef("", *parse_period("2026-07-01", TZ)[:1], parse_period("2026-07-11", TZ)[0])
    chosen = describe_period(ref, TZ, "vi")
    assert chosen.kind == "custom"
    assert chosen.query == (("from", "2026-07-01"), ("to", "2026-07-11"))
    assert chosen.name == "01/07/2026 – 10/07/2026"
    assert chosen.later.from_ms == ref.to_ms
    assert chosen.later.to_ms - chosen.later.from_ms == ref.to_ms - ref.from_ms
