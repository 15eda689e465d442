"""The province summary page (``/indicators/summary``, tab "Tổng hợp"): every commune
of an area in the user's scope for one period, the verdict of each indicator, the
counts, the sign-off status, and the area's totals; with the PDF to print and the CSV.

The numbers are the API's own: the same ``summary_of`` answers ``GET
/api/v1/indicators/summary`` (server/web/api/summary.py), and ``?format=pdf|csv`` gives
the very files the API gives. On a phone each commune is a block of labelled verdicts
rather than a table wider than the screen.
"""

from __future__ import annotations

import urllib.parse
from zoneinfo import ZoneInfo

from aiohttp import web

from xaso.server.indicators.reports.overview import communes_under
from xaso.server.keys import INDEX
from xaso.server.web.api.indicators import excused_flag
from xaso.server.web.api.reports import overview_problems
from xaso.server.web.api.summary import summary_file, summary_of, view_of
from xaso.server.web.pages.indicators_shared import (
    IndicatorPlace,
    indicator_place,
    refused,
    render_indicators,
)

TAB = "/indicators/summary"
PAGE_FORMATS = ("html", "pdf", "csv")


def _area_options(
    request: web.Request, place: IndicatorPlace, chosen: str | None
) -> list[tuple[str, str]]:
    """(code, name) of the areas that had a commune of the user's during the period,
    and the one chosen, in inventory order: the provinces, and the districts while
    there were any."""
    index = request.app[INDEX]
    tz = ZoneInfo(index.inventory.timezone)
    ref = place.period.ref
    mine = {code for code, _ in place.communes}
    return [
        (code, area.name)
        for code, area in index.areas.items()
        if code == chosen
        or mine.intersection(communes_under(index, code, ref.from_ms, ref.to_ms, tz))
    ]


async def summary_page(request: web.Request) -> web.StreamResponse:
    """``?period=`` (or ``from``/``to``; the last full quarter by default) ``&area=
    &format=html|pdf|csv``."""
    place = indicator_place(request, commune_page=False)
    area = request.query.get("area") or None
    problems = overview_problems(request, area, 0)
    fmt = request.query.get("format", "html")
    if fmt not in PAGE_FORMATS:
        problems.append(f"format: one of {', '.join(PAGE_FORMATS)}")
    excused = excused_flag(request, problems)
    if problems:
        raise refused(problems)
    summary = await summary_of(request, area, place.period.ref, excused)
    if fmt != "html":
        return await summary_file(request, summary, fmt)
    kept = [("area", area)] if area else []
    if excused:
        kept.append(("excused", "1"))

    def here(**extra: str) -> str:
        return f"{TAB}?{urllib.parse.urlencode([*kept, *place.period.query, *extra.items()])}"

    period = urllib.parse.urlencode(place.period.query)
    return render_indicators(
        request,
        "indicators_summary.html",
        place,
        TAB,
        view=view_of(request, summary),
        area=area,
        areas=_area_options(request, place, area),
        # The period picker keeps the area chosen.
        picker_keep=kept,
        pdf_href=here(format="pdf"),
        csv_href=here(format="csv"),
        reports={
            row["commune"]: f"/indicators/commune?commune={row['commune']}&{period}"
            for row in summary["communes"]
        },
    )


def setup_routes(app: web.Application) -> None:
    app.router.add_get(TAB, summary_page)
