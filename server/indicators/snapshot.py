"""The hierarchy as it was: what belonged to a commune during a period.

Communes merge and get renamed (the 2025 reform), and a past period is evaluated
against the hierarchy in force then (docs/domain.md#administrative-hierarchy). The
inventory carries the dates (``xaso.inventory``: a commune's ``valid_from`` /
``valid_until``, ``merged_into``, ``former_names``; a device's ``installed_on``); this
module turns them into one commune's **part** of a requested period and the places and
devices that belonged to it, each with the time it belonged, in epoch milliseconds.

The merger rule (docs/indicators.md): a commune is evaluated over the part of the
period when it existed. A predecessor that merged on 1 July is evaluated up to 1 July;
its successor takes over its villages, key locations and devices from that day and
counts them over its own part only from then.

Pure: a function of the inventory index and the period, no clock, no I/O.
"""

from __future__ import annotations

import datetime as dt
from typing import Final
from zoneinfo import ZoneInfo

import msgspec

from xaso.inventory import DeviceEntry, InventoryIndex, Membership
from xaso.server.indicators.period import day_start_ms, local_day

__all__ = ["FAR_FUTURE_MS", "FAR_PAST_MS", "CommuneSnapshot", "MemberDevice", "Place", "snapshot"]

# Open ends of memberships, far outside any period (and inside InfluxDB's range).
FAR_PAST_MS: Final = -(2**53)
FAR_FUTURE_MS: Final = 2**53


class Place(msgspec.Struct, frozen=True):
    """A village or a key location, with the time within the part it belonged to the
    commune."""

    code: str
    name: str
    from_ms: int
    to_ms: int
    village: str | None = None  # of a key location
    kind: str = ""  # of a key location (market, school...)


class MemberDevice(msgspec.Struct, frozen=True):
    """A device of the commune. ``[from_ms, to_ms)``: when it belonged to the commune
    and was in service (from ``installed_on``), ending at the end of the part."""

    entry: DeviceEntry
    from_ms: int
    to_ms: int
    planned: bool  # planned, or not in service before the part ends


class CommuneSnapshot(msgspec.Struct, frozen=True, kw_only=True):
    code: str
    name: str  # the name in force on the last day of the part
    parent: str | None
    ancestors: list[str]  # nearest first, on the last day of the part
    timezone: str
    requested_from_ms: int
    requested_to_ms: int
    # The commune's part of the requested period; equal to it when the commune existed
    # throughout, empty (from_ms == to_ms) when it did not exist at all.
    from_ms: int
    to_ms: int
    merged_into: str | None = None  # when the part ends with the commune's merger
    predecessors: list[str] = []  # communes whose things joined it during the part
    villages: list[Place] = []
    key_locations: list[Place] = []
    devices: list[MemberDevice] = []

    @property
    def exists(self) -> bool:
        return self.to_ms > self.from_ms


def _bounds_ms(membership: Membership, tz: ZoneInfo) -> tuple[int, int]:
    start = (
        FAR_PAST_MS if membership.valid_from is None else day_start_ms(membership.valid_from, tz)
    )
    end = (
        FAR_FUTURE_MS
        if membership.valid_until is None
        else day_start_ms(membership.valid_until + dt.timedelta(days=1), tz)
    )
    return start, end


def snapshot(index: InventoryIndex, code: str, from_ms: int, to_ms: int) -> CommuneSnapshot:
    """What belonged to commune ``code`` during ``[from_ms, to_ms)``, as it was.
    Raises KeyError for a commune the inventory does not know."""
    commune = index.communes[code]
    tz = ZoneInfo(index.inventory.timezone)
    own_from, own_to = _bounds_ms(Membership(code, commune.valid_from, commune.valid_until), tz)
    part_from, part_to = max(from_ms, own_from), min(to_ms, own_to)
    exists = part_to > part_from
    # The name and place in the hierarchy of the last day of the part (of the period
    # when the commune did not exist in it).
    last_day = local_day(part_to - 1 if exists else max(from_ms, to_ms - 1), tz)
    empty = CommuneSnapshot(
        code=code,
        name=commune.name_on(last_day),
        parent=index.commune_parent(code, last_day),
        ancestors=index.ancestors(code, last_day),
        timezone=index.inventory.timezone,
        requested_from_ms=from_ms,
        requested_to_ms=to_ms,
        from_ms=from_ms,
        to_ms=from_ms,
    )
    if not exists:
        return empty  # it did not exist in the period: nothing belonged to it
    villages: list[Place] = []
    key_locations: list[Place] = []
    devices: list[MemberDevice] = []
    predecessors: list[str] = []
    for listed_code, membership in index.members(code):
        member_from, member_to = _bounds_ms(membership, tz)
        start, end = max(member_from, FAR_PAST_MS), min(member_to, part_to)
        if end <= part_from or start >= part_to:
            continue  # belonged to it before or after the part only
        listed = index.communes[listed_code]
        if listed_code != code:
            predecessors.append(listed_code)
        # Places are counted over the part only; devices keep their earlier time, which
        # a trailing availability window may reach back into.
        place_from = max(start, part_from)
        villages += [Place(v.code, v.name, place_from, end) for v in listed.villages]
        key_locations += [
            Place(k.code, k.name, place_from, end, village=k.village, kind=k.kind)
            for k in listed.key_locations
        ]
        for agent in listed.agents:
            for device_id in (agent.id, *(d.id for d in agent.devices)):
                entry = index.devices[device_id]
                in_service = start
                if entry.installed_on is not None:
                    in_service = max(start, day_start_ms(entry.installed_on, tz))
                planned = entry.planned or in_service >= part_to
                devices.append(MemberDevice(entry, min(in_service, end), end, planned))
    merged_into = commune.merged_into if own_to <= to_ms and own_to == part_to else None
    return msgspec.structs.replace(
        empty,
        from_ms=part_from,
        to_ms=part_to,
        merged_into=merged_into,
        predecessors=sorted(predecessors),
        villages=sorted(villages, key=lambda p: p.code),
        key_locations=sorted(key_locations, key=lambda p: p.code),
        devices=sorted(devices, key=lambda d: d.entry.id),
    )
