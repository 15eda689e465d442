"""Indicators of planned places with a working device: R2 (villages with a working
loudspeaker cluster) and C2 (key locations watched by a working camera). The
denominator is every place of the inventory, with or without a device: what was
planned, not only what exists (docs/domain.md#indicators)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence

from xaso.server.indicators.context import Context, Frame
from xaso.server.indicators.inputs import indicator_window
from xaso.server.indicators.measures import Bounds, DeviceFigure, ratio_verdict
from xaso.server.indicators.profile import Indicator
from xaso.server.indicators.result import EvidenceItem, IndicatorResult
from xaso.server.indicators.snapshot import MemberDevice, Place
from xaso.server.indicators.wording import (
    Said,
    device_item,
    joined,
    num,
    num_en,
    state_text,
    working_text,
)

__all__ = ["key_location_coverage", "village_radio_coverage"]


# What a place without a device of the kind says.
NO_DEVICE: dict[str, Said] = {
    "radio_cluster": ("không có cụm loa", "no loudspeaker cluster"),
    "camera": ("không có camera", "no camera"),
}


def _device_state(figure: DeviceFigure) -> Said:
    """One of a place's devices, by name, with its state and availability."""
    name = figure.device.entry.name
    vi, en = state_text(figure)
    if figure.percent is None:
        return f"{name}: {vi}", f"{name}: {en}"
    return (
        f"{name}: {vi} ({num(figure.percent)}%)",
        f"{name}: {en} ({num_en(figure.percent)}%)",
    )


def _covered_places(
    ctx: Context,
    indicator: Indicator,
    places: Sequence[Place],
    kind: str,
    place_of: Callable[[MemberDevice], str | None],
    item_kind: str,
    method: tuple[str, str],
    what: tuple[str, str],
) -> IndicatorResult:
    """The share of planned places (villages, key locations) with at least one working
    device of ``kind`` (R2, C2). Places without any device count in the denominator."""
    working = ctx.profile.working(indicator)
    window = indicator_window(working, ctx.snap, ctx.now_ms)
    if not places:
        return ctx.result(
            Frame(indicator, method, "telemetry", window),
            "not_applicable",
            reason=(f"Không có {what[0]} nào trong danh mục", f"No {what[1]} in the inventory"),
        )
    by_place: dict[str, list[DeviceFigure]] = defaultdict(list)
    for figure in ctx.figures(kind, working):
        code = place_of(figure.device)
        if code is not None:
            by_place[code].append(figure)
    yes = unknown = 0
    items: list[EvidenceItem] = []
    undecided: list[str] = []
    for place in places:
        figures = by_place.get(place.code, [])
        states = {f.state for f in figures}
        counted = True if "working" in states else (None if "unknown" in states else False)
        yes += counted is True
        unknown += counted is None
        if counted is None:
            undecided.append(place.name)
        if not figures:
            note = NO_DEVICE.get(kind, ("không có thiết bị", "no device"))
        else:
            note = joined([_device_state(f) for f in figures])
        items.append(
            EvidenceItem(
                kind=item_kind,
                id=place.code,
                label=place.name,
                counted=counted,
                note=note[0],
                note_en=note[1],
                from_ms=max(place.from_ms, ctx.snap.from_ms),
                to_ms=place.to_ms,
            )
        )
    items += [
        device_item(f, f.state == "working", ctx.place_name(f.device))
        for f in ctx.figures(kind, working)
    ]
    bounds = Bounds(yes, unknown, len(places))
    verdict, value = ratio_verdict(bounds, indicator, percent=True)
    reason = ("", "")
    if verdict == "insufficient_data":
        reason = (
            f"Chưa đủ dữ liệu để kết luận cho {what[0]}: {', '.join(undecided)}",
            f"Not enough data to decide for {what[1]}: {', '.join(undecided)}",
        )
    return ctx.result(
        Frame(indicator, method, "telemetry", window),
        verdict,
        value=value,
        numerator=yes,
        denominator=len(places),
        reason=reason,
        evidence=items,
    )


def village_radio_coverage(ctx: Context, indicator: Indicator) -> IndicatorResult:
    vi, en = working_text(ctx.profile.working(indicator))
    method = (
        f"Số thôn có ít nhất một cụm loa {vi} ÷ tổng số thôn theo danh mục (kể cả thôn chưa "
        "có cụm loa) × 100.",
        f"Villages with at least one cluster {en} ÷ all villages of the inventory (including "
        "villages with no cluster yet) × 100.",
    )
    return _covered_places(
        ctx,
        indicator,
        ctx.snap.villages,
        "radio_cluster",
        lambda d: d.entry.village,
        "village",
        method,
        ("thôn", "villages"),
    )


def key_location_coverage(ctx: Context, indicator: Indicator) -> IndicatorResult:
    vi, en = working_text(ctx.profile.working(indicator))
    method = (
        f"Số địa điểm trọng yếu có ít nhất một camera {vi} ÷ tổng số địa điểm trọng yếu "
        "theo danh mục × 100.",
        f"Key locations with at least one camera {en} ÷ all key locations of the inventory × 100.",
    )
    return _covered_places(
        ctx,
        indicator,
        ctx.snap.key_locations,
        "camera",
        lambda d: d.entry.location,
        "key_location",
        method,
        ("địa điểm trọng yếu", "key locations"),
    )
