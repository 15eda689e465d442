"""Remediation plans for the demo: a newcomer opening the "Khắc phục" tab sees what a
plan looks like, one waiting for the verifier and one overdue.

The communes are evaluated over the last two full quarters on their simulated history;
for the first indicator not met in each quarter (communes in the inventory's order), a
plan is written as a commune officer would: the last quarter's waits for the verifier,
the earlier one was accepted and its deadline has passed (overdue). Only when there is
no plan yet, so a kept ``--data-dir`` is left as it is.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from aiohttp import web

from xaso.server.indicators.gather.remediation import Author, PlanFields, Shortfall
from xaso.server.indicators.keys import EVALUATE, REMEDIATION
from xaso.server.indicators.period import local_day
from xaso.server.indicators.reports.overview import PeriodRef
from xaso.server.indicators.reports.period import previous_periods, quarter_of
from xaso.server.indicators.result import IndicatorResult
from xaso.server.indicators.wiring import indicator_sources
from xaso.server.keys import INDEX

OFFICER = Author("Cán bộ xã (demo)", "demo", "operator")
VERIFIER = Author("Thẩm định (demo)", "demo", "verifier")
_DAY_MS = 86_400_000

# What a commune typically writes, by indicator; anything else gets the last line.
_CAUSES = {
    "R2": (
        "Cụm loa ở một số thôn mất điện kéo dài, chưa có bộ lưu điện",
        "trưởng đài truyền thanh xã",
    ),
    "R6": ("Cụm loa mất kết nối do sóng 4G yếu ở thôn xa", "công chức văn hoá – xã hội"),
    "C2": ("Camera tại chợ và cổng trường hỏng nguồn, chưa thay", "công an xã"),
    "C3": ("Camera mất kết nối nhiều giờ do đường truyền không ổn định", "công an xã"),
}
_OTHER = ("Thiết bị hoạt động không ổn định trong kỳ", "công chức văn hoá – xã hội")
_STEPS = (
    "Khảo sát, lập danh sách thiết bị lỗi",
    "Sửa chữa, thay thế thiết bị; lắp bộ lưu điện nơi hay mất điện",
    "Theo dõi hằng tuần trên hệ thống, báo cáo UBND xã",
)


def _quarters(now_ms: int, tz: ZoneInfo) -> list[PeriodRef]:
    """The last two full quarters, the older first."""
    return previous_periods(quarter_of(now_ms, tz), 2, tz)


async def seed_remediation(app: web.Application, now_ms: int) -> int:
    """Plans for a commune's indicator not met in each of the last two quarters, if
    there is no plan yet: how many were written."""
    store = app[REMEDIATION]
    index = app[INDEX]
    if store.find():
        return 0
    tz = ZoneInfo(index.inventory.timezone)
    communes = list(index.communes)
    written = 0
    for age, period in enumerate(reversed(_quarters(now_ms, tz))):
        evaluations = await app[EVALUATE](
            indicator_sources(app), communes, period.from_ms, period.to_ms, now_ms=now_ms
        )
        failing = [(e.commune, r) for e in evaluations for r in e.results if r.verdict == "not_met"]
        if failing:
            commune, result = failing[0]
            _write(app, commune, period, result, now_ms, older=age == 1)
            written += 1
    return written


def _write(
    app: web.Application,
    commune: str,
    period: PeriodRef,
    result: IndicatorResult,
    now_ms: int,
    *,
    older: bool,
) -> None:
    """The last quarter's plan waits for the verifier, due in two months; the one before
    was accepted and its deadline passed ten days ago."""
    store = app[REMEDIATION]
    tz = store.tz
    cause, who = _CAUSES.get(result.indicator, _OTHER)
    today = local_day(now_ms, tz)
    deadline = today - dt.timedelta(days=10) if older else today + dt.timedelta(days=60)
    written_ms = period.to_ms + 5 * _DAY_MS
    plan = store.submit(
        Shortfall(
            commune=commune,
            from_ms=period.from_ms,
            to_ms=period.to_ms,
            period=period.label,
            indicator=result.indicator,
            name=result.name,
            name_en=result.name_en,
        ),
        PlanFields(cause=cause, steps=_STEPS, deadline=deadline, responsible=f"UBND xã, {who}"),
        OFFICER,
        min(written_ms, now_ms),
    )
    if older:
        store.review(
            plan.id,
            "accepted",
            "Đồng ý, báo cáo khi hoàn thành.",
            VERIFIER,
            min(written_ms + 2 * _DAY_MS, now_ms),
        )
