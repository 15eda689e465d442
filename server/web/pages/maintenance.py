"""The maintenance windows pages: the list (pending, approved, rejected, ended), the
form to plan or change one with a preview of its next occurrences, and the decisions
(approve, reject, end early).

Every change goes through the API's own functions (server/web/api/exclusions.py):
the same rules of who may do what, the same checks, the same versions with who, when
and why. A form with problems comes back with them in words (status 400); a change the
user may not make is the API's 403, shown as an error page. Plain forms that work
without JavaScript; htmx only refreshes the preview and the targets of a commune.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable
from typing import Any, Final
from zoneinfo import ZoneInfo

from aiohttp import web

from xaso.server.keys import CLOCK_MS, INDEX
from xaso.server.monitoring.exclusion_history import Tracked, Version
from xaso.server.monitoring.exclusions import ExcusedPeriod
from xaso.server.monitoring.maintenance import (
    InvalidWindow,
    MaintenanceWindow,
    decode_window,
    first_start_ms,
    is_retroactive,
)
from xaso.server.web.api.exclusions import (
    decide_item,
    delete_item,
    listed_items,
    may_decide_item,
    may_delete_item,
    may_plan_in,
    plan_window,
    visible_item,
    waits_for_approval,
)
from xaso.server.web.auth import PRINCIPAL
from xaso.server.web.pages.maintenance_form import (
    LISTED_COUNT,
    PREVIEW_COUNT,
    REPEATS,
    WEEKDAYS,
    WindowForm,
    api_problems,
    kind_options,
    local_text,
    next_occurrences,
    occurrence_text,
    problem_text,
    rule_text,
    target_commune,
    target_options,
    target_text,
    wall_start,
    when_text,
)
from xaso.server.web.rendering import render, request_language
from xaso.server.web.tokens import Principal
from xaso.server.words import role_name, translator

SHOWS: Final = ("all", "pending", "approved", "rejected", "ended")
# The list's order: what waits for someone first, then what runs, what comes, the rest.
_ORDER: Final = {
    "pending": 0,
    "running": 1,
    "approved": 2,
    "rejected": 3,
    "finished": 4,
    "ended_early": 5,
    "cancelled": 5,
}
_GROUP: Final = {
    "pending": "pending",
    "running": "approved",
    "approved": "approved",
    "rejected": "rejected",
    "finished": "ended",
    "ended_early": "ended",
    "cancelled": "ended",
}


def page(request: web.Request, template: str, status: int = 200, **context: Any) -> web.Response:
    """``render`` with a status: a form with problems comes back as a 400."""
    response = render(request, template, **context)
    response.set_status(status)
    return response


def _zone(app: web.Application) -> ZoneInfo:
    return ZoneInfo(app[INDEX].inventory.timezone)


def _words(request: web.Request) -> dict[str, str]:
    return translator(request_language(request))


# -- what a user may plan where -----------------------------------------------------------


def communes_where(
    app: web.Application, principal: Principal, allowed: Callable[[Principal, str], bool]
) -> list[tuple[str, str]]:
    """(code, name) of the communes ``principal`` sees and is ``allowed`` to act in
    (plan windows, record excused periods), by name."""
    index = app[INDEX]
    found = [
        (code, commune.name)
        for code, commune in index.communes.items()
        if principal.may_see(code) and allowed(principal, code)
    ]
    return sorted(found, key=lambda c: c[1])


def plannable_communes(app: web.Application, principal: Principal) -> list[tuple[str, str]]:
    """The communes ``principal`` may plan windows in, by name."""
    return communes_where(app, principal, may_plan_in)


def _require_planner(app: web.Application, principal: Principal) -> list[tuple[str, str]]:
    """The communes the user may plan in; a 403 for one who may plan nowhere (a
    viewer), before anything it sent is looked at."""
    communes = plannable_communes(app, principal)
    if not communes:
        raise web.HTTPForbidden(text="this account may not plan maintenance windows")
    return communes


# -- one item as the list shows it ----------------------------------------------------------


def version_view(
    version: Version | None, zone: ZoneInfo, words: dict[str, str]
) -> dict[str, str] | None:
    if version is None:
        return None
    return {
        "state": version.state,
        "at": local_text(version.at_ms, zone),
        "by": version.by or "—",
        "role": role_name(version.role, words) if version.role else "—",
        "reason": version.reason,
    }


def history_view(
    tracked: Tracked[MaintenanceWindow] | Tracked[ExcusedPeriod],
    zone: ZoneInfo,
    words: dict[str, str],
) -> dict[str, Any]:
    """Who made it, who decided, who ended it, and every version."""
    decision = tracked.decision
    return {
        "author": version_view(tracked.created, zone, words),
        # An approval at creation is the author's own: not a decision to show twice.
        "decision": version_view(decision, zone, words)
        if decision is not tracked.created
        else None,
        "deletion": version_view(tracked.deletion, zone, words),
        "history": [version_view(v, zone, words) for v in tracked.versions],
    }


def _window_status(
    tracked: Tracked[MaintenanceWindow], upcoming: list[tuple[int, int]], now_ms: int
) -> str:
    state = tracked.state
    deletion = tracked.deletion
    if deletion is not None:
        # Ended early if it counted and had begun by then; otherwise it never ran.
        first = first_start_ms(tracked.item)
        began = first is not None and first < deletion.at_ms
        return "ended_early" if tracked.counts_until_ms is not None and began else "cancelled"
    if state != "approved":
        return state
    if upcoming and upcoming[0][0] <= now_ms:
        return "running"
    return "approved" if upcoming else "finished"


def window_view(
    app: web.Application,
    principal: Principal,
    tracked: Tracked[MaintenanceWindow],
    now_ms: int,
    lang: str,
) -> dict[str, Any]:
    index = app[INDEX]
    zone = _zone(app)
    words = translator(lang)
    window = tracked.item
    upcoming = next_occurrences(window, now_ms, LISTED_COUNT) if tracked.state != "deleted" else []
    status = _window_status(tracked, upcoming, now_ms)
    _, communes = visible_item(app, principal, "maintenance", tracked.id)
    commune = target_commune(index, window.scope, window.target)
    open_ = tracked.state in ("pending", "approved", "rejected")
    may_change = open_ and may_delete_item(principal, tracked, communes)
    started = bool(upcoming) and upcoming[0][0] <= now_ms
    return {
        "id": tracked.id,
        "status": status,
        "group": _GROUP[status],
        "order": _ORDER[status],
        "commune": index.communes[commune].name
        if commune in index.communes
        else words["mw.target_all_communes"],
        "target": target_text(index, window.scope, window.target, words),
        "rule": rule_text(window.rrule, wall_start(window), words),
        "rrule": window.rrule,
        "when": when_text(window, lang, words),
        # "Now" only for one in force: a pending window's time runs, but changes nothing.
        "next": [
            {"text": occurrence_text(s, e, zone, words), "now": status == "running" and s <= now_ms}
            for s, e in upcoming
        ],
        "first_ms": upcoming[0][0] if upcoming else 0,
        "reason": window.reason,
        "retroactive": is_retroactive(window, tracked.created.at_ms),
        "last_ms": tracked.versions[-1].at_ms,
        **history_view(tracked, zone, words),
        "author_word": "mw.author",
        "may_decide": tracked.state in ("pending", "approved")
        and may_decide_item(principal, communes),
        "may_approve": tracked.state == "pending",
        "may_end": may_change,
        "end_word": "mw.end_early" if started and tracked.state == "approved" else "mw.cancel",
        "may_edit": may_change,
    }


def sorted_views(views: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """By ``order``; within it what comes soonest first, or for what is over (order 3
    and on) the latest change first."""
    return sorted(
        views,
        key=lambda v: (v["order"], v["first_ms"] if v["order"] < 3 else -v["last_ms"], v["id"]),
    )


# -- the list --------------------------------------------------------------------------------


async def windows_page(
    request: web.Request, *, error: list[str] | None = None, status: int = 200
) -> web.Response:
    app = request.app
    principal = request[PRINCIPAL]
    lang = request_language(request)
    now_ms = app[CLOCK_MS]()
    show = request.query.get("show", "all")
    show = show if show in SHOWS else "all"
    views = sorted_views(
        [
            window_view(app, principal, tracked, now_ms, lang)
            for tracked in listed_items(app, principal, "maintenance")
            if isinstance(tracked.item, MaintenanceWindow)
        ]
    )
    counts = {s: sum(1 for v in views if s == "all" or v["group"] == s) for s in SHOWS}
    done = request.query.get("done", "")
    return page(
        request,
        "maintenance.html",
        windows=[v for v in views if show == "all" or v["group"] == show],
        show=show,
        shows=SHOWS,
        counts=counts,
        may_plan=bool(plannable_communes(app, principal)),
        done=f"mw.done.{done}" if f"mw.done.{done}" in _words(request) else "",
        error=error or [],
        tab="windows",
        status=status,
    )


async def list_windows(request: web.Request) -> web.Response:
    return await windows_page(request)


# -- the form ---------------------------------------------------------------------------------


def _default_form(app: web.Application, commune: str) -> WindowForm:
    """A new window: from the next full hour, for an hour, once."""
    now = dt.datetime.fromtimestamp(app[CLOCK_MS]() / 1000, _zone(app)).replace(tzinfo=None)
    start = now.replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)
    return WindowForm(commune=commune, start=start.strftime("%Y-%m-%dT%H:%M"))


def preview(
    app: web.Application, principal: Principal, form: WindowForm, lang: str
) -> dict[str, Any]:
    """The window the form describes, as it would run: its rule in words and its next
    occurrences from now, or what stops it from being one."""
    words = translator(lang)
    zone = _zone(app)
    now_ms = app[CLOCK_MS]()
    body = form.body(app[INDEX].inventory.timezone)
    if not body["start"] or not body["duration_s"]:
        return {"incomplete": True, "problems": [], "occurrences": []}
    try:
        window = decode_window(
            {
                **body,
                "scope": body["scope"] or "commune",
                "target": body["target"] or "-",
                "id": "preview",
            }
        )
    except InvalidWindow as exc:
        return {
            "incomplete": False,
            "problems": [problem_text(p, words) for p in exc.problems],
            "occurrences": [],
        }
    upcoming = next_occurrences(window, now_ms, PREVIEW_COUNT)
    return {
        "incomplete": False,
        "problems": [],
        "rule": rule_text(window.rrule, wall_start(window), words) or window.rrule,
        "when": when_text(window, lang, words),
        "waits": waits_for_approval(principal, window, now_ms),
        "occurrences": [
            {"text": occurrence_text(s, e, zone, words), "now": s <= now_ms < e}
            for s, e in upcoming
        ],
    }


def _form_page(
    request: web.Request,
    form: WindowForm,
    communes: list[tuple[str, str]],
    *,
    problems: list[str] | None = None,
    editing: str | None = None,
    status: int = 200,
) -> web.Response:
    app = request.app
    principal = request[PRINCIPAL]
    lang = request_language(request)
    words = translator(lang)
    codes = [code for code, _ in communes]
    shown = form.commune if form.commune in codes else (codes[0] if codes else "")
    targets = target_options(app[INDEX], shown, words)
    if may_plan_in(principal, None):  # an admin: a kind, in every commune
        targets += kind_options(words)
    return page(
        request,
        "maintenance_form.html",
        form=form,
        communes=communes,
        commune=shown,
        targets=targets,
        repeats=REPEATS,
        weekdays=WEEKDAYS,
        problems=problems or [],
        preview=preview(app, principal, form, lang),
        editing=editing,
        action=f"/maintenance/{editing}/edit" if editing else "/maintenance/new",
        tab="windows",
        status=status,
    )


async def new_window(request: web.Request) -> web.Response:
    communes = _require_planner(request.app, request[PRINCIPAL])
    wanted = request.query.get("commune", "")
    codes = [code for code, _ in communes]
    form = _default_form(request.app, wanted if wanted in codes else codes[0])
    return _form_page(request, form, communes)


async def _save(
    request: web.Request, communes: list[tuple[str, str]], editing: str | None
) -> web.Response:
    """Preview, or check and create the window (replacing ``editing``, if given)."""
    app = request.app
    principal = request[PRINCIPAL]
    data = await request.post()
    form = WindowForm.posted(data)
    words = _words(request)
    if data.get("action") != "save":
        return _form_page(request, form, communes, editing=editing)
    found = [words[key] for key in form.problems(app[INDEX])]
    if found:
        return _form_page(request, form, communes, problems=found, editing=editing, status=400)
    try:
        tracked = plan_window(app, principal, form.body(app[INDEX].inventory.timezone))
    except web.HTTPBadRequest as exc:
        found = [problem_text(p, words) for p in api_problems(exc)]
        return _form_page(request, form, communes, problems=found, editing=editing, status=400)
    done = "created_pending" if tracked.state == "pending" else "created"
    if editing is not None:
        reason = words["mw.replaced_by"].format(id=tracked.id, reason=form.reason)
        # Ended meanwhile: the new one stands on its own.
        with contextlib.suppress(web.HTTPConflict):
            delete_item(app, principal, "maintenance", editing, reason)
        done = "edited"
    raise web.HTTPSeeOther(location=f"/maintenance?done={done}#{tracked.id}")


async def create_window(request: web.Request) -> web.Response:
    communes = _require_planner(request.app, request[PRINCIPAL])
    return await _save(request, communes, None)


async def preview_fragment(request: web.Request) -> web.Response:
    """htmx: the preview of the form as it stands."""
    _require_planner(request.app, request[PRINCIPAL])
    form = WindowForm.posted(await request.post())
    lang = request_language(request)
    return render(
        request,
        "maintenance_preview.html",
        preview=preview(request.app, request[PRINCIPAL], form, lang),
    )


async def targets_fragment(request: web.Request) -> web.Response:
    """htmx: the targets of the commune chosen."""
    communes = _require_planner(request.app, request[PRINCIPAL])
    commune = request.query.get("commune", "")
    if commune not in [code for code, _ in communes]:
        raise web.HTTPNotFound()
    words = _words(request)
    targets = target_options(request.app[INDEX], commune, words)
    if may_plan_in(request[PRINCIPAL], None):
        targets += kind_options(words)
    return render(request, "maintenance_targets.html", targets=targets, selected="")


def _editable(request: web.Request) -> Tracked[MaintenanceWindow]:
    tracked, communes = visible_item(
        request.app, request[PRINCIPAL], "maintenance", request.match_info["window_id"]
    )
    if not isinstance(tracked.item, MaintenanceWindow):  # for the type checker
        raise web.HTTPNotFound()
    if not may_delete_item(request[PRINCIPAL], tracked, communes):
        raise web.HTTPForbidden(text="this account may not change this window")
    if tracked.state == "deleted":
        raise web.HTTPConflict(text="this maintenance window has ended")
    return tracked


async def edit_window(request: web.Request) -> web.Response:
    tracked = _editable(request)
    communes = _require_planner(request.app, request[PRINCIPAL])
    form = WindowForm.of_window(tracked.item, request.app[INDEX])
    return _form_page(request, form, communes, editing=tracked.id)


async def save_edit(request: web.Request) -> web.Response:
    tracked = _editable(request)
    communes = _require_planner(request.app, request[PRINCIPAL])
    return await _save(request, communes, tracked.id)


# -- decisions ----------------------------------------------------------------------------------


async def decide_window(request: web.Request) -> web.Response:
    data = await request.post()
    decision = str(data.get("decision", ""))
    if decision not in ("approved", "rejected"):
        raise web.HTTPBadRequest(text="decision: approved or rejected")
    try:
        decide_item(
            request.app,
            request[PRINCIPAL],
            "maintenance",
            request.match_info["window_id"],
            decision,  # type: ignore[arg-type]
            str(data.get("reason", "")),
        )
    except (web.HTTPBadRequest, web.HTTPConflict) as exc:
        words = _words(request)
        return await windows_page(
            request, error=[problem_text(p, words) for p in api_problems(exc)], status=exc.status
        )
    raise web.HTTPSeeOther(
        location=f"/maintenance?done={decision}#{request.match_info['window_id']}"
    )


async def end_window(request: web.Request) -> web.Response:
    data = await request.post()
    try:
        delete_item(
            request.app,
            request[PRINCIPAL],
            "maintenance",
            request.match_info["window_id"],
            str(data.get("reason", "")),
        )
    except (web.HTTPBadRequest, web.HTTPConflict) as exc:
        words = _words(request)
        return await windows_page(
            request, error=[problem_text(p, words) for p in api_problems(exc)], status=exc.status
        )
    raise web.HTTPSeeOther(location=f"/maintenance?done=ended#{request.match_info['window_id']}")


def setup_routes(app: web.Application) -> None:
    # The fixed paths first: a window's id never is "new", "preview" or "targets".
    app.router.add_get("/maintenance", list_windows)
    app.router.add_get("/maintenance/new", new_window)
    app.router.add_post("/maintenance/new", create_window)
    app.router.add_post("/maintenance/preview", preview_fragment)
    app.router.add_get("/maintenance/targets", targets_fragment)
    app.router.add_get("/maintenance/{window_id}/edit", edit_window)
    app.router.add_post("/maintenance/{window_id}/edit", save_edit)
    app.router.add_post("/maintenance/{window_id}/decide", decide_window)
    app.router.add_post("/maintenance/{window_id}/end", end_window)
