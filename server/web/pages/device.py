"""A device's page (``/devices/{device_id}``): who it is and where, its status now, its
last 90 days one cell a day, its availability over 24 h, 7, 30 and 90 days with
maintenance and excused time apart, its status timeline and outages over the period
chosen, and charts of its readings.

Everything but the charts is HTML from the server (the timeline an SVG), so the page
is whole without script; the charts are ``static/device-charts.js`` drawing with uPlot
what ``GET /api/v1/devices/{device_id}/readings`` answers. One bulk read of the
device's last 90 days serves every figure (``server/web/device_history.py``).
"""

from __future__ import annotations

import urllib.parse
from datetime import datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

from aiohttp import web

from xaso.inventory import DeviceEntry, InventoryIndex
from xaso.server.camera_snapshots.page_parts import device_pictures
from xaso.server.keys import CLOCK_MS, INDEX
from xaso.server.monitoring.availability import Availability, availability, outages
from xaso.server.monitoring.day_availability import clip, day_figures, last_days, total
from xaso.server.monitoring.keys import RECORDINGS, STATE
from xaso.server.web.auth import today
from xaso.server.web.day_bars import cells, percent
from xaso.server.web.device_history import Exclusions, exclusions_of, read_spans
from xaso.server.web.http import visible_device
from xaso.server.web.pages.communes import wants_excused
from xaso.server.web.pages.device_picture import picture_section
from xaso.server.web.pages.device_recording import recording_section
from xaso.server.web.rendering import render, request_language
from xaso.server.web.status_words import local_time, status_words
from xaso.server.web.timeline import segments
from xaso.server.words import cause_text, duration, translator

HOUR_MS: Final = 3_600_000
PERIODS: Final = {"24h": 24 * HOUR_MS, "7d": 7 * 24 * HOUR_MS, "30d": 30 * 24 * HOUR_MS}
PERIODS_WITH_90: Final = {**PERIODS, "90d": 90 * 24 * HOUR_MS}
DEFAULT_PERIOD: Final = "7d"
CHART_MAX_MS: Final = PERIODS["30d"]
BAR_DAYS: Final = 90
MAX_OUTAGES_SHOWN: Final = 200
TICKS: Final = 5  # time labels under the timeline


def device_href(device_id: str, since_ms: int | None, now_ms: int) -> str:
    """The device's page over the shortest of its periods (they end now) that reaches
    back to ``since_ms`` — where an outage of a report shows on its timeline and in its
    list; the default period for what is older than them all, or for no time."""
    path = f"/devices/{urllib.parse.quote(device_id, safe='')}"
    if since_ms is None:
        return path
    for key, span in PERIODS_WITH_90.items():
        if now_ms - span <= since_ms:
            return f"{path}?period={key}"
    return path


def _figures(spans: Any, exclusions: Exclusions, count_excused: bool) -> dict[str, Any]:
    """A period's figure (maintenance left out, excused too when asked) and its parts."""
    base = availability(spans, exclusions.maintenance)
    both = availability(spans, exclusions.maintenance + exclusions.excused)
    counted = both if count_excused else base
    return {
        "figure": counted,
        "without_excused": both,
        "maintenance_ms": base.excluded_ms,
        "excused_ms": both.excluded_ms - base.excluded_ms,
    }


def _place(index: InventoryIndex, entry: DeviceEntry) -> dict[str, str | None]:
    """The names of the device's village and key location, from its commune's list."""
    listed = index.communes[index.listed_commune[entry.id]]
    villages = {v.code: v.name for v in listed.villages}
    places = {k.code: k for k in listed.key_locations}
    place = places.get(entry.location or "")
    village = entry.village or (place.village if place else None)
    return {
        "village": villages.get(village or "", village),
        "location": place.name if place else entry.location,
        "location_kind": place.kind if place else None,
    }


async def device_page(request: web.Request) -> web.Response:
    state = visible_device(request)
    entry: DeviceEntry = state.entry
    app = request.app
    index = app[INDEX]
    fleet = app[STATE]
    now_ms = app[CLOCK_MS]()
    tz = ZoneInfo(index.inventory.timezone)
    lang = request_language(request)
    words = translator(lang)
    count_excused = wants_excused(request)
    period = request.query.get("period", DEFAULT_PERIOD)
    if period not in PERIODS_WITH_90:
        period = DEFAULT_PERIOD
    day = today(app)
    commune_code = index.commune_on(entry.id, day)
    commune = index.communes[commune_code]
    gateway = fleet.devices.get(entry.agent_id) if entry.kind != "gateway" else None

    context: dict[str, Any] = {
        "entry": entry,
        "commune": commune,
        "commune_name": commune.name_on(day),
        "place": _place(index, entry),
        "gateway": gateway,
        "now": status_words(state, words, lang, tz, now_ms),
        "flapping": state.flapping,
        "period": period,
        "periods": list(PERIODS_WITH_90),
        "excused": count_excused,
        "tz_name": index.inventory.timezone,
        "behind": [],
        "recording": None,
    }
    if entry.kind == "camera":
        context["pictures"] = device_pictures(request, state, words, tz)
    if entry.kind == "gateway":
        behind = sorted(index.devices_of_agent.get(entry.id, ()))
        context["behind"] = [
            {
                "entry": fleet.devices[i].entry,
                "now": status_words(fleet.devices[i], words, lang, tz, now_ms),
            }
            for i in behind
        ]

    if not entry.planned:
        days = last_days(BAR_DAYS, now_ms, tz)
        history_from = min(days[0].from_ms, now_ms - PERIODS_WITH_90["90d"])
        spans = (await read_spans(app, [entry], history_from, now_ms))[entry.id]
        exclusions = exclusions_of(app, [entry], history_from, now_ms)[entry.id]
        figures = day_figures(
            spans, days, exclusions.maintenance, exclusions.excused, count_excused=count_excused
        )
        context["cells"] = cells(figures, words, lang)
        context["over"] = percent(total(figures).percent, lang)
        context["table"] = [
            _table_row(
                key, _figures(clip(spans, now_ms - span, now_ms), exclusions, count_excused), lang
            )
            for key, span in PERIODS_WITH_90.items()
        ]
        from_ms = now_ms - PERIODS_WITH_90[period]
        period_spans = clip(spans, from_ms, now_ms)
        context["timeline"] = _timeline(period_spans, from_ms, now_ms, words, lang, tz)
        excluded = exclusions.maintenance + (exclusions.excused if count_excused else [])
        found = outages(period_spans, excluded, now_ms=now_ms)
        found.reverse()  # newest first
        context["outage_count"] = len(found)
        context["outages"] = [
            {
                "start": local_time(o.start_ms, tz),
                "end": None if o.ongoing else local_time(o.end_ms, tz),
                "lasted": duration(o.duration_ms / 1000, lang),
                "excluded": duration(o.excluded_ms / 1000, lang) if o.excluded_ms else "",
                "cause": cause_text(o.cause, words),
            }
            for o in found[:MAX_OUTAGES_SHOWN]
        ]
        chart_from = now_ms - min(PERIODS_WITH_90[period], CHART_MAX_MS)
        context["readings_url"] = (
            f"/api/v1/devices/{entry.id}/readings?from={chart_from}&to={now_ms + 1}&lang={lang}"
        )
        context["charts_capped"] = PERIODS_WITH_90[period] > CHART_MAX_MS
        if entry.kind == "camera" and RECORDINGS in app:
            context["recording"] = recording_section(app[RECORDINGS], entry.id, now_ms, tz, lang)
        context["picture"] = await picture_section(
            app, state, PERIODS_WITH_90, exclusions, count_excused, words, lang, tz, now_ms
        )
    response = render(request, "device.html", **context)
    response.enable_compression()  # 90 cells with their titles: ~20 kB, a fifth gzipped
    return response


def _table_row(key: str, found: dict[str, Any], lang: str) -> dict[str, str]:
    figure: Availability = found["figure"]
    return {
        "period": key,
        "figure": percent(figure.percent, lang),
        "without_excused": percent(found["without_excused"].percent, lang),
        "down": duration(figure.down_ms / 1000, lang),
        "unknown": duration(figure.unknown_ms / 1000, lang),
        "maintenance": duration(found["maintenance_ms"] / 1000, lang),
        "excused": duration(found["excused_ms"] / 1000, lang),
    }


def _timeline(
    period_spans: Any, from_ms: int, to_ms: int, words: dict[str, str], lang: str, tz: ZoneInfo
) -> dict[str, Any]:
    """The band's segments with their tooltips, and the time labels beneath it."""
    shown = []
    for segment in segments(period_spans, from_ms, to_ms):
        said = words.get(segment.status, segment.status)
        if segment.gathered:
            said = f"{said} ({words['timeline.gathered']})"
        cause = cause_text(segment.cause, words).text
        title = (
            f"{said}: {local_time(segment.start_ms, tz)} – {local_time(segment.end_ms, tz)}"
            f" ({duration((segment.end_ms - segment.start_ms) / 1000, lang)})"
        )
        if not segment.gathered and cause:
            title += f" · {cause}"
        shown.append(
            {
                "x": segment.x_pct(from_ms, to_ms),
                "width": segment.width_pct(from_ms, to_ms),
                "status": segment.status,
                "title": title,
            }
        )
    ticks = []
    for number in range(TICKS):
        at = from_ms + (to_ms - from_ms) * number // (TICKS - 1)
        anchor = "start" if number == 0 else "end" if number == TICKS - 1 else "middle"
        label = datetime.fromtimestamp(at / 1000, tz).strftime("%d/%m %H:%M")
        ticks.append({"x": 100 * number / (TICKS - 1), "text": label, "anchor": anchor})
    return {"segments": shown, "ticks": ticks}


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/devices/{device_id}", device_page)
