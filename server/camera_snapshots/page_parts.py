"""The camera pictures on the device page and the commune page's camera grid."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from xaso.inventory import DeviceEntry
from xaso.server.camera_snapshots.evidence import may_keep_as_evidence
from xaso.server.camera_snapshots.keys import SNAPSHOTS
from xaso.server.camera_snapshots.views import shown
from xaso.server.indicators.keys import DOCUMENTS
from xaso.server.keys import INDEX
from xaso.server.monitoring.fleet_state import DeviceState
from xaso.server.web.auth import PRINCIPAL

DAYS_SHOWN = 14  # the device page's strip of day pictures


def picture_state(state: DeviceState, words: dict[str, str]) -> dict[str, Any] | None:
    """The picture's health from the camera's last reading, if the gateway judged it."""
    reading = state.last_reading
    health = reading.camera.picture if reading and reading.camera else None
    if health is None:
        return None
    return {
        "state": health.state,
        "word": words.get(f"picture.{health.state}", health.state),
        "learning": health.learning,
        "error": health.error,
    }


def device_pictures(
    request: web.Request, state: DeviceState, words: dict[str, str], tz: ZoneInfo
) -> dict[str, Any]:
    """For a camera's page: its latest picture, its day pictures and its picture state;
    whether the reader may keep one as evidence, and the one just kept (``?evidence=``)."""
    app = request.app
    store = app[SNAPSHOTS]
    device_id = state.entry.id
    latest = store.latest([device_id]).get(device_id)
    commune = app[INDEX].listed_commune[device_id]
    just_kept = app[DOCUMENTS].table.items.get(request.query.get("evidence", ""))
    return {
        "latest": shown(latest, tz) if latest else None,
        "days": [shown(kept, tz) for kept in store.days(device_id, DAYS_SHOWN)],
        "health": picture_state(state, words),
        "may_keep": may_keep_as_evidence(request[PRINCIPAL], commune),
        "just_kept": just_kept,
    }


def camera_grid(
    app: web.Application,
    cameras: Sequence[tuple[DeviceEntry, str]],
    fleet: dict[str, DeviceState],
    words: dict[str, str],
    tz: ZoneInfo,
) -> list[dict[str, Any]]:
    """For a commune's page: each camera (with the name of its place) and its latest
    picture, status and picture state."""
    latest = app[SNAPSHOTS].latest(entry.id for entry, _ in cameras)
    grid = []
    for entry, place in cameras:
        state = fleet[entry.id]
        kept = latest.get(entry.id)
        grid.append(
            {
                "entry": entry,
                "place": place,
                "status": state.status,
                "picture": shown(kept, tz) if kept else None,
                "health": picture_state(state, words),
            }
        )
    return grid
