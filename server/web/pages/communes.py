"""The communes page (``/communes``: the communes in scope with their devices by status)
and a commune's page (``/communes/{code}``: its devices by village and key location,
each with its status and a bar of its last 30 or 90 days, one cell a day).

A commune's page reads its devices' history in two bulk store reads and works out the
days in memory (``server/web/device_history.py``, ``server/monitoring/day_availability.py``):
its work grows with the commune, whatever the size of the province.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from xaso.server.camera_snapshots.page_parts import camera_grid
from xaso.server.keys import CLOCK_MS, INDEX
from xaso.server.monitoring.day_availability import day_figures, last_days, total
from xaso.server.monitoring.keys import STATE
from xaso.server.web.auth import PRINCIPAL, today
from xaso.server.web.commune_layout import commune_groups
from xaso.server.web.day_bars import BAR_DAYS, cells, percent
from xaso.server.web.device_history import exclusions_of, read_spans
from xaso.server.web.pages.device_picture import picture_badge
from xaso.server.web.rendering import render, request_language
from xaso.server.web.status_words import status_words
from xaso.server.words import translator

STATUS_ORDER = ("online", "pending", "offline", "unknown", "maintenance", "stopped", "planned")


def wants_excused(request: web.Request) -> bool:
    """``?excused=1``: excused periods left out of the figures, as in the API."""
    return request.query.get("excused") in ("1", "true", "yes")


async def commune_list(request: web.Request) -> web.Response:
    principal = request[PRINCIPAL]
    index = request.app[INDEX]
    day = today(request.app)
    # One pass over the fleet, not one per commune.
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for state in request.app[STATE].devices.values():
        code = index.commune_on(state.entry.id, day)
        if principal.may_see(code):
            counts[code][str(state.status)] += 1
    communes = []
    for code, commune in index.communes.items():
        if not principal.may_see(code):
            continue
        merged_into = None
        if not commune.exists_on(day) and commune.merged_into in index.communes:
            merged_into = index.communes[commune.merged_into].name
        communes.append(
            {
                "code": code,
                "name": commune.name_on(day),
                "kind": commune.kind,
                "total": sum(counts[code].values()),
                "counts": counts[code],
                "merged_into": merged_into,
            }
        )
    return render(request, "communes.html", communes=communes, statuses=STATUS_ORDER)


def _days_asked(request: web.Request) -> int:
    try:
        days = int(request.query.get("days", BAR_DAYS[0]))
    except ValueError:
        return BAR_DAYS[0]
    return days if days in BAR_DAYS else BAR_DAYS[0]


async def commune_page(request: web.Request) -> web.Response:
    code = request.match_info["code"]
    index = request.app[INDEX]
    if code not in index.communes or not request[PRINCIPAL].may_see(code):
        raise web.HTTPNotFound()
    started = time.perf_counter()
    commune = index.communes[code]
    fleet = request.app[STATE]
    now_ms = request.app[CLOCK_MS]()
    tz = ZoneInfo(index.inventory.timezone)
    lang = request_language(request)
    words = translator(lang)
    day = today(request.app)
    count_excused = wants_excused(request)
    days_shown = _days_asked(request)

    groups = commune_groups(index, code, day)
    installed = [e for g in groups for e in g.entries if not e.planned]
    days = last_days(days_shown, now_ms, tz)
    from_ms = days[0].from_ms
    history = await read_spans(request.app, installed, from_ms, now_ms, whole_communes=True)
    excluded = exclusions_of(request.app, installed, from_ms, now_ms)

    def row(entry: Any) -> dict[str, Any]:
        state = fleet.devices[entry.id]
        shown: dict[str, Any] = {
            "entry": entry,
            "now": status_words(state, words, lang, tz, now_ms),
            "flapping": state.flapping,
            "picture": picture_badge(state, words),
            "cells": [],
            "over": "",
        }
        if entry.id in history:
            exclusions = excluded[entry.id]
            figures = day_figures(
                history[entry.id],
                days,
                exclusions.maintenance,
                exclusions.excused,
                count_excused=count_excused,
            )
            shown["cells"] = cells(figures, words, lang)
            shown["over"] = percent(total(figures).percent, lang)
        if entry.kind == "gateway":
            shown["behind"] = len(index.devices_of_agent.get(entry.id, ()))
        return shown

    shown_groups = [
        {"group": group, "rows": [row(entry) for entry in group.entries]} for group in groups
    ]
    village_names = {g.code: g.name for g in groups if g.kind == "village"}
    cameras = [
        (entry, group.name if group.kind in ("key_location", "village") else "")
        for group in groups
        for entry in group.entries
        if entry.kind == "camera" and not entry.planned
    ]
    merged_into = None
    if not commune.exists_on(day) and commune.merged_into in index.communes:
        merged_into = index.communes[commune.merged_into]
    response = render(
        request,
        "commune.html",
        commune=commune,
        commune_name=commune.name_on(day),
        groups=shown_groups,
        village_names=village_names,
        days=days_shown,
        day_choices=BAR_DAYS,
        excused=count_excused,
        merged_into=merged_into,
        cameras=camera_grid(request.app, cameras, fleet.devices, words, tz),
    )
    # How long the page took, for whoever measures it (the browser's devtools show it).
    response.headers["Server-Timing"] = f"page;dur={1000 * (time.perf_counter() - started):.1f}"
    # A cell a day, each with its title: 90 days of 35 devices is ~200 kB of very
    # repetitive HTML, a tenth of it gzipped.
    response.enable_compression()
    return response


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/communes", commune_list)
    app.router.add_get("/communes/{code}", commune_page)
