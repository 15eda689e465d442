"""What the map shows a user: the devices with a place, in their scope and filter, with
their live status, and the communes' outlines.

Built from the live state and the inventory on each request (``InventoryIndex.device_points``
walks the inventory; nothing is kept per device between requests). The filter is the
page's own query (``?commune=&kind=``), so a filtered map is a link; the page's script
asks for the same query as JSON and only draws.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from aiohttp import web

from xaso.inventory import DEVICE_KINDS, InventoryIndex
from xaso.server.keys import CLOCK_MS, INDEX
from xaso.server.monitoring.keys import STATE
from xaso.server.web.auth import PRINCIPAL, today
from xaso.server.web.http import bad_request, not_found
from xaso.server.web.map_outlines import Point, convex_hull
from xaso.server.web.status_words import local_time
from xaso.server.web.tokens import Principal
from xaso.server.words import translator

# Worst first: a cluster of markers takes the colour of its worst one. Planned last: a
# device not installed yet is nobody's problem, and a group shows it only when it is
# all there is.
STATUS_SEVERITY: Final = (
    "offline",
    "pending",
    "unknown",
    "stopped",
    "maintenance",
    "online",
    "planned",
)


@dataclass(frozen=True)
class MapFilter:
    commune: str | None = None  # its code; None: every commune in scope
    kind: str | None = None  # a device kind; None: all

    def query(self) -> str:
        """The filter as a query string (without '?'), for the JSON and the links."""
        return urlencode([(name, value) for name, value in vars(self).items() if value])


def map_filter(request: web.Request) -> MapFilter:
    """The filter asked for; a kind that does not exist is a 400, a commune unknown or
    outside the user's scope a 404 (as its commune page would be)."""
    commune = request.query.get("commune") or None
    kind = request.query.get("kind") or None
    if kind is not None and kind not in DEVICE_KINDS:
        raise bad_request(f"unknown kind {kind!r}: one of {', '.join(DEVICE_KINDS)}")
    if commune is not None:
        index = request.app[INDEX]
        if commune not in index.communes or not request[PRINCIPAL].may_see(commune):
            raise not_found(f"commune {commune!r}")
    return MapFilter(commune, kind)


def commune_choices(request: web.Request) -> list[tuple[str, str]]:
    """(code, name) of the communes in force today that the user may see, by name."""
    index = request.app[INDEX]
    principal = request[PRINCIPAL]
    day = today(request.app)
    return sorted(
        (
            (code, commune.name_on(day))
            for code, commune in index.communes.items()
            if commune.exists_on(day) and principal.may_see(code)
        ),
        key=lambda choice: choice[1],
    )


def _commune_today(index: InventoryIndex, listed: str, day: dt.date) -> str:
    """The commune that what is listed under ``listed`` belongs to on ``day``."""
    for membership in index.memberships(listed):
        if membership.covers(day):
            return membership.commune
    return listed


def map_data(
    app: web.Application, principal: Principal, wanted: MapFilter, lang: str
) -> dict[str, Any]:
    """The markers and outlines as the page's script draws them, and the words it needs."""
    index = app[INDEX]
    fleet = app[STATE]
    day = today(app)
    tz = ZoneInfo(index.inventory.timezone)
    words = translator(lang)

    def shown(commune: str) -> bool:
        return principal.may_see(commune) and wanted.commune in (None, commune)

    points: dict[str, list[Point]] = defaultdict(list)  # commune -> every place in it
    markers: list[dict[str, Any]] = []
    placed: set[str] = set()
    for device_id, lat, lon in index.device_points():
        state = fleet.devices.get(device_id)
        if state is None:
            continue
        commune = index.commune_on(device_id, day)
        if not shown(commune):
            continue
        points[commune].append((lat, lon))
        if wanted.kind not in (None, state.entry.kind):
            continue
        placed.add(device_id)
        markers.append(
            {
                "id": device_id,
                "name": state.entry.name,
                "kind": state.entry.kind,
                "status": str(state.status),
                "since": local_time(state.since_ms, tz),
                "commune": commune,
                "lat": lat,
                "lon": lon,
            }
        )
    for listed, lat, lon in index.key_location_points():
        commune = _commune_today(index, listed, day)
        if shown(commune):
            points[commune].append((lat, lon))

    unplaced = sum(
        1
        for state in fleet.devices.values()
        if state.entry.id not in placed
        and wanted.kind in (None, state.entry.kind)
        and shown(index.commune_on(state.entry.id, day))
    )
    communes = []
    for code, place in index.communes.items():
        if not place.exists_on(day) or not shown(code):
            continue
        given = [(corner[0], corner[1]) for corner in place.outline]
        outline = given or convex_hull(points.get(code, ()))
        communes.append(
            {
                "code": code,
                "name": place.name_on(day),
                "outline": [list(corner) for corner in outline] if len(outline) >= 3 else [],
                "drawn": "inventory" if given else "points",
            }
        )
    return {
        "updated": local_time(app[CLOCK_MS](), tz),
        "markers": markers,
        "communes": communes,
        "unplaced": unplaced,
        "words": {
            **{status: words[status] for status in STATUS_SEVERITY},
            **{kind: words[kind] for kind in DEVICE_KINDS},
            **{f"letter.{kind}": words[f"map.letter.{kind}"] for kind in DEVICE_KINDS},
            "status": words["status"],
            "since": words["since"],
            "kind": words["kind"],
            "commune": words["commune"],
            "open": words["map.open_device"],
            "devices": words["map.devices_in_cluster"],
        },
        "severity": list(STATUS_SEVERITY),
    }
