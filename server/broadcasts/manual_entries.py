"""Manual entries of the playout log: live announcements on an analogue microphone.

A commune officer who speaks into the station's microphone leaves no trace in any
gateway's log; they record it here (POST /api/v1/playout/manual) and it appears in the
playout log with the status ``manual`` and their name. The clusters are resolved when
the entry is made and stored with it, like a silence order's, so the entry keeps
meaning what it meant when the inventory changes. Entries are few and written rarely:
a JSON table in the server's own SQLite file (``server/json_table.py``).

Pure functions of the entries, the inventory and the time (no I/O).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Final

import msgspec

from xaso.inventory import InventoryIndex
from xaso.server.broadcasts.playout_outcome import PlayoutOutcome
from xaso.server.broadcasts.schedule import MAX_DURATION_S, Targets, clusters_of, target_problems

TABLE: Final = "playout_manual"
MAX_TITLE_CHARS: Final = 200
MAX_NOTE_CHARS: Final = 2000
# A clock a little off on the officer's computer is not "in the future".
FUTURE_SLACK_MS: Final = 5 * 60 * 1000


class ManualEntry(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    id: str
    commune: str
    clusters: list[str]  # resolved from ``targets`` when entered
    start_ms: int
    end_ms: int
    title: str
    targets: Targets = Targets()  # as asked: zones and clusters (both empty: the commune)
    note: str = ""
    operator: str = ""  # who entered it (the token's name)
    recorded_ms: int = 0


def entry_problems(
    commune: str,
    targets: Targets,
    start_ms: int,
    end_ms: int,
    title: str,
    note: str,
    index: InventoryIndex,
    now_ms: int,
) -> list[str]:
    """Every problem of an entry, each starting with its field. The targets are those
    the commune holds today, as the clusters ``new_entry`` resolves."""
    found = target_problems(commune, targets, index, index.day_of(now_ms), field="")
    if end_ms <= start_ms:
        found.append("end: must be after start")
    elif end_ms - start_ms > MAX_DURATION_S * 1000:
        found.append(f"end: an announcement lasts at most {MAX_DURATION_S // 3600} hours")
    if start_ms > now_ms + FUTURE_SLACK_MS:
        found.append("start: an entry records an announcement made; it cannot be in the future")
    elif start_ms < 0:
        found.append("start: must not be before 1970")  # no date to print, no line to show
    if not title.strip():
        found.append("title: must not be empty")
    elif len(title) > MAX_TITLE_CHARS:
        found.append(f"title: at most {MAX_TITLE_CHARS} characters")
    if len(note) > MAX_NOTE_CHARS:
        found.append(f"note: at most {MAX_NOTE_CHARS} characters")
    return found


def new_entry(
    entry_id: str,
    commune: str,
    targets: Targets,
    index: InventoryIndex,
    *,
    start_ms: int,
    end_ms: int,
    title: str,
    note: str,
    operator: str,
    now_ms: int,
) -> ManualEntry:
    """An entry on the clusters ``targets`` name today (check it with ``entry_problems``)."""
    return ManualEntry(
        id=entry_id,
        commune=commune,
        clusters=sorted(clusters_of(commune, targets, index, index.day_of(now_ms))),
        start_ms=start_ms,
        end_ms=end_ms,
        title=title.strip(),
        targets=targets,
        note=note,
        operator=operator,
        recorded_ms=now_ms,
    )


def manual_outcomes(
    entries: Iterable[ManualEntry],
    index: InventoryIndex,
    communes: Collection[str],
    from_ms: int,
    to_ms: int,
) -> list[PlayoutOutcome]:
    """One ``manual`` outcome per cluster of each entry of ``communes`` starting in the
    period (the same rule as planned occurrences)."""
    found = []
    for entry in entries:
        if entry.commune not in communes or not from_ms <= entry.start_ms < to_ms:
            continue
        for cluster in entry.clusters:
            device = index.devices.get(cluster)
            found.append(
                PlayoutOutcome(
                    commune=entry.commune,
                    cluster=cluster,
                    schedule=f"manual:{entry.id}",
                    title=entry.title,
                    priority="normal",
                    content_type="live",
                    planned_start_ms=entry.start_ms,
                    planned_end_ms=entry.end_ms,
                    status="manual",
                    village=device.village if device is not None else None,
                    agent=device.agent_id if device is not None else None,
                    started_ms=entry.start_ms,
                    ended_ms=entry.end_ms,
                    played_s=(entry.end_ms - entry.start_ms) / 1000,
                    operator=entry.operator or None,
                    note=entry.note or None,
                )
            )
    return found
