"""Which communes' evaluations a stored record can change, and from when: what the
evaluated results kept in memory (``gather/evaluated.py``) are keyed on.

A record reaches an evaluation of a period when it reaches a time before the period's
end: a device's transition or reading from its own time on (a transition also decides
the status of every later day, a reading only its own), a broadcast event from the day
before its occurrence or its time, whichever is earlier (a ``received`` event weighs on
the schedule's other occurrences, ``broadcasts/reconcile.py``). Each stored batch moves
a counter (an epoch in ``indicator_rollup_epoch``, shared by the web tier and every
ingest worker) of each commune it reaches:

- ``late``: the record reaches a day before yesterday;
- ``recent``: it reaches yesterday (a broadcast logged today reaches it).

A record reaching only today moves nothing: a kept evaluation is of a period that ended
by today's start. One that ended by yesterday's start is keyed on ``late`` only, so
the day's live broadcast logs leave last month's results alone; one that ended
yesterday (today's start) on both.

The commune moved is the one a device is listed under and, for a broadcast event,
every commune of the merge family of the commune it names (what ``playout_for`` reads
for any of them).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Final

from xaso.inventory import InventoryIndex
from xaso.server.monitoring.picture_state import series_owner
from xaso.server.records import BroadcastEventRecord, DeviceReadingRecord, TransitionRecord

__all__ = ["DAY_MS", "LATE", "RECENT", "late_marks", "scopes_for_period"]

LATE: Final = "late"
RECENT: Final = "recent"
DAY_MS: Final = 86_400_000


def late_marks(
    records: Iterable[object],
    index: InventoryIndex,
    day_of: Callable[[int], int],
    today_ms: int,
) -> dict[str, set[str]]:
    """The communes to move on, by scope (``late``, ``recent``), for records just stored;
    ``day_of`` gives the start of the local day of an instant, ``today_ms`` today's."""
    found: dict[str, set[str]] = defaultdict(set)
    yesterday = today_ms - DAY_MS
    for record in records:
        if isinstance(record, TransitionRecord | DeviceReadingRecord):
            if record.ts_ms >= today_ms:
                continue  # live: no kept period reaches today
            # A camera's picture series reaches its camera's commune.
            unit = index.listed_commune.get(series_owner(record.device_id))
            if unit is None:
                continue  # not in the inventory: no evaluation reads it
            found[LATE if record.ts_ms < yesterday else RECENT].add(unit)
        elif isinstance(record, BroadcastEventRecord):
            if record.commune not in index.communes:
                continue
            reach = day_of(min(record.ts_ms, record.occurrence_ms)) - DAY_MS
            if reach >= today_ms:
                continue
            scope = LATE if reach < yesterday else RECENT
            found[scope] |= index.merge_family(record.commune)
    return found


def scopes_for_period(to_ms: int, today_ms: int) -> tuple[str, ...] | None:
    """The scopes a kept evaluation of a period ending at ``to_ms`` is keyed on, today
    starting at ``today_ms``; None when the period has not ended by today's start (it
    is not kept: live records reach it)."""
    if to_ms <= today_ms - DAY_MS:
        return (LATE,)
    if to_ms <= today_ms:
        return (LATE, RECENT)
    return None
