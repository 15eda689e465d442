"""A camera's recording per local day, as the recorders told it (the recording ledger,
``server/monitoring/recording_ledger.py``): what the device page shows and
``GET /api/v1/devices/{id}/recording`` answers."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple
from zoneinfo import ZoneInfo

from xaso.server.monitoring.recording_ledger import DayRecording, RecordingLedger

MAX_DAYS = 90


class CameraDay(NamedTuple):
    day: dt.date
    from_ms: int
    to_ms: int
    recorded: DayRecording | None  # None: no report covered any of it


def recording_days(
    ledger: RecordingLedger, device_id: str, now_ms: int, days: int, tz: ZoneInfo
) -> list[CameraDay]:
    """The last ``days`` local days up to today's, newest first."""
    today = dt.datetime.fromtimestamp(now_ms / 1000, tz).date()
    wanted = [today - dt.timedelta(days=n) for n in range(days)]

    def start(day: dt.date) -> int:
        return int(dt.datetime.combine(day, dt.time(), tz).timestamp() * 1000)

    known = {
        d.day_ms: d
        for d in ledger.days([device_id], start(wanted[-1]), start(today + dt.timedelta(1))).get(
            device_id, []
        )
    }
    return [
        CameraDay(day, start(day), start(day + dt.timedelta(days=1)), known.get(start(day)))
        for day in wanted
    ]
