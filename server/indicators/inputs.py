"""What one commune's evaluation reads, and over which time ranges: the records the
adapter (``server.indicators.evaluate``) gathers for the pure core, and the windows each
indicator looks at.

Times: the commune's part of the period is ``[snapshot.from_ms, snapshot.to_ms)``;
nothing after ``now_ms`` is known, so measures end at ``min(to_ms, now_ms)`` (the
"effective end"). An availability indicator looks at a **window**: the part, or the
``window_days`` ending at the effective end (``window: trailing``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple, Protocol

from xaso.server.broadcasts.playout_outcome import PlayoutOutcome
from xaso.server.indicators.day_pieces import PiecedHistory
from xaso.server.indicators.measures import DeviceHistory, Window
from xaso.server.indicators.profile import Indicator, IndicatorProfile
from xaso.server.indicators.result import ExclusionEntry
from xaso.server.indicators.snapshot import CommuneSnapshot
from xaso.server.monitoring.recording_ledger import DayRecording
from xaso.server.records import DeviceReadingRecord

__all__ = [
    "DAY_MS",
    "PICTURE",
    "CommuneData",
    "DataRanges",
    "DeclaredDocumentLike",
    "DeclaredLike",
    "data_ranges",
    "effective_end",
    "indicator_window",
]

DAY_MS = 86_400_000
# The "kind" of the cameras' picture series in ``DataRanges.transitions``: read for the
# cameras, under their picture series' ids (``picture_state.picture_series``).
PICTURE = "picture"


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

    # Raw, or closed days summed up beforehand (``day_pieces``): the same figures.
    histories: Mapping[str, DeviceHistory | PiecedHistory]
    exclusions: Mapping[str, Sequence[tuple[int, int]]]  # maintenance (+ excused), per device
    readings: Mapping[str, DeviceReadingRecord]  # newest in the recording look-back (C1)
    # None: no source of broadcast logs at all (not the same as no broadcasts).
    playout: Sequence[PlayoutOutcome] | None
    declared: Mapping[str, DeclaredLike | None]  # by indicator id
    excused_excluded: bool = False
    # Every window and excused period touching the commune, for the report to list.
    listed_exclusions: Sequence[ExclusionEntry] = ()
    # The cameras' days as their recorders told them (C3's recording rule), by camera.
    recordings: Mapping[str, Sequence[DayRecording]] = {}


class DataRanges(NamedTuple):
    # The status history each kind of device needs (the union of the windows that judge
    # it); kinds no indicator judges by availability (gateways, recorders) need none.
    transitions: dict[str, Window]
    recording: Window | None  # the last readings of cameras and recorders for C1
    playout: Window  # broadcast outcomes for R8 and R9
    # Per kind, where each window judging it starts and ends: a day cut there is read
    # raw, not taken whole from a rollup (``gather/rollups.py``).
    bounds: dict[str, set[int]] = {}  # noqa: RUF012 (a NamedTuple field: never changed)
    # The cameras' recording days C3's recording rule needs (recording.py); None: none.
    recorded: Window | None = None


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
    bounds: dict[str, set[int]] = {}
    recording: Window | None = None
    recorded: Window | None = None
    playout_from = snap.from_ms

    def need(kind: str, window: Window) -> None:
        bounds.setdefault(kind, set()).update(window)
        known = transitions.get(kind, window)
        transitions[kind] = Window(
            min(known.from_ms, window.from_ms), max(known.to_ms, window.to_ms)
        )

    for indicator in profile.indicators:
        if indicator.picture == "required":
            # Its cameras are judged by their picture series (picture_state.py), over
            # the window of what judges them.
            judge = indicator if indicator.working is None else profile.working(indicator)
            need(PICTURE, indicator_window(judge, snap, now_ms))
        kind = _JUDGED_KIND.get(indicator.measure)
        if kind is not None:
            # Switched off or not, an availability indicator may judge devices for others
            # (R6 for R1 and R2): its window is read either way.
            need(kind, indicator_window(indicator, snap, now_ms))
            if indicator.measure == "camera_availability" and indicator.recording_min_hours_per_day:
                window = indicator_window(indicator, snap, now_ms)
                recorded = (
                    window
                    if recorded is None
                    else Window(
                        min(recorded.from_ms, window.from_ms), max(recorded.to_ms, window.to_ms)
                    )
                )
        elif indicator.measure == "camera_operating" and indicator.require_recording:
            recording = Window(end - int(indicator.recording_lookback_s * 1000), end)
        elif indicator.measure == "emergency_readiness" and indicator.enabled:
            playout_from = min(playout_from, end - indicator.max_age_days * DAY_MS)
            # When the clusters could be watched: no emergency on record proves nothing
            # about a time nobody saw.
            need("radio_cluster", Window(end - indicator.max_age_days * DAY_MS, end))
        elif indicator.measure == "broadcast_days" and indicator.enabled:
            need("radio_cluster", Window(snap.from_ms, end))
    return DataRanges(transitions, recording, Window(playout_from, end), bounds, recorded)
