"""C3's recording rule (``recording_min_hours_per_day``): a camera that is online but
whose recorder lost footage has failed its purpose for that time.

A camera-day on which the recorders' reports (the recording ledger,
``monitoring/recording_ledger.py``) say fewer hours recorded than the rule asks, in
proportion to the hours they covered (``min × covered ÷ 24 h``: a day half covered
needs half the hours), is a short day. On a short day the gaps count as down time in
the camera's availability, where it was not already down, in maintenance or excused
(counted once, never twice). Days no report covered change nothing: unknown is not
down. The cameras' figures so adjusted are C3's, and those of every indicator that
takes C3 as its ``working`` rule (C1, C2).

Pure: functions of the figures and the ledger's days handed in.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import msgspec

from xaso.server.indicators.measures import DeviceFigure
from xaso.server.indicators.profile import Indicator
from xaso.server.monitoring.availability import Outage
from xaso.server.monitoring.recording_ledger import DayRecording

__all__ = ["RECORDING_GAP", "with_recording_gaps"]

DAY_MS = 86_400_000
RECORDING_GAP = "recording_gap"  # the cause the counted stretches carry in the evidence


def with_recording_gaps(
    figure: DeviceFigure,
    days: Sequence[DayRecording],
    judged_by: Indicator,
    exclusions: Sequence[tuple[int, int]],
) -> DeviceFigure:
    """``figure`` with the gaps of its short days counted as down time."""
    minimum = judged_by.recording_min_hours_per_day
    if not minimum or not days or figure.state in ("planned", "unknown"):
        return figure
    start, end = figure.window
    already = [(o.start_ms, o.end_ms) for o in figure.outages] + list(exclusions)
    counted: list[tuple[int, int]] = []
    for day in days:
        if day.recorded_ms * DAY_MS >= minimum * 3_600_000 * day.known_ms:
            continue
        for a, b in day.gaps:
            counted += _minus((max(a, start), min(b, end)), already)
    extra = min(sum(b - a for a, b in counted), figure.figure.up_ms)
    if extra <= 0:
        return figure
    adjusted = msgspec.structs.replace(
        figure.figure, up_ms=figure.figure.up_ms - extra, down_ms=figure.figure.down_ms + extra
    )
    outages = sorted(
        [*figure.outages, *(Outage(a, b, False, RECORDING_GAP) for a, b in counted)],
        key=lambda o: o.start_ms,
    )
    percent = adjusted.percent
    state = figure.state
    if percent is not None:
        state = "working" if judged_by.meets(percent) else "not_working"
    return figure._replace(figure=adjusted, outages=outages, state=state)


def _minus(stretch: tuple[int, int], taken: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """The parts of ``stretch`` outside every one of ``taken``."""
    left = [stretch] if stretch[1] > stretch[0] else []
    for a, b in taken:
        nxt = []
        for c, d in left:
            if b <= c or d <= a:
                nxt.append((c, d))
                continue
            if c < a:
                nxt.append((c, a))
            if b < d:
                nxt.append((b, d))
        left = nxt
    return left
