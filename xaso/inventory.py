"""The inventory (``devices.yaml``): administrative areas, communes, gateways, devices.

The file is the single source of what *should* exist: indicator denominators count
what was planned (every village, every key location), not only what reports in
(docs/domain.md#indicators), so a device may be ``planned: true`` before it is
installed.

Administrative levels are data and a commune's parent is effective-dated, because
Vietnam abolished the district level on 1 July 2025 and reports for a past period must
use the hierarchy as it was then. Date ranges are inclusive at both ends: a commune
under the district ``valid_until: 2025-06-30`` and under the province
``valid_from: 2025-07-01`` has exactly one parent every day.

``load_inventory`` validates the shape (``xaso.yamlcheck``) and then every cross
reference, and raises one ``ConfigError`` listing all problems with their lines.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Annotated, Final, Literal, NamedTuple, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec

from xaso.coordinates import outside_vietnam
from xaso.protocol import ID_PATTERN, is_valid_id
from xaso.yamlcheck import ConfigError, Lines, PathPart, Problem, load_struct

__all__ = [
    "Agent",
    "Area",
    "Commune",
    "Device",
    "DeviceEntry",
    "FormerName",
    "Inventory",
    "InventoryIndex",
    "KeyLocation",
    "Membership",
    "ParentLink",
    "Profile",
    "Village",
    "build_index",
    "check_inventory_file",
    "load_inventory",
]

SCHEMA: Final = 1
DEFAULT_TIMEZONE: Final = "Asia/Ho_Chi_Minh"
# When neither the agent nor the gateway profile sets one (the wire contract's default).
DEFAULT_HEARTBEAT_S: Final = 30.0
# Without an explicit timeout a device is offline after three missed heartbeats: one
# lost heartbeat on a 4G link is normal, three in a row are not.
MISSED_HEARTBEATS: Final = 3

DeviceType = Literal["radio_cluster", "camera", "nvr", "vc_endpoint"]
DeviceKind = Literal["gateway", "radio_cluster", "camera", "nvr", "vc_endpoint"]
DEVICE_KINDS: Final[tuple[str, ...]] = get_args(DeviceKind)
# A positive number of seconds; msgspec checks the bound when the YAML is read.
Seconds = Annotated[float, msgspec.Meta(gt=0)]


class Area(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """An administrative unit above the commune (province, district...)."""

    code: str
    name: str
    level: str
    parent: str | None = None
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None


class Profile(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """Timing defaults for one device kind."""

    heartbeat_interval_s: Seconds | None = None
    offline_after_s: Seconds | None = None


class ParentLink(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    area: str
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None

    def covers(self, day: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_until is None or day <= self.valid_until
        )


class Village(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """A thôn, bản, khu phố or tổ dân phố."""

    code: str
    name: str


KeyLocationKind = Literal[
    "commune_centre",
    "market",
    "school",
    "boundary",
    "traffic_node",
    "cultural_house",
    "health_station",
    "other",
]


class KeyLocation(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """A place that must be watched by a camera (indicator C2)."""

    code: str
    name: str
    kind: KeyLocationKind
    village: str | None = None
    # Where it is, for the map: WGS 84 degrees, both or neither (xaso/coordinates.py).
    # Its cameras (and recorders) without a place of their own are drawn here.
    lat: float | None = None
    lon: float | None = None


class Device(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    id: str
    name: str
    type: DeviceType
    village: str | None = None
    location: str | None = None
    # Planned but not installed: counted in denominators, not expected to report.
    planned: bool = False
    offline_after_s: Seconds | None = None
    # The day it went into service, when known: before it the device is not expected to
    # report, so a device installed mid-period is measured from that day only.
    installed_on: dt.date | None = None
    # Where it stands, for the map (both or neither); without them a device that names a
    # key location is drawn at the location's. Two floats a device and no more: the
    # inventory is held for 150,000 devices (bench/server_memory.py).
    lat: float | None = None
    lon: float | None = None


class Agent(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """A gateway running the xaso agent; itself a monitored device of kind "gateway".

    ``heartbeat_interval_s`` defaults to None rather than 30 so that the gateway
    profile can set it for every agent; use ``InventoryIndex`` for effective values.
    """

    id: str
    name: str
    kind: Literal["radio_gateway", "cctv_gateway"]
    heartbeat_interval_s: Seconds | None = None
    offline_after_s: Seconds | None = None
    devices: list[Device] = []
    # Where the gateway stands, for the map (both or neither).
    lat: float | None = None
    lon: float | None = None


class FormerName(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """A name the commune carried up to and including ``valid_until``."""

    name: str
    valid_until: dt.date


class Commune(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """A commune-level unit. ``valid_from`` / ``valid_until`` (inclusive) bound its
    existence; a commune that ended in a merger names its successor in ``merged_into``,
    and from the day after ``valid_until`` its villages, key locations, gateways and
    devices belong to the successor (see ``InventoryIndex.memberships``)."""

    code: str
    name: str  # the name in force now; earlier ones in former_names
    kind: Literal["xa", "phuong", "thi_tran"]
    parents: list[ParentLink]
    villages: list[Village]
    key_locations: list[KeyLocation] = []
    agents: list[Agent] = []
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    merged_into: str | None = None
    former_names: list[FormerName] = []
    # The commune's boundary for the map, as [lat, lon] corners in order (at least
    # three); without one the map draws the smallest polygon around its points.
    outline: list[list[float]] = []

    def exists_on(self, day: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_until is None or day <= self.valid_until
        )

    def name_on(self, day: dt.date) -> str:
        """The name the commune carried on ``day`` (renames are effective-dated)."""
        for former in sorted(self.former_names, key=lambda f: f.valid_until):
            if day <= former.valid_until:
                return former.name
        return self.name


class Inventory(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    schema: int
    name: str
    levels: list[str]
    areas: list[Area]
    communes: list[Commune]
    timezone: str = DEFAULT_TIMEZONE
    profiles: dict[DeviceKind, Profile] = {}

    def index(self) -> InventoryIndex:
        return InventoryIndex(self)


class DeviceEntry(msgspec.Struct, frozen=True):
    """One monitored thing with its effective timing, flattened for lookups."""

    id: str
    name: str
    kind: DeviceKind
    commune: str
    agent_id: str  # a gateway's own id for a gateway
    village: str | None
    location: str | None
    planned: bool
    heartbeat_interval_s: float
    offline_after_s: float
    installed_on: dt.date | None = None


# -- effective timing -----------------------------------------------------------------


class _Timing(msgspec.Struct, frozen=True):
    """Effective heartbeat and timeout, with where each came from (for messages)."""

    heartbeat_s: float
    heartbeat_from: str
    offline_s: float
    offline_from: str  # "device", "agent", "profile" or "default"


def _agent_timing(agent: Agent, profiles: dict[DeviceKind, Profile]) -> _Timing:
    profile = profiles.get("gateway", Profile())
    if agent.heartbeat_interval_s is not None:
        heartbeat, heartbeat_from = agent.heartbeat_interval_s, f"agent '{agent.id}'"
    elif profile.heartbeat_interval_s is not None:
        heartbeat, heartbeat_from = profile.heartbeat_interval_s, "profile 'gateway'"
    else:
        heartbeat, heartbeat_from = DEFAULT_HEARTBEAT_S, "default"
    if agent.offline_after_s is not None:
        return _Timing(heartbeat, heartbeat_from, agent.offline_after_s, "agent")
    if profile.offline_after_s is not None:
        return _Timing(heartbeat, heartbeat_from, profile.offline_after_s, "profile")
    return _Timing(heartbeat, heartbeat_from, MISSED_HEARTBEATS * heartbeat, "default")


def _device_timing(device: Device, agent: _Timing, profiles: dict[DeviceKind, Profile]) -> _Timing:
    # A device is seen through its gateway's probes: without a profile of its own kind
    # it is observed as often as the gateway reports.
    profile = profiles.get(device.type, Profile())
    if profile.heartbeat_interval_s is not None:
        heartbeat, heartbeat_from = profile.heartbeat_interval_s, f"profile '{device.type}'"
    else:
        heartbeat, heartbeat_from = agent.heartbeat_s, agent.heartbeat_from
    if device.offline_after_s is not None:
        return _Timing(heartbeat, heartbeat_from, device.offline_after_s, "device")
    if profile.offline_after_s is not None:
        return _Timing(heartbeat, heartbeat_from, profile.offline_after_s, "profile")
    return _Timing(heartbeat, heartbeat_from, MISSED_HEARTBEATS * heartbeat, "default")


# -- the index ------------------------------------------------------------------------


class Membership(NamedTuple):
    """Things listed under one commune belong to ``commune`` over these days (inclusive;
    None: open-ended)."""

    commune: str
    valid_from: dt.date | None
    valid_until: dt.date | None

    def covers(self, day: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_until is None or day <= self.valid_until
        )


def _memberships(communes: dict[str, Commune], listed: str) -> list[Membership]:
    """Where the things listed under ``listed`` belong, over time: the commune itself
    while it exists, then each successor from the day after the merger (the 2025 reform
    moved villages, gateways and devices with their commune)."""
    commune = communes[listed]
    chain = [Membership(listed, commune.valid_from, commune.valid_until)]
    seen = {listed}
    while commune.merged_into is not None and commune.valid_until is not None:
        successor = communes.get(commune.merged_into)
        if successor is None or successor.code in seen:
            break  # reported by the checker; the index stays usable
        seen.add(successor.code)
        start = commune.valid_until + dt.timedelta(days=1)
        chain.append(Membership(successor.code, start, successor.valid_until))
        commune = successor
    return chain


class InventoryIndex:
    """Lookups over a valid inventory; build it with ``Inventory.index()``.

    ``DeviceEntry.commune`` is the end of a device's merger chain (live status and
    alerts name it); where it belonged on a given day is ``commune_of``. What a commune
    holds on a day is ``held_on`` and what a token's communes cover is ``scope_on``:
    both follow the dates, so a merger entered ahead of its day changes nothing before.
    """

    def __init__(self, inventory: Inventory) -> None:
        self.inventory = inventory
        self._zone = ZoneInfo(inventory.timezone)
        self.areas: dict[str, Area] = {area.code: area for area in inventory.areas}
        self.communes: dict[str, Commune] = {c.code: c for c in inventory.communes}
        self._memberships = {code: _memberships(self.communes, code) for code in self.communes}
        # commune -> (the commune things are listed under, when they belong to it)
        self._members: dict[str, list[tuple[str, Membership]]] = {}
        for listed, chain in self._memberships.items():
            for membership in chain:
                self._members.setdefault(membership.commune, []).append((listed, membership))
        # device id -> the commune it is listed under in the file
        self.listed_commune: dict[str, str] = {}
        # Every monitored id, gateways included: one id space.
        self.devices: dict[str, DeviceEntry] = {}
        self.agents: dict[str, DeviceEntry] = {}
        # What each agent answers for in its heartbeat: installed devices only.
        self.devices_of_agent: dict[str, frozenset[str]] = {}
        for commune in inventory.communes:
            for agent in commune.agents:
                self._add_agent(commune, agent, inventory.profiles)

    def _add_agent(
        self, commune: Commune, agent: Agent, profiles: dict[DeviceKind, Profile]
    ) -> None:
        timing = _agent_timing(agent, profiles)
        current = self._memberships[commune.code][-1].commune
        self.listed_commune[agent.id] = commune.code
        entry = DeviceEntry(
            id=agent.id,
            name=agent.name,
            kind="gateway",
            commune=current,
            agent_id=agent.id,
            village=None,
            location=None,
            planned=False,
            heartbeat_interval_s=timing.heartbeat_s,
            offline_after_s=timing.offline_s,
        )
        self.devices[agent.id] = self.agents[agent.id] = entry
        answered: set[str] = set()
        for device in agent.devices:
            device_timing = _device_timing(device, timing, profiles)
            self.listed_commune[device.id] = commune.code
            self.devices[device.id] = DeviceEntry(
                id=device.id,
                name=device.name,
                kind=device.type,
                commune=current,
                agent_id=agent.id,
                village=device.village,
                location=device.location,
                planned=device.planned,
                heartbeat_interval_s=device_timing.heartbeat_s,
                offline_after_s=device_timing.offline_s,
                installed_on=device.installed_on,
            )
            if not device.planned:
                answered.add(device.id)
        self.devices_of_agent[agent.id] = frozenset(answered)

    def commune_parent(self, code: str, on: dt.date) -> str | None:
        """The area a commune belonged to on a day, or None if none was recorded.
        Raises KeyError for an unknown commune."""
        for link in self.communes[code].parents:
            if link.covers(on):
                return link.area
        return None

    def ancestors(self, code: str, on: dt.date) -> list[str]:
        """The commune's chain of areas on a day, nearest first (e.g. district,
        province before July 2025; the province alone after)."""
        chain: list[str] = []
        area_code = self.commune_parent(code, on)
        while area_code is not None and area_code not in chain:
            chain.append(area_code)
            area = self.areas.get(area_code)
            area_code = area.parent if area is not None else None
        return chain

    # -- the hierarchy as it was (mergers and renames) --------------------------------

    def memberships(self, listed: str) -> list[Membership]:
        """Where what is listed under the commune ``listed`` belonged over time: the
        commune itself, then its successors, each from the day after the merger."""
        return self._memberships[listed]

    def members(self, code: str) -> list[tuple[str, Membership]]:
        """Whose villages, key locations and devices belong to ``code``, and when: the
        commune's own (listed under it) and those of the communes merged into it."""
        return self._members.get(code, [])

    def commune_of(self, device_id: str, on: dt.date) -> str | None:
        """The commune a device (or gateway) belonged to on a day; None when its commune
        did not exist yet. Raises KeyError for an unknown device."""
        for membership in self._memberships[self.listed_commune[device_id]]:
            if membership.covers(on):
                return membership.commune
        return None

    def commune_on(self, device_id: str, day: dt.date) -> str:
        """Like ``commune_of``, but a device whose commune did not exist yet answers the
        commune it is listed under. Raises KeyError for an unknown device."""
        return self.commune_of(device_id, day) or self.listed_commune[device_id]

    def day_of(self, ts_ms: int) -> dt.date:
        """The local day (in the inventory's time zone) of an epoch-ms instant: a merger
        takes effect at local midnight."""
        return dt.datetime.fromtimestamp(ts_ms / 1000, self._zone).date()

    def held_on(self, code: str, day: dt.date) -> tuple[str, ...]:
        """The communes whose villages, key locations and devices ``code`` holds on
        ``day``, sorted: itself, and every commune merged into it by then (transitively;
        a predecessor's things stay held by it when it merged on again). Its own things
        are its own whatever the day: a commune that ended still answers for the
        schedules and records it left."""
        held = {code}
        for listed, membership in self.members(code):
            if membership.valid_from is None or membership.valid_from <= day:
                held.add(listed)
        return tuple(sorted(held))

    def members_on(self, code: str, day: dt.date) -> tuple[str, ...]:
        """The communes whose villages, key locations and devices belong to ``code`` on
        ``day`` (where ``commune_of`` answers ``code``), sorted: none for a commune that
        merged away or does not exist yet."""
        return tuple(sorted(listed for listed, m in self.members(code) if m.covers(day)))

    def scope_on(self, named: Iterable[str], day: dt.date) -> frozenset[str]:
        """The communes that a scope naming ``named`` (a token's communes) covers on
        ``day``: each named commune; the commune its things belong to that day (its
        successor, transitively, from the day after its merger: a token or a user of a
        predecessor carries to the successor); and every commune the latter holds by
        then (a successor answers for its predecessors' villages, devices and past
        periods). Nothing of a merger reaches anyone before its day, and nothing
        outside the merger ever. A code the inventory no longer knows covers itself."""
        covered: set[str] = set()
        for code in named:
            covered.add(code)
            chain = self._memberships.get(code, [])
            today = next((m.commune for m in chain if m.covers(day)), None)
            if today is not None:
                covered.update(self.held_on(today, day))
        return frozenset(covered)

    def merge_family(self, code: str) -> frozenset[str]:
        """The communes linked to ``code`` by mergers, either way, itself included:
        records stored before a merger may carry a predecessor's code."""
        family = {code}
        frontier = [code]
        while frontier:
            current = frontier.pop()
            linked = {listed for listed, _ in self.members(current)}
            linked |= {m.commune for m in self._memberships.get(current, [])}
            for other in linked - family:
                family.add(other)
                frontier.append(other)
        return frozenset(family)

    # -- where things are (the map) ----------------------------------------------------

    def device_points(self) -> Iterator[tuple[str, float, float]]:
        """(id, lat, lon) of every gateway and device with a place: its own, else its
        key location's. Walked from the inventory on each call rather than kept per
        device, so a map costs no memory between requests."""
        for commune in self.inventory.communes:
            locations = {
                place.code: (place.lat, place.lon)
                for place in commune.key_locations
                if place.lat is not None and place.lon is not None
            }
            for agent in commune.agents:
                if agent.lat is not None and agent.lon is not None:
                    yield agent.id, agent.lat, agent.lon
                for device in agent.devices:
                    if device.lat is not None and device.lon is not None:
                        yield device.id, device.lat, device.lon
                    elif device.location in locations:
                        yield device.id, *locations[device.location]

    def key_location_points(self) -> Iterator[tuple[str, float, float]]:
        """(commune listed under, lat, lon) of every key location with a place."""
        for commune in self.inventory.communes:
            for place in commune.key_locations:
                if place.lat is not None and place.lon is not None:
                    yield commune.code, place.lat, place.lon


def build_index(inventory: Inventory) -> InventoryIndex:
    return InventoryIndex(inventory)


# -- loading and checking -------------------------------------------------------------


def load_inventory(path: str | Path) -> Inventory:
    """Read and check an inventory; raises ``ConfigError`` listing every problem."""
    inventory, problems = _load(path)
    if problems or inventory is None:
        raise ConfigError(problems)
    # The loaded inventory shares its strings with the YAML node tree it was read from:
    # once the tree is freed those strings stay scattered over the allocator's arenas
    # and keep them resident. So it is packed, dropped, and unpacked in fresh memory
    # (milliseconds), and the arenas can go (bench/server_memory.py). Unpacked while the
    # original lived, the copy would only fill the holes between its strings.
    packed = msgspec.msgpack.encode(inventory)
    del inventory
    return _inventory_decoder.decode(packed)


_inventory_decoder: Final = msgspec.msgpack.Decoder(Inventory)


def check_inventory_file(path: str | Path) -> list[Problem]:
    """Every problem of an inventory file, in line order; empty when it is valid."""
    return _load(path)[1]


def _load(path: str | Path) -> tuple[Inventory | None, list[Problem]]:
    # A partial load lets the cross-reference checks run even when some keys are
    # malformed, so one run reports everything (an invalid item was dropped and has
    # already been reported, which can cause an extra "unknown ..." further on).
    inventory, problems, lines = load_struct(path, Inventory, partial=True)
    if inventory is not None:
        problems = problems + _Checker(str(path), lines).check(inventory)
    problems = sorted(dict.fromkeys(problems), key=lambda p: p.line)  # dedupe, keep order
    return (inventory if not problems else None), problems


def _rank(inv: Inventory, level: str) -> int:
    """Position of a level from the top, -1 when unknown (reported elsewhere)."""
    return inv.levels.index(level) if level in inv.levels else -1


def _span(link: ParentLink | Area | Commune) -> tuple[dt.date, dt.date]:
    return (link.valid_from or dt.date.min, link.valid_until or dt.date.max)


def _period(item: ParentLink | Area | Commune) -> str:
    if item.valid_from and item.valid_until:
        return f"from {item.valid_from} until {item.valid_until}"
    if item.valid_from:
        return f"from {item.valid_from}"
    if item.valid_until:
        return f"until {item.valid_until}"
    return "with no dates"


def _running_latest(links: list[ParentLink]) -> Iterator[ParentLink]:
    """For each link in start order, the link ending last among it and those before."""
    latest: ParentLink | None = None
    for link in links:
        if latest is None or _span(link)[1] > _span(latest)[1]:
            latest = link
        yield latest


class _Checker:
    """Cross-reference checks that a type cannot express."""

    def __init__(self, file: str, lines: Lines) -> None:
        self.file = file
        self.lines = lines
        self.problems: list[Problem] = []
        # id -> (line, agent id or None for an agent itself): agents and devices share
        # one id space because a gateway is a monitored device too.
        self.ids: dict[str, tuple[int, str | None]] = {}
        self.successors: set[str] = set()

    def report(self, item: msgspec.Struct, key: PathPart | None, message: str) -> None:
        line = self.lines.of_item(item, key) if key is not None else self.lines.of_item(item)
        self.problems.append(Problem(self.file, line, message))

    def check_id(self, item: msgspec.Struct, key: str, what: str, value: str) -> None:
        if not is_valid_id(value):
            self.report(
                item,
                key,
                f"{what} '{value}' is not a valid id: use lowercase letters, digits and "
                f"'.', '_' or '-', starting with a letter or digit, at most 64 characters "
                f"({ID_PATTERN})",
            )

    def check(self, inv: Inventory) -> list[Problem]:
        if inv.schema != SCHEMA:
            self.report(inv, "schema", f"unsupported schema {inv.schema}: this xaso reads {SCHEMA}")
        try:
            ZoneInfo(inv.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            self.report(
                inv, "timezone", f"unknown time zone '{inv.timezone}' (e.g. {DEFAULT_TIMEZONE})"
            )
        for index, level in enumerate(inv.levels):
            if level in inv.levels[:index]:
                self.problems.append(
                    Problem(self.file, self.lines.of("levels", index), f"duplicate level '{level}'")
                )
        areas = self.check_areas(inv)
        self.check_profiles(inv)
        # A commune founded by a merger may list no village of its own: it holds its
        # predecessors' (they stay listed under them, with their dates).
        self.successors = {c.merged_into for c in inv.communes if c.merged_into}
        communes: dict[str, int] = {}
        for commune in inv.communes:
            self.check_id(commune, "code", "commune code", commune.code)
            line = self.lines.of_item(commune, "code")
            if commune.code in communes:
                self.report(
                    commune,
                    "code",
                    f"commune '{commune.code}' already defined at line {communes[commune.code]}",
                )
            else:
                communes[commune.code] = line
            self.check_parents(commune, areas)
            self.check_validity(commune)
            self.check_places(commune)
            self.check_outline(commune)
            for agent in commune.agents:
                self.check_agent(commune, agent, inv.profiles)
        self.check_mergers(inv)
        return self.problems

    def check_validity(self, commune: Commune) -> None:
        """A commune's own dates, its names over time and its parents within them."""
        what = f"commune '{commune.code}'"
        if commune.valid_from and commune.valid_until and commune.valid_until < commune.valid_from:
            self.report(
                commune,
                "valid_until",
                f"{what}: valid_until {commune.valid_until} is before valid_from "
                f"{commune.valid_from}",
            )
        if commune.merged_into is not None and commune.valid_until is None:
            self.report(
                commune,
                "merged_into",
                f"{what}: merged_into needs valid_until, the last day before the merger",
            )
        seen: dict[dt.date, str] = {}
        for former in commune.former_names:
            if former.valid_until in seen:
                self.report(
                    former,
                    "valid_until",
                    f"{what}: two former names end on {former.valid_until} "
                    f"('{seen[former.valid_until]}' and '{former.name}')",
                )
            seen.setdefault(former.valid_until, former.name)
        own = (commune.valid_from or dt.date.min, commune.valid_until or dt.date.max)
        for link in commune.parents:
            link_from, link_until = _span(link)
            # An open end inherits the commune's own bound, so only explicit dates clash.
            if (link.valid_from and link_from > own[1]) or (
                link.valid_until and link_until < own[0]
            ):
                self.report(
                    link,
                    "area",
                    f"{what}: the link to '{link.area}' ({_period(link)}) lies outside the "
                    f"commune's own existence",
                )

    def check_mergers(self, inv: Inventory) -> None:
        communes = {c.code: c for c in inv.communes}
        for commune in inv.communes:
            if commune.merged_into is None or commune.valid_until is None:
                continue
            what = f"commune '{commune.code}'"
            successor = communes.get(commune.merged_into)
            if successor is None:
                self.report(
                    commune, "merged_into", f"{what}: unknown commune '{commune.merged_into}'"
                )
                continue
            if successor is commune:
                self.report(commune, "merged_into", f"{what} cannot be merged into itself")
                continue
            day_after = commune.valid_until + dt.timedelta(days=1)
            if not successor.exists_on(day_after):
                self.report(
                    commune,
                    "merged_into",
                    f"{what} merges into '{successor.code}' on {day_after}, but "
                    f"'{successor.code}' does not exist that day ({_period(successor)})",
                )
        # After a merger the successor holds its predecessors' villages and key locations
        # too, so their codes must not clash within the family.
        members: dict[str, list[Commune]] = {}
        for code in communes:
            for membership in _memberships(communes, code)[1:]:
                members.setdefault(membership.commune, []).append(communes[code])
        for code, merged in members.items():
            first_line: dict[str, tuple[str, int]] = {}
            for commune in [communes[code], *merged]:
                places: list[Village | KeyLocation] = [*commune.villages, *commune.key_locations]
                for place in places:
                    line = self.lines.of_item(place, "code")
                    if place.code in first_line and first_line[place.code][0] != commune.code:
                        self.report(
                            place,
                            "code",
                            f"'{place.code}' of commune '{commune.code}' is also used by "
                            f"'{first_line[place.code][0]}' (line {first_line[place.code][1]}), "
                            f"which it merges with",
                        )
                    first_line.setdefault(place.code, (commune.code, line))

    def check_areas(self, inv: Inventory) -> dict[str, Area]:
        areas: dict[str, Area] = {}
        for area in inv.areas:
            self.check_id(area, "code", "area code", area.code)
            if area.code in areas:
                first = self.lines.of_item(areas[area.code], "code")
                self.report(area, "code", f"area '{area.code}' already defined at line {first}")
            else:
                areas[area.code] = area
            if area.level not in inv.levels:
                self.report(
                    area,
                    "level",
                    f"area '{area.code}': level '{area.level}' is not one of the levels "
                    f"({', '.join(inv.levels)})",
                )
            self.check_dates(area, f"area '{area.code}'")
        for area in inv.areas:
            if area.parent is None:
                continue
            parent = areas.get(area.parent)
            if parent is None:
                self.report(
                    area, "parent", f"area '{area.code}': unknown parent area '{area.parent}'"
                )
            elif _rank(inv, parent.level) >= _rank(inv, area.level) >= 0:
                self.report(
                    area,
                    "parent",
                    f"area '{area.code}' ({area.level}) cannot be under "
                    f"'{parent.code}' ({parent.level}): levels run from the top down",
                )
        return areas

    def check_dates(self, item: ParentLink | Area, what: str) -> None:
        if item.valid_from and item.valid_until and item.valid_until < item.valid_from:
            self.report(
                item,
                "valid_until",
                f"{what}: valid_until {item.valid_until} is before valid_from {item.valid_from}",
            )

    def check_profiles(self, inv: Inventory) -> None:
        for kind, profile in inv.profiles.items():
            heartbeat, offline = profile.heartbeat_interval_s, profile.offline_after_s
            if heartbeat is not None and offline is not None and offline <= heartbeat:
                self.report(
                    profile,
                    "offline_after_s",
                    f"profile '{kind}': offline_after_s ({offline:g} s) must be greater than "
                    f"heartbeat_interval_s ({heartbeat:g} s)",
                )

    def check_parents(self, commune: Commune, areas: dict[str, Area]) -> None:
        what = f"commune '{commune.code}'"
        if not commune.parents:
            self.report(commune, "parents", f"{what} has no parent area")
        for link in commune.parents:
            self.check_dates(link, what)
            area = areas.get(link.area)
            if area is None:
                self.report(link, "area", f"{what}: unknown parent area '{link.area}'")
                continue
            # The 1 July 2025 trap: a link to a district that no longer exists.
            link_from, link_until = _span(link)
            area_from, area_until = _span(area)
            if link_from < area_from or link_until > area_until:
                self.report(
                    link,
                    "area",
                    f"{what}: the link to '{area.code}' ({_period(link)}) reaches beyond "
                    f"the area's own validity ({_period(area)})",
                )
        # Sorted by start, each link must begin after every earlier one has ended.
        ordered = sorted(commune.parents, key=_span)
        for latest, link in zip(_running_latest(ordered), ordered[1:], strict=False):
            if _span(link)[0] <= _span(latest)[1]:
                self.report(
                    link,
                    None,
                    f"{what}: parent periods overlap: '{latest.area}' ({_period(latest)}) "
                    f"and '{link.area}' ({_period(link)})",
                )

    def check_places(self, commune: Commune) -> None:
        what = f"commune '{commune.code}'"
        if not commune.villages and commune.code not in self.successors:
            self.report(commune, "villages", f"{what} has no village")
        self.check_codes(commune.villages, "village", what)
        villages = {village.code for village in commune.villages}
        self.check_codes(commune.key_locations, "key location", what)
        for place in commune.key_locations:
            if place.village is not None and place.village not in villages:
                self.report(
                    place,
                    "village",
                    f"key location '{place.code}': unknown village '{place.village}' in {what}",
                )
            self.check_point(place, f"key location '{place.code}'")

    def check_point(self, item: KeyLocation | Agent | Device, what: str) -> None:
        """A place for the map: both coordinates or neither, inside Vietnam."""
        lat, lon = item.lat, item.lon
        if lat is None and lon is None:
            return
        if lat is None or lon is None:
            given, missing = ("lat", "lon") if lon is None else ("lon", "lat")
            self.report(item, given, f"{what}: {given} without {missing}: give both, or neither")
            return
        why = outside_vietnam(lat, lon)
        if why is not None:
            self.report(item, "lat", f"{what}: {why}")

    def check_outline(self, commune: Commune) -> None:
        """The commune's boundary: [lat, lon] corners inside Vietnam, three at least."""
        what = f"commune '{commune.code}'"
        if commune.outline and len(commune.outline) < 3:
            self.report(
                commune,
                "outline",
                f"{what}: an outline needs at least three corners, got {len(commune.outline)}",
            )
        for number, corner in enumerate(commune.outline):
            line = self.lines.of_item(commune, "outline", number)
            if len(corner) != 2:
                message = f"{what}: outline corner {number + 1} must be [lat, lon], got {corner}"
                self.problems.append(Problem(self.file, line, message))
                continue
            why = outside_vietnam(corner[0], corner[1])
            if why is not None:
                message = f"{what}: outline corner {number + 1} {why}"
                self.problems.append(Problem(self.file, line, message))

    def check_codes(self, items: Iterable[Village | KeyLocation], what: str, where: str) -> None:
        first_line: dict[str, int] = {}
        for item in items:
            self.check_id(item, "code", f"{what} code", item.code)
            if item.code in first_line:
                self.report(
                    item,
                    "code",
                    f"{what} '{item.code}' already defined in {where} at line "
                    f"{first_line[item.code]}",
                )
            else:
                first_line[item.code] = self.lines.of_item(item, "code")

    def claim_id(self, item: Agent | Device, owner: str | None) -> None:
        """Record an id in the shared id space; ``owner`` is the agent of a device."""
        line = self.lines.of_item(item, "id")
        previous = self.ids.get(item.id)
        if previous is None:
            self.ids[item.id] = (line, owner)
            return
        first_line, first_owner = previous
        if owner is None:
            message = f"agent '{item.id}' already defined at line {first_line}"
            if first_owner is not None:
                message = f"agent id '{item.id}' already used by a device at line {first_line}"
        elif first_owner is None:
            message = f"device id '{item.id}' already used by an agent at line {first_line}"
        elif first_owner != owner:
            message = (
                f"device '{item.id}' is listed under two agents: '{first_owner}' "
                f"(line {first_line}) and '{owner}'"
            )
        else:
            message = f"device '{item.id}' already defined at line {first_line}"
        self.report(item, "id", message)

    def check_agent(
        self, commune: Commune, agent: Agent, profiles: dict[DeviceKind, Profile]
    ) -> None:
        self.check_id(agent, "id", "agent id", agent.id)
        self.claim_id(agent, None)
        self.check_point(agent, f"agent '{agent.id}'")
        timing = _agent_timing(agent, profiles)
        if timing.offline_from == "agent":
            self.check_timing(agent, f"agent '{agent.id}'", timing)
        villages = {village.code for village in commune.villages}
        locations = {place.code for place in commune.key_locations}
        for device in agent.devices:
            what = f"device '{device.id}'"
            self.check_id(device, "id", "device id", device.id)
            self.claim_id(device, agent.id)
            self.check_installed(commune, device, what)
            self.check_point(device, what)
            if device.village is not None and device.village not in villages:
                self.report(
                    device,
                    "village",
                    f"{what}: unknown village '{device.village}' in commune '{commune.code}'",
                )
            if device.location is not None and device.location not in locations:
                self.report(
                    device,
                    "location",
                    f"{what}: unknown key location '{device.location}' in commune '{commune.code}'",
                )
            # R2 counts villages with a cluster and C2 key locations with a camera.
            if device.type == "radio_cluster" and device.village is None:
                self.report(device, None, f"{what}: a radio_cluster must name its village")
            if device.type == "camera" and device.location is None:
                self.report(device, None, f"{what}: a camera must name its key location")
            device_timing = _device_timing(device, timing, profiles)
            if device_timing.offline_from == "device":
                self.check_timing(device, what, device_timing)
            elif device_timing.offline_from == "profile":
                self.check_profile_timing(profiles, device.type, device_timing)
        if timing.offline_from == "profile":
            self.check_profile_timing(profiles, "gateway", timing)

    def check_installed(self, commune: Commune, device: Device, what: str) -> None:
        day = device.installed_on
        if day is None:
            return
        if device.planned:
            self.report(
                device,
                "installed_on",
                f"{what}: planned (not installed) yet installed_on {day}: drop one of them",
            )
        if commune.valid_until is not None and day > commune.valid_until:
            where = f"'{commune.merged_into}'" if commune.merged_into else "the commune in force"
            self.report(
                device,
                "installed_on",
                f"{what}: installed on {day}, after commune '{commune.code}' ended "
                f"({commune.valid_until}); list it under {where}",
            )
        if commune.valid_from is not None and day < commune.valid_from:
            self.report(
                device,
                "installed_on",
                f"{what}: installed on {day}, before commune '{commune.code}' existed "
                f"({commune.valid_from}); list it under the commune it was installed in",
            )

    def check_profile_timing(
        self, profiles: dict[DeviceKind, Profile], kind: DeviceKind, timing: _Timing
    ) -> None:
        # A profile's own pair was checked by check_profiles; here its timeout meets a
        # heartbeat from elsewhere (the agent, or the gateway profile).
        if timing.heartbeat_from != f"profile '{kind}'":
            self.check_timing(profiles[kind], f"profile '{kind}'", timing)

    def check_timing(self, item: msgspec.Struct, what: str, timing: _Timing) -> None:
        # The timeout is reported where it was set; the same profile line is reported
        # once per distinct message (duplicates are removed in ``_load``).
        if timing.offline_s <= timing.heartbeat_s:
            self.report(
                item,
                "offline_after_s",
                f"{what}: offline_after_s ({timing.offline_s:g} s) must be greater than the "
                f"heartbeat interval ({timing.heartbeat_s:g} s, from {timing.heartbeat_from})",
            )
