"""Availability and outage endpoints under ``/api/v1`` (docs/api.md).

Figures come from the stored transitions through the pure functions of
server/monitoring/availability.py, so they are the same on InfluxDB and SQLite.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from typing import Any

from aiohttp import web

from xaso.server.keys import INDEX, STORE
from xaso.server.monitoring.availability import Availability, Outage, availability, outages, spans
from xaso.server.monitoring.exclusions import counted_windows_for, excused_for
from xaso.server.monitoring.fleet_state import DeviceState
from xaso.server.monitoring.keys import EXCLUSIONS, STATE
from xaso.server.monitoring.picture_state import picture_series
from xaso.server.web.auth import PRINCIPAL
from xaso.server.web.http import (
    json_response,
    may_see_device,
    not_found,
    requested_period,
    visible_device,
)
from xaso.server.web.views import iso_utc

DEFAULT_PERIOD_MS = 30 * 24 * 3600 * 1000  # indicator R6 looks at 30 days
# Store queries in flight for one request: a province-wide figure must not send
# tens of thousands of queries to InfluxDB at once.
MAX_CONCURRENT_QUERIES = 16
MAX_TRANSITIONS = 100_000


def _period(request: web.Request) -> tuple[int, int, int]:
    """(from_ms, to_ms, now_ms): the period asked for (the last 30 days by default)."""
    now_ms = int(time.time() * 1000)
    return (*requested_period(request, DEFAULT_PERIOD_MS, now_ms), now_ms)


async def _device_figures(
    request: web.Request,
    state: DeviceState,
    from_ms: int,
    to_ms: int,
    now_ms: int,
    series: str | None = None,
) -> tuple[Availability, list[Outage]]:
    """The device's figures, or those of another series of it (``series``: a camera's
    picture series), with the device's maintenance and excused time left out."""
    store = request.app[STORE]
    device_id = series or state.entry.id
    async with _query_slots(request):
        before, inside = await asyncio.gather(
            store.last_transition_before(device_id, from_ms),
            store.transitions(device_id, from_ms, to_ms, MAX_TRANSITIONS),
        )
    period_spans = spans(inside, before, from_ms, to_ms)
    exclusions = request.app[EXCLUSIONS]
    # Approved windows and excused periods only, each up to its deletion (docs/availability.md).
    excluded = counted_windows_for(state.entry, exclusions.counted_windows(), from_ms, to_ms)
    if request.query.get("excused") in ("1", "true", "yes"):
        excluded += excused_for(state.entry, exclusions.counted_excused(), from_ms, to_ms)
    return (
        availability(period_spans, excluded),
        outages(period_spans, excluded, now_ms=now_ms),
    )


_SLOTS = web.RequestKey("availability_query_slots", asyncio.Semaphore)


def _query_slots(request: web.Request) -> asyncio.Semaphore:
    if _SLOTS not in request:
        request[_SLOTS] = asyncio.Semaphore(MAX_CONCURRENT_QUERIES)
    return request[_SLOTS]


def _figure_view(figure: Availability) -> dict[str, Any]:
    return {
        "availability_pct": None if figure.percent is None else round(figure.percent, 3),
        "up_s": figure.up_ms / 1000,
        "down_s": figure.down_ms / 1000,
        "unknown_s": figure.unknown_ms / 1000,
        "excluded_s": figure.excluded_ms / 1000,
    }


def _outage_view(device_id: str, outage: Outage) -> dict[str, Any]:
    return {
        "device": device_id,
        "start": iso_utc(outage.start_ms),
        "end": None if outage.ongoing else iso_utc(outage.end_ms),
        "duration_s": outage.duration_ms / 1000,
        "ongoing": outage.ongoing,
        "cause": outage.cause,
        "excluded_s": outage.excluded_ms / 1000,
    }


async def device_availability(request: web.Request) -> web.Response:
    state = visible_device(request)
    from_ms, to_ms, now_ms = _period(request)
    figure, found = await _device_figures(request, state, from_ms, to_ms, now_ms)
    answer = {
        "device": state.entry.id,
        "from": iso_utc(from_ms),
        "to": iso_utc(to_ms),
        **_figure_view(figure),
        "outages": [_outage_view(state.entry.id, o) for o in found],
    }
    if state.picture is not None:
        # A camera: beside online, "picture usable" (online with a usable picture).
        series = picture_series(state.entry.id)
        figure, found = await _device_figures(request, state, from_ms, to_ms, now_ms, series)
        answer["picture"] = {
            **_figure_view(figure),
            "outages": [_outage_view(state.entry.id, o) for o in found],
        }
    return json_response(answer)


def _selected_devices(request: web.Request, commune: str | None, to_ms: int) -> list[DeviceState]:
    """The installed devices in scope (of ``commune`` if given: those it held on the
    period's last day, so a predecessor's own before its merger, a successor's with its
    predecessors' after it)."""
    index = request.app[INDEX]
    kind = request.query.get("kind")
    held = index.held_on(commune, index.day_of(to_ms - 1)) if commune in index.communes else ()
    return [
        s
        for s in request.app[STATE].devices.values()
        if not s.entry.planned
        and may_see_device(request, s.entry.id)
        and (commune is None or index.listed_commune[s.entry.id] in held)
        and (kind is None or s.entry.kind == kind)
    ]


async def commune_availability(request: web.Request) -> web.Response:
    code = request.match_info["code"]
    if code not in request.app[INDEX].communes or not request[PRINCIPAL].may_see(code):
        raise not_found("commune")
    from_ms, to_ms, now_ms = _period(request)
    devices = _selected_devices(request, code, to_ms)
    results = await asyncio.gather(
        *(_device_figures(request, s, from_ms, to_ms, now_ms) for s in devices)
    )
    overall = Availability()
    by_kind: dict[str, Availability] = defaultdict(Availability)
    rows = []
    for state, (figure, _) in zip(devices, results, strict=True):
        overall += figure
        by_kind[state.entry.kind] += figure
        rows.append({"device": state.entry.id, "kind": state.entry.kind, **_figure_view(figure)})
    return json_response(
        {
            "commune": code,
            "from": iso_utc(from_ms),
            "to": iso_utc(to_ms),
            # Time-weighted over the devices: every device-hour counts the same.
            **_figure_view(overall),
            "by_kind": {kind: _figure_view(f) for kind, f in sorted(by_kind.items())},
            "devices": rows,
        }
    )


async def fleet_availability(request: web.Request) -> web.Response:
    """Over every visible device (filtered by ``commune`` and ``kind``): the figure,
    per kind and per commune, time-weighted over the devices."""
    from_ms, to_ms, now_ms = _period(request)
    devices = _selected_devices(request, request.query.get("commune"), to_ms)
    results = await asyncio.gather(
        *(_device_figures(request, s, from_ms, to_ms, now_ms) for s in devices)
    )
    index = request.app[INDEX]
    last_day = index.day_of(to_ms - 1)
    overall = Availability()
    by_kind: dict[str, Availability] = defaultdict(Availability)
    by_commune: dict[str, Availability] = defaultdict(Availability)
    for state, (figure, _) in zip(devices, results, strict=True):
        overall += figure
        by_kind[state.entry.kind] += figure
        by_commune[index.commune_on(state.entry.id, last_day)] += figure
    return json_response(
        {
            "from": iso_utc(from_ms),
            "to": iso_utc(to_ms),
            "devices": len(devices),
            **_figure_view(overall),
            "by_kind": {kind: _figure_view(f) for kind, f in sorted(by_kind.items())},
            "by_commune": {code: _figure_view(f) for code, f in sorted(by_commune.items())},
        }
    )


async def list_outages(request: web.Request) -> web.Response:
    from_ms, to_ms, now_ms = _period(request)
    devices = _selected_devices(request, request.query.get("commune"), to_ms)
    results = await asyncio.gather(
        *(_device_figures(request, s, from_ms, to_ms, now_ms) for s in devices)
    )
    found = [
        _outage_view(state.entry.id, outage)
        for state, (_, device_outages) in zip(devices, results, strict=True)
        for outage in device_outages
    ]
    found.sort(key=lambda o: o["start"] or "", reverse=True)
    return json_response({"from": iso_utc(from_ms), "to": iso_utc(to_ms), "outages": found})


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/api/v1/devices/{device_id}/availability", device_availability)
    app.router.add_get("/api/v1/communes/{code}/availability", commune_availability)
    app.router.add_get("/api/v1/availability", fleet_availability)
    app.router.add_get("/api/v1/outages", list_outages)
