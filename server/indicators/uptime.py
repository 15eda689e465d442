"""R6 and C3: the time-weighted availability of a commune's installed loudspeaker
clusters or cameras over the indicator's window, every device-hour weighing the same;
insufficient data when too little of the expected time is known."""

from __future__ import annotations

from xaso.server.indicators.context import Context, Frame
from xaso.server.indicators.inputs import indicator_window
from xaso.server.indicators.measures import hours
from xaso.server.indicators.profile import Indicator
from xaso.server.indicators.result import IndicatorResult, Verdict
from xaso.server.indicators.wording import device_item, num, outage_items, window_text
from xaso.server.monitoring.availability import Availability

__all__ = ["camera_availability", "radio_availability"]


def availability_result(
    ctx: Context, indicator: Indicator, kind: str, what: tuple[str, str]
) -> IndicatorResult:
    """Time-weighted availability over the installed devices of ``kind`` (R6, C3)."""
    vi, en = window_text(indicator)
    excused_vi = ", thời gian được miễn trừ" if ctx.data.excused_excluded else ""
    excused_en = ", excused periods" if ctx.data.excused_excluded else ""
    method = (
        f"Khả dụng tính theo thời gian của các {what[0]} đã lắp đặt {vi}: 1 − thời gian mất "
        f"kết nối ÷ thời gian đã biết. Thời gian bảo trì{excused_vi} tính là hoạt động; thời "
        f"gian không rõ (gateway mất kết nối, chưa từng báo) không tính. Không đủ dữ liệu khi "
        f"biết dưới {num(indicator.min_known_pct)}% thời gian.",
        f"Time-weighted availability of the installed {what[1]} {en}: 1 − down time ÷ known "
        f"time. Maintenance{excused_en} counts as available; unknown time (gateway down, never "
        f"heard) is left out. Insufficient data below {indicator.min_known_pct:g}% of the time "
        "known.",
    )
    if indicator.picture == "required":
        method = (
            method[0] + " Camera chỉ được tính là hoạt động khi vừa kết nối vừa có hình ảnh dùng "
            "được (không bị che, quá tối, bị mờ hay đứng hình).",
            method[1] + " A camera counts as available only while online with a usable picture "
            "(not covered, too dark, blurred or frozen).",
        )
    window = indicator_window(indicator, ctx.snap, ctx.now_ms)
    figures = ctx.figures(kind, indicator)
    measured = [f for f in figures if f.state != "planned" and f.expected_ms > 0]
    total = sum((f.figure for f in measured), Availability())
    expected_ms = sum(f.expected_ms for f in measured)
    items = [device_item(f, f.figure.known_ms > 0, ctx.place_name(f.device)) for f in figures]
    items += outage_items(measured)
    frame = Frame(indicator, method, "telemetry", window)
    if not figures:
        return ctx.result(
            frame,
            "not_applicable",
            reason=(f"Không có {what[0]} nào trong danh mục", f"No {what[1]} in the inventory"),
            evidence=items,
        )
    percent = total.percent
    numerator = hours(total.known_ms - total.down_ms)
    denominator = hours(total.known_ms)
    if not measured:
        reason = (f"Chưa có {what[0]} nào được lắp đặt", f"No {what[1]} installed yet")
    elif total.up_ms + total.down_ms <= 0 or percent is None:
        reason = (
            f"Không có dữ liệu trạng thái của {what[0]} trong kỳ",
            f"No status data of the {what[1]} in the period",
        )
    elif total.known_ms * 100 < indicator.min_known_pct * expected_ms:
        known = 100 * total.known_ms / expected_ms
        reason = (
            f"Chỉ biết {num(known)}% thời gian (cần ≥ {num(indicator.min_known_pct)}%)",
            f"Only {known:.2f}% of the time known (needs ≥ {indicator.min_known_pct:g}%)",
        )
    else:
        verdict: Verdict = "met" if indicator.meets(percent) else "not_met"
        return ctx.result(
            frame,
            verdict,
            value=percent,
            numerator=numerator,
            denominator=denominator,
            evidence=items,
        )
    return ctx.result(
        frame,
        "insufficient_data",
        value=percent,
        numerator=numerator if percent is not None else None,
        denominator=denominator if percent is not None else None,
        reason=reason,
        evidence=items,
    )


def radio_availability(ctx: Context, indicator: Indicator) -> IndicatorResult:
    return availability_result(ctx, indicator, "radio_cluster", ("cụm loa", "loudspeaker clusters"))


def camera_availability(ctx: Context, indicator: Indicator) -> IndicatorResult:
    return availability_result(ctx, indicator, "camera", ("camera", "cameras"))
