"""What goes wrong with the demo's cameras, as a plain function of time: the same answer
for the live fleet (``fleet.py``, ``camera_pictures.py``) and for the seeded past
(``history.py``), so a camera's picture and recording pages tell one story.

- Three cameras of the first commune have picture trouble: one was covered with a cloth
  two days ago and still is ("Bị che"), one has no infrared and is dark every night,
  one freezes on the same frame for a while now and then.
- Every camera's recorder leaves an occasional gap (a restart, a full disk, a power
  dip); about one camera in five does so most days.
"""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Callable
from typing import Final, Literal
from zoneinfo import ZoneInfo

from xaso.inventory import InventoryIndex

Trouble = Literal["covered", "dark_at_night", "frozen_at_times"]
TROUBLES: Final[tuple[Trouble, ...]] = ("covered", "dark_at_night", "frozen_at_times")

DAY_MS: Final = 86_400_000
COVERED_FOR_MS: Final = 2 * DAY_MS + 5 * 3_600_000  # the cloth went on 2 days 5 h ago
NIGHT_FROM_H, NIGHT_TO_H = 19, 5  # the camera without infrared sees nothing between
# The freezing camera: the same frame for 10 minutes of every 30 (live), and for a few
# hours now and then in the past.
FROZEN_CYCLE_MS: Final = 30 * 60_000
FROZEN_FOR_MS: Final = 10 * 60_000
FROZEN_DAY_EVERY: Final = 9

# The recorder: about one camera in this many has a gap most days, the others now and then.
GAPPY_EVERY: Final = 5
GAPPY_DAY_SHARE: Final = 0.7
QUIET_DAY_SHARE: Final = 0.08


def _hash(text: str) -> int:
    return zlib.crc32(text.encode("utf-8"))


def picture_troubles(index: InventoryIndex, steady: Callable[[str], bool]) -> dict[str, Trouble]:
    """The cameras with picture trouble: the first commune's first cameras (in id order)
    that the simulation keeps up (``steady``), so their trouble is what one sees."""
    commune = next(iter(index.communes), None)
    cameras = sorted(
        d.id
        for d in index.devices.values()
        if d.kind == "camera" and d.commune == commune and not d.planned and steady(d.id)
    )
    return dict(zip(cameras, TROUBLES, strict=False))


def _is_night(at_ms: int, tz: ZoneInfo) -> bool:
    hour = dt.datetime.fromtimestamp(at_ms / 1000, tz).hour
    return hour >= NIGHT_FROM_H or hour < NIGHT_TO_H


def trouble_now(trouble: Trouble | None, at_ms: int, tz: ZoneInfo) -> str | None:
    """What the live camera's picture suffers from at ``at_ms``: ``covered``, ``dark``
    or ``frozen``; None when it sees well."""
    if trouble == "covered":
        return "covered"
    if trouble == "dark_at_night" and _is_night(at_ms, tz):
        return "dark"
    if trouble == "frozen_at_times" and at_ms % FROZEN_CYCLE_MS < FROZEN_FOR_MS:
        return "frozen"
    return None


def _local_days(start_ms: int, end_ms: int, tz: ZoneInfo) -> list[tuple[dt.date, int]]:
    day = dt.datetime.fromtimestamp(start_ms / 1000, tz).date()
    found: list[tuple[dt.date, int]] = []
    while True:
        at = int(dt.datetime.combine(day, dt.time(), tz).timestamp() * 1000)
        if at >= end_ms:
            return found
        found.append((day, at))
        day += dt.timedelta(days=1)


def trouble_spans(
    trouble: Trouble, start_ms: int, end_ms: int, tz: ZoneInfo
) -> list[tuple[int, int, str]]:
    """(from, to, picture state) of the camera's bad pictures in the past, in order."""
    found: list[tuple[int, int, str]] = []
    if trouble == "covered":
        since = max(start_ms, end_ms - COVERED_FOR_MS)
        return [(since, end_ms, "covered")] if since < end_ms else []
    for day, midnight in _local_days(start_ms - DAY_MS, end_ms, tz):
        if trouble == "dark_at_night":
            span = (midnight + NIGHT_FROM_H * 3_600_000, midnight + (24 + NIGHT_TO_H) * 3_600_000)
            state = "dark"
        elif _hash(f"frozen:{day}") % FROZEN_DAY_EVERY == 0:
            at = midnight + (8 + _hash(f"frozen-at:{day}") % 10) * 3_600_000
            span, state = (at, at + (1 + _hash(f"frozen-for:{day}") % 4) * 3_600_000), "frozen"
        else:
            continue
        a, b = max(span[0], start_ms), min(span[1], end_ms)
        if a < b:
            found.append((a, b, state))
    return found


def recorder_gaps(camera_id: str, from_ms: int, to_ms: int, tz: ZoneInfo) -> list[tuple[int, int]]:
    """The stretches of ``[from_ms, to_ms)`` the camera's recorder did not record: at most
    one a day, its hour and length drawn from the camera and the day."""
    gappy = _hash(camera_id) % GAPPY_EVERY == 0
    share = GAPPY_DAY_SHARE if gappy else QUIET_DAY_SHARE
    found: list[tuple[int, int]] = []
    for day, midnight in _local_days(from_ms, to_ms, tz):
        h = _hash(f"{camera_id}:{day}")
        if h % 1000 >= share * 1000:
            continue
        at = midnight + (h >> 10) % (23 * 60) * 60_000
        a, b = max(at, from_ms), min(at + (10 + (h >> 20) % 80) * 60_000, to_ms)
        if a < b:
            found.append((a, b))
    return found
