"""The broadcast calendar's facts: the playout log's lines grouped back into the
occurrences people planned, each occurrence's outcome over its clusters in one word,
the occurrences that collide on shared clusters, and the silences over a period.

The playout log (``playout_log.py``) has one line per occurrence and cluster; a
calendar shows one box per occurrence ("Bản tin sáng, 06:00, 3/4 cụm đã phát"). Pure
functions of the log's outcomes and the silence orders (no I/O, no clock).
"""

from __future__ import annotations

import operator
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Final, Literal

from xaso.server.broadcasts.playout_outcome import CONFIRMED_STATUSES, PlayoutOutcome
from xaso.server.broadcasts.schedule import first_by_class
from xaso.server.broadcasts.silence import SilenceOrder

__all__ = [
    "Aggregate",
    "CalendarOccurrence",
    "Collision",
    "SilenceSpan",
    "aggregate",
    "collisions",
    "grouped",
    "silences_between",
]

# The worst first: an occurrence's colour is that of its worst cluster. Failures before
# what merely did not happen, anything unfinished after what went wrong (a broadcast
# half played and half still due is not yet "played").
WORST_FIRST: Final = (
    "failed",
    "missed",
    "not_received",
    "partial",
    "late",
    "silenced",
    "playing",
    "upcoming",
    "manual",
    "played",
)
_RANK: Final = {status: rank for rank, status in enumerate(WORST_FIRST)}
# A standing relay of the provincial station yields to every bulletin by design: it
# collides with nothing, and draws as a band under the day.
BACKGROUND: Final = "background"


@dataclass(frozen=True)
class CalendarOccurrence:
    """One planned (or reported, or entered by hand) broadcast: one schedule at one
    planned start, over the clusters it was for."""

    schedule: str  # "manual:<id>" for a live announcement entered by hand
    start_ms: int
    end_ms: int
    title: str
    priority: str
    content_type: str
    outcomes: tuple[PlayoutOutcome, ...]  # one per cluster, by cluster

    @property
    def key(self) -> tuple[str, int]:
        return self.schedule, self.start_ms

    @property
    def manual(self) -> bool:
        return self.schedule.startswith("manual:")

    @property
    def clusters(self) -> frozenset[str]:
        return frozenset(o.cluster for o in self.outcomes)

    def within(self, clusters: Collection[str] | None) -> CalendarOccurrence | None:
        """This occurrence on ``clusters`` only (None: all); None when on none of them."""
        if clusters is None:
            return self
        kept = tuple(o for o in self.outcomes if o.cluster in clusters)
        if not kept:
            return None
        if len(kept) == len(self.outcomes):
            return self
        return CalendarOccurrence(
            self.schedule,
            self.start_ms,
            self.end_ms,
            self.title,
            self.priority,
            self.content_type,
            kept,
        )


def grouped(outcomes: Iterable[PlayoutOutcome]) -> list[CalendarOccurrence]:
    """The log's lines as occurrences, by start then schedule."""
    by_key: dict[tuple[str, int], list[PlayoutOutcome]] = {}
    for outcome in outcomes:
        by_key.setdefault((outcome.schedule, outcome.planned_start_ms), []).append(outcome)
    found = []
    for (schedule, start_ms), lines in by_key.items():
        lines.sort(key=operator.attrgetter("cluster"))
        # The lines of one occurrence share its plan; a cluster reported from its
        # events (the schedule changed since) may say a different end: the latest.
        first = lines[0]
        found.append(
            CalendarOccurrence(
                schedule=schedule,
                start_ms=start_ms,
                end_ms=max(o.planned_end_ms for o in lines),
                title=first.title,
                priority=first.priority,
                content_type=first.content_type,
                outcomes=tuple(lines),
            )
        )
    found.sort(key=lambda o: (o.start_ms, o.schedule))
    return found


@dataclass(frozen=True)
class Aggregate:
    """An occurrence's outcome over its clusters: the worst status, and how many of its
    clusters confirmed playing it."""

    status: str
    confirmed: int
    total: int
    counts: dict[str, int]

    @property
    def over(self) -> bool:
        """Nothing of it is still due or on air."""
        return not {"upcoming", "playing"} & self.counts.keys()


def aggregate(outcomes: Sequence[PlayoutOutcome]) -> Aggregate:
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
    worst = min(counts, key=lambda status: _RANK.get(status, -1)) if counts else "upcoming"
    confirmed = sum(n for status, n in counts.items() if status in CONFIRMED_STATUSES)
    return Aggregate(worst, confirmed, len(outcomes), counts)


@dataclass(frozen=True)
class Collision:
    """Another occurrence playing on some of the same clusters at the same time."""

    other: CalendarOccurrence
    start_ms: int  # when they overlap
    end_ms: int
    clusters: tuple[str, ...]
    # Which plays first: "this", "other" (TT39's classes, else the earlier start), or
    # "same" (same class, same start: whichever the gateway takes first).
    first: Literal["this", "other", "same"]


def collisions(
    occurrences: Sequence[CalendarOccurrence],
) -> dict[tuple[str, int], list[Collision]]:
    """Every pair of occurrences overlapping in time on a shared cluster, for each of
    the two, by their key. Live announcements entered afterwards and the standing relay
    collide with nothing; the rule of who goes first is the schedule checks' own
    (``schedule.first_by_class``)."""
    candidates = sorted(
        (o for o in occurrences if not o.manual and o.priority != BACKGROUND),
        key=lambda o: (o.start_ms, o.schedule),
    )
    found: dict[tuple[str, int], list[Collision]] = {}
    active: list[CalendarOccurrence] = []
    for occurrence in candidates:
        # Sorted by start: whatever ended before this one starts ends before the rest.
        active = [a for a in active if a.end_ms > occurrence.start_ms]
        for earlier in active:
            if earlier.schedule == occurrence.schedule:
                continue
            shared = earlier.clusters & occurrence.clusters
            if not shared:
                continue
            start, end = occurrence.start_ms, min(earlier.end_ms, occurrence.end_ms)
            first = first_by_class(earlier.priority, occurrence.priority)
            if first == "same" and earlier.start_ms < occurrence.start_ms:
                first = "this"  # the earlier one plays, the later one waits
            clusters = tuple(sorted(shared))
            found.setdefault(earlier.key, []).append(
                Collision(occurrence, start, end, clusters, first)
            )
            found.setdefault(occurrence.key, []).append(
                Collision(earlier, start, end, clusters, _swapped(first))
            )
        active.append(occurrence)
    return found


def _swapped(first: Literal["this", "other", "same"]) -> Literal["this", "other", "same"]:
    return "other" if first == "this" else "this" if first == "other" else "same"


@dataclass(frozen=True)
class SilenceSpan:
    """A silence order over the time it actually held (to its lifting, if lifted)."""

    order: SilenceOrder
    from_ms: int
    to_ms: int

    @property
    def lifted(self) -> bool:
        return self.order.lifted_ms is not None and self.order.lifted_ms < self.order.to_ms


def silences_between(
    orders: Iterable[SilenceOrder],
    communes: Collection[str],
    from_ms: int,
    to_ms: int,
    clusters: Collection[str] | None = None,
) -> list[SilenceSpan]:
    """The silence orders of ``communes`` that held during ``[from_ms, to_ms)``, on
    ``clusters`` (None: anywhere), by start."""
    found = []
    for order in orders:
        if order.commune not in communes:
            continue
        end = order.to_ms if order.lifted_ms is None else min(order.to_ms, order.lifted_ms)
        if end <= from_ms or order.from_ms >= to_ms or end <= order.from_ms:
            continue
        if clusters is not None and not set(order.clusters) & set(clusters):
            continue
        found.append(SilenceSpan(order, order.from_ms, end))
    found.sort(key=lambda s: (s.from_ms, s.order.id))
    return found
