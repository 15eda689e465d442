"""The province summary through the API (``GET /api/v1/indicators/summary``) and the
files the summary page offers (docs/reports.md).

Every commune of an area in the caller's scope for one period: the overview's data for
that period (``overview_data``, the very function the overview answers with), each
commune's latest sign-off for it against the data now, and its open and overdue
remediation plans (``remediation_of``). JSON, CSV or PDF.
"""

from __future__ import annotations

import asyncio
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
from aiohttp import web

from xaso.server.indicators.gather.remediation import remediation_counts
from xaso.server.indicators.keys import REMEDIATION, SIGNOFFS
from xaso.server.indicators.reports.overview import PeriodRef
from xaso.server.indicators.reports.pdf_layout import FontMissing
from xaso.server.indicators.reports.summary import (
    RemediationCounts,
    latest_signoffs,
    province_summary,
    render_summary_csv,
    summary_view,
)
from xaso.server.indicators.reports.summary_pdf import render_summary_pdf
from xaso.server.keys import CLOCK_MS, INDEX
from xaso.server.web.api.indicators import excused_flag
from xaso.server.web.api.reports import (
    _attachment,
    _invalid,
    _period_problems,
    overview_data,
    overview_problems,
)
from xaso.server.web.http import json_response
from xaso.server.web.rendering import request_language
from xaso.server.web.views import iso_utc
from xaso.server.words import translator

API_FORMATS = ("json", "csv", "pdf")


def _tz(request: web.Request) -> ZoneInfo:
    return ZoneInfo(request.app[INDEX].inventory.timezone)


def remediation_of(request: web.Request, communes: list[str]) -> dict[str, RemediationCounts]:
    """The summary's two remediation columns: per commune, its plans not done yet (of
    every period: what is still to do, whichever quarter showed it) and those past
    their deadline today."""
    app = request.app
    return remediation_counts(app[REMEDIATION], communes, app[CLOCK_MS]())


async def summary_of(
    request: web.Request, area: str | None, period: PeriodRef, excused: bool
) -> dict[str, Any]:
    """The summary's data (``province_summary``) for the communes of the user's scope
    under ``area``."""
    data = await overview_data(request, period, area=area, excused=excused)
    found = request.app[SIGNOFFS].find(None, period.from_ms, period.to_ms)
    communes = [row["commune"] for row in data["communes"]]
    return province_summary(
        data, latest_signoffs(found, excused), remediation_of(request, communes)
    )


def parent_names(request: web.Request) -> dict[str, str]:
    return {code: area.name for code, area in request.app[INDEX].areas.items()}


def view_of(request: web.Request, summary: dict[str, Any]) -> dict[str, Any]:
    """The summary in the words of the request's language."""
    lang = request_language(request)
    area = summary["area"]
    return summary_view(
        summary,
        tz=_tz(request),
        lang=lang,
        area_name=area["name"] if area else translator(lang)["all_areas"],
        parent_names=parent_names(request),
        made_ms=request.app[CLOCK_MS](),
    )


def _file_name(summary: dict[str, Any], extension: str) -> str:
    period = summary["period"]
    label = period["period"] or f"{period['from'][:10]}_{period['to'][:10]}"
    area = summary["area"]["code"] if summary["area"] else "tat-ca"
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in f"{area}_{label}")
    return f"tong-hop-chi-tieu_{safe}.{extension}"


async def summary_file(request: web.Request, summary: dict[str, Any], fmt: str) -> web.Response:
    """The summary as a CSV (``fmt`` "csv") or PDF file to download."""
    lang = request_language(request)
    name = _file_name(summary, fmt)
    headers = {"Content-Disposition": _attachment(name)}
    if fmt == "csv":
        body = render_summary_csv(
            summary, tz=_tz(request), lang=lang, parent_names=parent_names(request)
        )
        return web.Response(body=body, content_type="text/csv", charset="utf-8", headers=headers)
    view = view_of(request, summary)
    made_ms = request.app[CLOCK_MS]()
    try:
        # fpdf2 lays out a province's table for a while: off the loop.
        pdf = await asyncio.to_thread(render_summary_pdf, view, made_ms)
    except FontMissing as exc:
        raise web.HTTPServiceUnavailable(
            text=msgspec.json.encode({"error": str(exc)}).decode(),
            content_type="application/json",
        ) from None
    return web.Response(body=pdf, content_type="application/pdf", headers=headers)


def _json(summary: dict[str, Any]) -> dict[str, Any]:
    """ISO times beside the milliseconds, as the API's other answers give them."""
    for commune in summary["communes"]:
        commune["signoff"]["signed"] = iso_utc(commune["signoff"]["signed_ms"])
    return summary


async def summary_api(request: web.Request) -> web.Response:
    """``?period=`` (or ``from``/``to``) ``&area=&excused=&format=json|csv|pdf&lang=``."""
    query = request.query
    area = query.get("area") or None
    problems = overview_problems(request, area, 0)
    period, period_problems = _period_problems(request, query)
    problems += period_problems
    fmt = query.get("format", "json")
    if fmt not in API_FORMATS:
        problems.append(f"format: one of {', '.join(API_FORMATS)}")
    excused = excused_flag(request, problems)
    if problems or period is None:
        raise _invalid("invalid summary request", problems)
    summary = await summary_of(request, area, period, excused)
    if fmt == "json":
        return json_response(_json(summary))
    return await summary_file(request, summary, fmt)


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/api/v1/indicators/summary", summary_api)
