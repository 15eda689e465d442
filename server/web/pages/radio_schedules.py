"""The broadcast schedules of a commune: the list, the editor (one form to create and to
change), and each schedule's page (what, when, where, its next occurrences, its
collisions, its versions, pause, resume, delete).

Every save goes through the API's own functions (server/web/api/schedules.py
``add_schedule``, ``change_fields``, ``delete_visible``): the same checks, the same
versions, the same sync to the gateways. A form with problems comes back with them in
words next to their fields (status 400). The preview (next occurrences, collisions with
the commune's other schedules, or what stops it) is the same whether htmx refreshes it
as the officer types or the "Xem trước" button posts the form without JavaScript.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final
from zoneinfo import ZoneInfo

import msgspec
from aiohttp import web

from xaso.inventory import InventoryIndex
from xaso.server.broadcasts.keys import CONTENT, SCHEDULES
from xaso.server.broadcasts.schedule import ALWAYS_FROM_MS, Schedule, occurrences
from xaso.server.broadcasts.schedule_table import ScheduleVersion
from xaso.server.keys import CLOCK_MS, INDEX
from xaso.server.web.api.schedules import (
    add_schedule,
    change_fields,
    check_schedule,
    delete_visible,
    saved_view,
    visible_schedule,
)
from xaso.server.web.auditing import AUDIT_DETAIL
from xaso.server.web.auth import PRINCIPAL, today
from xaso.server.web.pages.maintenance_form import (
    PREVIEW_COUNT,
    WEEKDAYS,
    api_problems,
    local_text,
    occurrence_text,
    soonest,
)
from xaso.server.web.pages.radio_log_view import schedule_log_href
from xaso.server.web.pages.radio_shared import RadioPlace, radio_place, render_radio, require_act
from xaso.server.web.pages.schedule_form import (
    ENDS,
    KINDS,
    PRIORITIES,
    REPEATS,
    VOICES,
    ScheduleForm,
    api_problem,
    by_section,
)
from xaso.server.web.pages.schedule_words import (
    changes_text,
    content_text,
    priority_text,
    targets_text,
    volume_text,
    when_text,
)
from xaso.server.web.rendering import request_language
from xaso.server.words import duration, translator

TAB: Final = "/radio/schedules"
DONE: Final = ("created", "changed", "paused", "resumed", "deleted")


def _zone(app: web.Application) -> ZoneInfo:
    return ZoneInfo(app[INDEX].inventory.timezone)


def _words(request: web.Request) -> dict[str, str]:
    return translator(request_language(request))


def _page(
    request: web.Request,
    template: str,
    place: RadioPlace,
    status: int = 200,
    **context: Any,
) -> web.Response:
    response = render_radio(request, template, place, TAB, **context)
    response.set_status(status)
    return response


# -- what the commune may play and where ------------------------------------------------------


def library(app: web.Application, commune: str, scope: frozenset[str]) -> list[dict[str, Any]]:
    """The uploaded files a schedule of ``commune`` may play (the API's rule: uploaded
    for it, a commune of its merger it covers today, or every commune), newest first,
    each with the name its uploader gave as the user may see it, and its length."""
    covered = app[INDEX].scope_on({commune}, today(app))
    found = []
    for info in app[CONTENT].table.items.values():
        if not any(info.serves(c) for c in covered):
            continue
        view = info.view_for(scope)
        found.append(
            {
                "id": info.id,
                "name": view["name"] or info.name or info.id[:12],
                "duration_s": info.duration_s,
                "uploaded_ms": info.uploaded_ms,
            }
        )
    return sorted(found, key=lambda f: -f["uploaded_ms"])


def target_tree(index: InventoryIndex, commune: str, day: dt.date) -> list[dict[str, Any]]:
    """The commune's villages (its predecessors' too after a merger), each with its
    installed loudspeaker clusters; clusters outside any village last."""
    held = index.held_on(commune, day)
    villages = [v for listed in held for v in index.communes[listed].villages]
    clusters: dict[str | None, list[dict[str, str]]] = {}
    for entry in sorted(index.devices.values(), key=lambda e: e.name):
        mine = entry.kind == "radio_cluster" and index.listed_commune[entry.id] in held
        if mine and not entry.planned:
            clusters.setdefault(entry.village, []).append({"id": entry.id, "name": entry.name})
    tree = [
        {"code": v.code, "name": v.name, "clusters": clusters.pop(v.code, [])} for v in villages
    ]
    rest = [c for group in clusters.values() for c in group]
    if rest:
        tree.append({"code": "", "name": "", "clusters": rest})
    return tree


def _file_names(app: web.Application, scope: frozenset[str]) -> dict[str, str]:
    return {
        info.id: info.view_for(scope)["name"] or info.name
        for info in app[CONTENT].table.items.values()
        if info.visible_to(scope)
    }


# -- a schedule as the pages show it -------------------------------------------------------------


def next_of(schedule: Schedule, from_ms: int, count: int) -> list[tuple[int, int]]:
    return soonest(lambda a, b: occurrences(schedule, a, b), from_ms, count)


def slot_text(start_ms: int, end_ms: int, zone: ZoneInfo, words: dict[str, str]) -> str:
    """An occurrence: "T2 07/12/2026 06:00 → 06:30"; a bulletin shorter than a minute
    by its start alone (not "06:00 → 06:00")."""
    said = occurrence_text(start_ms, end_ms, zone, words)
    same_minute = start_ms // 60_000 == (end_ms - 1) // 60_000
    return said.split(" → ")[0] if same_minute else said


def conflict_views(
    conflicts: list[dict[str, Any]], zone: ZoneInfo, words: dict[str, str]
) -> list[dict[str, Any]]:
    """The API's collisions (``saved_view``) in words."""
    return [
        {
            "other": c["other"],
            "title": c["other_title"],
            "when": slot_text(c["start_ms"], c["end_ms"], zone, words),
            "clusters": words["sched.clusters_n"].format(n=len(c["clusters"])),
            "first": words[f"sched.first.{c['first']}"],
            "first_class": c["first"],
        }
        for c in conflicts
    ]


def schedule_row(
    app: web.Application,
    schedule: Schedule,
    names: dict[str, str],
    now_ms: int,
    lang: str,
) -> dict[str, Any]:
    """One line of the list."""
    words = translator(lang)
    index = app[INDEX]
    upcoming = next_of(schedule, now_ms, 1)
    return {
        "id": schedule.id,
        "title": schedule.title,
        "priority": schedule.priority,
        "priority_text": priority_text(schedule.priority, lang),
        "when": when_text(schedule, words, today(app)),
        "targets": targets_text(schedule.commune, schedule.targets, index, words),
        "content": content_text(schedule.content, names, lang, words),
        "next": local_text(upcoming[0][0], _zone(app)) if upcoming else "—",
        "next_ms": upcoming[0][0] if upcoming else 2**62,
        "paused": schedule.paused,
    }


async def list_page(request: web.Request) -> web.Response:
    place = radio_place(request)
    app = request.app
    lang = request_language(request)
    names = _file_names(app, request[PRINCIPAL].scope)
    now_ms = app[CLOCK_MS]()
    rows = [
        schedule_row(app, s, names, now_ms, lang)
        for s in app[SCHEDULES].items.values()
        if s.commune == place.code
    ]
    rows.sort(key=lambda r: (r["paused"], r["next_ms"], r["title"]))
    done = request.query.get("done", "")
    return _page(
        request, "radio_schedules.html", place, rows=rows, done=done if done in DONE else ""
    )


# -- the preview and the form -----------------------------------------------------------------


def preview(request: web.Request, form: ScheduleForm, editing: Schedule | None) -> dict[str, Any]:
    """The schedule the form describes as it would play: its next occurrences and its
    collisions with the commune's other schedules, or what stops it from being one."""
    app = request.app
    words = _words(request)
    lang = request_language(request)
    if form.problems():
        return {"incomplete": True, "problems": []}
    body = _body(request, form, editing)
    try:
        schedule = check_schedule(request, body)
    except web.HTTPBadRequest as exc:
        return {
            "incomplete": False,
            "problems": [api_problem(p, words)[1] for p in api_problems(exc)],
        }
    view = saved_view(request, schedule)
    zone = _zone(app)
    now_ms = app[CLOCK_MS]()
    return {
        "incomplete": False,
        "problems": [],
        "when": when_text(schedule, words, today(app)),
        "paused": schedule.paused,
        "slot": duration(schedule.content.duration_s, lang),
        "clusters": words["sched.clusters_n"].format(n=len(view["clusters"])),
        "occurrences": [
            slot_text(s, e, zone, words) for s, e in next_of(schedule, now_ms, PREVIEW_COUNT)
        ],
        "conflicts": conflict_views(view["conflicts"], zone, words),
    }


def _body(request: web.Request, form: ScheduleForm, editing: Schedule | None) -> dict[str, Any]:
    """The API's body of the form (for a change: the fields the form does not show kept)."""
    app = request.app
    chosen = app[CONTENT].table.items.get(form.sha256) if form.kind == "file" else None
    body = form.body(app[INDEX].inventory.timezone, chosen.duration_s if chosen else None)
    if editing is None:
        return {**body, "id": "preview", "created_by": request[PRINCIPAL].name}
    kept = msgspec.to_builtins(editing)
    body["content"] = {
        "title": editing.content.title,
        "source": editing.content.source,
        **body["content"],
    }
    body["commune"] = editing.commune
    return {**kept, **body}


def _form_page(
    request: web.Request,
    place: RadioPlace,
    form: ScheduleForm,
    *,
    editing: Schedule | None = None,
    problems: list[tuple[str, str]] | None = None,
    status: int = 200,
) -> web.Response:
    app = request.app
    files = library(app, place.code, request[PRINCIPAL].scope)
    lang = request_language(request)
    return _page(
        request,
        "radio_schedule_form.html",
        place,
        status=status,
        form=form,
        editing=editing,
        action=f"/radio/schedules/{editing.id}/edit" if editing else "/radio/schedules/new",
        files=[{**f, "length": duration(f["duration_s"], lang)} for f in files],
        tree=target_tree(app[INDEX], place.code, today(app)),
        kinds=KINDS,
        voices=VOICES,
        repeats=REPEATS,
        weekdays=WEEKDAYS,
        ends=ENDS,
        priorities=PRIORITIES,
        problems=by_section(problems or []),
        preview=preview(request, form, editing),
    )


def _default_form(app: web.Application, commune: str) -> ScheduleForm:
    """A new schedule: tomorrow at 06:00, once, the whole commune."""
    now = dt.datetime.fromtimestamp(app[CLOCK_MS]() / 1000, _zone(app))
    start = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(6, 0))
    return ScheduleForm(commune=commune, start=start.strftime("%Y-%m-%dT%H:%M"))


async def new_form(request: web.Request) -> web.Response:
    place = radio_place(request)
    require_act(request, place)
    form = _default_form(request.app, place.code)
    # The library's "use in a new schedule" (?sha256=): that file chosen, when this
    # commune's schedules may play it; any other value is ignored.
    asked = request.query.get("sha256", "")
    if asked and any(
        f["id"] == asked for f in library(request.app, place.code, request[PRINCIPAL].scope)
    ):
        form.sha256 = asked
    return _form_page(request, place, form)


async def _save(request: web.Request, place: RadioPlace, editing: Schedule | None) -> web.Response:
    data = await request.post()
    form = ScheduleForm.posted(data)
    form.commune = place.code
    words = _words(request)
    if data.get("action") != "save":
        return _form_page(request, place, form, editing=editing)
    found = [(section, words[key]) for section, key in form.problems()]
    if found:
        return _form_page(request, place, form, editing=editing, problems=found, status=400)
    body = _body(request, form, editing)
    try:
        if editing is None:
            body = {k: v for k, v in body.items() if k not in ("id", "created_by")}
            view = add_schedule(request, body)
        else:
            changes = {
                k: v
                for k, v in body.items()
                if k not in ("id", "created_by", "revision", "commune")
            }
            view = change_fields(request, editing, changes)
    except web.HTTPBadRequest as exc:
        found = [api_problem(p, words) for p in api_problems(exc)]
        return _form_page(request, place, form, editing=editing, problems=found, status=400)
    saved = view["schedule"]
    request[AUDIT_DETAIL] = {
        "schedule": saved["id"],
        "title": saved["title"],
        "commune": saved["commune"],
        "rrule": saved["rrule"],
    }
    done = "changed" if editing else "created"
    raise web.HTTPSeeOther(location=f"/radio/schedules/{saved['id']}?done={done}")


async def create(request: web.Request) -> web.Response:
    place = radio_place(request, str((await request.post()).get("commune", "")) or None)
    require_act(request, place)
    return await _save(request, place, None)


def _editable(request: web.Request) -> tuple[Schedule, RadioPlace]:
    schedule = visible_schedule(request)
    place = radio_place(request, schedule.commune)
    require_act(request, place)
    return schedule, place


async def edit_form(request: web.Request) -> web.Response:
    schedule, place = _editable(request)
    return _form_page(request, place, ScheduleForm.of_schedule(schedule), editing=schedule)


async def save_edit(request: web.Request) -> web.Response:
    schedule, place = _editable(request)
    return await _save(request, place, schedule)


async def preview_fragment(request: web.Request) -> web.Response:
    """htmx: the preview of the form as it stands."""
    data = await request.post()
    editing_id = str(data.get("editing", ""))
    if editing_id:
        editing: Schedule | None = visible_schedule(request, editing_id)
        assert editing is not None
        place = radio_place(request, editing.commune)
    else:
        editing = None
        place = radio_place(request, str(data.get("commune", "")) or None)
    require_act(request, place)
    form = ScheduleForm.posted(data)
    form.commune = place.code
    return render_radio(
        request, "radio_schedule_preview.html", place, TAB, preview=preview(request, form, editing)
    )


# -- one schedule's page ----------------------------------------------------------------------


def versions_view(
    versions: list[ScheduleVersion],
    index: InventoryIndex,
    names: dict[str, str],
    zone: ZoneInfo,
    lang: str,
) -> list[dict[str, Any]]:
    """Who changed what, when: newest first."""
    words = translator(lang)
    rows = []
    before: Schedule | None = None
    for n, version in enumerate(versions, start=1):
        rows.append(
            {
                "n": n,
                "at": local_text(version.saved_ms, zone)
                if version.saved_ms > ALWAYS_FROM_MS
                else words["sched.before_versions"],
                "by": version.saved_by or "—",
                "changes": changes_text(before, version.schedule, index, names, lang, words),
            }
        )
        before = version.schedule
    return rows[::-1]


async def schedule_page(request: web.Request) -> web.Response:
    app = request.app
    schedule_id = request.match_info["schedule_id"]
    versions = app[SCHEDULES].versions(schedule_id)
    communes = {v.schedule.commune for v in versions if v.schedule is not None}
    principal = request[PRINCIPAL]
    if not versions or not communes or not all(principal.may_see(c) for c in communes):
        raise web.HTTPNotFound(text="no such schedule")
    current = app[SCHEDULES].items.get(schedule_id)
    last = current or next(v.schedule for v in reversed(versions) if v.schedule is not None)
    place = radio_place(request, last.commune)
    lang = request_language(request)
    words = translator(lang)
    zone = _zone(app)
    names = _file_names(app, principal.scope)
    now_ms = app[CLOCK_MS]()
    context: dict[str, Any] = {
        "schedule": last,
        "deleted": current is None,
        "when": when_text(last, words, today(app)),
        "targets": targets_text(last.commune, last.targets, app[INDEX], words),
        "content": content_text(last.content, names, lang, words),
        "slot": duration(last.content.duration_s, lang),
        "priority_text": priority_text(last.priority, lang),
        "volume": volume_text(last.volume, words),
        "versions": versions_view(versions, app[INDEX], names, zone, lang),
        "done": request.query.get("done", "") if request.query.get("done") in DONE else "",
    }
    if current is not None:
        view = saved_view(request, current)
        context.update(
            clusters=words["sched.clusters_n"].format(n=len(view["clusters"])),
            # Each time, linked to its page (what each cluster will play, then did).
            upcoming=[
                (slot_text(s, e, zone, words), f"/radio/occurrences/{current.id}/{s}")
                for s, e in next_of(current, now_ms, PREVIEW_COUNT)
            ],
            conflicts=conflict_views(view["conflicts"], zone, words),
        )
    # The calendar's week of its next time (else today's), where it stands among the rest.
    first = next_of(current, now_ms, 1) if current is not None else []
    shown = dt.datetime.fromtimestamp((first[0][0] if first else now_ms) / 1000, zone).date()
    context["calendar_href"] = (
        f"/radio/calendar?commune={place.code}&view=week&date={shown.isoformat()}"
    )
    # What it played this month; a deleted schedule, in the month it was deleted.
    ended = None if current is not None else app[INDEX].day_of(versions[-1].from_ms)
    context["log_href"] = schedule_log_href(place.code, schedule_id, ended or today(app))
    return _page(request, "radio_schedule.html", place, **context)


async def _set_paused(request: web.Request, paused: bool) -> web.Response:
    schedule, _ = _editable(request)
    try:
        change_fields(request, schedule, {"paused": paused})
    except web.HTTPBadRequest as exc:
        words = _words(request)
        raise web.HTTPBadRequest(
            text="; ".join(api_problem(p, words)[1] for p in api_problems(exc))
        ) from None
    request[AUDIT_DETAIL] = {"schedule": schedule.id, "title": schedule.title, "paused": paused}
    done = "paused" if paused else "resumed"
    raise web.HTTPSeeOther(location=f"/radio/schedules/{schedule.id}?done={done}")


async def pause(request: web.Request) -> web.Response:
    return await _set_paused(request, True)


async def resume(request: web.Request) -> web.Response:
    return await _set_paused(request, False)


async def delete(request: web.Request) -> web.Response:
    schedule, place = _editable(request)
    data = await request.post()
    if data.get("confirm") != "yes":
        raise web.HTTPBadRequest(text=_words(request)["sched.delete_unconfirmed"])
    delete_visible(request, schedule)
    request[AUDIT_DETAIL] = {"schedule": schedule.id, "title": schedule.title}
    raise web.HTTPSeeOther(location=f"/radio/schedules?commune={place.code}&done=deleted")


def setup_routes(app: web.Application) -> None:
    # The fixed paths first: a schedule's id never is "new" or "preview".
    app.router.add_get("/radio/schedules", list_page)
    app.router.add_get("/radio/schedules/new", new_form)
    app.router.add_post("/radio/schedules/new", create)
    app.router.add_post("/radio/schedules/preview", preview_fragment)
    app.router.add_get("/radio/schedules/{schedule_id}", schedule_page)
    app.router.add_get("/radio/schedules/{schedule_id}/edit", edit_form)
    app.router.add_post("/radio/schedules/{schedule_id}/edit", save_edit)
    app.router.add_post("/radio/schedules/{schedule_id}/pause", pause)
    app.router.add_post("/radio/schedules/{schedule_id}/resume", resume)
    app.router.add_post("/radio/schedules/{schedule_id}/delete", delete)
