"""The indicators overview (``/indicators?period=&area=``, tab "Tổng quan"): every
commune in scope × every indicator for one period, as a verifier of the province
reads it.

The figures are the API's own (``overview_data``, what ``GET /api/v1/indicators/overview``
answers): the cells are its verdicts and values, the counts under each column its
``summary``. The grid fits a desktop's screen (short names on the headers, the full
names in the table of indicators below it), its header row and commune column stay
while it scrolls in its box; on a phone each commune is a list of its indicators.
A commune links to its report page, a cell that needs a look to the indicator in it,
an indicator and a commune to their trend (``indicators_trend.py``).
"""

from __future__ import annotations

from typing import Final
from zoneinfo import ZoneInfo

from aiohttp import web

from xaso.inventory import InventoryIndex
from xaso.server.indicators.reports.overview import communes_under
from xaso.server.keys import INDEX
from xaso.server.web.api.reports import overview_data, overview_problems
from xaso.server.web.pages.indicators_overview_view import (
    SYMBOLS,
    TREND_PAGE,
    VERDICTS,
    commune_rows,
    indicator_counts,
    indicator_heads,
    page_link,
    states_counted,
)
from xaso.server.web.pages.indicators_shared import (
    IndicatorPlace,
    indicator_place,
    refused,
    render_indicators,
)
from xaso.server.web.rendering import request_language
from xaso.server.words import translator

TAB: Final = "/indicators"


def area_options(
    index: InventoryIndex, place: IndicatorPlace, tz: ZoneInfo
) -> list[tuple[str, str]]:
    """(code, name) of the areas holding at least one of the user's communes in the
    period, the top level first: a district that ended is offered for its periods."""
    visible = {code for code, _ in place.communes}
    ref = place.period.ref
    levels = index.inventory.levels
    found = [
        area
        for code, area in index.areas.items()
        if visible & set(communes_under(index, code, ref.from_ms, ref.to_ms, tz))
    ]
    found.sort(key=lambda a: (levels.index(a.level) if a.level in levels else len(levels), a.name))
    return [(area.code, area.name) for area in found]


def chosen_area(request: web.Request) -> str | None:
    """``?area=``, a 400 saying why when the inventory has no such area."""
    area = request.query.get("area") or None
    problems = overview_problems(request, area, 0)
    if problems:
        raise refused(problems)
    return area


async def overview_page(request: web.Request) -> web.Response:
    place = indicator_place(request, commune_page=False)
    area = chosen_area(request)
    index = request.app[INDEX]
    tz = ZoneInfo(index.inventory.timezone)
    lang = request_language(request)
    w = translator(lang)
    data = await overview_data(request, place.period.ref, area=area)
    heads = indicator_heads(data["indicators"], w, lang)
    period_query = place.period.query
    area_names = {code: a.name for code, a in index.areas.items()}
    rows = commune_rows(data, 0, heads, period_query, area_names, w, lang)
    states = states_counted(rows)
    kept = {"area": area} if area else {}  # the page's own filter, in its links
    return render_indicators(
        request,
        "indicators_overview.html",
        place,
        TAB,
        heads=heads,
        rows=rows,
        counts=indicator_counts(data["summary"][0], heads),
        summary=w["ind.overview.summary"].format(
            communes=len(rows),
            all_met=states["all_met"],
            not_met=states["not_met"],
            insufficient=states["insufficient"],
        ),
        verdicts=VERDICTS,
        symbols=SYMBOLS,
        area=area,
        area_name=area_names.get(area or ""),
        areas=area_options(index, place, tz),
        picker_keep=tuple(kept.items()),
        trend_link=page_link(TREND_PAGE, period_query, **kept),
        indicator_trend={
            h.id: page_link(TREND_PAGE, period_query, indicator=h.id, **kept) for h in heads
        },
    )


def setup_routes(app: web.Application) -> None:
    app.router.add_get(TAB, overview_page)
