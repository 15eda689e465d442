"""Indicators that count a commune's devices: R1 (a working radio station), C1 (a
camera model operating: cameras that work and record), N5 (a video-conference point),
and R3 (clusters in the inventory). A device that works, does not, or is undecided
(``server.indicators.measures``); the verdict is insufficient data only when the
undecided ones could tip it."""

from __future__ import annotations

from collections.abc import Callable

import msgspec

from xaso.server.indicators.context import Context, Frame, yes_no
from xaso.server.indicators.inputs import indicator_window
from xaso.server.indicators.measures import Bounds, DeviceFigure, ratio_verdict
from xaso.server.indicators.profile import Indicator
from xaso.server.indicators.result import EvidenceItem, IndicatorResult, Verdict
from xaso.server.indicators.wording import STATE_TEXT, device_item, num, window_text, working_text
from xaso.server.records import DeviceReadingRecord

__all__ = ["camera_operating", "cluster_count", "radio_station", "video_conference"]


def _device_count(
    ctx: Context,
    indicator: Indicator,
    kind: str,
    working: Indicator,
    method: tuple[str, str],
    what: tuple[str, str],
    counts: Callable[[DeviceFigure], bool | None] | None = None,
    empty: Verdict = "not_met",
) -> IndicatorResult:
    """A yes/no indicator: at least ``threshold`` devices of ``kind`` work (R1, C1, N5).
    ``counts`` refines "works" (C1: and records); None from it means undecided."""
    window = indicator_window(working, ctx.snap, ctx.now_ms)
    figures = ctx.figures(kind, working)
    if not figures:
        return ctx.result(
            Frame(indicator, method, "telemetry", window),
            empty,
            value=None if empty == "not_applicable" else 0.0,
            numerator=0,
            denominator=0,
            reason=(f"Không có {what[0]} nào trong danh mục", f"No {what[1]} in the inventory"),
        )
    decided = undecided = 0
    items = []
    for figure in figures:
        counted: bool | None
        if figure.state == "working":
            counted = True if counts is None else counts(figure)
        elif figure.state == "unknown":
            counted = None if counts is None or counts(figure) is not False else False
        else:
            counted = False
        decided += counted is True
        undecided += counted is None
        items.append(device_item(figure, counted, ctx.place_name(figure.device)))
    verdict, _ = ratio_verdict(Bounds(decided, undecided, len(figures)), indicator, percent=False)
    reason = ("", "")
    if verdict == "insufficient_data":
        reason = (
            f"{undecided} {what[0]} chưa đủ dữ liệu để kết luận",
            f"{undecided} {what[1]} without enough data to decide",
        )
    return ctx.result(
        Frame(indicator, method, "telemetry", window),
        verdict,
        value=yes_no(verdict),
        numerator=decided,
        denominator=len(figures),
        reason=reason,
        evidence=items,
    )


def radio_station(ctx: Context, indicator: Indicator) -> IndicatorResult:
    working = ctx.profile.working(indicator)
    vi, en = working_text(working)
    method = (
        f"Số cụm loa đã lắp đặt {vi}; đạt khi có ít nhất {num(indicator.threshold)} cụm hoạt động.",
        f"Installed loudspeaker clusters {en}; met with at least {indicator.threshold:g} working.",
    )
    return _device_count(
        ctx, indicator, "radio_cluster", working, method, ("cụm loa", "loudspeaker cluster")
    )


def cluster_count(ctx: Context, indicator: Indicator) -> IndicatorResult:
    clusters = ctx.devices("radio_cluster")
    installed = [d for d in clusters if not d.planned]
    items = [
        EvidenceItem(
            kind="device",
            id=d.entry.id,
            label=d.entry.name,
            counted=not d.planned,
            note=STATE_TEXT["planned"][0] if d.planned else ctx.place_name(d),
            note_en=STATE_TEXT["planned"][1] if d.planned else ctx.place_name(d),
        )
        for d in clusters
    ]
    method = (
        "Số cụm loa đã lắp đặt theo danh mục vào cuối kỳ (cụm dự kiến không tính).",
        "Installed loudspeaker clusters in the inventory at the end of the period "
        "(planned ones not counted).",
    )
    return ctx.result(
        Frame(indicator, method, "inventory"),
        "met" if indicator.meets(len(installed)) else "not_met",
        value=float(len(installed)),
        numerator=len(installed),
        denominator=len(clusters),
        evidence=items,
    )


def camera_operating(ctx: Context, indicator: Indicator) -> IndicatorResult:
    working = ctx.profile.working(indicator)
    vi, en = working_text(working)
    counts: Callable[[DeviceFigure], bool | None] | None = None
    if indicator.require_recording:
        minutes = num(indicator.recording_lookback_s / 60)
        vi += f" và đang ghi hình (báo cáo gần nhất trong {minutes} phút cuối kỳ)"
        en += f" and recording (its latest report in the last {minutes} min of the period)"
        nvr_states = {
            _flag(ctx.data.readings.get(d.entry.id), "nvr.recording")
            for d in ctx.devices("nvr")
            if not d.planned
        }
        # A camera that does not report its own recording is taken at the word of the
        # commune's recorder: recording if one says so, not if all say not.
        nvr = True if True in nvr_states else (False if False in nvr_states else None)

        def recording(figure: DeviceFigure) -> bool | None:
            own = _flag(ctx.data.readings.get(figure.device.entry.id), "camera.recording")
            return own if own is not None else nvr

        counts = recording
    method = (
        f"Số camera {vi}; đạt khi có ít nhất {num(indicator.threshold)} camera.",
        f"Cameras {en}; met with at least {indicator.threshold:g}.",
    )
    return _device_count(ctx, indicator, "camera", working, method, ("camera", "camera"), counts)


def _flag(reading: DeviceReadingRecord | None, key: str) -> bool | None:
    if reading is None:
        return None
    value = reading.detail.get(key)
    return value if isinstance(value, bool) else None


def video_conference(ctx: Context, indicator: Indicator) -> IndicatorResult:
    vi, en = window_text(indicator)
    # The endpoint is judged by this indicator's own device threshold, not its count.
    judge = _judge(indicator, indicator.device_threshold_pct)
    method = (
        f"Số điểm cầu họp trực tuyến khả dụng ≥ {num(indicator.device_threshold_pct)}% {vi}; "
        f"đạt khi có ít nhất {num(indicator.threshold)} điểm cầu.",
        f"Video-conference endpoints available ≥ {indicator.device_threshold_pct:g}% {en}; "
        f"met with at least {indicator.threshold:g}.",
    )
    return _device_count(
        ctx,
        indicator,
        "vc_endpoint",
        judge,
        method,
        ("điểm cầu họp trực tuyến", "video-conference endpoint"),
        empty="not_applicable",
    )


def _judge(indicator: Indicator, threshold: float) -> Indicator:
    """``indicator`` with ``threshold`` as its availability threshold (N5's devices)."""
    return msgspec.structs.replace(
        indicator, id=f"{indicator.id}:device", threshold=threshold, comparison=">="
    )
