"""Camera pictures in a commune's indicator report, as evidence beside the figures of the
key-location coverage indicator (C2 in the default profile): for each camera at a key
location, its day picture of the last day of the period that has one ("Camera Trường
MN, 15/11 09:03"), with the picture's own sha256.

They are printed beside the evaluation, not inside it: the evaluation's evidence hash,
which a verifier signs, is computed from the figures alone, so a picture arriving late
does not change a report already signed. Each picture's hash lets it be matched with
the copy kept as an evidence document (server/camera_snapshots/evidence.py).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final
from zoneinfo import ZoneInfo

from aiohttp import web

from xaso.server.camera_snapshots.keys import SNAPSHOTS
from xaso.server.camera_snapshots.views import picture_url
from xaso.server.indicators.result import CommuneEvaluation
from xaso.server.keys import INDEX

# The measure whose evidence the pictures are: "is each key location watched".
PICTURED_MEASURES: Final = frozenset({"key_location_coverage"})


def report_pictures(
    app: web.Application, evaluation: CommuneEvaluation, view: dict[str, Any], tz: ZoneInfo
) -> list[dict[str, Any]]:
    """The pictures for the report's view (``camera_pictures``): each with the indicator
    it backs, the camera and its key location, when it was taken, its hash, its URL and
    its bytes (for the PDF). None when no result of the report is a pictured measure."""
    indicators = [r["indicator"] for r in view["results"] if r["measure"] in PICTURED_MEASURES]
    if not indicators:
        return []
    index = app[INDEX]
    store = app[SNAPSHOTS]
    first = dt.datetime.fromtimestamp(evaluation.from_ms / 1000, tz).date()
    last = dt.datetime.fromtimestamp((evaluation.to_ms - 1) / 1000, tz).date()
    commune = index.communes.get(evaluation.commune)
    if commune is None:
        return []
    places = {k.code: k.name for k in commune.key_locations}
    cameras = sorted(
        (
            entry
            for entry in index.devices.values()
            if entry.kind == "camera"
            and (entry.location or "") in places
            and index.listed_commune[entry.id] == evaluation.commune
        ),
        key=lambda entry: (places[entry.location or ""], entry.name),
    )
    pictures = []
    for entry in cameras:
        found = store.last_day_within(entry.id, first, last)
        if found is None:
            continue
        kept, jpeg = found
        taken = dt.datetime.fromtimestamp(kept.taken_ms / 1000, tz)
        pictures.append(
            {
                "indicator": ", ".join(indicators),
                "camera": entry.name,
                "place": places[entry.location or ""],
                "taken": taken.strftime("%d/%m/%Y %H:%M"),
                "sha256": kept.sha256,
                "url": picture_url(kept),
                "jpeg": jpeg,
                "width": kept.width,
                "height": kept.height,
            }
        )
    return pictures
