"""A commune's report page (``/indicators/commune?commune=&period=``), in the app's
shell: each indicator with its value and unit, its numerator and denominator in words,
its threshold, its verdict in words and mark, how it is computed, and the evidence
behind it — in words, each thing by name and linked to where it shows more (a device's
page, a broadcast's proof of play, a document). A "chưa đạt" links to remediation, an
undeclared indicator to the declarations; the exports (PDF, CSV, printable page) are a
link away.

The report is the API's (``commune_report``, ``report_view``: the same figures, words
and hash as every export). Below it, the sign-off panel: the history of sign-offs, each
against the data now and, when it no longer matches, what changed since; and for a
verifier or an admin, once the period is over, the form that signs off what the page
shows (``indicators_signoff.py``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Final
from zoneinfo import ZoneInfo

from aiohttp import web

from xaso.server.camera_snapshots.report_pictures import report_pictures
from xaso.server.indicators.reports.report import report_view
from xaso.server.indicators.reports.text import format_day
from xaso.server.keys import CLOCK_MS, INDEX
from xaso.server.web.api.indicators import excused_flag
from xaso.server.web.api.reports import commune_report, report_links
from xaso.server.web.pages.indicators_seen import setup as setup_shown
from xaso.server.web.pages.indicators_seen import shown_reports
from xaso.server.web.pages.indicators_shared import (
    IndicatorPlace,
    indicator_place,
    render_indicators,
)
from xaso.server.web.rendering import request_language
from xaso.server.words import translator

TAB: Final = "/indicators/commune"
# A kind of evidence with more items than this is folded, unless its indicator is not met.
FOLDED_OVER: Final = 10
# Evidence that did not count first, then what lacks data, then what counted.
_ORDER: Final = {"no": 0, "": 1, "yes": 2}
# The kinds whose "counted" left empty means "not enough data to decide".
_DECIDED_KINDS: Final = frozenset({"device", "village", "key_location"})


@dataclass
class Signing:
    """What the sign-off panel says after a sign-off was tried from the page."""

    note: str = ""  # the comment typed, kept for the next try
    problems: list[str] = field(default_factory=list)  # in words
    # The data changed meanwhile: what changed (rows of reports/changes.py), or None
    # when what the verifier looked at is no longer kept.
    changed: bool = False
    changes: list[dict[str, str]] | None = None


def wants_excused(request: web.Request) -> bool:
    """``?excused=1``: the report that leaves excused time out; anything but a yes or a
    no is a 400, as in the API."""
    problems: list[str] = []
    excused = excused_flag(request, problems)
    if problems:
        raise web.HTTPBadRequest(text="; ".join(problems))
    return excused


def _evidence_groups(result: dict[str, Any]) -> list[dict[str, Any]]:
    """A result's evidence by kind, in the order the kinds first appear; within a kind
    what did not count first."""
    groups: dict[str, dict[str, Any]] = {}
    for row in result["evidence"]:
        state = row["counted_state"]
        if not state and row["kind_code"] in _DECIDED_KINDS:
            state = "unknown"
        shown = {**row, "state": state}
        group = groups.setdefault(
            row["kind_code"], {"kind": row["kind"], "kind_code": row["kind_code"], "rows": []}
        )
        group["rows"].append(shown)
    for group in groups.values():
        group["rows"].sort(key=lambda r: _ORDER.get(r["counted_state"], 1))
        group["count"] = len(group["rows"])
        group["open"] = group["count"] <= FOLDED_OVER or result["verdict"] == "not_met"
        group["reordered"] = any(r["counted_state"] != "yes" for r in group["rows"]) and any(
            r["counted_state"] == "yes" for r in group["rows"]
        )
    return list(groups.values())


def _export_links(place: IndicatorPlace, excused: bool, words: dict[str, str]) -> list[dict]:
    extra = {"excused": "1"} if excused else {}
    return [
        {"href": f"/indicators/report?{place.query(**extra, format=fmt)}", "text": text}
        for fmt, text in (
            ("pdf", "PDF"),
            ("csv", "CSV"),
            ("html", words["ind.report.printable"]),
        )
    ]


async def show_report(
    request: web.Request,
    place: IndicatorPlace,
    *,
    excused: bool,
    signing: Signing | None = None,
    status: int = 200,
) -> web.Response:
    """The page for ``place``: its report now, and the sign-off panel (``signing``:
    what became of a sign-off just tried)."""
    assert place.commune is not None
    index = request.app[INDEX]
    tz = ZoneInfo(index.inventory.timezone)
    lang = request_language(request)
    words = translator(lang)
    report = await commune_report(request, place.commune, place.period.ref, excused)
    view = report_view(
        report.evaluation,
        report.sha256,
        report.statuses,
        tz=tz,
        lang=lang,
        parent_name=report.parent_name,
        excused=excused,
        **report_links(request),
    )
    view["camera_pictures"] = report_pictures(request.app, report.evaluation, view, tz)
    # Kept by its hash: if the sign-off is refused because the data moved, the page
    # can say what moved since this.
    shown_reports(request.app).remember(report.sha256, report.evaluation)
    results = [{**r, "groups": _evidence_groups(r)} for r in view["results"]]
    now_ms = request.app[CLOCK_MS]()
    after_last = place.period.last_day + dt.timedelta(days=1)
    toggle = {"excused": "0"} if excused else {"excused": "1"}
    response = render_indicators(
        request,
        "indicators_commune.html",
        place,
        TAB,
        report=view,
        results=results,
        not_met=[r for r in results if r["verdict"] == "not_met"],
        exports=_export_links(place, excused, words),
        excused=excused,
        excused_link=f"{TAB}?{place.query(**toggle)}",
        declarations=f"/indicators/declarations?{place.query()}",
        remediation=f"/indicators/remediation?{place.query()}",
        signoff_action=f"{TAB}/signoff?{place.query()}",
        period_over=place.period.ref.to_ms <= now_ms,
        running_text=words["ind.signoff.running"].format(
            period=place.period.name, day=format_day(after_last, lang)
        ),
        history=list(reversed(view["signoffs"])),
        signing=signing or Signing(),
        done=request.query.get("done") == "signed",
    )
    response.set_status(status)
    response.enable_compression()  # a quarter's evidence: a few hundred items
    return response


async def commune_report_page(request: web.Request) -> web.Response:
    place = indicator_place(request, commune_page=True)
    return await show_report(request, place, excused=wants_excused(request))


def setup_routes(app: web.Application) -> None:
    setup_shown(app)
    app.router.add_get(TAB, commune_report_page)
