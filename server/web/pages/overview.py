"""The overview (``/``): how each commune stands now, the worst first.

Per commune of the asker's scope the devices it holds today counted by status, with the
problems (offline, stopped, pending, unknown) first and the communes with the most of
them on top; a line per province and one for them all; each commune links to its page
(``/communes/{code}``) and each count of problems to the problems page filtered to it.
A line links to the indicators (``/indicators``), naming the period they open on.
Above them the alerts firing (with who acknowledged them) and a banner when the server
has lost its broker. No device list: the devices are on the commune pages and the
problems page. The counts ask for themselves again every ``--page-refresh-s``
(``live.py``). One pass over the fleet, whatever the number of communes.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Final

from aiohttp import web

from xaso.inventory import InventoryIndex
from xaso.server.alerts.wiring import active_alerts
from xaso.server.indicators.reports.text import named_period
from xaso.server.keys import INDEX
from xaso.server.monitoring.keys import STATE
from xaso.server.monitoring.problems import (
    PICTURE_PROBLEM,
    PROBLEM_STATUSES,
    belonging_on,
    picture_problem,
)
from xaso.server.web.auth import PRINCIPAL, today
from xaso.server.web.pages.indicators_shared import last_full_quarter
from xaso.server.web.pages.live import freshness, local_time, wants_fragment, zone
from xaso.server.web.rendering import render, request_language
from xaso.server.web.status_words import playing_source

# The columns, problems first (the order of a problem's importance), then the rest.
# A camera online whose picture is unusable counts as a problem ``picture``, not online.
PROBLEMS: Final = (*(str(s) for s in PROBLEM_STATUSES), PICTURE_PROBLEM)
OTHERS: Final = ("online", "maintenance", "planned")


def _line(code: str, name: str, counts: Counter[str], playing: int) -> dict[str, Any]:
    return {
        "code": code,
        "name": name,
        "counts": counts,
        "total": sum(counts.values()),
        "problems": sum(counts[s] for s in PROBLEMS),
        "playing": playing,
        "word": None,  # a line named in words rather than by its area (all communes)
    }


def _province(index: InventoryIndex, code: str, day: Any) -> str:
    """The commune's top area on ``day`` (its province), "" when it has none."""
    chain = index.ancestors(code, day)
    return chain[-1] if chain else ""


def commune_lines(request: web.Request) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The communes in scope, worst first, and the lines that add them up (each
    province, then all of them when there are several)."""
    index = request.app[INDEX]
    principal = request[PRINCIPAL]
    day = today(request.app)
    belongs = belonging_on(index, day)
    counts: dict[str, Counter[str]] = {}
    playing: Counter[str] = Counter()
    for state in request.app[STATE].devices.values():
        listed = index.listed_commune[state.entry.id]
        if not principal.may_see(listed):
            continue
        code = belongs[listed]
        shown = str(state.status)
        if shown == "online" and state.picture is not None and picture_problem(state):
            shown = PICTURE_PROBLEM
        counts.setdefault(code, Counter())[shown] += 1
        if playing_source(state) is not None:
            playing[code] += 1
    communes = [
        _line(code, commune.name, counts.get(code, Counter()), playing[code])
        for code, commune in index.communes.items()
        if principal.may_see(code) and (code in counts or commune.exists_on(day))
    ]
    communes.sort(
        key=lambda c: (
            -c["problems"],
            -(c["counts"]["offline"] + c["counts"]["stopped"]),
            c["name"],
        )
    )
    by_province: dict[str, list[dict[str, Any]]] = {}
    for commune in communes:
        by_province.setdefault(_province(index, commune["code"], day), []).append(commune)
    totals = [
        _sum(code, index.areas[code].name if code in index.areas else "—", members)
        for code, members in sorted(by_province.items())
    ]
    if len(totals) > 1:
        totals.append({**_sum("", "", communes), "word": "overview.all"})
    return communes, totals


def _sum(code: str, name: str, communes: list[dict[str, Any]]) -> dict[str, Any]:
    counts: Counter[str] = Counter()
    for commune in communes:
        counts.update(commune["counts"])
    return _line(code, name, counts, sum(c["playing"] for c in communes))


def _alerts(request: web.Request) -> list[dict[str, Any]]:
    principal = request[PRINCIPAL]
    tz = zone(request)
    return [
        {
            "commune": a.get("commune_name") or a.get("commune") or "",
            "code": a.get("commune"),
            "summary": a.get("summary") or a.get("rule"),
            "severity": a.get("severity"),
            "since": local_time(int(str(a["started_ms"])), tz) if a.get("started_ms") else "—",
            "devices": len(a.get("devices") or []),  # type: ignore[arg-type]
            "acknowledged_by": a.get("acknowledged_by"),
            "acknowledged_at": local_time(int(str(a["acknowledged_ms"])), tz)
            if a.get("acknowledged_ms")
            else None,
        }
        for a in active_alerts(request.app)
        if a.get("commune") is None or principal.may_see(str(a["commune"]))
    ]


async def overview(request: web.Request) -> web.Response:
    communes, totals = commune_lines(request)
    context = {
        "communes": communes,
        "totals": totals,
        "alerts": _alerts(request),
        "broker_up": request.app[STATE].link_is_up,
        "problem_columns": PROBLEMS,
        "other_columns": OTHERS,
        **freshness(request),
    }
    if wants_fragment(request):
        return render(request, "overview_live.html", **context)
    # The period the indicators open on, named on the link to them.
    quarter = last_full_quarter(request)
    period = named_period(quarter.from_ms, quarter.to_ms, zone(request), request_language(request))
    return render(request, "overview.html", indicators_period=period, **context)


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/", overview)
