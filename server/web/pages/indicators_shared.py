"""What every page of the indicators section (chỉ tiêu) shares: the period it shows,
the commune when it shows one, the section's tabs and its period picker.

A verifier works period by period ("Quý 3/2026"), so the period travels with every
link of the section: ``?period=2026-Q3`` (a month, quarter or year, as the API names
it) or ``?from=2026-07-01&to=2026-10-01`` (a custom range of whole local days, the end
excluded, as the API takes it). The picker's own fields (``kind``, ``year``,
``quarter``, ``month``, ``first``, ``last``) are turned into that form by a redirect,
so that a URL one copies names the period the way the API does. Without a period, a
page shows the last full quarter: the period a verifier most often settles.
"""

from __future__ import annotations

import datetime as dt
import urllib.parse
from dataclasses import dataclass
from typing import Final
from zoneinfo import ZoneInfo

import msgspec
from aiohttp import web

from xaso.server.indicators.period import PeriodError, period_from_query
from xaso.server.indicators.reports.overview import PeriodRef
from xaso.server.indicators.reports.period import (
    next_period,
    period_ref,
    previous_periods,
    quarter_of,
)
from xaso.server.indicators.reports.text import named_period
from xaso.server.keys import CLOCK_MS, INDEX
from xaso.server.web.auth import PRINCIPAL
from xaso.server.web.pages.radio_shared import visible_communes
from xaso.server.web.rendering import render, request_language
from xaso.server.web.tokens import Role

# The section's pages, in the order a verifier uses them: (path, word key). A page
# adds its tab here when it exists. The tabs after the first show one commune.
INDICATOR_TABS: Final[tuple[tuple[str, str], ...]] = (
    ("/indicators", "ind.overview.tab"),
    ("/indicators/commune", "ind.report.tab"),
    ("/indicators/declarations", "ind.declarations.tab"),
    ("/indicators/remediation", "ind.remediation.tab"),
    ("/indicators/summary", "ind.summary.tab"),
)

# The picker's fields, turned into ``period`` or ``from``/``to`` by a redirect.
PICKER_FIELDS: Final = frozenset({"kind", "year", "quarter", "month", "first", "last"})
KINDS: Final = ("quarter", "month", "year", "custom")


@dataclass(frozen=True)
class ChosenPeriod:
    """The period a page of the section shows."""

    ref: PeriodRef  # its bounds; ``label`` "2026-Q3", or "" for a custom range
    name: str  # as people name it, in the page's language: "Quý 3/2026"
    query: tuple[tuple[str, str], ...]  # how links name it: (("period", "2026-Q3"),)
    kind: str  # one of KINDS, for the picker
    first_day: dt.date  # the range's first and last local days, for the picker
    last_day: dt.date
    earlier: PeriodRef  # the period of the same kind right before, and right after
    later: PeriodRef


@dataclass(frozen=True)
class IndicatorPlace:
    """The period and, on a commune's pages, the commune shown."""

    period: ChosenPeriod
    commune: str | None
    commune_name: str | None
    # (code, name) of every commune the user sees, by name: the chooser's options.
    communes: tuple[tuple[str, str], ...]
    may_act: bool  # the user may declare and plan remediation for this commune
    may_sign: bool  # the user is a verifier (or admin) and may sign off

    def query(self, **extra: str) -> str:
        """The query that keeps this commune and period, with ``extra`` added."""
        pairs = list(self.period.query)
        if self.commune is not None:
            pairs.insert(0, ("commune", self.commune))
        pairs += list(extra.items())
        return urllib.parse.urlencode(pairs)


def refused(problems: list[str]) -> web.HTTPBadRequest:
    """A 400 naming every problem in the API's shape, which the error page lists
    beneath its words (server/web/error_pages.py)."""
    body = {"error": "invalid request", "problems": problems}
    return web.HTTPBadRequest(
        text=msgspec.json.encode(body).decode(), content_type="application/json"
    )


def _tz(request: web.Request) -> ZoneInfo:
    return ZoneInfo(request.app[INDEX].inventory.timezone)


def last_full_quarter(request: web.Request) -> PeriodRef:
    tz = _tz(request)
    return previous_periods(quarter_of(request.app[CLOCK_MS](), tz), 1, tz)[0]


def _picked_query(query: dict[str, str]) -> dict[str, str]:
    """The picker's fields as ``period`` or ``from``/``to``; 400 naming what is wrong."""
    kind = query.get("kind", "quarter")
    year = query.get("year", "")
    try:
        if kind == "custom":
            first = dt.date.fromisoformat(query.get("first", ""))
            last = dt.date.fromisoformat(query.get("last", ""))
            after = last + dt.timedelta(days=1)
            return {"from": first.isoformat(), "to": after.isoformat()}
        if not (year.isascii() and year.isdigit() and len(year) == 4):
            raise ValueError("year: four digits")
        if kind == "year":
            return {"period": year}
        if kind == "quarter":
            return {"period": f"{year}-Q{int(query.get('quarter', ''))}"}
        if kind == "month":
            return {"period": f"{year}-{int(query.get('month', '')):02d}"}
    except (ValueError, OverflowError) as exc:
        raise refused([f"period: {exc}"]) from None
    raise refused([f"kind: one of {', '.join(KINDS)}"])


def chosen_period(request: web.Request) -> ChosenPeriod:
    """The period asked for (``period`` or ``from``/``to``), else the last full quarter.
    The picker's fields redirect (303) to the same page naming the period; a period
    that cannot be read is a 400 saying why."""
    query = dict(request.query)
    if PICKER_FIELDS & query.keys():
        kept = {k: v for k, v in query.items() if k not in PICKER_FIELDS | {"period", "from", "to"}}
        target = urllib.parse.urlencode({**kept, **_picked_query(query)})
        raise web.HTTPSeeOther(location=f"{request.path}?{target}")
    tz = _tz(request)
    given = {k: v for k, v in query.items() if k in ("period", "from", "to")}
    if given:
        try:
            ref = period_ref(*period_from_query(given, tz), tz)
        except PeriodError as exc:
            raise refused(list(exc.problems)) from None
    else:
        ref = last_full_quarter(request)
    return describe_period(ref, tz, request_language(request))


def describe_period(ref: PeriodRef, tz: ZoneInfo, lang: str) -> ChosenPeriod:
    first = dt.datetime.fromtimestamp(ref.from_ms / 1000, tz).date()
    last = dt.datetime.fromtimestamp((ref.to_ms - 1) / 1000, tz).date()
    if ref.label:
        query: tuple[tuple[str, str], ...] = (("period", ref.label),)
        kind = {4: "year", 7: "quarter" if "Q" in ref.label else "month"}.get(
            len(ref.label), "custom"
        )
    else:
        after = last + dt.timedelta(days=1)
        query = (("from", first.isoformat()), ("to", after.isoformat()))
        kind = "custom"
    return ChosenPeriod(
        ref=ref,
        name=named_period(ref.from_ms, ref.to_ms, tz, lang),
        query=query,
        kind=kind,
        first_day=first,
        last_day=last,
        earlier=previous_periods(ref, 1, tz)[0],
        later=next_period(ref, tz),
    )


def indicator_place(request: web.Request, *, commune_page: bool) -> IndicatorPlace:
    """The period, and on a commune's page (``commune_page``) the commune asked for
    (``?commune=``, else the user's first), 404 when the user may not see it."""
    period = chosen_period(request)
    communes = visible_communes(request)
    principal = request[PRINCIPAL]
    may_sign = principal.role in (Role.ADMIN, Role.VERIFIER)
    if not commune_page:
        return IndicatorPlace(period, None, None, communes, False, may_sign)
    if not communes:
        raise web.HTTPNotFound(text="no commune to show")
    asked = request.query.get("commune") or communes[0][0]
    names = dict(communes)
    if asked not in names:
        raise web.HTTPNotFound(text="no such commune")
    return IndicatorPlace(period, asked, names[asked], communes, principal.may_act(asked), may_sign)


def period_link(request: web.Request, ref: PeriodRef) -> str:
    """This page for another period, keeping the rest of its query."""
    tz = _tz(request)
    kept = {k: v for k, v in request.query.items() if k not in {"period", "from", "to"}}
    named = describe_period(ref, tz, "vi").query
    return f"{request.path}?{urllib.parse.urlencode([*kept.items(), *named])}"


def render_indicators(
    request: web.Request, template: str, place: IndicatorPlace, tab: str, **context: object
) -> web.Response:
    """``render`` with what the section's tabs, period picker and commune chooser need
    (``_indicator_tabs.html``)."""
    return render(
        request,
        template,
        place=place,
        tab=tab,
        indicator_tabs=INDICATOR_TABS,
        picker_kinds=KINDS,
        earlier_link=period_link(request, place.period.earlier),
        later_link=period_link(request, place.period.later),
        page_path=request.path,
        **context,
    )
