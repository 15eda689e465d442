"""A device's statuses over a period as a band of coloured segments, drawn by the device
page as an SVG whose ``x`` and ``width`` are percentages of the period: attributes, not
``style``, so nothing inline is needed under the CSP, and the band works without script.

Spans in a row with the same status are one segment. Spans too short to see (under a
thousandth of the period) are gathered until they are wide enough and shown as one
segment of the worst status among them, so a device that flapped all month is a readable
band of at most about a thousand segments, not tens of thousands.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, NamedTuple

from xaso.server.monitoring.availability import Span

# Worst first: what a gathered segment of short spans shows.
_WORST: Final = ("offline", "unknown", "stopped", "pending", "maintenance", "planned", "online")
MIN_FRACTION: Final = 0.001


class Segment(NamedTuple):
    start_ms: int
    end_ms: int
    status: str
    cause: str
    gathered: bool = False  # several short spans shown as one

    def x_pct(self, from_ms: int, to_ms: int) -> float:
        return round(100 * (self.start_ms - from_ms) / (to_ms - from_ms), 3)

    def width_pct(self, from_ms: int, to_ms: int) -> float:
        return round(100 * (self.end_ms - self.start_ms) / (to_ms - from_ms), 3)


def _worse(a: str, b: str) -> str:
    rank = {status: number for number, status in enumerate(_WORST)}
    return a if rank.get(a, 1) <= rank.get(b, 1) else b


def segments(period_spans: Sequence[Span], from_ms: int, to_ms: int) -> list[Segment]:
    """The band of ``[from_ms, to_ms)`` (its spans as ``availability.spans`` gives
    them)."""
    joined: list[Segment] = []
    for span in period_spans:
        if joined and joined[-1].status == span.status and joined[-1].end_ms == span.start_ms:
            joined[-1] = joined[-1]._replace(end_ms=span.end_ms)
        else:
            joined.append(Segment(span.start_ms, span.end_ms, span.status, span.cause))
    shortest = MIN_FRACTION * (to_ms - from_ms)
    found: list[Segment] = []
    pending: Segment | None = None  # short spans gathered so far
    for segment in joined:
        if segment.end_ms - segment.start_ms >= shortest:
            # A wide one stands alone; what was gathered before it, however narrow,
            # too (at most one such sliver per wide segment, so the band stays short).
            if pending is not None:
                found.append(pending)
                pending = None
            found.append(segment)
            continue
        if pending is None:
            pending = segment
        else:
            pending = Segment(
                pending.start_ms,
                segment.end_ms,
                _worse(pending.status, segment.status),
                pending.cause,
                gathered=True,
            )
        if pending.end_ms - pending.start_ms >= shortest:
            found.append(pending)
            pending = None
    if pending is not None:
        found.append(pending)
    return found
