"""How the evaluation reads, in both languages (docs/domain.md#language-and-time):
numbers the Vietnamese way and the English way, the windows and device states in words,
and the evidence items of devices and outages, each note said in Vietnamese (``note``)
and in English (``note_en``). Places and devices are named, never coded: a note is read
by a verifier, not by a program."""

from __future__ import annotations

from collections.abc import Sequence

from xaso.server.indicators.measures import DeviceFigure, hours
from xaso.server.indicators.profile import Indicator
from xaso.server.indicators.result import EvidenceItem

__all__ = [
    "STATE_TEXT",
    "Said",
    "device_item",
    "joined",
    "num",
    "num_en",
    "outage_items",
    "state_text",
    "window_text",
    "working_text",
]

Said = tuple[str, str]  # (Vietnamese, English)


def num(value: float) -> str:
    """A number as Vietnamese writes it: decimal comma, no trailing zeros."""
    return f"{value:.2f}".rstrip("0").rstrip(".").replace(".", ",")


def num_en(value: float) -> str:
    """The same number as English writes it: decimal point, no trailing zeros."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def joined(parts: Sequence[Said], separator: str = "; ") -> Said:
    """Notes said one after the other, in each language."""
    return separator.join(vi for vi, _ in parts), separator.join(en for _, en in parts)


def window_text(indicator: Indicator) -> Said:
    if indicator.window == "trailing":
        days = indicator.window_days
        return f"trong {days} ngày đến hết kỳ", f"over the {days} days to the end of the period"
    return "trong kỳ", "over the period"


def working_text(working: Indicator) -> Said:
    vi, en = window_text(working)
    if working.picture == "required":
        vi, en = f"{vi}, tính cả hình ảnh dùng được", f"{en}, a usable picture included"
    return (
        f"đạt {working.id} (khả dụng ≥ {num(working.threshold)}% {vi})",
        f"meeting {working.id} (availability ≥ {working.threshold:g}% {en})",
    )


STATE_TEXT: dict[str, Said] = {
    "working": ("đạt", "working"),
    "not_working": ("không đạt", "not working"),
    "unknown": ("không đủ dữ liệu", "not enough data"),
    "planned": ("dự kiến, chưa lắp đặt", "planned, not installed"),
}


def state_text(figure: DeviceFigure) -> Said:
    parts = figure.figure
    if figure.state == "unknown" and parts.excluded_ms and not parts.up_ms + parts.down_ms:
        # Nothing observed either way.
        return (
            "bảo trì/miễn trừ suốt thời gian xét",
            "in maintenance or excused all the time looked at",
        )
    return STATE_TEXT[figure.state]


def _figure_note(figure: DeviceFigure) -> Said:
    parts = figure.figure
    if figure.state == "planned":
        return STATE_TEXT["planned"]
    up, down = hours(parts.up_ms), hours(parts.down_ms)
    unknown, excluded = hours(parts.unknown_ms), hours(parts.excluded_ms)
    vi, en = state_text(figure)
    if figure.picture:
        return (
            f"{vi}; có hình ảnh dùng được {num(up)} h, mất kết nối hoặc hình ảnh không dùng "
            f"được {num(down)} h, không rõ {num(unknown)} h, bảo trì/miễn trừ {num(excluded)} h",
            f"{en}; usable picture {num_en(up)} h, down or picture unusable {num_en(down)} h, "
            f"unknown {num_en(unknown)} h, maintenance/excused {num_en(excluded)} h",
        )
    return (
        f"{vi}; hoạt động {num(up)} h, mất kết nối {num(down)} h, không rõ {num(unknown)} h, "
        f"bảo trì/miễn trừ {num(excluded)} h",
        f"{en}; up {num_en(up)} h, down {num_en(down)} h, unknown {num_en(unknown)} h, "
        f"maintenance/excused {num_en(excluded)} h",
    )


def device_item(
    figure: DeviceFigure, counted: bool | None, place: str = "", note: Said | None = None
) -> EvidenceItem:
    """A device's figure as evidence; ``place`` names its village or key location."""
    entry = figure.device.entry
    vi, en = note or _figure_note(figure)
    return EvidenceItem(
        kind="device",
        id=entry.id,
        label=entry.name,
        value=figure.percent,
        counted=counted,
        note=f"{vi} ({place})" if place else vi,
        note_en=f"{en} ({place})" if place else en,
        from_ms=figure.window.from_ms if figure.state != "planned" else None,
        to_ms=figure.window.to_ms if figure.state != "planned" else None,
    )


def outage_items(figures: Sequence[DeviceFigure]) -> list[EvidenceItem]:
    items = []
    for figure in figures:
        for outage in figure.outages:
            notes: list[Said] = []
            if outage.ongoing:
                notes.append(("đang diễn ra", "ongoing"))
            if outage.excluded_ms:
                left_out = hours(outage.excluded_ms)
                notes.append(
                    (
                        f"trong đó {num(left_out)} h được loại trừ",
                        f"of which {num_en(left_out)} h left out",
                    )
                )
            vi, en = joined(notes)
            items.append(
                EvidenceItem(
                    kind="outage",
                    id=figure.device.entry.id,
                    label=outage.cause,
                    value=hours(outage.duration_ms),
                    note=vi,
                    note_en=en,
                    from_ms=outage.start_ms,
                    to_ms=outage.end_ms,
                )
            )
    return items
