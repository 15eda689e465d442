"""A device's readings for its charts: ``GET /api/v1/devices/{device_id}/readings``.

The stored readings (a gateway's: its health) of a period, brought down on the server to
at most 1,000 points per series (``server/web/chart_series.py``), so a chart of 30 days
of 30-second probes is 1,000 points, not 86,400. The period is read in consecutive
chunks, each with a cap on its rows: a device that reports far more often than expected
costs a bounded read, and what was left out is said (``truncated``) rather than hidden.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence
from typing import Any, Final

from aiohttp import web

from xaso.inventory import DeviceEntry
from xaso.server.keys import CLOCK_MS, STORE
from xaso.server.web.chart_series import (
    HEALTH_SERIES,
    READING_SERIES,
    AnyRecord,
    downsample,
)
from xaso.server.web.http import bad_request, json_response, requested_period, visible_device
from xaso.server.web.rendering import request_language
from xaso.server.web.views import iso_utc
from xaso.server.words import translator

DAY_MS: Final = 86_400_000
DEFAULT_PERIOD_MS: Final = DAY_MS
MAX_PERIOD_MS: Final = 92 * DAY_MS
MAX_POINTS: Final = 1_000
MIN_POINTS: Final = 10
# A chunk of a day and a half holds 4,320 probes at one every 30 s: under its cap, so a
# 30-day chart of such a device reads everything (20 chunks, 100,000 rows at most).
CHUNK_MS: Final = 36 * 3_600_000
MAX_CHUNKS: Final = 20
ROWS_PER_CHUNK: Final = 5_000
CHUNKS_AT_ONCE: Final = 4


def _points(request: web.Request) -> int:
    text = request.query.get("points")
    if text is None:
        return MAX_POINTS
    try:
        points = int(text)
    except ValueError:
        raise bad_request("points must be a whole number") from None
    if not MIN_POINTS <= points <= MAX_POINTS:
        raise bad_request(f"points must be between {MIN_POINTS} and {MAX_POINTS}")
    return points


def chunks(from_ms: int, to_ms: int) -> list[tuple[int, int]]:
    """``[from_ms, to_ms)`` in consecutive, equal chunks of about ``CHUNK_MS`` each, at
    most ``MAX_CHUNKS``."""
    count = max(1, min(MAX_CHUNKS, math.ceil((to_ms - from_ms) / CHUNK_MS)))
    bounds = [from_ms + (to_ms - from_ms) * i // count for i in range(count + 1)]
    return [(bounds[i], bounds[i + 1]) for i in range(count) if bounds[i + 1] > bounds[i]]


async def read_records(
    request: web.Request, entry: DeviceEntry, from_ms: int, to_ms: int
) -> tuple[Sequence[AnyRecord], bool]:
    """The device's readings (a gateway's health) in the period, and whether some chunk
    had more rows than its cap (then only its first rows were read)."""
    store = request.app[STORE]
    slots = asyncio.Semaphore(CHUNKS_AT_ONCE)

    async def chunk(start: int, end: int) -> Sequence[AnyRecord]:
        async with slots:
            if entry.kind == "gateway":
                return await store.agent_health(entry.id, start, end, ROWS_PER_CHUNK)
            return await store.device_readings(entry.id, start, end, ROWS_PER_CHUNK)

    parts = await asyncio.gather(*(chunk(s, e) for s, e in chunks(from_ms, to_ms)))
    records = [record for part in parts for record in part]
    return records, any(len(part) >= ROWS_PER_CHUNK for part in parts)


async def device_readings(request: web.Request) -> web.Response:
    state = visible_device(request)
    entry: DeviceEntry = state.entry
    # +1: the half-open range takes in what happened this very millisecond.
    now_ms = request.app[CLOCK_MS]() + 1
    from_ms, to_ms = requested_period(request, DEFAULT_PERIOD_MS, now_ms)
    if to_ms - from_ms > MAX_PERIOD_MS:
        raise bad_request("the period may be at most 92 days")
    points = _points(request)
    records, truncated = await read_records(request, entry, from_ms, to_ms)
    definitions = HEALTH_SERIES if entry.kind == "gateway" else READING_SERIES
    # A month of 30-second probes is ~0.1 s of CPU: in a worker thread, so the loop goes
    # on taking heartbeats meanwhile.
    found = await asyncio.to_thread(downsample, records, definitions, from_ms, to_ms, points)
    words = translator(request_language(request))
    charts: list[dict[str, Any]] = [
        {
            "id": chart.id,
            "title": words[f"chart.{chart.id}"],
            "series": [
                {"key": key, "label": words[f"series.{key}"], "values": values}
                for key, values in chart.series
            ],
        }
        for chart in found.charts
    ]
    response = json_response(
        {
            "device": entry.id,
            "kind": entry.kind,
            "from": iso_utc(from_ms),
            "to": iso_utc(to_ms),
            "read": len(records),
            "truncated": truncated,
            "bucket_s": found.bucket_ms / 1000,
            "time": found.times_s,
            "charts": charts,
        }
    )
    response.enable_compression()  # long runs of numbers and nulls: gzip takes ~4/5 off
    return response


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/api/v1/devices/{device_id}/readings", device_readings)
