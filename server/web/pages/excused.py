"""The excused periods pages (``/maintenance/excused``): time lost to a cause the
commune could not prevent (a grid power cut, a disaster). Commune officers propose,
verifiers record and decide; the list, the form and the decisions, through the API's
own functions (server/web/api/exclusions.py) as on the maintenance windows pages.
"""

from __future__ import annotations

from typing import Any, Final
from zoneinfo import ZoneInfo

from aiohttp import web

from xaso.server.keys import INDEX
from xaso.server.monitoring.exclusion_history import Tracked
from xaso.server.monitoring.exclusions import ExcusedPeriod
from xaso.server.web.api.exclusions import (
    decide_item,
    delete_item,
    listed_items,
    may_decide_item,
    may_delete_item,
    may_record_excused_in,
    record_excused,
    visible_item,
)
from xaso.server.web.auth import PRINCIPAL
from xaso.server.web.pages.maintenance import (
    SHOWS,
    communes_where,
    history_view,
    page,
    sorted_views,
)
from xaso.server.web.pages.maintenance_form import (
    CAUSES,
    api_problems,
    kind_options,
    local_ms,
    local_text,
    problem_text,
    target_commune,
    target_options,
    target_text,
)
from xaso.server.web.rendering import request_language
from xaso.server.web.tokens import Principal, Role
from xaso.server.words import translator

_ORDER: Final = {"pending": 0, "approved": 1, "rejected": 3, "deleted": 4}
_GROUP: Final = {
    "pending": "pending",
    "approved": "approved",
    "rejected": "rejected",
    "deleted": "ended",
}


def _communes(app: web.Application, principal: Principal) -> list[tuple[str, str]]:
    """The communes ``principal`` may record or propose a period in, by name."""
    return communes_where(app, principal, may_record_excused_in)


def _require_recorder(app: web.Application, principal: Principal) -> list[tuple[str, str]]:
    communes = _communes(app, principal)
    if not communes:
        raise web.HTTPForbidden(text="this account may not record excused periods")
    return communes


def period_view(
    app: web.Application, principal: Principal, tracked: Tracked[ExcusedPeriod], lang: str
) -> dict[str, Any]:
    index = app[INDEX]
    words = translator(lang)
    zone = ZoneInfo(index.inventory.timezone)
    period = tracked.item
    _, communes = visible_item(app, principal, "excused", tracked.id)
    commune = target_commune(index, period.scope, period.target)
    state = tracked.state
    may_end = state != "deleted" and may_delete_item(principal, tracked, communes)
    return {
        "id": tracked.id,
        "status": state,
        "group": _GROUP[state],
        "order": _ORDER[state],
        "first_ms": period.from_ms,
        "last_ms": tracked.versions[-1].at_ms,
        "commune": index.communes[commune].name
        if commune in index.communes
        else words["mw.target_all_communes"],
        "target": target_text(index, period.scope, period.target, words),
        "from": local_text(period.from_ms, zone),
        "to": local_text(period.to_ms, zone),
        "cause": words[f"ex.cause.{period.cause}"],
        "reason": period.reason,
        **history_view(tracked, zone, words),
        "author_word": "ex.recorded_by",
        "may_decide": state in ("pending", "approved") and may_decide_item(principal, communes),
        "may_approve": state == "pending",
        "may_end": may_end,
        # An operator withdraws its commune's proposal; a verifier deletes.
        "end_word": "ex.withdraw" if principal.role is Role.OPERATOR else "ex.delete",
    }


async def excused_page(
    request: web.Request, *, error: list[str] | None = None, status: int = 200
) -> web.Response:
    app = request.app
    principal = request[PRINCIPAL]
    lang = request_language(request)
    show = request.query.get("show", "all")
    show = show if show in SHOWS else "all"
    views = sorted_views(
        [
            period_view(app, principal, tracked, lang)
            for tracked in listed_items(app, principal, "excused")
            if isinstance(tracked.item, ExcusedPeriod)
        ]
    )
    counts = {s: sum(1 for v in views if s == "all" or v["group"] == s) for s in SHOWS}
    done = request.query.get("done", "")
    words = translator(lang)
    return page(
        request,
        "excused.html",
        status,
        periods=[v for v in views if show == "all" or v["group"] == show],
        show=show,
        shows=SHOWS,
        counts=counts,
        may_record=bool(_communes(app, principal)),
        done=f"ex.done.{done}" if f"ex.done.{done}" in words else "",
        error=error or [],
        tab="excused",
    )


async def list_excused(request: web.Request) -> web.Response:
    return await excused_page(request)


def _form_page(
    request: web.Request,
    values: dict[str, str],
    communes: list[tuple[str, str]],
    problems: list[str] | None = None,
    status: int = 200,
) -> web.Response:
    principal = request[PRINCIPAL]
    words = translator(request_language(request))
    codes = [code for code, _ in communes]
    shown = values.get("commune") if values.get("commune") in codes else codes[0]
    targets = target_options(request.app[INDEX], shown or "", words)
    if may_record_excused_in(principal, None):  # an admin: a kind, in every commune
        targets += kind_options(words)
    return page(
        request,
        "excused_form.html",
        status,
        values=values,
        communes=communes,
        commune=shown,
        targets=targets,
        causes=CAUSES,
        problems=problems or [],
        proposes=principal.role is Role.OPERATOR,
        tab="excused",
    )


async def new_excused(request: web.Request) -> web.Response:
    communes = _require_recorder(request.app, request[PRINCIPAL])
    wanted = request.query.get("commune", "")
    return _form_page(request, {"commune": wanted, "cause": "grid_power_cut"}, communes)


def _form_problems(request: web.Request, values: dict[str, str]) -> list[str]:
    index = request.app[INDEX]
    found = []
    scope, _, target = values["target"].partition(":")
    if not target:
        found.append("form.target_missing")
    elif scope != "kind" and target_commune(index, scope, target) != values["commune"]:
        found.append("form.target_elsewhere")
    zone = ZoneInfo(index.inventory.timezone)
    if local_ms(values["from"], zone) is None:
        found.append("form.start_missing")
    if local_ms(values["to"], zone) is None:
        found.append("form.end_missing")
    if not values["reason"]:
        found.append("form.reason_missing")
    return found


async def create_excused(request: web.Request) -> web.Response:
    app = request.app
    principal = request[PRINCIPAL]
    communes = _require_recorder(app, principal)
    data = await request.post()
    values = {
        name: str(data.get(name, "")).strip()
        for name in ("commune", "target", "from", "to", "cause", "reason")
    }
    words = translator(request_language(request))
    found = [words[key] for key in _form_problems(request, values)]
    if found:
        return _form_page(request, values, communes, found, status=400)
    zone = ZoneInfo(app[INDEX].inventory.timezone)
    scope, _, target = values["target"].partition(":")
    body = {
        "scope": scope,
        "target": target,
        "from_ms": local_ms(values["from"], zone),
        "to_ms": local_ms(values["to"], zone),
        "cause": values["cause"],
        "reason": values["reason"],
    }
    try:
        tracked = record_excused(app, principal, body)
    except web.HTTPBadRequest as exc:
        found = [problem_text(p, words) for p in api_problems(exc)]
        return _form_page(request, values, communes, found, status=400)
    done = "created_pending" if tracked.state == "pending" else "created"
    raise web.HTTPSeeOther(location=f"/maintenance/excused?done={done}#{tracked.id}")


async def decide_excused(request: web.Request) -> web.Response:
    data = await request.post()
    decision = str(data.get("decision", ""))
    if decision not in ("approved", "rejected"):
        raise web.HTTPBadRequest(text="decision: approved or rejected")
    period_id = request.match_info["period_id"]
    try:
        decide_item(
            request.app,
            request[PRINCIPAL],
            "excused",
            period_id,
            decision,  # type: ignore[arg-type]
            str(data.get("reason", "")),
        )
    except (web.HTTPBadRequest, web.HTTPConflict) as exc:
        words = translator(request_language(request))
        problems = [problem_text(p, words) for p in api_problems(exc)]
        return await excused_page(request, error=problems, status=exc.status)
    raise web.HTTPSeeOther(location=f"/maintenance/excused?done={decision}#{period_id}")


async def end_excused(request: web.Request) -> web.Response:
    data = await request.post()
    period_id = request.match_info["period_id"]
    try:
        delete_item(
            request.app, request[PRINCIPAL], "excused", period_id, str(data.get("reason", ""))
        )
    except (web.HTTPBadRequest, web.HTTPConflict) as exc:
        words = translator(request_language(request))
        problems = [problem_text(p, words) for p in api_problems(exc)]
        return await excused_page(request, error=problems, status=exc.status)
    raise web.HTTPSeeOther(location=f"/maintenance/excused?done=ended#{period_id}")


def setup_routes(app: web.Application) -> None:
    # Before the windows' routes: "/maintenance/excused/…" is not a window.
    app.router.add_get("/maintenance/excused", list_excused)
    app.router.add_get("/maintenance/excused/new", new_excused)
    app.router.add_post("/maintenance/excused/new", create_excused)
    app.router.add_post("/maintenance/excused/{period_id}/decide", decide_excused)
    app.router.add_post("/maintenance/excused/{period_id}/end", end_excused)
