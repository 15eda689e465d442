"""One commune's evaluation in progress: its inputs, the device figures computed once
each, and how a result is put together (``Frame``: what every result of one indicator
shares)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple
from zoneinfo import ZoneInfo

from xaso.server.indicators.inputs import CommuneData, effective_end, indicator_window
from xaso.server.indicators.measures import NO_HISTORY, DeviceFigure, Window, device_figure
from xaso.server.indicators.profile import Indicator, IndicatorProfile
from xaso.server.indicators.recording import with_recording_gaps
from xaso.server.indicators.result import EvidenceItem, IndicatorResult, Verdict
from xaso.server.indicators.snapshot import CommuneSnapshot, MemberDevice
from xaso.server.monitoring.picture_state import picture_series

__all__ = ["Context", "Frame", "yes_no"]


class Context:
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
        self._figures: dict[tuple[str, str, str], list[DeviceFigure]] = {}
        self._place_names = {p.code: p.name for p in (*snap.key_locations, *snap.villages)}

    def place_name(self, device: MemberDevice) -> str:
        """The name of the device's village, else of its key location ("" for neither):
        what a note says of where it stands."""
        code = device.entry.village or device.entry.location or ""
        return self._place_names.get(code, code)

    def devices(self, kind: str) -> list[MemberDevice]:
        return [d for d in self.snap.devices if d.entry.kind == kind]

    def figures(self, kind: str, judged_by: Indicator) -> list[DeviceFigure]:
        """Every device of ``kind`` over ``judged_by``'s window, judged by it."""
        key = (kind, judged_by.id, judged_by.picture)
        if key not in self._figures:
            window = indicator_window(judged_by, self.snap, self.now_ms)
            # A camera judged with its picture: by its picture series' history.
            series = picture_series if judged_by.picture == "required" else _itself
            self._figures[key] = [
                device_figure(
                    device,
                    self.data.histories.get(series(device.entry.id), NO_HISTORY),
                    self.data.exclusions.get(device.entry.id, ()),
                    window,
                    judged_by,
                    self.now_ms,
                )
                for device in self.devices(kind)
            ]
            if kind == "camera" and judged_by.recording_min_hours_per_day:
                self._figures[key] = [
                    with_recording_gaps(
                        figure,
                        self.data.recordings.get(figure.device.entry.id, ()),
                        judged_by,
                        self.data.exclusions.get(figure.device.entry.id, ()),
                    )
                    for figure in self._figures[key]
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
            unit_en=indicator.unit_en,
        )


def _itself(device_id: str) -> str:
    return device_id


class Frame(NamedTuple):
    """What every result of one indicator shares."""

    indicator: Indicator
    method: tuple[str, str]  # Vietnamese, English
    source: str  # telemetry | broadcast_logs | declared | inventory | profile
    window: Window | None = None  # None: the commune's part of the period


def yes_no(verdict: str) -> float | None:
    """A yes/no indicator's value: 1 met, 0 not met, None undecided."""
    if verdict == "insufficient_data":
        return None
    return 1.0 if verdict == "met" else 0.0
