"""``GET /api/v1/devices/{device_id}/recording?days=7``: a camera's hours recorded per
local day and the gaps, as its recorder told them (docs/cameras.md)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from aiohttp import web

from xaso.server.keys import CLOCK_MS, INDEX
from xaso.server.monitoring.keys import RECORDINGS
from xaso.server.web.http import bad_request, json_response, visible_device
from xaso.server.web.recording_days import MAX_DAYS, recording_days
from xaso.server.web.views import iso_utc

DEFAULT_DAYS = 7


async def device_recording(request: web.Request) -> web.Response:
    state = visible_device(request)
    text = request.query.get("days", str(DEFAULT_DAYS))
    if not text.isdigit() or not 1 <= int(text) <= MAX_DAYS:
        raise bad_request(f"days must be a whole number from 1 to {MAX_DAYS}")
    app = request.app
    timezone = app[INDEX].inventory.timezone
    found = recording_days(
        app[RECORDINGS], state.entry.id, app[CLOCK_MS](), int(text), ZoneInfo(timezone)
    )
    days = []
    for day in found:
        recorded = day.recorded
        days.append(
            {
                "day": day.day.isoformat(),
                "from": iso_utc(day.from_ms),
                "to": iso_utc(day.to_ms),
                # Hours the recorders' reports covered; the rest of the day is unknown.
                "known_h": round(recorded.known_ms / 3_600_000, 3) if recorded else 0.0,
                "recorded_h": round(recorded.recorded_ms / 3_600_000, 3) if recorded else None,
                "gaps": [
                    {"from": iso_utc(a), "to": iso_utc(b), "minutes": round((b - a) / 60_000, 1)}
                    for a, b in (recorded.gaps if recorded else [])
                ],
            }
        )
    return json_response({"device": state.entry.id, "timezone": timezone, "days": days})


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/api/v1/devices/{device_id}/recording", device_recording)
