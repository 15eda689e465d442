"""JSON shapes of devices and communes, shared by the API and the HTML page."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import msgspec

from xaso.server.monitoring.fleet_state import DeviceState, FleetState
from xaso.server.monitoring.picture_state import PictureTrack


def iso_utc(ts_ms: int | None) -> str | None:
    if ts_ms is None:
        return None
    return datetime.fromtimestamp(ts_ms / 1000, UTC).isoformat(timespec="milliseconds")


def device_view(state: DeviceState, commune: str, detail: bool = False) -> dict[str, Any]:
    """A device as the API shows it; ``commune``: the one it belongs to today
    (``InventoryIndex.commune_on``: after a merger, the successor)."""
    entry = state.entry
    view: dict[str, Any] = {
        "id": entry.id,
        "name": entry.name,
        "kind": entry.kind,
        "commune": commune,
        "agent": entry.agent_id,
        "village": entry.village,
        "location": entry.location,
        "status": str(state.status),
        "since": iso_utc(state.since_ms),
        "cause": state.cause,
        "last_seen": iso_utc(state.last_seen_ms),
    }
    if state.picture is not None:
        view["picture"] = picture_view(state.picture)
    if detail:
        view["heartbeat_interval_s"] = entry.heartbeat_interval_s
        view["offline_after_s"] = entry.offline_after_s
        view["last_reading"] = msgspec.to_builtins(state.last_reading)
        view["last_health"] = msgspec.to_builtins(state.last_health)
    return view


def picture_view(track: PictureTrack) -> dict[str, Any]:
    """A camera's picture (docs/state.md): its status, cause and since when, and the
    last picture measured (``state`` ok / dark / blurred / covered / frozen /
    no_picture, with its measures), None before any."""
    return {
        "status": str(track.status),
        "cause": track.cause,
        "since": iso_utc(track.since_ms),
        "last": msgspec.to_builtins(track.last),
    }


def status_counts(states: list[DeviceState]) -> dict[str, int]:
    counts = Counter(str(s.status) for s in states)
    return dict(sorted(counts.items()))


def commune_states(fleet: FleetState, commune: str, day: dt.date) -> list[DeviceState]:
    """The devices ``commune`` holds on ``day``: after a merger, its predecessors' too;
    before it, none of them."""
    return [s for s in fleet.devices.values() if fleet.index.commune_on(s.entry.id, day) == commune]
