"""The problems page: everything wrong now, for the people who put it right.

Offline, pending and unknown devices and stopped gateways in the asker's communes (a
gateway that is down leads the devices it hides, "behind a gateway that is down"), the
most important and the oldest first (``server/monitoring/problems.py``); filters by
commune, kind, status, cause and acknowledgement and a search by name or id, as a GET
form that works without JavaScript and, with htmx, swaps only the list. Each row says
since when (dd/mm/yyyy HH:MM and for how long), why in words, and who acknowledged it.

Acknowledging (an operator in its communes, an admin anywhere) posts a form: without
JavaScript the answer is a redirect back to the list, with htmx the list itself. The list
asks for itself again every ``--page-refresh-s`` (``live.py``).
"""

from __future__ import annotations

from typing import Any, Final
from urllib.parse import urlencode

from aiohttp import web

from xaso.inventory import DEVICE_KINDS
from xaso.server.keys import CLOCK_MS, INDEX
from xaso.server.monitoring.keys import STATE
from xaso.server.monitoring.problems import (
    FILTER_STATUSES,
    PICTURE_PROBLEM,
    Problem,
    ProblemFilter,
    ProblemGroup,
    narrowed,
)
from xaso.server.web.api.problems import (
    FILTER_PARAMS,
    acknowledge_problem,
    problem_filter,
    visible_problems,
    withdraw_acknowledgement,
)
from xaso.server.web.auth import PRINCIPAL, today
from xaso.server.web.pages.live import freshness, local_time, wants_fragment, zone
from xaso.server.web.rendering import render, request_language
from xaso.server.words import CauseText, cause_text, duration, translator

# Lines of the list a page shows; past that, it asks to narrow the filters.
MAX_SHOWN: Final = 200
FILTER_FORM: Final = "problem-filters"  # the form's id, which htmx names as its trigger


def _filters_query(request: web.Request) -> str:
    """The filters of this request as a query string, for the links and forms that
    must keep them."""
    return urlencode([(k, request.query[k]) for k in FILTER_PARAMS if request.query.get(k)])


def _results(
    request: web.Request, groups: list[ProblemGroup], wanted: ProblemFilter
) -> dict[str, Any]:
    """What the list shows: its lines with their words, counts and freshness."""
    index = request.app[INDEX]
    principal = request[PRINCIPAL]
    lang = request_language(request)
    words = translator(lang)
    tz = zone(request)
    now_s = request.app[CLOCK_MS]() / 1000
    state = request.app[STATE]
    names = {code: commune.name for code, commune in index.communes.items()}

    def row(problem: Problem) -> dict[str, Any]:
        device = problem.state
        entry = device.entry
        ack = problem.acknowledgement
        return {
            "id": entry.id,
            "name": entry.name,
            "kind": entry.kind,
            "commune": problem.commune,
            "commune_name": names.get(problem.commune, problem.commune),
            "status": problem.status,
            "status_word": _status_word(problem, words),
            "flapping": device.flapping,
            "since": local_time(problem.since_ms, tz),
            "for": duration(now_s - (problem.since_ms or 0) / 1000, lang),
            "cause": _cause(problem, words),
            "ack": None
            if ack is None
            else {
                "by": ack.by_name,
                "at": local_time(ack.at_ms, tz),
                "comment": ack.comment,
                "own": ack.device_id == entry.id,
            },
            "may_act": principal.may_act(index.listed_commune[entry.id]),
        }

    shown = narrowed(groups, wanted)
    lines = [
        {
            "lead": row(group.lead),
            "lead_matches": group.lead_matches,
            "behind": [row(p) for p in group.behind],
        }
        for group in shown[:MAX_SHOWN]
    ]
    counted = [p for group in shown for p in group.rows()]
    return {
        "lines": lines,
        "count": len(counted),
        "unacknowledged": sum(1 for p in counted if p.acknowledgement is None),
        "groups_total": len(shown),
        "max_shown": MAX_SHOWN,
        "filtered": any(request.query.get(k) for k in FILTER_PARAMS),
        "filters_qs": _filters_query(request),
        "broker_up": state.link_is_up,
        "notice": None,
        **freshness(request),
    }


def _status_word(problem: Problem, words: dict[str, str]) -> str:
    """The status in words; a camera's unusable picture by its state ("Bị che")."""
    if problem.status == PICTURE_PROBLEM:
        return words[f"picture.{problem.picture}"]
    return words[problem.status]


def _cause(problem: Problem, words: dict[str, str]) -> CauseText:
    if problem.status == PICTURE_PROBLEM:
        return CauseText(words["picture.problem"], "")
    return cause_text(problem.state.cause, words)


def _options(request: web.Request, groups: list[ProblemGroup]) -> dict[str, Any]:
    """The choices of the filter form: the asker's communes, the kinds, the statuses of
    a problem, the causes there are now."""
    index = request.app[INDEX]
    principal = request[PRINCIPAL]
    day = today(request.app)
    words = translator(request_language(request))
    communes = sorted(
        (
            (code, commune.name)
            for code, commune in index.communes.items()
            if principal.may_see(code) and commune.exists_on(day)
        ),
        key=lambda item: item[1],
    )
    codes = {p.cause_code for group in groups for p in (group.lead, *group.behind)}
    chosen = request.query.get("cause")
    if chosen:
        codes.add(chosen)
    causes = sorted(
        ((code, words.get(f"cause.{code}", code)) for code in codes), key=lambda c: c[1]
    )
    return {
        "communes": communes,
        "kinds": DEVICE_KINDS,
        "statuses": list(FILTER_STATUSES),
        "causes": causes,
        "chosen": {k: request.query.get(k, "") for k in FILTER_PARAMS},
    }


async def problems_page(request: web.Request) -> web.Response:
    wanted = problem_filter(request)
    groups = visible_problems(request)
    results = _results(request, groups, wanted)
    if wants_fragment(request):
        response = render(request, "problems_results.html", **results)
        if request.headers.get("HX-Trigger") == FILTER_FORM:
            # The filters changed: the address bar follows (a reload or a link keeps
            # them), without the fragment's own parameter.
            query = results["filters_qs"]
            response.headers["HX-Push-Url"] = "/problems" + (f"?{query}" if query else "")
        return response
    return render(request, "problems.html", **results, **_options(request, groups))


async def acknowledge_from_page(request: web.Request) -> web.Response:
    form = await request.post()
    comment = form.get("comment", "")
    try:
        acknowledge_problem(request, request.match_info["device_id"], comment)
    except web.HTTPConflict:
        # Recovered meanwhile: nothing to acknowledge, which the list now shows.
        return _after_change(request, "problems.recovered")
    return _after_change(request, None)


async def withdraw_from_page(request: web.Request) -> web.Response:
    withdraw_acknowledgement(request, request.match_info["device_id"])
    return _after_change(request, None)


def _after_change(request: web.Request, notice: str | None) -> web.Response:
    """The list again: the part itself for htmx, else a redirect to the page (a form
    posted without JavaScript)."""
    if not wants_fragment(request):
        query = _filters_query(request)
        raise web.HTTPSeeOther(location="/problems" + (f"?{query}" if query else ""))
    results = _results(request, visible_problems(request), problem_filter(request))
    results["notice"] = notice
    return render(request, "problems_results.html", **results)


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/problems", problems_page)
    app.router.add_post("/problems/{device_id}/ack", acknowledge_from_page)
    app.router.add_post("/problems/{device_id}/withdraw", withdraw_from_page)
