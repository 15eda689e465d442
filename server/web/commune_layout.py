"""Where a commune's devices are, by the inventory: its gateways first, then each village
(thôn, bản, tổ dân phố) with the devices placed in it and its key locations with theirs,
then key locations in no village, then devices placed nowhere.

Pure lookups of the inventory index on a day: after a merger a commune holds its
predecessors' villages, places and devices too (``InventoryIndex.members_on``), and the
work is proportional to the commune, never to the province.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

from xaso.inventory import DeviceEntry, InventoryIndex, KeyLocation

GroupKind = Literal["gateways", "village", "key_location", "elsewhere"]


@dataclass
class Group:
    kind: GroupKind
    code: str
    name: str
    # A key location's kind ("market") and the village it lies in, if any.
    place_kind: str | None = None
    village: str | None = None
    entries: list[DeviceEntry] = field(default_factory=list)


def held_devices(index: InventoryIndex, code: str, day: dt.date) -> list[DeviceEntry]:
    """Every gateway and device the commune holds on ``day``, in the inventory's order."""
    found = []
    for listed in index.members_on(code, day):
        for agent in index.communes[listed].agents:
            found.append(index.devices[agent.id])
            found += [index.devices[device.id] for device in agent.devices]
    return found


def commune_groups(index: InventoryIndex, code: str, day: dt.date) -> list[Group]:
    """The commune's devices grouped by place; a village or key location with no device
    is a group too (a village without a loudspeaker is worth seeing)."""
    held = [index.communes[listed] for listed in index.members_on(code, day)]
    gateways = Group("gateways", "", "")
    villages: dict[str, Group] = {}
    places: dict[str, Group] = {}
    elsewhere = Group("elsewhere", "", "")
    for commune in held:
        for village in commune.villages:
            villages[village.code] = Group("village", village.code, village.name)
        for place in commune.key_locations:
            places[place.code] = _place_group(place)
    for entry in held_devices(index, code, day):
        if entry.kind == "gateway":
            gateways.entries.append(entry)
        elif entry.location in places:
            places[entry.location].entries.append(entry)
        elif entry.village in villages:
            villages[entry.village].entries.append(entry)
        else:
            elsewhere.entries.append(entry)
    ordered = [gateways] if gateways.entries else []
    for group in villages.values():
        ordered.append(group)
        ordered += [p for p in places.values() if p.village == group.code]
    ordered += [p for p in places.values() if p.village not in villages]
    if elsewhere.entries:
        ordered.append(elsewhere)
    return ordered


def _place_group(place: KeyLocation) -> Group:
    return Group("key_location", place.code, place.name, place.kind, place.village)
