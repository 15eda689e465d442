"""Time-weighted availability and outages, from a device's status transitions.

Pure functions of (transitions, period, exclusions): no I/O, so they are the same on
both stores and cheap to test with properties.

What counts (docs/availability.md):
- **up**: online (and, later, pending: a missed beat within grace is not an outage);
- **down**: offline;
- a camera's picture series (``picture_state.py``) is up while ``usable`` and down while
  ``unusable``, with the same rules: its figure is the "picture usable" availability;
- **unknown**: nothing trustworthy known — never heard, gateway down, stopped, planned;
  it is left out of the figure instead of being guessed either way;
- **excluded**: maintenance windows, and outages the verifier excuses (a recorded grid
  power cut). Excluded time counts as available, never against the device, so that
  excluding a window can never lower a figure (the convention of SLA reports).

    availability = 1 - down / (period - unknown)        (None when nothing is known)

Excluded time is taken out of down and unknown time first. Sums of the four parts over
devices or over consecutive periods combine exactly: a commune's figure is time-weighted
over its devices, and a month is its days added up.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple

import msgspec

from xaso.server.records import TransitionRecord

# A camera's picture series (picture_state.py) counts "usable" as up, "unusable" as down.
UP_STATUSES = frozenset({"online", "pending", "up", "usable"})
DOWN_STATUSES = frozenset({"offline", "down", "unusable"})
EXCLUDED_STATUSES = frozenset({"maintenance"})


class Span(NamedTuple):
    start_ms: int
    end_ms: int
    status: str
    cause: str


class Availability(msgspec.Struct, frozen=True):
    period_ms: int = 0
    up_ms: int = 0
    down_ms: int = 0
    unknown_ms: int = 0
    excluded_ms: int = 0

    @property
    def known_ms(self) -> int:
        return self.period_ms - self.unknown_ms

    @property
    def percent(self) -> float | None:
        """None when nothing is known of the period: "not enough data", never a guess."""
        if self.known_ms <= 0:
            return None
        return 100.0 * (1.0 - self.down_ms / self.known_ms)

    def __add__(self, other: Availability) -> Availability:
        return Availability(
            period_ms=self.period_ms + other.period_ms,
            up_ms=self.up_ms + other.up_ms,
            down_ms=self.down_ms + other.down_ms,
            unknown_ms=self.unknown_ms + other.unknown_ms,
            excluded_ms=self.excluded_ms + other.excluded_ms,
        )


class Outage(msgspec.Struct, frozen=True):
    start_ms: int
    end_ms: int  # the end of the period for an outage still going on
    ongoing: bool
    cause: str
    # Of its duration, how much fell in excluded windows (so did not count).
    excluded_ms: int = 0

    @property
    def duration_ms(self) -> int:
        return self.end_ms - self.start_ms


def spans(
    transitions: Sequence[TransitionRecord],
    before: TransitionRecord | None,
    from_ms: int,
    to_ms: int,
) -> list[Span]:
    """The statuses in force over [from_ms, to_ms): ``before`` is the last transition
    before the period (None: unknown), ``transitions`` those within it, time-ordered."""
    status, cause = (before.status, before.cause) if before else ("unknown", "no data")
    result: list[Span] = []
    cursor = from_ms
    for transition in transitions:
        at = min(max(transition.ts_ms, from_ms), to_ms)
        if at > cursor:
            result.append(Span(cursor, at, status, cause))
            cursor = at
        status, cause = transition.status, transition.cause
    if to_ms > cursor:
        result.append(Span(cursor, to_ms, status, cause))
    return result


def merge_windows(windows: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted, disjoint intervals covering the same time; touching ones are joined
    ([a, b) and [b, c) are one [a, c))."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(w for w in windows if w[1] > w[0]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _overlap_ms(start: int, end: int, windows: Sequence[tuple[int, int]]) -> int:
    return sum(max(0, min(end, w_end) - max(start, w_start)) for w_start, w_end in windows)


def availability(
    period_spans: Sequence[Span], exclusions: Iterable[tuple[int, int]] = ()
) -> Availability:
    windows = merge_windows(exclusions)
    up = down = unknown = excluded = 0
    for span in period_spans:
        length = span.end_ms - span.start_ms
        if span.status in EXCLUDED_STATUSES:
            excluded += length
            continue
        hidden = _overlap_ms(span.start_ms, span.end_ms, windows)
        excluded += hidden
        if span.status in UP_STATUSES:
            up += length - hidden
        elif span.status in DOWN_STATUSES:
            down += length - hidden
        else:
            unknown += length - hidden
    period = sum(s.end_ms - s.start_ms for s in period_spans)
    return Availability(period, up, down, unknown, excluded)


def outages(
    period_spans: Sequence[Span],
    exclusions: Iterable[tuple[int, int]] = (),
    now_ms: int | None = None,
) -> list[Outage]:
    """Every stretch of down time, adjacent down spans joined (a cause can change
    mid-outage), with the cause it started with. An outage that runs to the end of a
    period reaching ``now_ms`` is still going on."""
    windows = merge_windows(exclusions)
    found: list[Outage] = []
    for index, span in enumerate(period_spans):
        if span.status not in DOWN_STATUSES:
            continue
        if found and found[-1].end_ms == span.start_ms:
            first = found.pop()
            start, cause = first.start_ms, first.cause
        else:
            start, cause = span.start_ms, span.cause
        is_last = index == len(period_spans) - 1
        found.append(
            Outage(
                start_ms=start,
                end_ms=span.end_ms,
                ongoing=is_last and now_ms is not None and span.end_ms >= now_ms,
                cause=cause,
                excluded_ms=_overlap_ms(start, span.end_ms, windows),
            )
        )
    return found
