"""Everything that is wrong now: the devices offline, pending or unknown and the gateways
stopped, each with its acknowledgement, a gateway that is down leading the devices it
hides, the most important first.

Pure: the live state (``fleet_state.py``), the inventory and the acknowledgements in,
plain rows out; the problems page, its JSON twin and the alert engine (whose reminders an
acknowledgement quiets) read it. docs/state.md says what each status means.

- **One outage, one line.** A device ``unknown`` because its gateway is offline or
  stopped (cause ``gateway_offline`` / ``gateway_stopped``) is shown behind that
  gateway, not as a problem of its own; the gateway's acknowledgement covers it.
- **A camera online whose picture is unusable** (covered, dark…, ``picture_state.py``)
  is a problem of its own, status ``picture`` with the picture's state as its cause
  (``picture_covered``), ranked with the pending ones.
- **Importance, then how long**: offline and stopped before pending before unknown, a
  gateway before a device, the oldest first; what someone has acknowledged after what
  nobody has.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final

from xaso.inventory import InventoryIndex
from xaso.server.monitoring.fleet_state import DeviceState, DeviceStatus, FleetState

# The status of a problem that is a camera's picture (its own status being online).
PICTURE_PROBLEM: Final = "picture"
_PICTURE_RANK: Final = 1

# What is wrong: not known to work, and not asleep (maintenance, planned).
PROBLEM_STATUSES: Final = (
    DeviceStatus.OFFLINE,
    DeviceStatus.STOPPED,
    DeviceStatus.PENDING,
    DeviceStatus.UNKNOWN,
)
_RANK: Final = {
    DeviceStatus.OFFLINE: 0,
    DeviceStatus.STOPPED: 0,
    DeviceStatus.PENDING: 1,
    DeviceStatus.UNKNOWN: 2,
}
# What the problems may be narrowed to by status.
FILTER_STATUSES: Final = (*(str(s) for s in PROBLEM_STATUSES), PICTURE_PROBLEM)
_GONE_GATEWAY: Final = frozenset({DeviceStatus.OFFLINE, DeviceStatus.STOPPED})


@dataclass(frozen=True, slots=True)
class Acknowledgement:
    """Someone has seen a problem and said so; it ends when the device recovers."""

    device_id: str
    by_subject: str  # the account (u:…) or token (t:…) that acknowledged
    by_name: str  # as people know them
    at_ms: int
    comment: str


def is_problem(state: DeviceState) -> bool:
    return state.status in _RANK or picture_problem(state) is not None


def picture_problem(state: DeviceState) -> str | None:
    """The picture's state when a camera's picture is unusable while it is up."""
    track = state.picture
    return track.problem if track is not None else None


def hidden_by(fleet: FleetState, state: DeviceState) -> str | None:
    """The gateway a device is unknown because of (offline or stopped), or None."""
    entry = state.entry
    if entry.kind == "gateway" or state.status is not DeviceStatus.UNKNOWN:
        return None
    if not state.cause.startswith("gateway_"):
        return None
    gateway = fleet.devices.get(entry.agent_id)
    return entry.agent_id if gateway is not None and gateway.status in _GONE_GATEWAY else None


def acknowledgement_of(
    fleet: FleetState, acknowledged: Callable[[str], Acknowledgement | None], device_id: str
) -> Acknowledgement | None:
    """The device's own acknowledgement, else its gateway's when it hides behind it."""
    own = acknowledged(device_id)
    if own is not None:
        return own
    state = fleet.devices.get(device_id)
    gateway = hidden_by(fleet, state) if state is not None else None
    return acknowledged(gateway) if gateway is not None else None


def belonging_on(index: InventoryIndex, day: dt.date) -> dict[str, str]:
    """Listed commune -> the commune its things belong to on ``day`` (after a merger,
    the successor): ``InventoryIndex.commune_on`` once per commune, not per device."""
    found: dict[str, str] = {}
    for listed in index.communes:
        found[listed] = next(
            (m.commune for m in index.memberships(listed) if m.covers(day)), listed
        )
    return found


@dataclass(frozen=True, slots=True)
class Problem:
    state: DeviceState
    commune: str  # the commune it belongs to today
    acknowledgement: Acknowledgement | None
    hidden_by: str | None  # the gateway that is down in front of it
    picture: str | None = None  # a camera's unusable picture's state ("covered")

    @property
    def status(self) -> str:
        """The device's status, or ``picture`` when its picture is the problem."""
        if self.picture is not None and self.state.status not in _RANK:
            return PICTURE_PROBLEM
        return str(self.state.status)

    @property
    def since_ms(self) -> int | None:
        """Since when it is a problem: the picture's since when that is the problem."""
        track = self.state.picture
        if track is not None and self.status == PICTURE_PROBLEM:
            return track.since_ms
        return self.state.since_ms

    @property
    def cause_code(self) -> str:
        """The cause without its detail: "probe_failed", "will", "gateway_offline"…"""
        if self.status == PICTURE_PROBLEM:
            return f"picture_{self.picture}"
        return self.state.cause.partition(": ")[0] or "startup"


@dataclass(frozen=True, slots=True)
class ProblemGroup:
    """One line of the list: a device, or a gateway that is down with what it hides."""

    lead: Problem
    behind: tuple[Problem, ...] = ()
    # False when the lead is shown only as the reason for the devices behind it (it does
    # not pass the filters itself).
    lead_matches: bool = True

    def rows(self) -> list[Problem]:
        """The problems it counts: the lead (if it matches) and those behind it."""
        return ([self.lead] if self.lead_matches else []) + list(self.behind)


@dataclass(frozen=True)
class ProblemFilter:
    """What a person narrowed the list to; None or "" is no narrowing."""

    commune: str | None = None
    kind: str | None = None
    status: str | None = None
    cause: str | None = None
    text: str | None = None  # part of a name or id, accents and case ignored
    acknowledged: bool | None = None
    folded: str = field(init=False, default="")  # ``text`` as ``fold`` writes it

    def __post_init__(self) -> None:
        object.__setattr__(self, "folded", fold(self.text) if self.text else "")

    def matches(self, problem: Problem) -> bool:
        state = problem.state
        if self.commune and problem.commune != self.commune:
            return False
        if self.kind and state.entry.kind != self.kind:
            return False
        if self.status and problem.status != self.status:
            return False
        if self.cause and problem.cause_code != self.cause:
            return False
        if self.acknowledged is not None and (
            (problem.acknowledgement is not None) != self.acknowledged
        ):
            return False
        if self.folded:
            entry = state.entry
            return self.folded in fold(entry.name) or self.folded in entry.id.lower()
        return True


def problems_now(
    fleet: FleetState,
    day: dt.date,
    visible: Callable[[str], bool],
    acknowledged: Mapping[str, Acknowledgement],
) -> list[ProblemGroup]:
    """Every problem a person may see (``visible``: by the commune a device is listed
    under), grouped and sorted; one pass over the fleet."""
    index = fleet.index
    belongs = belonging_on(index, day)
    leads: dict[str, Problem] = {}
    behind: dict[str, list[Problem]] = {}
    for state in fleet.devices.values():
        picture = picture_problem(state) if state.picture is not None else None
        if state.status not in _RANK and picture is None:
            continue
        listed = index.listed_commune[state.entry.id]
        if not visible(listed):
            continue
        gateway = hidden_by(fleet, state)
        own = acknowledged.get(state.entry.id)
        if gateway is not None and own is None:
            own = acknowledged.get(gateway)
        problem = Problem(state, belongs.get(listed, listed), own, gateway, picture)
        if gateway is None:
            leads[state.entry.id] = problem
        else:
            behind.setdefault(gateway, []).append(problem)
    # A gateway and the devices it answers for are listed under one commune: a device
    # hidden by a gateway always finds it among the leads.
    groups = [
        ProblemGroup(lead, tuple(sorted(behind.get(device_id, ()), key=_by_name)))
        for device_id, lead in leads.items()
    ]
    groups.sort(key=_importance)
    return groups


def narrowed(groups: Iterable[ProblemGroup], wanted: ProblemFilter) -> list[ProblemGroup]:
    """The groups with something that passes ``wanted``; a gateway that does not pass
    itself stays as the reason for the devices behind it that do."""
    found = []
    for group in groups:
        lead_matches = group.lead_matches and wanted.matches(group.lead)
        hidden = tuple(p for p in group.behind if wanted.matches(p))
        if lead_matches or hidden:
            found.append(ProblemGroup(group.lead, hidden, lead_matches))
    return found


def _importance(group: ProblemGroup) -> tuple[bool, int, bool, int, str, str]:
    lead = group.lead
    state = lead.state
    return (
        lead.acknowledgement is not None,
        _RANK.get(state.status, _PICTURE_RANK),
        state.entry.kind != "gateway",
        lead.since_ms or 0,
        lead.commune,
        state.entry.name,
    )


def _by_name(problem: Problem) -> tuple[str, str]:
    return (problem.state.entry.name, problem.state.entry.id)


def fold(text: str) -> str:
    """Lower case without accents, so "cum loa" finds "Cụm loa" (and đ is d)."""
    decomposed = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))
