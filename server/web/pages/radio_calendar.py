"""The broadcast calendar (``/radio/calendar``): a commune's broadcasts by week, month or
day, each at its local time, coloured by its class and, once under way, by its outcome;
silences as bands, collisions marked; the day view one row per zone.

Everything comes from one reading of the playout log (``playout_for``, as the API's
``GET /api/v1/playout``), whose future occurrences are "upcoming": the calendar and the
log cannot disagree. Where the boxes go is ``radio_calendar_layout.py``.
"""

from __future__ import annotations

import datetime as dt
from typing import Final
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from aiohttp import web

from xaso.inventory import InventoryIndex
from xaso.server.broadcasts.calendar import (
    WORST_FIRST,
    CalendarOccurrence,
    collisions,
    grouped,
    silences_between,
)
from xaso.server.broadcasts.keys import SILENCES
from xaso.server.broadcasts.playout_log import playout_for
from xaso.server.broadcasts.playout_outcome import PRIORITY_TEXT, STATUS_TEXT
from xaso.server.broadcasts.schedule import Targets, clusters_of
from xaso.server.broadcasts.wiring import playout_sources
from xaso.server.keys import CLOCK_MS, INDEX
from xaso.server.web.pages.radio_calendar_layout import (
    SYMBOL,
    Zone,
    day_rows,
    hour_rows,
    local_day_start_ms,
    month_weeks,
    priority_word,
    shown,
    shown_silence,
    silence_line,
    week_days,
)
from xaso.server.web.pages.radio_shared import RadioPlace, radio_place, render_radio
from xaso.server.web.rendering import request_language
from xaso.server.words import period_name, translator

PATH: Final = "/radio/calendar"
VIEWS: Final = ("week", "month", "day")
# The classes of the legend, in TT39's order, then the standing relay.
CLASSES: Final = ("normal", "priority", "emergency", "background")
# The years a calendar may show: those the recurrences expand (server/recurrence.py),
# which a month's grid, a few days beyond, stays within.
YEARS: Final = range(1900, 9000)


def calendar_href(place: RadioPlace, view: str, day: dt.date, zone: str = "") -> str:
    query = {"commune": place.code, "view": view, "date": day.isoformat()}
    if zone:
        query["zone"] = zone
    return f"{PATH}?{urlencode(query)}"


def commune_zones(
    index: InventoryIndex, commune: str, day: dt.date, words: dict[str, str]
) -> list[Zone]:
    """The zone picker's options: the whole commune, each village with clusters, each
    cluster after its village; of what the commune holds on ``day`` (a merger's
    predecessors' villages too)."""
    clusters = clusters_of(commune, Targets(), index, day)
    by_village: dict[str | None, list[str]] = {}
    for cluster in sorted(clusters, key=lambda c: index.devices[c].name):
        by_village.setdefault(index.devices[cluster].village, []).append(cluster)
    zones = [Zone("", words["radio.cal.whole"], None, "commune")]
    for listed in index.held_on(commune, day):
        for village in index.communes[listed].villages:
            members = by_village.pop(village.code, [])
            if not members:
                continue
            zones.append(Zone(village.code, village.name, frozenset(members), "village"))
            zones += [_cluster_zone(index, c) for c in members]
    # Clusters at a key location rather than in a village.
    zones += [_cluster_zone(index, c) for members in by_village.values() for c in members]
    return zones


def _cluster_zone(index: InventoryIndex, cluster: str) -> Zone:
    return Zone(cluster, index.devices[cluster].name, frozenset({cluster}), "cluster")


def _day_zones(zones: list[Zone], chosen: Zone) -> list[Zone]:
    """The rows of the day view: the commune and its villages; a village and its
    clusters; a cluster alone."""
    if chosen.level == "commune":
        return [z for z in zones if z.level in ("commune", "village")] or [chosen]
    if chosen.level == "village":
        assert chosen.clusters is not None
        return [chosen] + [
            z
            for z in zones
            if z.level == "cluster" and z.clusters and z.clusters <= chosen.clusters
        ]
    return [chosen]


def _asked_day(request: web.Request, today: dt.date) -> dt.date:
    asked = request.query.get("date")
    if not asked:
        return today
    try:
        day = dt.date.fromisoformat(asked)
    except ValueError:
        raise web.HTTPBadRequest(text="date: give YYYY-MM-DD") from None
    if day.year not in YEARS:
        raise web.HTTPBadRequest(text=f"date: a year from {YEARS[0]} to {YEARS[-1]}")
    return day


def _period(view: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """The days shown, [first, last): a week from Monday, the month's weeks, a day."""
    if view == "day":
        return day, day + dt.timedelta(days=1)
    if view == "week":
        monday = day - dt.timedelta(days=day.weekday())
        return monday, monday + dt.timedelta(days=7)
    first = day.replace(day=1)
    next_month = (first + dt.timedelta(days=32)).replace(day=1)
    last = next_month - dt.timedelta(days=1)
    start = first - dt.timedelta(days=first.weekday())
    end = last + dt.timedelta(days=7 - last.weekday())
    return start, end


def _step(view: str, day: dt.date, forward: bool) -> dt.date:
    sign = 1 if forward else -1
    if view == "day":
        return day + dt.timedelta(days=sign)
    if view == "week":
        return day + dt.timedelta(days=7 * sign)
    month = day.year * 12 + day.month - 1 + sign
    return dt.date(month // 12, month % 12 + 1, 1)


def _heading(
    view: str, day: dt.date, first: dt.date, last: dt.date, lang: str, words: dict[str, str]
) -> str:
    if view == "month":
        return period_name(f"{day.year}-{day.month:02d}", lang)
    if view == "day":
        weekday = words[f"weekday.{('MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU')[day.weekday()]}"]
        return f"{weekday}, {day.strftime('%d/%m/%Y')}"
    end = last - dt.timedelta(days=1)
    return words["radio.cal.week_of"].format(
        start=first.strftime("%d/%m"), end=end.strftime("%d/%m/%Y")
    )


async def calendar_page(request: web.Request) -> web.Response:
    place = radio_place(request)
    app = request.app
    index = app[INDEX]
    tz = ZoneInfo(index.inventory.timezone)
    lang = request_language(request)
    words = translator(lang)
    now_ms = app[CLOCK_MS]()
    today = index.day_of(now_ms)
    view = request.query.get("view", "week")
    if view not in VIEWS:
        raise web.HTTPBadRequest(text="view: week, month or day")
    day = _asked_day(request, today)
    first, last = _period(view, day)
    from_ms, to_ms = local_day_start_ms(first, tz), local_day_start_ms(last, tz)

    zones = commune_zones(index, place.code, day, words)
    by_code = {z.code: z for z in zones}
    zone = by_code.get(request.query.get("zone", ""))
    if zone is None:
        raise web.HTTPNotFound(text="no such village or cluster in this commune")

    # One reading of the log for the whole page (a StoreUnavailable is a 503 page).
    outcomes = await playout_for(playout_sources(app), [place.code], from_ms, to_ms)
    occurrences: list[CalendarOccurrence] = []
    for occurrence in grouped(outcomes):
        mine = occurrence.within(zone.clusters)
        if mine is not None:
            occurrences.append(mine)
    clashes = collisions(occurrences)
    silences = silences_between(
        app[SILENCES].items.values(), {place.code}, from_ms, to_ms, zone.clusters
    )
    items = [shown(o, clashes.get(o.key, ()), tz, lang, words) for o in occurrences]

    def day_href(d: dt.date) -> str:
        return calendar_href(place, "day", d, zone.code)

    context: dict[str, object] = {}
    if view == "week":
        context["week"] = week_days(
            [first + dt.timedelta(days=n) for n in range(7)],
            items,
            silences,
            today,
            tz,
            words,
            day_href,
        )
        context["hours"] = hour_rows()
    elif view == "month":
        context["month"] = month_weeks(
            first, day.month, items, silences, today, tz, words, day_href
        )
        context["weekday_names"] = [
            words[f"weekday.{d}"] for d in ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
        ]
    else:
        context["rows"] = day_rows(
            _day_zones(zones, zone), occurrences, clashes, silences, day, tz, lang, words
        )
        context["now_x"] = round((now_ms - from_ms) / 60_000) if from_ms <= now_ms < to_ms else None
        context["day_silences"] = [shown_silence(s, from_ms, to_ms, tz, words) for s in silences]
    return render_radio(
        request,
        "radio_calendar.html",
        place,
        PATH,
        view=view,
        views=[(v, calendar_href(place, v, day, zone.code)) for v in VIEWS],
        heading=_heading(view, day, first, last, lang, words),
        previous=calendar_href(place, view, _step(view, day, False), zone.code),
        following=calendar_href(place, view, _step(view, day, True), zone.code),
        today_href=calendar_href(place, view, today, zone.code),
        day=day,
        zone=zone,
        zones=zones,
        items=items,
        silence_lines=[silence_line(s, tz, words) for s in silences],
        legend_classes=[(c, priority_word(c, lang, words)) for c in CLASSES],
        legend_outcomes=[(s, SYMBOL[s], STATUS_TEXT[lang][s]) for s in reversed(WORST_FIRST)],
        priority_text=PRIORITY_TEXT[lang],
        **context,
    )


def setup_routes(app: web.Application) -> None:
    app.router.add_get(PATH, calendar_page)
