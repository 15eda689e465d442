"""Broadcast schedules of the smart radio: the model, its checks, its occurrences, and
the collisions between schedules on the same loudspeaker clusters.

Pure functions of the schedules, the inventory and the time (no I/O). Priority classes
follow Thông tư 39/2020/TT-BTTTT: **normal** items are the commune's programme,
**priority** items go ahead of normal ones, **emergency** items play at once and
pre-empt anything playing. Below them, **background** is a standing relay of the
provincial or central station (tiếp sóng thường xuyên, ``standing_relay.py``): a
stream over set hours that any bulletin pre-empts and that resumes after it. Timing
reuses the maintenance windows' recurrence (RFC 5545 rules in the commune's wall
clock), so "every day at 06:00" stays 06:00 in Asia/Ho_Chi_Minh whatever the server's
clock.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Final, Literal
from zoneinfo import ZoneInfo

import msgspec

from xaso.inventory import DEFAULT_TIMEZONE, DeviceEntry, InventoryIndex
from xaso.protocol import is_valid_id
from xaso.server.recurrence import recurrence_problems, recurring_intervals

Priority = Literal["background", "normal", "priority", "emergency"]
PRIORITY_RANK: Final = {"background": -1, "normal": 0, "priority": 1, "emergency": 2}
ContentType = Literal["file", "tts", "relay"]

# A bulletin longer than this is a mistake (a relay left running all day), not a plan.
MAX_DURATION_S: Final = 4 * 3600
# A standing relay (background) may run all day, never longer: its next day's slot
# would overlap it.
MAX_BACKGROUND_S: Final = 24 * 3600
# More skipped days than a year has is a rule to change, not exceptions to list.
MAX_SKIP_DATES: Final = 366
# The bounds of "in force since ever" and "still in force" of a schedule's version
# (server/broadcasts/schedule_table.py).
ALWAYS_FROM_MS: Final = -(2**62)
ALWAYS_TO_MS: Final = 2**62


class Content(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """What plays: an uploaded audio file (by its sha256), a text spoken on the gateway,
    or a stream relayed for the length of the slot."""

    type: ContentType
    duration_s: float
    title: str = ""
    sha256: str | None = None  # file
    text: str | None = None  # tts
    voice: str = "vi"  # tts
    url: str | None = None  # relay
    source: Literal["commune", "provincial", "central"] = "commune"


class Targets(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """Where it plays: the whole commune (both lists empty), some villages (zones), or
    named clusters; zones and clusters add up."""

    zones: list[str] = []
    clusters: list[str] = []


class Schedule(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    id: str
    commune: str
    title: str
    content: Content
    start: dt.datetime  # wall time in ``timezone`` when naive
    targets: Targets = Targets()
    rrule: str | None = None  # RFC 5545 RRULE; None: once
    # Local days on which it does not play (a holiday, a market day): RFC 5545's EXDATE
    # by the day, kept beside the rule because the recurrence takes a single RRULE.
    skip_dates: list[dt.date] = []
    timezone: str = DEFAULT_TIMEZONE
    priority: Priority = "normal"
    paused: bool = False
    created_by: str = ""
    revision: int = 1
    # The loudspeakers' volume for this schedule's plays (0-100); None: the cluster's
    # own (the commune's radio settings, else the gateway's configuration).
    volume: int | None = None


class Conflict(msgspec.Struct, frozen=True):
    other: str  # the other schedule's id
    other_title: str
    start_ms: int  # the first time they overlap
    end_ms: int
    clusters: list[str]
    # Which goes first there, by the rules of TT39: "this", "other", or "same" (same
    # class: the one starting first plays, the other waits).
    first: Literal["this", "other", "same"]


def target_problems(
    commune_code: str,
    targets: Targets,
    index: InventoryIndex,
    day: dt.date,
    field: str = "targets.",
) -> list[str]:
    """Every problem of a commune and the targets in it on ``day``, each starting with
    its field (``field`` prefixes zones and clusters: the silence and emergency requests
    carry them at the top level). A commune's villages and clusters are those it holds
    that day: after a merger, its predecessors' too (``InventoryIndex.held_on``)."""
    commune = index.communes.get(commune_code)
    if commune is None:
        return [f"commune: no commune '{commune_code}' in the inventory"]
    found: list[str] = []
    held = index.held_on(commune_code, day)
    villages = {v.code for listed in held for v in index.communes[listed].villages}
    for zone in targets.zones:
        if zone not in villages:
            found.append(f"{field}zones: '{zone}' is not a village of {commune.name}")
    for cluster in targets.clusters:
        entry = index.devices.get(cluster)
        if (
            entry is None
            or entry.kind != "radio_cluster"
            or index.listed_commune[cluster] not in held
        ):
            found.append(
                f"{field}clusters: '{cluster}' is not a loudspeaker cluster of {commune.name}"
            )
        elif entry.planned:
            found.append(f"{field}clusters: '{cluster}' is planned, not installed")
    if not found and not clusters_of(commune_code, targets, index, day):
        found.append("targets: no installed loudspeaker cluster there")
    return found


def schedule_problems(
    schedule: Schedule, index: InventoryIndex, day: dt.date, targets_field: str = "targets."
) -> list[str]:
    """Every problem of a schedule given on ``day``, each starting with its field."""
    found: list[str] = []
    if not is_valid_id(schedule.id):
        found.append(f"id: '{schedule.id}' is not a valid id")
    found += target_problems(schedule.commune, schedule.targets, index, day, targets_field)
    content = schedule.content
    longest = MAX_BACKGROUND_S if schedule.priority == "background" else MAX_DURATION_S
    if not 0 < content.duration_s <= longest:
        found.append(f"content.duration_s: must be above 0 and at most {longest} s")
    needed = {"file": "sha256", "tts": "text", "relay": "url"}[content.type]
    if not getattr(content, needed):
        found.append(f"content.{needed}: required for content of type {content.type}")
    if content.url is not None and not content.url.startswith(("http://", "https://", "rtsp://")):
        found.append("content.url: must be an http(s) or rtsp stream URL")
    if not schedule.title.strip():
        found.append("title: must not be empty")
    if schedule.priority == "background" and content.type != "relay":
        found.append("priority: background is for a standing relay (content of type relay)")
    if schedule.volume is not None and not 0 <= schedule.volume <= 100:
        found.append("volume: must be between 0 and 100")
    if len(schedule.skip_dates) > MAX_SKIP_DATES:
        found.append(f"skip_dates: at most {MAX_SKIP_DATES} days")
    return found + recurrence_problems(schedule.start, schedule.rrule, schedule.timezone)


def target_clusters(schedule: Schedule, index: InventoryIndex, day: dt.date) -> frozenset[str]:
    """The installed loudspeaker clusters a schedule plays on on ``day``."""
    return clusters_of(schedule.commune, schedule.targets, index, day)


def clusters_of(
    commune: str, targets: Targets, index: InventoryIndex, day: dt.date
) -> frozenset[str]:
    """The installed loudspeaker clusters of ``targets`` in what ``commune`` holds on
    ``day``: a successor's whole-commune schedule plays on its predecessors' clusters
    from the merger day (never before), and a predecessor's schedule keeps playing on
    its own clusters after it (the successor's officers manage it)."""
    by_listed = _installed_clusters(index)
    clusters = [e for listed in index.held_on(commune, day) for e in by_listed.get(listed, ())]
    if not targets.zones and not targets.clusters:
        return frozenset(e.id for e in clusters)
    zones = set(targets.zones)
    return frozenset(e.id for e in clusters if e.village in zones or e.id in targets.clusters)


@functools.lru_cache(maxsize=4)
def _installed_clusters(index: InventoryIndex) -> dict[str, tuple[DeviceEntry, ...]]:
    """The installed loudspeaker clusters listed under each commune, built once per
    inventory: schedules, their sets and the playout log ask for them thousands of
    times in a province."""
    found: dict[str, list[DeviceEntry]] = {}
    for entry in index.devices.values():
        if entry.kind == "radio_cluster" and not entry.planned:
            found.setdefault(index.listed_commune[entry.id], []).append(entry)
    return {commune: tuple(entries) for commune, entries in found.items()}


def occurrences(schedule: Schedule, from_ms: int, to_ms: int) -> list[tuple[int, int]]:
    """Every time it plays that overlaps ``[from_ms, to_ms)``; none while paused, none
    that starts on one of its ``skip_dates`` (local days)."""
    if schedule.paused:
        return []
    duration_ms = max(1, round(schedule.content.duration_s * 1000))
    found = recurring_intervals(
        schedule.start, schedule.rrule, schedule.timezone, duration_ms, from_ms, to_ms
    )
    if not schedule.skip_dates:
        return found
    skipped, zone = set(schedule.skip_dates), ZoneInfo(schedule.timezone)
    return [
        (s, e) for s, e in found if dt.datetime.fromtimestamp(s / 1000, zone).date() not in skipped
    ]


def occurrences_starting(schedule: Schedule, from_ms: int, to_ms: int) -> list[tuple[int, int]]:
    """The occurrences that start in ``[from_ms, to_ms)`` (``occurrences`` also gives
    one started before and still playing); none for an empty range."""
    if from_ms >= to_ms:
        return []
    return [(s, e) for s, e in occurrences(schedule, from_ms, to_ms) if from_ms <= s < to_ms]


def start_ms(schedule: Schedule) -> int:
    """When the schedule begins (its DTSTART), as epoch ms."""
    start = schedule.start
    if start.tzinfo is None:
        start = start.replace(tzinfo=ZoneInfo(schedule.timezone))
    return int(start.timestamp() * 1000)


def conflicts(
    schedule: Schedule,
    others: list[Schedule],
    index: InventoryIndex,
    from_ms: int,
    to_ms: int,
) -> list[Conflict]:
    """Schedules that would play on some of the same clusters at the same time within
    ``[from_ms, to_ms)``: the first overlap of each, with which one goes first. The
    clusters are those of the first day. A standing relay (background) and a bulletin
    do not collide: the relay gives way by design and resumes after; two standing
    relays do."""
    day = index.day_of(from_ms)
    mine = target_clusters(schedule, index, day)
    my_times = occurrences(schedule, from_ms, to_ms)
    found = []
    for other in others:
        if other.id == schedule.id:
            continue
        if (schedule.priority == "background") != (other.priority == "background"):
            continue
        shared = mine & target_clusters(other, index, day)
        if not shared:
            continue
        overlap = _first_overlap(my_times, occurrences(other, from_ms, to_ms))
        if overlap is None:
            continue
        found.append(
            Conflict(
                other=other.id,
                other_title=other.title,
                start_ms=overlap[0],
                end_ms=overlap[1],
                clusters=sorted(shared),
                first=first_by_class(schedule.priority, other.priority),
            )
        )
    return sorted(found, key=lambda c: c.start_ms)


def first_by_class(priority: str, other_priority: str) -> Literal["this", "other", "same"]:
    """Which of two colliding broadcasts goes first by TT39's classes: "this" (the one
    of ``priority``), "other", or "same" (same class: the one starting first plays, the
    other waits). The calendar marks collisions between occurrences by the same rule."""
    rank, other_rank = PRIORITY_RANK[priority], PRIORITY_RANK[other_priority]
    return "this" if rank > other_rank else "other" if rank < other_rank else "same"


def _first_overlap(
    mine: list[tuple[int, int]], theirs: list[tuple[int, int]]
) -> tuple[int, int] | None:
    i = j = 0
    while i < len(mine) and j < len(theirs):
        start, end = max(mine[i][0], theirs[j][0]), min(mine[i][1], theirs[j][1])
        if start < end:
            return start, end
        if mine[i][1] <= theirs[j][1]:
            i += 1
        else:
            j += 1
    return None
