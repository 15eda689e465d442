"""Evaluate every indicator of one commune for one period: a pure function of the
hierarchy as it was (``snapshot``), what the stores held (``CommuneData``), the profile
and the time now. No I/O and no clock, so the same inputs give the same evaluation on
SQLite and on InfluxDB, and every figure can be checked by hand (docs/indicators.md).

Times: the commune's part of the period is ``[snapshot.from_ms, snapshot.to_ms)``;
nothing after ``now_ms`` is known, so measures end at ``min(to_ms, now_ms)`` (the
"effective end"). An availability indicator looks at a **window**: the part, or the
``window_days`` ending at the effective end (``window: trailing``); each result carries
the window it used in its ``from_ms``/``to_ms``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from typing import NamedTuple, Protocol
from zoneinfo import ZoneInfo

import msgspec

from server.availability import Availability
from server.indicators.measures import (
    NO_HISTORY,
    Bounds,
    DeviceFigure,
    DeviceHistory,
    Window,
    device_figure,
    hours,
    ratio_verdict,
)
from server.indicators.period import day_start_ms, local_day
from server.indicators.profile import Indicator, IndicatorProfile
from server.indicators.result import CommuneEvaluation, EvidenceItem, IndicatorResult, Verdict
from server.indicators.snapshot import CommuneSnapshot, MemberDevice, Place
from server.playout_outcome import PlayoutOutcome
from server.store.base import DeviceReadingRecord

__all__ = ["CommuneData", "DataRanges", "DeclaredLike", "data_ranges", "evaluate_commune"]

DAY_MS = 86_400_000
# A loudspeaker reached by an emergency broadcast: it started playing (and may have
# been cut short or still be playing), or an officer's live announcement reached it.
_REACHED = frozenset({"played", "late", "partial", "playing", "manual"})
# A scheduled broadcast confirmed as played (R8): manual entries are not scheduled.
_CONFIRMED_SCHEDULED = frozenset({"played", "late"})


class DeclaredDocumentLike(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def sha256(self) -> str: ...


class DeclaredLike(Protocol):
    """What the evaluation reads of a declared value (``server.indicators.declared``)."""

    @property
    def value(self) -> float: ...

    @property
    def documents(self) -> Sequence[DeclaredDocumentLike]: ...

    @property
    def entered_by(self) -> str: ...

    @property
    def entered_ms(self) -> int: ...


class CommuneData(NamedTuple):
    """What the stores held for the commune's devices, gathered by the adapter
    (``server.indicators.evaluate``) over the ranges ``data_ranges`` asked for."""

    histories: Mapping[str, DeviceHistory]
    exclusions: Mapping[str, Sequence[tuple[int, int]]]  # maintenance (+ excused), per device
    readings: Mapping[str, DeviceReadingRecord]  # newest in the recording look-back (C1)
    # None: no source of broadcast logs at all (not the same as no broadcasts).
    playout: Sequence[PlayoutOutcome] | None
    declared: Mapping[str, DeclaredLike | None]  # by indicator id
    excused_excluded: bool = False


class DataRanges(NamedTuple):
    # The status history each kind of device needs (the union of the windows that judge
    # it); kinds no indicator judges by availability (gateways, recorders) need none.
    transitions: dict[str, Window]
    recording: Window | None  # the last readings of cameras and recorders for C1
    playout: Window  # broadcast outcomes for R8 and R9


def effective_end(snap: CommuneSnapshot, now_ms: int) -> int:
    return max(snap.from_ms, min(snap.to_ms, now_ms))


def indicator_window(indicator: Indicator, snap: CommuneSnapshot, now_ms: int) -> Window:
    end = effective_end(snap, now_ms)
    if indicator.window == "trailing":
        return Window(end - indicator.window_days * DAY_MS, end)
    return Window(snap.from_ms, end)


_JUDGED_KIND = {
    "radio_availability": "radio_cluster",
    "camera_availability": "camera",
    "video_conference": "vc_endpoint",
}


def data_ranges(snap: CommuneSnapshot, profile: IndicatorProfile, now_ms: int) -> DataRanges:
    """The time ranges whose records the evaluation of ``snap`` needs."""
    end = effective_end(snap, now_ms)
    transitions: dict[str, Window] = {}
    recording: Window | None = None
    playout_from = snap.from_ms
    for indicator in profile.indicators:
        kind = _JUDGED_KIND.get(indicator.measure)
        if kind is not None:
            # Switched off or not, an availability indicator may judge devices for others
            # (R6 for R1 and R2): its window is read either way.
            window = indicator_window(indicator, snap, now_ms)
            known = transitions.get(kind, window)
            transitions[kind] = Window(
                min(known.from_ms, window.from_ms), max(known.to_ms, window.to_ms)
            )
        elif indicator.measure == "camera_operating" and indicator.require_recording:
            recording = Window(end - int(indicator.recording_lookback_s * 1000), end)
        elif indicator.measure == "emergency_readiness":
            playout_from = min(playout_from, end - indicator.max_age_days * DAY_MS)
    return DataRanges(transitions, recording, Window(playout_from, end))


# -- texts ----------------------------------------------------------------------------


def _num(value: float) -> str:
    """A number as Vietnamese writes it: decimal comma, no trailing zeros."""
    return f"{value:.2f}".rstrip("0").rstrip(".").replace(".", ",")


def _window_text(indicator: Indicator) -> tuple[str, str]:
    if indicator.window == "trailing":
        days = indicator.window_days
        return f"trong {days} ngày đến hết kỳ", f"over the {days} days to the end of the period"
    return "trong kỳ", "over the period"


def _working_text(working: Indicator) -> tuple[str, str]:
    vi, en = _window_text(working)
    return (
        f"đạt {working.id} (khả dụng ≥ {_num(working.threshold)}% {vi})",
        f"meeting {working.id} (availability ≥ {working.threshold:g}% {en})",
    )


_STATE_VI = {
    "working": "đạt",
    "not_working": "không đạt",
    "unknown": "không đủ dữ liệu",
    "planned": "dự kiến, chưa lắp đặt",
}


def _state_text(figure: DeviceFigure) -> str:
    parts = figure.figure
    if figure.state == "unknown" and parts.excluded_ms and not parts.up_ms + parts.down_ms:
        return "bảo trì/miễn trừ suốt thời gian xét"  # nothing observed either way
    return _STATE_VI[figure.state]


def _figure_note(figure: DeviceFigure) -> str:
    parts = figure.figure
    if figure.state == "planned":
        return _STATE_VI["planned"]
    return (
        f"{_state_text(figure)}; hoạt động {_num(hours(parts.up_ms))} h, "
        f"mất kết nối {_num(hours(parts.down_ms))} h, không rõ {_num(hours(parts.unknown_ms))} h, "
        f"bảo trì/miễn trừ {_num(hours(parts.excluded_ms))} h"
    )


def _device_item(figure: DeviceFigure, counted: bool | None, note: str = "") -> EvidenceItem:
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


def _outage_items(figures: Sequence[DeviceFigure]) -> list[EvidenceItem]:
    items = []
    for figure in figures:
        for outage in figure.outages:
            notes = []
            if outage.ongoing:
                notes.append("đang diễn ra")
            if outage.excluded_ms:
                notes.append(f"trong đó {_num(hours(outage.excluded_ms))} h được loại trừ")
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


# -- the evaluation -------------------------------------------------------------------


class _Context:
    """One commune's evaluation: inputs, and device figures computed once each."""

    def __init__(
        self, snap: CommuneSnapshot, data: CommuneData, profile: IndicatorProfile, now_ms: int
    ) -> None:
        self.snap = snap
        self.data = data
        self.profile = profile
        self.now_ms = now_ms
        self.end_ms = effective_end(snap, now_ms)
        self.tz = ZoneInfo(snap.timezone)
        self._figures: dict[tuple[str, str], list[DeviceFigure]] = {}

    def devices(self, kind: str) -> list[MemberDevice]:
        return [d for d in self.snap.devices if d.entry.kind == kind]

    def figures(self, kind: str, judged_by: Indicator) -> list[DeviceFigure]:
        """Every device of ``kind`` over ``judged_by``'s window, judged by it."""
        key = (kind, judged_by.id)
        if key not in self._figures:
            window = indicator_window(judged_by, self.snap, self.now_ms)
            self._figures[key] = [
                device_figure(
                    device,
                    self.data.histories.get(device.entry.id, NO_HISTORY),
                    self.data.exclusions.get(device.entry.id, ()),
                    window,
                    judged_by,
                    self.now_ms,
                )
                for device in self.devices(kind)
            ]
        return self._figures[key]

    def result(
        self,
        frame: Frame,
        verdict: Verdict,
        *,
        value: float | None = None,
        numerator: float | None = None,
        denominator: float | None = None,
        reason: tuple[str, str] = ("", ""),
        evidence: Sequence[EvidenceItem] = (),
    ) -> IndicatorResult:
        indicator, (method_vi, method_en), source, window = frame
        window = window or Window(self.snap.from_ms, self.snap.to_ms)
        return IndicatorResult(
            indicator=indicator.id,
            name=indicator.name,
            commune=self.snap.code,
            from_ms=window.from_ms,
            to_ms=window.to_ms,
            verdict=verdict,
            method=method_vi,
            source=source,
            value=value,
            unit=indicator.unit,
            numerator=numerator,
            denominator=denominator,
            threshold=indicator.threshold,
            comparison=indicator.comparison,
            reason=reason[0],
            evidence=list(evidence),
            name_en=indicator.name_en,
            method_en=method_en,
            reason_en=reason[1],
        )


class Frame(NamedTuple):
    """What every result of one indicator shares."""

    indicator: Indicator
    method: tuple[str, str]  # Vietnamese, English
    source: str  # telemetry | broadcast_logs | declared | inventory | profile
    window: Window | None = None  # None: the commune's part of the period


_NOT_STARTED = ("Kỳ đánh giá chưa bắt đầu", "The period has not started yet")


def _yes_no(verdict: str) -> float | None:
    """A yes/no indicator's value: 1 met, 0 not met, None undecided."""
    if verdict == "insufficient_data":
        return None
    return 1.0 if verdict == "met" else 0.0


def _device_count(
    ctx: _Context,
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
        items.append(_device_item(figure, counted))
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
        value=_yes_no(verdict),
        numerator=decided,
        denominator=len(figures),
        reason=reason,
        evidence=items,
    )


def _radio_station(ctx: _Context, indicator: Indicator) -> IndicatorResult:
    working = ctx.profile.working(indicator)
    vi, en = _working_text(working)
    method = (
        f"Số cụm loa đã lắp đặt {vi}; đạt khi có ít nhất {_num(indicator.threshold)} cụm "
        "hoạt động.",
        f"Installed loudspeaker clusters {en}; met with at least {indicator.threshold:g} working.",
    )
    return _device_count(
        ctx, indicator, "radio_cluster", working, method, ("cụm loa", "loudspeaker cluster")
    )


def _covered_places(
    ctx: _Context,
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
            undecided.append(place.code)
        if not figures:
            note = "không có thiết bị" if kind != "radio_cluster" else "không có cụm loa"
        else:
            note = "; ".join(
                f"{f.device.entry.id}: {_state_text(f)}"
                + (f" ({_num(f.percent)}%)" if f.percent is not None else "")
                for f in figures
            )
        items.append(
            EvidenceItem(
                kind=item_kind,
                id=place.code,
                label=place.name,
                counted=counted,
                note=note,
                from_ms=max(place.from_ms, ctx.snap.from_ms),
                to_ms=place.to_ms,
            )
        )
    items += [_device_item(f, f.state == "working") for f in ctx.figures(kind, working)]
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


def _village_radio_coverage(ctx: _Context, indicator: Indicator) -> IndicatorResult:
    vi, en = _working_text(ctx.profile.working(indicator))
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


def _key_location_coverage(ctx: _Context, indicator: Indicator) -> IndicatorResult:
    vi, en = _working_text(ctx.profile.working(indicator))
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


def _cluster_count(ctx: _Context, indicator: Indicator) -> IndicatorResult:
    clusters = ctx.devices("radio_cluster")
    installed = [d for d in clusters if not d.planned]
    items = [
        EvidenceItem(
            kind="device",
            id=d.entry.id,
            label=d.entry.name,
            counted=not d.planned,
            note=_STATE_VI["planned"] if d.planned else (d.entry.village or ""),
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


def _availability(
    ctx: _Context, indicator: Indicator, kind: str, what: tuple[str, str]
) -> IndicatorResult:
    """Time-weighted availability over the installed devices of ``kind`` (R6, C3)."""
    vi, en = _window_text(indicator)
    excused_vi = ", thời gian được miễn trừ" if ctx.data.excused_excluded else ""
    excused_en = ", excused periods" if ctx.data.excused_excluded else ""
    method = (
        f"Khả dụng tính theo thời gian của các {what[0]} đã lắp đặt {vi}: 1 − thời gian mất "
        f"kết nối ÷ thời gian đã biết. Thời gian bảo trì{excused_vi} tính là hoạt động; thời "
        f"gian không rõ (gateway mất kết nối, chưa từng báo) không tính. Không đủ dữ liệu khi "
        f"biết dưới {_num(indicator.min_known_pct)}% thời gian.",
        f"Time-weighted availability of the installed {what[1]} {en}: 1 − down time ÷ known "
        f"time. Maintenance{excused_en} counts as available; unknown time (gateway down, never "
        f"heard) is left out. Insufficient data below {indicator.min_known_pct:g}% of the time "
        "known.",
    )
    window = indicator_window(indicator, ctx.snap, ctx.now_ms)
    figures = ctx.figures(kind, indicator)
    measured = [f for f in figures if f.state != "planned" and f.expected_ms > 0]
    total = sum((f.figure for f in measured), Availability())
    expected_ms = sum(f.expected_ms for f in measured)
    items = [_device_item(f, f.figure.known_ms > 0) for f in figures]
    items += _outage_items(measured)
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
            f"Chỉ biết {_num(known)}% thời gian (cần ≥ {_num(indicator.min_known_pct)}%)",
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


def _camera_operating(ctx: _Context, indicator: Indicator) -> IndicatorResult:
    working = ctx.profile.working(indicator)
    vi, en = _working_text(working)
    counts: Callable[[DeviceFigure], bool | None] | None = None
    if indicator.require_recording:
        minutes = _num(indicator.recording_lookback_s / 60)
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
        f"Số camera {vi}; đạt khi có ít nhất {_num(indicator.threshold)} camera.",
        f"Cameras {en}; met with at least {indicator.threshold:g}.",
    )
    return _device_count(ctx, indicator, "camera", working, method, ("camera", "camera"), counts)


def _flag(reading: DeviceReadingRecord | None, key: str) -> bool | None:
    if reading is None:
        return None
    value = reading.detail.get(key)
    return value if isinstance(value, bool) else None


def _video_conference(ctx: _Context, indicator: Indicator) -> IndicatorResult:
    vi, en = _window_text(indicator)
    # The endpoint is judged by this indicator's own device threshold, not its count.
    judge = _judge(indicator, indicator.device_threshold_pct)
    method = (
        f"Số điểm cầu họp trực tuyến khả dụng ≥ {_num(indicator.device_threshold_pct)}% {vi}; "
        f"đạt khi có ít nhất {_num(indicator.threshold)} điểm cầu.",
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


# -- broadcasts (R8, R9) --------------------------------------------------------------


def _member_outcomes(ctx: _Context, window: Window) -> list[PlayoutOutcome]:
    """The outcomes of the commune's clusters planned within ``window``: a cluster
    counts while it belonged to the commune; one the inventory no longer lists by its
    gateway, else by the commune its record names."""
    members = {
        d.entry.id: d for d in ctx.snap.devices if d.entry.kind in ("radio_cluster", "gateway")
    }
    found = []
    for outcome in ctx.data.playout or ():
        at = outcome.planned_start_ms
        if not window.from_ms <= at < window.to_ms:
            continue
        member = members.get(outcome.cluster) or members.get(outcome.agent or "")
        if member is not None:
            if member.from_ms <= at < member.to_ms:
                found.append(outcome)
        elif outcome.agent is None and outcome.commune == ctx.snap.code:
            found.append(outcome)
    return sorted(found, key=lambda o: (o.planned_start_ms, o.schedule, o.cluster))


def _no_logs(ctx: _Context) -> tuple[str, str] | None:
    if ctx.data.playout is None:
        return (
            "Chưa có nguồn nhật ký phát thanh để đối chiếu",
            "No broadcast log source to reconcile with",
        )
    return None


def _sessions(outcomes: Sequence[PlayoutOutcome]) -> dict[tuple[str, int], list[PlayoutOutcome]]:
    """Outcomes by broadcast: one schedule occurrence across the clusters."""
    sessions: dict[tuple[str, int], list[PlayoutOutcome]] = {}
    for outcome in outcomes:
        sessions.setdefault((outcome.schedule, outcome.planned_start_ms), []).append(outcome)
    return sessions


def _broadcast_days(ctx: _Context, indicator: Indicator) -> IndicatorResult:
    method = (
        "Số ngày trọn vẹn trong kỳ có ít nhất một buổi phát theo lịch được xác nhận đã phát "
        "(played/late) trên một cụm loa, quy về ngày mỗi tuần: ngày có phát ÷ số ngày × 7.",
        "Whole days of the period with at least one scheduled broadcast confirmed as played "
        "(played/late) on a cluster, per week: days with a broadcast ÷ days × 7.",
    )
    window = Window(ctx.snap.from_ms, ctx.end_ms)
    frame = Frame(indicator, method, "broadcast_logs", window)
    missing = _no_logs(ctx)
    if missing:
        return ctx.result(frame, "insufficient_data", reason=missing)
    outcomes = _member_outcomes(ctx, window)
    days: list[dt.date] = []
    day = local_day(ctx.snap.from_ms, ctx.tz)
    if day_start_ms(day, ctx.tz) < ctx.snap.from_ms:
        day += dt.timedelta(days=1)  # a part starting mid-day: that day is not whole
    while day_start_ms(day + dt.timedelta(days=1), ctx.tz) <= ctx.end_ms:
        days.append(day)
        day += dt.timedelta(days=1)
    whole = set(days)
    active = {
        local_day(o.planned_start_ms, ctx.tz)
        for o in outcomes
        if o.status in _CONFIRMED_SCHEDULED and not o.schedule.startswith("manual:")
    } & whole
    items = []
    for (schedule, start_ms), group in _sessions(outcomes).items():
        confirmed = [o for o in group if o.status in _CONFIRMED_SCHEDULED]
        items.append(
            EvidenceItem(
                kind="broadcast",
                id=f"{schedule}@{start_ms}",
                label=group[0].title,
                value=float(len(confirmed)),
                counted=bool(confirmed) and not schedule.startswith("manual:"),
                note=f"{len(confirmed)}/{len(group)} cụm xác nhận đã phát",
                from_ms=start_ms,
                to_ms=group[0].planned_end_ms,
            )
        )
    value = 7.0 * len(active) / len(days) if days and outcomes else None
    reason: tuple[str, str] | None = None
    if not outcomes:
        reason = (
            "Không có lịch phát hay nhật ký phát thanh nào trong kỳ",
            "No schedule or broadcast log in the period",
        )
    elif len(days) < indicator.min_days:
        reason = (
            f"Kỳ mới có {len(days)} ngày trọn vẹn (cần ≥ {indicator.min_days})",
            f"Only {len(days)} whole days in the period (needs ≥ {indicator.min_days})",
        )
    if reason is not None or value is None:
        return ctx.result(
            frame,
            "insufficient_data",
            value=value,
            numerator=len(active),
            denominator=len(days),
            reason=reason or ("", ""),
            evidence=items,
        )
    return ctx.result(
        frame,
        "met" if indicator.meets(value) else "not_met",
        value=value,
        numerator=len(active),
        denominator=len(days),
        evidence=items,
    )


def _emergency_readiness(ctx: _Context, indicator: Indicator) -> IndicatorResult:
    max_delay_ms = int(indicator.max_delay_s * 1000)
    method = (
        f"Bản tin khẩn cấp (hoặc diễn tập) gần nhất trong {indicator.max_age_days} ngày đến hết "
        f"kỳ: số cụm loa xác nhận bắt đầu phát trong vòng {_num(indicator.max_delay_s)} giây ÷ "
        "số cụm loa đã lắp đặt của xã lúc đó × 100.",
        f"The latest emergency (or test) broadcast within the {indicator.max_age_days} days to "
        f"the end of the period: clusters confirmed playing within {indicator.max_delay_s:g} s "
        "÷ the commune's installed clusters at the time × 100.",
    )
    window = Window(ctx.end_ms - indicator.max_age_days * DAY_MS, ctx.end_ms)
    frame = Frame(indicator, method, "broadcast_logs", window)
    missing = _no_logs(ctx)
    if missing:
        return ctx.result(frame, "insufficient_data", reason=missing)
    outcomes = _member_outcomes(ctx, window)
    emergencies = {
        key: group
        for key, group in _sessions(outcomes).items()
        if group[0].priority == "emergency" and key[1] + max_delay_ms <= ctx.end_ms
    }
    if not emergencies:
        if not outcomes:
            return ctx.result(
                frame,
                "insufficient_data",
                reason=(
                    "Không có lịch phát hay nhật ký phát thanh nào trong thời gian xét",
                    "No schedule or broadcast log in the time looked at",
                ),
            )
        return ctx.result(
            frame,
            "not_met",
            value=0.0,
            reason=(
                f"Không có bản tin khẩn cấp hay diễn tập nào trong {indicator.max_age_days} ngày",
                f"No emergency or test broadcast within {indicator.max_age_days} days",
            ),
        )
    (schedule, start_ms), group = max(emergencies.items(), key=lambda kv: (kv[0][1], kv[0][0]))
    by_cluster = {o.cluster: o for o in group}
    installed = {
        d.entry.id
        for d in ctx.devices("radio_cluster")
        if not d.planned and d.from_ms <= start_ms < d.to_ms
    }
    targets = sorted(installed | set(by_cluster))
    items = [
        EvidenceItem(
            kind="broadcast",
            id=f"{schedule}@{start_ms}",
            label=group[0].title,
            note=f"{group[0].priority}, {group[0].content_type}",
            from_ms=start_ms,
            to_ms=group[0].planned_end_ms,
        )
    ]
    reached = 0
    for cluster in targets:
        outcome = by_cluster.get(cluster)
        delay_ms = (
            None if outcome is None or outcome.started_ms is None else outcome.started_ms - start_ms
        )
        ok = (
            outcome is not None
            and outcome.status in _REACHED
            and delay_ms is not None
            and delay_ms <= max_delay_ms
        )
        reached += ok
        items.append(
            EvidenceItem(
                kind="device",
                id=cluster,
                value=None if delay_ms is None else delay_ms / 1000,
                counted=ok,
                note="không nằm trong lượt phát" if outcome is None else outcome.status,
            )
        )
    value = 100.0 * reached / len(targets) if targets else 0.0
    return ctx.result(
        frame,
        "met" if indicator.meets(value) else "not_met",
        value=value,
        numerator=reached,
        denominator=len(targets),
        evidence=items,
    )


def _declared(ctx: _Context, indicator: Indicator) -> IndicatorResult:
    method = (
        "Số liệu do xã kê khai kèm tài liệu minh chứng, áp dụng cho toàn bộ kỳ.",
        "A value declared by the commune with evidence documents, covering the whole period.",
    )
    entry = ctx.data.declared.get(indicator.id)
    if entry is None:
        return ctx.result(
            Frame(indicator, method, "declared"),
            "insufficient_data",
            reason=(
                "Chưa kê khai số liệu (kèm minh chứng) cho toàn bộ kỳ",
                "No value declared (with evidence) for the whole period",
            ),
        )
    items = [
        EvidenceItem(
            kind="declared",
            id=str(getattr(entry, "id", "")),
            value=entry.value,
            note=f"kê khai bởi {entry.entered_by}" if entry.entered_by else "",
            from_ms=entry.entered_ms or None,
        )
    ]
    items += [
        EvidenceItem(kind="document", id=doc.sha256, label=doc.name, sha256=doc.sha256)
        for doc in entry.documents
    ]
    return ctx.result(
        Frame(indicator, method, "declared"),
        "met" if indicator.meets(entry.value) else "not_met",
        value=entry.value,
        numerator=getattr(entry, "numerator", None),
        denominator=getattr(entry, "denominator", None),
        evidence=items,
    )


_MEASURES: dict[str, Callable[[_Context, Indicator], IndicatorResult]] = {
    "radio_station": _radio_station,
    "village_radio_coverage": _village_radio_coverage,
    "cluster_count": _cluster_count,
    "radio_availability": lambda c, i: _availability(
        c, i, "radio_cluster", ("cụm loa", "loudspeaker clusters")
    ),
    "broadcast_days": _broadcast_days,
    "emergency_readiness": _emergency_readiness,
    "camera_operating": _camera_operating,
    "key_location_coverage": _key_location_coverage,
    "camera_availability": lambda c, i: _availability(c, i, "camera", ("camera", "cameras")),
    "video_conference": _video_conference,
    "declared": _declared,
}
# Measured from the state history: nothing to say before the period starts.
_TELEMETRY = frozenset(
    {
        "radio_station",
        "village_radio_coverage",
        "radio_availability",
        "camera_operating",
        "key_location_coverage",
        "camera_availability",
        "video_conference",
        "broadcast_days",
        "emergency_readiness",
    }
)


def _evaluate_one(ctx: _Context, indicator: Indicator) -> IndicatorResult:
    if not indicator.enabled:
        return ctx.result(
            Frame(indicator, ("", ""), "profile"),
            "not_applicable",
            reason=(
                "Không áp dụng theo hồ sơ chỉ tiêu",
                "Switched off in the indicator profile",
            ),
        )
    if not ctx.snap.exists:
        return ctx.result(
            Frame(indicator, ("", ""), "inventory"),
            "not_applicable",
            reason=(
                "Xã không tồn tại trong kỳ này (thành lập hoặc sáp nhập ngoài kỳ)",
                "The commune did not exist in this period (created or merged outside it)",
            ),
        )
    if indicator.measure in _TELEMETRY and ctx.end_ms <= ctx.snap.from_ms:
        return ctx.result(
            Frame(indicator, ("", ""), "telemetry"),
            "insufficient_data",
            reason=_NOT_STARTED,
        )
    return _MEASURES[indicator.measure](ctx, indicator)


def evaluate_commune(
    snap: CommuneSnapshot,
    data: CommuneData,
    profile: IndicatorProfile,
    *,
    now_ms: int,
    computed_ms: int | None = None,
) -> CommuneEvaluation:
    """Every indicator of ``profile`` for the commune of ``snap``, in profile order."""
    ctx = _Context(snap, data, profile, now_ms)
    return CommuneEvaluation(
        commune=snap.code,
        commune_name=snap.name,
        parent=snap.parent,
        profile=profile.name,
        from_ms=snap.from_ms,
        to_ms=snap.to_ms,
        computed_ms=now_ms if computed_ms is None else computed_ms,
        results=[_evaluate_one(ctx, indicator) for indicator in profile.indicators],
        requested_from_ms=snap.requested_from_ms,
        requested_to_ms=snap.requested_to_ms,
        merged_into=snap.merged_into,
        predecessors=list(snap.predecessors),
        excused_excluded=data.excused_excluded,
    )
