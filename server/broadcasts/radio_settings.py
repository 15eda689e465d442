"""A commune's own loudspeaker settings (cài đặt loa): each cluster's volume, and which
schedule is the commune's standing relay (``standing_relay.py``).

The volumes reach the gateways in their schedule sets (``ScheduleSet.volumes``), so a
change is published like a schedule change and a gateway plays at the volume set even
with the link down. A cluster without a volume here plays at its gateway's configured
volume; a schedule's own volume goes before both (docs/playout.md, "Volume").

Pure functions of the settings and the inventory (no I/O); the table that keeps them
and their versions is ``radio_settings_table.py``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

import msgspec

from xaso.inventory import InventoryIndex


class RadioSettings(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    id: str  # the commune's code: one document per commune
    # cluster -> volume (0-100); a cluster not listed keeps its gateway's own volume.
    volumes: dict[str, int] = {}
    # The schedule that is the commune's standing relay (tiếp sóng thường xuyên), once
    # one was set up; it lives in the schedule table, with its versions.
    relay: str | None = None
    revision: int = 0
    changed_by: str = ""
    changed_ms: int = 0


def volume_problems(
    commune: str, volumes: Mapping[str, int], index: InventoryIndex, day: dt.date
) -> list[str]:
    """Every problem of a commune's cluster volumes given on ``day``, each starting
    with its field (``volumes.<cluster>``). The clusters are the installed loudspeaker
    clusters the commune holds that day (after a merger, its predecessors' too)."""
    place = index.communes.get(commune)
    if place is None:
        return [f"commune: no commune '{commune}' in the inventory"]
    held = index.held_on(commune, day)
    found = []
    for cluster, volume in volumes.items():
        entry = index.devices.get(cluster)
        if (
            entry is None
            or entry.kind != "radio_cluster"
            or index.listed_commune[cluster] not in held
        ):
            found.append(f"volumes.{cluster}: not a loudspeaker cluster of {place.name}")
        elif entry.planned:
            found.append(f"volumes.{cluster}: planned, not installed")
        elif not 0 <= volume <= 100:
            found.append(f"volumes.{cluster}: must be between 0 and 100")
    return found


def cluster_volumes(settings: Iterable[RadioSettings]) -> dict[str, int]:
    """Every cluster's volume set by its commune; where two communes set one (a merger's
    predecessor and successor), the latest change wins."""
    found: dict[str, int] = {}
    for commune in sorted(settings, key=lambda s: (s.changed_ms, s.id)):
        found.update(commune.volumes)
    return found
