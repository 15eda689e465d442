"""The live state of devices that ingest workers own, copied into the web tier's.

With ``--ingest-workers`` above one, each worker process keeps the live state of its
own agents' devices (server/monitoring/ingest_worker.py) and sends, a few times a
second, the devices and gateway links that changed. The main process, which serves the
pages, the API and the alerts, applies them to its ``FleetState`` and tells its
watchers of every change of status, as if it had made them itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from xaso.server.monitoring.fleet_state import DeviceState, DeviceStatus, FleetState, GatewayLink

# Everything of a DeviceState but its inventory entry, which each side has already.
_DEVICE_FIELDS = tuple(name for name in DeviceState.__slots__ if name != "entry")
_LINK_FIELDS = tuple(GatewayLink.__slots__)

DeviceDelta = tuple[str, tuple[Any, ...]]
LinkDelta = tuple[str, tuple[Any, ...]]


def device_delta(state: DeviceState) -> DeviceDelta:
    return state.entry.id, tuple(getattr(state, name) for name in _DEVICE_FIELDS)


def link_delta(agent_id: str, link: GatewayLink) -> LinkDelta:
    return agent_id, tuple(getattr(link, name) for name in _LINK_FIELDS)


def apply_deltas(
    fleet: FleetState, devices: Iterable[DeviceDelta], links: Iterable[LinkDelta]
) -> int:
    """Take a worker's changes; returns how many devices changed status."""
    changed = 0
    for device_id, values in devices:
        state = fleet.devices.get(device_id)
        if state is None:
            continue  # gone from this process's inventory: nothing to show it on
        before, picture = (state.status, state.since_ms), _picture_of(state)
        for name, value in zip(_DEVICE_FIELDS, values, strict=True):
            setattr(state, name, value)
        state.status = DeviceStatus(state.status)
        moved = (state.status, state.since_ms) != before
        changed += moved
        if moved or _picture_of(state) != picture:
            for watcher in fleet.watchers:
                watcher(state)
    for agent_id, values in links:
        link = fleet.links.get(agent_id)
        if link is not None:
            for name, value in zip(_LINK_FIELDS, values, strict=True):
                setattr(link, name, value)
    return changed


def _picture_of(state: DeviceState) -> tuple[str, str] | None:
    """A camera's picture status and cause: a change of it is told like one of status."""
    track = state.picture
    return None if track is None else (str(track.status), track.cause)
