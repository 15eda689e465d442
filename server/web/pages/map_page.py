"""The map (``/map``, "Bản đồ"): the devices with a place, coloured by status, clustered
when zoomed out, filtered by commune and kind; the communes' outlines beneath.

The filter is a plain form (``?commune=&kind=``), so a filtered map is a link and works
as one; ``/map/data`` answers the same query as JSON (``map_data.py``), which the page's
script (``static/map.js``, Leaflet with its marker clustering, vendored) draws and asks
for again every ``--page-refresh-s``. The background is the tile server of
``--map-tiles`` when one is set, else plain (``map_tiles.py``).
"""

from __future__ import annotations

from aiohttp import web

from xaso.inventory import DEVICE_KINDS
from xaso.server.keys import SETTINGS
from xaso.server.web.auth import PRINCIPAL
from xaso.server.web.http import json_response
from xaso.server.web.map_data import STATUS_SEVERITY, commune_choices, map_data, map_filter
from xaso.server.web.map_tiles import tile_source
from xaso.server.web.rendering import render, request_language


async def map_page(request: web.Request) -> web.Response:
    wanted = map_filter(request)
    settings = request.app[SETTINGS]
    query = wanted.query()
    return render(
        request,
        "map.html",
        wanted=wanted,
        communes=commune_choices(request),
        kinds=DEVICE_KINDS,
        # The legend reads best from fine to worst.
        statuses=STATUS_SEVERITY[::-1],
        data_url="/map/data" + (f"?{query}" if query else ""),
        tiles=tile_source(settings),
        refresh_s=settings.page_refresh_s,
    )


async def map_json(request: web.Request) -> web.Response:
    wanted = map_filter(request)
    data = map_data(request.app, request[PRINCIPAL], wanted, request_language(request))
    response = json_response(data)
    response.headers["Cache-Control"] = "no-store"  # live statuses: never an old copy
    response.enable_compression()  # names and words repeated: gzip takes ~9/10 off
    return response


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/map", map_page)
    app.router.add_get("/map/data", map_json)
