"""What the pages show of a camera's kept pictures: the link to each JPEG (with its hash,
so a new picture is a new URL and the browser may cache each one), its time and size."""

from __future__ import annotations

import datetime as dt
import urllib.parse
from typing import Any
from zoneinfo import ZoneInfo

from xaso.server.camera_snapshots.store import LATEST, KeptSnapshot


def picture_url(kept: KeptSnapshot) -> str:
    device = urllib.parse.quote(kept.device_id, safe="")
    return f"/api/v1/devices/{device}/snapshots/{kept.slot}?v={kept.sha256[:16]}"


def shown(kept: KeptSnapshot, tz: ZoneInfo) -> dict[str, Any]:
    taken = dt.datetime.fromtimestamp(kept.taken_ms / 1000, tz)
    return {
        "url": picture_url(kept),
        "taken": taken.strftime("%d/%m/%Y %H:%M"),
        "day": taken.strftime("%d/%m"),
        "time": taken.strftime("%H:%M"),
        "slot": kept.slot,
        "latest": kept.slot == LATEST,
        "width": kept.width,
        "height": kept.height,
        "sha256": kept.sha256,
    }
