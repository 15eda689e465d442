"""The stored history of a set of devices as the pages need it: their status spans over a
period read in one bulk read (never a query per device, nor per day), and the time their
maintenance windows and excused periods cover.

The commune page reads its ~35 devices at once, the device page its one device; both
then cut the spans into days, periods and segments in memory
(``server/monitoring/day_availability.py``, ``server/web/timeline.py``).
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Collection, Sequence
from typing import NamedTuple

from aiohttp import web

from xaso.inventory import DeviceEntry
from xaso.server.keys import INDEX, STORE
from xaso.server.monitoring.availability import Span, merge_windows, spans
from xaso.server.monitoring.keys import EXCLUSIONS
from xaso.server.monitoring.maintenance import applies_to, occurrences


class Exclusions(NamedTuple):
    """A device's counted maintenance windows and excused periods over the period:
    sorted, disjoint intervals (``availability.merge_windows``)."""

    maintenance: list[tuple[int, int]]
    excused: list[tuple[int, int]]


async def read_spans(
    app: web.Application,
    entries: Sequence[DeviceEntry],
    from_ms: int,
    to_ms: int,
    *,
    whole_communes: bool = False,
) -> dict[str, list[Span]]:
    """Each device's status spans over ``[from_ms, to_ms)``: two bulk store reads for
    all of them. ``whole_communes``: most of a commune's devices are asked for, so the
    store may read their communes whole (cheaper on InfluxDB than a long list of ids)."""
    index = app[INDEX]
    ids = [entry.id for entry in entries]
    if not ids:
        return {}
    hint: set[str] = set()
    if whole_communes:
        # A record keeps the commune it was written with: a predecessor's before a merger.
        for listed in {index.listed_commune[i] for i in ids}:
            hint |= index.merge_family(listed)
        hint |= {entry.commune for entry in entries}
    return await read_series_spans(app, ids, from_ms, to_ms, hint)


async def read_series_spans(
    app: web.Application,
    ids: Collection[str],
    from_ms: int,
    to_ms: int,
    hint: Collection[str] = (),
) -> dict[str, list[Span]]:
    """The spans of stored series by id: devices', or cameras' picture series
    (``picture_state.picture_series``)."""
    store = app[STORE]
    inside, before = await asyncio.gather(
        store.transitions_of(ids, from_ms, to_ms, communes=hint),
        store.last_transitions_before(ids, from_ms, communes=hint),
    )
    return {i: spans(inside.get(i, []), before.get(i), from_ms, to_ms) for i in ids}


def exclusions_of(
    app: web.Application, entries: Collection[DeviceEntry], from_ms: int, to_ms: int
) -> dict[str, Exclusions]:
    """Each device's counted maintenance windows and excused periods within
    ``[from_ms, to_ms)``, each up to its deletion (as ``exclusions.counted_windows_for``
    and ``excused_for`` give them one device at a time): a recurring window's
    occurrences are worked out once for all the devices it covers."""
    store = app[EXCLUSIONS]
    maintenance: dict[str, list[tuple[int, int]]] = defaultdict(list)
    excused: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for window, until_ms in store.counted_windows():
        covered = [entry for entry in entries if applies_to(window, entry)]
        if covered:
            found = occurrences(window, from_ms, min(to_ms, until_ms))
            for entry in covered:
                maintenance[entry.id] += found
    for period, until_ms in store.counted_excused():
        start, end = max(period.from_ms, from_ms), min(period.to_ms, to_ms, until_ms)
        if start < end:
            for entry in entries:
                if applies_to(period, entry):
                    excused[entry.id].append((start, end))
    return {
        entry.id: Exclusions(merge_windows(maintenance[entry.id]), merge_windows(excused[entry.id]))
        for entry in entries
    }
