"""How the evaluation reads: numbers the Vietnamese way, the windows and device states
in words, and the evidence items of devices and outages (Vietnamese first, English
second: docs/domain.md#language-and-time)."""

from __future__ import annotations

from collections.abc import Sequence

from xaso.server.indicators.measures import DeviceFigure, hours
from xaso.server.indicators.profile import Indicator
from xaso.server.indicators.result import EvidenceItem

__all__ = [
    "STATE_VI",
    "device_item",
    "num",
    "outage_items",
    "state_text",
    "window_text",
    "working_text",
]


def num(value: float) -> str:
    """A number as Vietnamese writes it: decimal comma, no trailing zeros."""
    return f"{value:.2f}".rstrip("0").rstrip(".").replace(".", ",")


def window_text(indicator: Indicator) -> tuple[str, str]:
    if indicator.window == "trailing":
        days = indicator.window_days
        return f"trong {days} ngày đến hết kỳ", f"over the {days} days to the end of the period"
    return "trong kỳ", "over the period"


def working_text(working: Indicator) -> tuple[str, str]:
    vi, en = window_text(working)
    return (
        f"đạt {working.id} (khả dụng ≥ {num(working.threshold)}% {vi})",
        f"meeting {working.id} (availability ≥ {working.threshold:g}% {en})",
    )


STATE_VI = {
    "working": "đạt",
    "not_working": "không đạt",
    "unknown": "không đủ dữ liệu",
    "planned": "dự kiến, chưa lắp đặt",
}


def state_text(figure: DeviceFigure) -> str:
    parts = figure.figure
    if figure.state == "unknown" and parts.excluded_ms and not parts.up_ms + parts.down_ms:
        return "bảo trì/miễn trừ suốt thời gian xét"  # nothing observed either way
    return STATE_VI[figure.state]


def _figure_note(figure: DeviceFigure) -> str:
    parts = figure.figure
    if figure.state == "planned":
        return STATE_VI["planned"]
    return (
        f"{state_text(figure)}; hoạt động {num(hours(parts.up_ms))} h, "
        f"mất kết nối {num(hours(parts.down_ms))} h, không rõ {num(hours(parts.unknown_ms))} h, "
        f"bảo trì/miễn trừ {num(hours(parts.excluded_ms))} h"
    )


def device_item(figure: DeviceFigure, counted: bool | None, note: str = "") -> EvidenceItem:
    entry = figure.device.entry
    place = entry.village or entry.location
    text = note or _figure_note(figure)
    return EvidenceItem(
        kind="device",
        id=entry.id,
        label=entry.name,
        value=figure.percent,
        counted=counted,
        note=f"{text} ({place})" if place else text,
        from_ms=figure.window.from_ms if figure.state != "planned" else None,
        to_ms=figure.window.to_ms if figure.state != "planned" else None,
    )


def outage_items(figures: Sequence[DeviceFigure]) -> list[EvidenceItem]:
    items = []
    for figure in figures:
        for outage in figure.outages:
            notes = []
            if outage.ongoing:
                notes.append("đang diễn ra")
            if outage.excluded_ms:
                notes.append(f"trong đó {num(hours(outage.excluded_ms))} h được loại trừ")
            items.append(
                EvidenceItem(
                    kind="outage",
                    id=figure.device.entry.id,
                    label=outage.cause,
                    value=hours(outage.duration_ms),
                    note="; ".join(notes),
                    from_ms=outage.start_ms,
                    to_ms=outage.end_ms,
                )
            )
    return items
