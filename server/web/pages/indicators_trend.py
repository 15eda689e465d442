"""The indicators' trend (``/indicators/trend?period=&periods=4&area=`` with
``indicator=`` or ``commune=``, under the tab "Tổng quan"): how the verdicts moved over
the last periods up to the one chosen, reached from the overview by a click on an
indicator, a commune or "Xu hướng".

Three views of the same figures, the API's own (``overview_data`` with its ``trend``):
every indicator, each a chart of the communes by verdict per period; one indicator, its
chart and each commune's verdicts period by period; one commune, a chart of its
indicators by verdict per period and each indicator's verdicts. The charts are SVG
drawn on the server (``indicators_chart.py``), each with a legend and its figures in
words.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final
from zoneinfo import ZoneInfo

from aiohttp import web

from xaso.server.indicators.reports.overview import MAX_TREND, PeriodRef
from xaso.server.indicators.reports.text import named_period
from xaso.server.keys import INDEX
from xaso.server.web.api.reports import overview_data, overview_problems
from xaso.server.web.pages.indicators_chart import Chart, stacked_chart
from xaso.server.web.pages.indicators_overview_view import (
    COMMUNE_PAGE,
    SYMBOLS,
    TO_LOOK_AT,
    TREND_PAGE,
    VERDICTS,
    Cell,
    IndicatorHead,
    commune_verdicts,
    indicator_heads,
    indicator_verdicts,
    page_link,
    verdict_cell,
)
from xaso.server.web.pages.indicators_shared import (
    describe_period,
    indicator_place,
    refused,
    render_indicators,
)
from xaso.server.web.rendering import request_language
from xaso.server.words import translator

TAB: Final = "/indicators"  # the overview's tab: the trend is one of its views
PERIOD_CHOICES: Final = (4, 6, 8, 12)
DEFAULT_PERIODS: Final = 4  # a year of quarters
MAX_PERIODS: Final = MAX_TREND + 1


@dataclass(frozen=True)
class Column:
    name: str  # "Quý 3/2026"
    query: tuple[tuple[str, str], ...]  # how links name it


@dataclass(frozen=True)
class TrendRow:
    """A line of a view's table: an indicator or a commune, period by period."""

    label: str
    detail: str  # small print under it: the full name, the area
    link: str
    cells: tuple[Cell | None, ...]  # None: not listed in that period


@dataclass(frozen=True)
class TrendChart:
    title: str
    chart: Chart
    link: str | None  # the view of this chart alone
    figures: tuple[tuple[str, tuple[str, ...]], ...]  # per verdict: its counts in words


def _number_of_periods(request: web.Request) -> tuple[int, list[str]]:
    text = request.query.get("periods", str(DEFAULT_PERIODS))
    count = int(text) if text.isascii() and text.isdigit() else -1
    if not 2 <= count <= MAX_PERIODS:
        return DEFAULT_PERIODS, [f"periods: a number of periods, 2 to {MAX_PERIODS}"]
    return count, []


def _columns(data: Mapping[str, Any], tz: ZoneInfo, lang: str) -> list[Column]:
    columns = []
    for p in data["periods"]:
        ref = PeriodRef(p["period"], p["from_ms"], p["to_ms"])
        name = named_period(ref.from_ms, ref.to_ms, tz, lang)
        columns.append(Column(name, describe_period(ref, tz, lang).query))
    return columns


def _figures(counts: Sequence[Any]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The chart's numbers as its table shows them: per verdict, a count per period."""
    return tuple(
        (
            verdict,
            tuple("—" if found is None else str(found[verdict]) for found in counts),
        )
        for verdict in VERDICTS
    )


def _chart(
    title: str,
    columns: Sequence[Column],
    counts: Sequence[Any],
    links: Sequence[str | None],
    link: str | None,
    w: dict[str, str],
) -> TrendChart:
    return TrendChart(
        title=title,
        chart=stacked_chart([c.name for c in columns], counts, links, title, w),
        link=link,
        figures=_figures(counts),
    )


def _cells(
    cell: Mapping[str, Any] | None,
    listed: Sequence[bool],
    columns: Sequence[Column],
    commune: str,
    indicator: str,
    w: dict[str, str],
    lang: str,
) -> tuple[Cell | None, ...]:
    found: list[Cell | None] = []
    for position, column in enumerate(columns):
        if not listed[position]:
            found.append(None)
            continue
        verdict, symbol, word, value = verdict_cell(cell, position, w, lang)
        link = (
            f"{page_link(COMMUNE_PAGE, column.query, commune=commune)}#{indicator}"
            if verdict in TO_LOOK_AT
            else None
        )
        found.append(Cell(verdict, symbol, word, value, link))
    return tuple(found)


def _commune_view(
    row: Mapping[str, Any],
    heads: Sequence[IndicatorHead],
    columns: Sequence[Column],
    w: dict[str, str],
    lang: str,
) -> tuple[list[TrendChart], list[TrendRow]]:
    code = row["commune"]
    listed = [sha is not None for sha in row["sha256"]]
    links = [
        page_link(COMMUNE_PAGE, c.query, commune=code) if listed[i] else None
        for i, c in enumerate(columns)
    ]
    title = w["ind.trend.heading_commune"].format(
        commune=row["name"], first=columns[0].name, last=columns[-1].name
    )
    chart = _chart(title, columns, commune_verdicts(row, len(columns)), links, None, w)
    rows = [
        TrendRow(
            label=f"{head.id} · {head.short}",
            detail=head.name,
            link=page_link(TREND_PAGE, columns[-1].query, indicator=head.id),
            cells=_cells(row["indicators"].get(head.id), listed, columns, code, head.id, w, lang),
        )
        for head in heads
        if head.id in row["indicators"]
    ]
    return [chart], rows


def _indicator_view(
    data: Mapping[str, Any],
    head: IndicatorHead,
    columns: Sequence[Column],
    kept: Mapping[str, str],
    area_names: Mapping[str, str],
    w: dict[str, str],
    lang: str,
) -> tuple[list[TrendChart], list[TrendRow]]:
    title = w["ind.trend.heading_indicator"].format(
        indicator=f"{head.id} {head.name}", first=columns[0].name, last=columns[-1].name
    )
    links = [page_link(TAB, c.query, **kept) for c in columns]
    chart = _chart(title, columns, indicator_verdicts(data, head.id), links, None, w)
    rows = [
        TrendRow(
            label=row["name"],
            detail=area_names.get(row["parent"] or "", ""),
            link=page_link(TREND_PAGE, columns[-1].query, commune=row["commune"]),
            cells=_cells(
                row["indicators"].get(head.id),
                [sha is not None for sha in row["sha256"]],
                columns,
                row["commune"],
                head.id,
                w,
                lang,
            ),
        )
        for row in data["communes"]
    ]
    return [chart], rows


def _every_indicator(
    data: Mapping[str, Any],
    heads: Sequence[IndicatorHead],
    columns: Sequence[Column],
    kept: Mapping[str, str],
    periods: int,
    w: dict[str, str],
) -> list[TrendChart]:
    links = [page_link(TAB, c.query, **kept) for c in columns]
    return [
        _chart(
            f"{head.id} · {head.short}",
            columns,
            indicator_verdicts(data, head.id),
            links,
            page_link(
                TREND_PAGE, columns[-1].query, indicator=head.id, periods=str(periods), **kept
            ),
            w,
        )
        for head in heads
    ]


async def trend_page(request: web.Request) -> web.Response:
    place = indicator_place(request, commune_page=False)
    query = request.query
    indicator = query.get("indicator") or None
    commune = query.get("commune") or None
    # A commune's trend is the commune's, whatever the area.
    area = None if commune else query.get("area") or None
    periods, problems = _number_of_periods(request)
    problems += overview_problems(request, area, 0)
    if indicator and commune:
        problems.append("indicator or commune: one of them, not both")
    if problems:
        raise refused(problems)
    commune_names = dict(place.communes)
    if commune is not None and commune not in commune_names:
        raise web.HTTPNotFound(text="no such commune")
    index = request.app[INDEX]
    tz = ZoneInfo(index.inventory.timezone)
    lang = request_language(request)
    w = translator(lang)
    data = await overview_data(
        request, place.period.ref, area=area, trend=periods - 1, commune=commune
    )
    heads = indicator_heads(data["indicators"], w, lang)
    columns = _columns(data, tz, lang)
    area_names = {code: a.name for code, a in index.areas.items()}
    kept = {"area": area} if area else {}
    charts: list[TrendChart]
    rows: list[TrendRow] = []
    chosen: IndicatorHead | None = None
    if commune is not None:
        found = [row for row in data["communes"] if row["commune"] == commune]
        charts, rows = _commune_view(found[0], heads, columns, w, lang) if found else ([], [])
        heading = commune_names[commune]
        view = {"commune": commune}
    elif indicator is not None:
        chosen = next((h for h in heads if h.id == indicator), None)
        if chosen is None:
            raise web.HTTPNotFound(text="no such indicator in the period")
        charts, rows = _indicator_view(data, chosen, columns, kept, area_names, w, lang)
        heading = f"{chosen.id} · {chosen.name}"
        view = {"indicator": indicator, **kept}
    else:
        charts = _every_indicator(data, heads, columns, kept, periods, w)
        heading = area_names.get(area, area) if area else w["ind.overview.all_areas"]
        view = dict(kept)
    period_query = place.period.query
    return render_indicators(
        request,
        "indicators_trend.html",
        place,
        TAB,
        heading=heading,
        subtitle=w["ind.trend.heading_all"].format(first=columns[0].name, last=columns[-1].name)
        if commune is None and indicator is None
        else "",
        charts=charts,
        rows=rows,
        columns=columns,
        heads=heads,
        chosen=chosen,
        commune=commune,
        periods=periods,
        verdicts=VERDICTS,
        symbols=SYMBOLS,
        picker_keep=tuple({**view, "periods": str(periods)}.items()),
        back=page_link(TAB, period_query, **kept),
        every_indicator=page_link(TREND_PAGE, period_query, periods=str(periods), **kept),
        indicator_links={
            h.id: page_link(TREND_PAGE, period_query, indicator=h.id, periods=str(periods), **kept)
            for h in heads
        },
        period_links=[
            (n, n == periods, page_link(TREND_PAGE, period_query, **view, periods=str(n)))
            for n in PERIOD_CHOICES
        ],
        commune_choice_keep=(("periods", str(periods)), *period_query),
    )


def setup_routes(app: web.Application) -> None:
    app.router.add_get(TREND_PAGE, trend_page)
