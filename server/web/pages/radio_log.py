"""The playout log pages (``/radio/log``, nhật ký phát thanh): a commune's log over a
period, by zone, filtered by outcome, of one schedule or of all; the live announcements
officers enter by hand; the CSV file and a printable page a commune can file.

The numbers are the API's own: the lines come from ``logged_outcomes`` and the counts
from ``summary`` (server/web/api/playout.py, server/broadcasts/playout_log.py), the CSV
link is the API's ``GET /api/v1/playout?format=csv`` with the same filters, and an entry
is checked, stored and deleted by the functions ``POST``/``DELETE
/api/v1/playout/manual`` call, so that the form refuses exactly what the API refuses.

The screen groups the lines by occurrence, its clusters folded beneath it (unfolded
when one of them has a problem), 50 occurrences a page: a commune's month is a few
hundred occurrences but thousands of lines, and the officer looks for the bulletin,
then for where it did not play. The printable page lists every line, as the CSV does.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from multidict import MultiDictProxy

from xaso.server.broadcasts.keys import SCHEDULES
from xaso.server.broadcasts.playout_log import summary
from xaso.server.broadcasts.playout_outcome import STATUS_TEXT, PlayoutOutcome
from xaso.server.keys import CLOCK_MS, INDEX
from xaso.server.web.api.playout import logged_outcomes, record_manual_entry, remove_manual_entry
from xaso.server.web.auth import PRINCIPAL
from xaso.server.web.pages.maintenance_form import api_problems
from xaso.server.web.pages.radio_log_view import (
    MAX_PRINTED_LINES,
    PAGE_SIZE,
    STATUSES,
    LogQuery,
    entry_problem_text,
    line_view,
    log_query,
    month_of,
    occurrences_of,
    status_counts,
    zone_options,
)
from xaso.server.web.pages.radio_shared import RadioPlace, radio_place, render_radio, require_act
from xaso.server.web.rendering import request_language
from xaso.server.web.templating import ENVIRONMENT
from xaso.server.words import translator

TAB = "/radio/log"
_DONE = ("added", "deleted")


def _zone(request: web.Request) -> ZoneInfo:
    return ZoneInfo(request.app[INDEX].inventory.timezone)


def _today(request: web.Request) -> dt.date:
    return request.app[INDEX].day_of(request.app[CLOCK_MS]())


def _question(request: web.Request, place: RadioPlace) -> tuple[LogQuery, dict[str, Any]]:
    """The query asked for, and the zones the commune offers; a zone that is not the
    commune's is a problem, and the whole commune is shown."""
    query = log_query(request.query, request.query.getall("status", []), _today(request))
    zones = zone_options(request.app[INDEX], place.code, _today(request))
    known = {option.value for options in zones.values() for option in options}
    if query.zone is not None and query.zone_value not in known:
        query = dataclasses.replace(
            query, zone=None, problems=(*query.problems, "log.problem.zone")
        )
    return query, zones


def _titles(request: web.Request) -> dict[str, str]:
    """Schedule ids to titles: what pre-empted a line, in words."""
    return {item_id: s.title for item_id, s in request.app[SCHEDULES].items.items()}


def _schedule_title(request: web.Request, query: LogQuery, lines: Sequence[PlayoutOutcome]) -> str:
    """The title of the schedule the log is narrowed to: as it last was (deleted too),
    when the user may see its commune; else as its lines say; else its id."""
    if query.schedule is None:
        return ""
    versions = request.app[SCHEDULES].versions(query.schedule)
    last = next((v.schedule for v in reversed(versions) if v.schedule is not None), None)
    if last is not None and request[PRINCIPAL].may_see(last.commune):
        return last.title
    return lines[0].title if lines else query.schedule


async def _log(request: web.Request, place: RadioPlace, query: LogQuery) -> dict[str, Any]:
    """The counts over every status and the lines of those asked for (of the schedule
    asked for, if any: its counts too)."""
    from_ms, to_ms = query.span_ms(_zone(request))
    # A store that cannot be read is a 503 page (server/web/store_errors.py).
    everything = await logged_outcomes(
        request.app, [place.code], from_ms, to_ms, query.zone, schedule=query.schedule
    )
    shown = [o for o in everything if not query.statuses or o.status in query.statuses]
    return {
        "summary": summary(everything),
        "total": len(everything),
        "shown": shown,
        "schedule_title": _schedule_title(request, query, everything),
    }


async def log_page(
    request: web.Request,
    *,
    place: RadioPlace | None = None,
    form: dict[str, Any] | None = None,
    problems: list[str] | None = None,
    status: int = 200,
) -> web.Response:
    place = place or radio_place(request)
    lang = request_language(request)
    words = translator(lang)
    tz = _zone(request)
    query, zones = _question(request, place)
    found = await _log(request, place, query)
    occurrences = occurrences_of(
        found["shown"], place.code, request.app[INDEX], tz, lang, words, _titles(request)
    )
    pages = max(1, -(-len(occurrences) // PAGE_SIZE))
    page = min(query.page, pages)
    today = _today(request)
    this_month, last_month = month_of(today), month_of(today.replace(day=1) - dt.timedelta(days=1))
    done = request.query.get("done", "")
    now = dt.datetime.fromtimestamp(request.app[CLOCK_MS]() / 1000, tz).strftime("%Y-%m-%dT%H:%M")
    response = render_radio(
        request,
        "radio_log.html",
        place,
        TAB,
        query=query,
        zones=zones,
        statuses=[(s, STATUS_TEXT[lang][s]) for s in STATUSES],
        counts=status_counts(found["summary"]["by_status"], lang),
        total=found["total"],
        shown=len(found["shown"]),
        occurrences=occurrences[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
        occurrence_count=len(occurrences),
        page=page,
        pages=pages,
        period=_period_text(query, words),
        periods=[
            ("log.this_month", this_month, query.href(TAB, place.code, **_days(this_month))),
            ("log.last_month", last_month, query.href(TAB, place.code, **_days(last_month))),
        ],
        schedule_title=found["schedule_title"],
        all_schedules_href=query.href(TAB, place.code, schedule="", page=""),
        csv_href=query.api_href(place.code, lang),
        print_href=query.href("/radio/log/print", place.code),
        page_href=lambda n: query.href(TAB, place.code, page=n),
        status_href=lambda s: query.href(TAB, place.code, status=[s] if s else []),
        back=query.href(TAB, place.code, page=page),
        form=form or _blank_form(now),
        problems=problems or [],
        query_problems=[words[p] for p in query.problems],
        done=f"log.done.{done}" if done in _DONE else "",
    )
    response.set_status(status)
    return response


def _blank_form(now: str) -> dict[str, Any]:
    """The entry form as first shown: now, in the whole commune."""
    fields = {"title": "", "start": now, "end": now, "note": "", "where": "commune"}
    return {**fields, "zones": [], "clusters": []}


def _days(month: tuple[dt.date, dt.date]) -> dict[str, object]:
    return {"from": month[0].isoformat(), "to": month[1].isoformat(), "page": ""}


def _period_text(query: LogQuery, words: dict[str, str]) -> str:
    first, last = query.first.strftime("%d/%m/%Y"), query.last.strftime("%d/%m/%Y")
    return words["log.period_days"].format(first=first, last=last)


async def show_log(request: web.Request) -> web.Response:
    return await log_page(request)


def _entry_body(place: RadioPlace, data: MultiDictProxy[Any]) -> tuple[dict[str, Any], dict]:
    """The API's JSON body from the form, and the form's values to show it again."""

    def text(name: str) -> str:
        return str(data.get(name, "")).strip()

    form = {
        "title": text("title"),
        "start": text("start"),
        "end": text("end"),
        "note": text("note"),
        "where": "some" if text("where") == "some" else "commune",
        "zones": [str(v) for v in data.getall("zones", [])],
        "clusters": [str(v) for v in data.getall("clusters", [])],
    }
    some = form["where"] == "some"
    body = {
        "commune": place.code,
        "title": form["title"],
        "start": form["start"],
        "end": form["end"],
        "note": form["note"],
        "zones": form["zones"] if some else [],
        "clusters": form["clusters"] if some else [],
    }
    return body, form


async def add_entry(request: web.Request) -> web.Response:
    """The entry form: the API's checks (``record_manual_entry``), its problems in words."""
    data = await request.post()
    place = radio_place(request, str(data.get("commune", "")) or None)
    require_act(request, place)
    body, form = _entry_body(place, data)
    words = translator(request_language(request))
    if form["where"] == "some" and not (form["zones"] or form["clusters"]):
        return await log_page(
            request, place=place, form=form, problems=[words["log.problem.pick_zone"]], status=400
        )
    try:
        entry = record_manual_entry(request, body)
    except web.HTTPBadRequest as exc:
        problems = [entry_problem_text(p, words) for p in api_problems(exc)]
        return await log_page(request, place=place, form=form, problems=problems, status=400)
    month = month_of(request.app[INDEX].day_of(entry.start_ms))
    query = LogQuery(month[0], month[1])
    target = query.href(TAB, place.code, done="added")
    raise web.HTTPSeeOther(location=f"{target}#o-manual-{entry.id}-{entry.start_ms}")


async def delete_entry(request: web.Request) -> web.Response:
    """An entry made by mistake, with the API's rules (``remove_manual_entry``); back to
    the log as it was shown."""
    data = await request.post()
    entry = remove_manual_entry(request, request.match_info["entry_id"])
    back = str(data.get("back", ""))
    if not back.startswith(f"{TAB}?"):  # only ever back to this page
        back = f"{TAB}?commune={entry.commune}"
    raise web.HTTPSeeOther(location=f"{back}&done=deleted")


async def print_log(request: web.Request) -> web.Response:
    """The log to print and file: its own page, without the menu (and without the
    session's CSRF token: it has no form)."""
    place = radio_place(request)
    # A document the commune files is in Vietnamese, whatever the screen's language;
    # ?lang=en asks for English.
    lang = "en" if request.query.get("lang") == "en" else "vi"
    words = translator(lang)
    tz = _zone(request)
    query, zones = _question(request, place)
    found = await _log(request, place, query)
    titles = _titles(request)
    index = request.app[INDEX]
    lines = [
        line_view(o, index, tz, lang, words, titles) for o in found["shown"][:MAX_PRINTED_LINES]
    ]
    zone_text = words["log.zone_all"]
    for option in zones.get(query.zone[0], []) if query.zone else []:
        if option.value == query.zone_value:
            zone_text = option.label
    printed = dt.datetime.fromtimestamp(request.app[CLOCK_MS]() / 1000, tz)
    html = ENVIRONMENT.get_template("radio_log_print.html").render(
        t=words,
        lang=lang,
        place=place,
        query=query,
        period=_period_text(query, words),
        zone_text=zone_text,
        status_text=", ".join(STATUS_TEXT[lang][s] for s in STATUSES if s in query.statuses),
        schedule_title=found["schedule_title"],
        printed=printed.strftime("%d/%m/%Y %H:%M"),
        sign_date=words["log.sign_date"].format(
            place=place.name,
            day=f"{printed.day:02}",
            month=f"{printed.month:02}",
            year=printed.year,
        ),
        counts=status_counts(found["summary"]["by_status"], lang),
        total=found["total"],
        lines=lines,
        shown=len(found["shown"]),
        cut=len(found["shown"]) > MAX_PRINTED_LINES,
        back=query.href(TAB, place.code),
    )
    return web.Response(text=html, content_type="text/html")


def setup_routes(app: web.Application) -> None:
    app.router.add_get(TAB, show_log)
    app.router.add_get("/radio/log/print", print_log)
    app.router.add_post("/radio/log/manual", add_entry)
    app.router.add_post("/radio/log/manual/{entry_id}/delete", delete_entry)
