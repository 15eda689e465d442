"""Broadcast schedules through the API (docs/api.md).

Commune officers (operators) manage their own communes' schedules, admins any; viewers
read. A new or changed schedule is checked with every problem named, and its
collisions with the commune's other schedules over the coming 90 days are reported in
the answer: they are information for the officer, not a refusal, since TT39's classes
decide what plays first.

The radio pages (server/web/pages/radio_schedules.py) save through the same functions
(``add_schedule``, ``change_fields``, ``delete_visible``), so a form applies exactly the
rules of the API.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

import msgspec
from aiohttp import web

from xaso.server.broadcasts.keys import CONTENT, DISTRIBUTOR, SCHEDULES, SYNC_SCHEDULES
from xaso.server.broadcasts.schedule import (
    ALWAYS_FROM_MS,
    ALWAYS_TO_MS,
    Content,
    Schedule,
    conflicts,
    occurrences,
    schedule_problems,
    start_ms,
    target_clusters,
)
from xaso.server.keys import CLOCK_MS, INDEX
from xaso.server.monitoring.exclusions import new_id
from xaso.server.monitoring.keys import STATE
from xaso.server.web.auth import PRINCIPAL, today
from xaso.server.web.http import (
    bad_request,
    forbidden,
    json_body,
    json_response,
    not_found,
    parse_time_ms,
)
from xaso.server.web.views import iso_utc

CONFLICT_HORIZON_MS = 90 * 24 * 3600 * 1000
MAX_OCCURRENCES = 1000
MAX_RANGE_MS = 366 * 24 * 3600 * 1000


def invalid(what: str, problems: list[str]) -> web.HTTPBadRequest:
    """400 naming every problem of ``what`` (e.g. "invalid schedule")."""
    return web.HTTPBadRequest(
        text=msgspec.json.encode({"error": what, "problems": problems}).decode(),
        content_type="application/json",
    )


def check_schedule(request: web.Request, body: dict[str, Any]) -> Schedule:
    """The schedule ``body`` describes, or the API's 400 naming every problem (403 when
    the user may not act in its commune)."""
    try:
        schedule = msgspec.convert(body, Schedule)
    except msgspec.ValidationError as exc:
        raise invalid("invalid schedule", [str(exc)]) from None
    # Permission first: the problems would tell about another commune's villages.
    if not request[PRINCIPAL].may_act(schedule.commune):
        raise forbidden()
    problems = schedule_problems(schedule, request.app[INDEX], today(request.app))
    problems += content_problems(request, schedule.content, schedule.commune)
    if problems:
        raise invalid("invalid schedule", problems)
    return schedule


def content_problems(request: web.Request, content: Content, commune: str) -> list[str]:
    """What the schedule checks cannot know: whether the file was uploaded for the
    commune, or a commune of its merger that the commune's tokens cover today (its
    gateways fetch it with those tokens: a file kept for other communes would fail at
    its hour, and is no business of this one's officers), and whether the slot holds
    it (the gateway stops a player that runs on past it)."""
    if content.type != "file" or not content.sha256:
        return []
    info = request.app[CONTENT].table.items.get(content.sha256)
    covered = request.app[INDEX].scope_on({commune}, today(request.app))
    if info is None or not any(info.serves(c) for c in covered):
        return ["content.sha256: no uploaded file has this hash (POST /api/v1/content)"]
    if content.duration_s < info.duration_s - 1:
        return [f"content.duration_s: the file lasts {info.duration_s:.0f} s: give at least that"]
    return []


def saved_view(request: web.Request, schedule: Schedule) -> dict[str, Any]:
    """The answer to a saved schedule: it, its clusters and its collisions (computed
    before saving: a failure must leave nothing)."""
    table = request.app[SCHEDULES]
    index = request.app[INDEX]
    # From now, or from the schedule's start when it lies in the future.
    horizon_from = max(request.app[CLOCK_MS](), start_ms(schedule))
    # After a merger a predecessor's schedules play on clusters the successor's play on.
    family = index.merge_family(schedule.commune)
    others = [s for s in table.items.values() if s.commune in family]
    found = conflicts(
        schedule,
        others,
        request.app[INDEX],
        horizon_from,
        horizon_from + CONFLICT_HORIZON_MS,
    )
    return {
        "schedule": msgspec.to_builtins(schedule),
        "clusters": sorted(target_clusters(schedule, index, today(request.app))),
        "conflicts": [
            {**msgspec.to_builtins(c), "start": iso_utc(c.start_ms), "end": iso_utc(c.end_ms)}
            for c in found
        ],
    }


def visible_schedule(request: web.Request, schedule_id: str | None = None) -> Schedule:
    """The schedule (``schedule_id``, else the path's), or 404 outside the user's scope."""
    wanted = schedule_id if schedule_id is not None else request.match_info["schedule_id"]
    schedule = request.app[SCHEDULES].items.get(wanted)
    if schedule is None or not request[PRINCIPAL].may_see(schedule.commune):
        raise not_found("schedule")
    return schedule


def add_schedule(request: web.Request, body: dict[str, Any]) -> dict[str, Any]:
    """Check and save a new schedule (its id and author given here): its saved view."""
    body = {**body, "id": new_id("lt"), "created_by": request[PRINCIPAL].name, "revision": 1}
    schedule = check_schedule(request, body)
    view = saved_view(request, schedule)  # before saving: a failure must leave nothing
    request.app[SCHEDULES].put(schedule, by=request[PRINCIPAL].name)
    request.app[SYNC_SCHEDULES]()
    return view


def change_fields(
    request: web.Request, current: Schedule, changes: dict[str, Any]
) -> dict[str, Any]:
    """Change some fields of a visible schedule (the revision goes up): its saved view.
    403 for a user who may not act in its commune, 400 for a fixed field or a problem."""
    if not request[PRINCIPAL].may_act(current.commune):
        raise forbidden()
    body = msgspec.to_builtins(current)
    for fixed in ("id", "created_by", "revision", "commune"):
        if fixed in changes:
            raise bad_request(f"'{fixed}' cannot be changed")
    body.update(changes, revision=current.revision + 1)
    schedule = check_schedule(request, body)
    view = saved_view(request, schedule)
    request.app[SCHEDULES].put(schedule, by=request[PRINCIPAL].name)
    request.app[SYNC_SCHEDULES]()
    return view


def delete_visible(request: web.Request, schedule: Schedule) -> None:
    """Delete a visible schedule from now on; 403 for a user who may not act there."""
    if not request[PRINCIPAL].may_act(schedule.commune):
        raise forbidden()
    request.app[SCHEDULES].remove(schedule.id, by=request[PRINCIPAL].name)
    request.app[SYNC_SCHEDULES]()


async def list_schedules(request: web.Request) -> web.Response:
    principal = request[PRINCIPAL]
    commune = request.query.get("commune")
    found = [
        s
        for s in request.app[SCHEDULES].items.values()
        if principal.may_see(s.commune) and (commune is None or s.commune == commune)
    ]
    found.sort(key=lambda s: (s.commune, start_ms(s)))  # naive and aware starts mix
    return json_response({"schedules": msgspec.to_builtins(found), "count": len(found)})


async def create_schedule(request: web.Request) -> web.Response:
    return json_response(add_schedule(request, await json_body(request)), status=201)


async def change_schedule(request: web.Request) -> web.Response:
    """Change some fields (e.g. ``{"paused": true}``); the revision goes up."""
    current = visible_schedule(request)
    if not request[PRINCIPAL].may_act(current.commune):
        raise forbidden()  # before reading a body the user may not send
    return json_response(change_fields(request, current, await json_body(request)))


async def delete_schedule(request: web.Request) -> web.Response:
    delete_visible(request, visible_schedule(request))
    return web.Response(status=204)


async def schedule_versions(request: web.Request) -> web.Response:
    """Every version a schedule had, deleted ones included: who changed what, when, and
    so which version planned a past occurrence (server/broadcasts/schedule_table.py)."""
    schedule_id = request.match_info["schedule_id"]
    versions = request.app[SCHEDULES].versions(schedule_id)
    communes = {v.schedule.commune for v in versions if v.schedule is not None}
    if not versions or not all(request[PRINCIPAL].may_see(c) for c in communes):
        raise not_found("schedule")
    return json_response(
        {
            "schedule": schedule_id,
            "deleted": versions[-1].schedule is None,
            "versions": [
                {
                    # None: saved before versions were kept.
                    "saved": iso_utc(v.saved_ms) if v.saved_ms > ALWAYS_FROM_MS else None,
                    "saved_by": v.saved_by,
                    "in_force_from": iso_utc(v.from_ms) if v.from_ms > ALWAYS_FROM_MS else None,
                    "in_force_until": iso_utc(v.to_ms) if v.to_ms < ALWAYS_TO_MS else None,
                    "deleted": v.schedule is None,
                    "schedule": msgspec.to_builtins(v.schedule),
                }
                for v in versions
            ],
        }
    )


async def schedule_occurrences(request: web.Request) -> web.Response:
    schedule = visible_schedule(request)
    tz = ZoneInfo(schedule.timezone)
    now_ms = request.app[CLOCK_MS]()
    from_ms = (
        parse_time_ms("from", request.query["from"], tz) if "from" in request.query else now_ms
    )
    to_ms = (
        parse_time_ms("to", request.query["to"], tz)
        if "to" in request.query
        else from_ms + 7 * 24 * 3600 * 1000
    )
    if from_ms >= to_ms:
        raise bad_request("'from' must be before 'to'")
    if to_ms - from_ms > MAX_RANGE_MS:
        # Expanding centuries of an hourly rule would hold the event loop for minutes.
        raise bad_request("ask for at most a year at a time")
    found = occurrences(schedule, from_ms, to_ms)[:MAX_OCCURRENCES]
    return json_response(
        {
            "schedule": schedule.id,
            "clusters": sorted(target_clusters(schedule, request.app[INDEX], today(request.app))),
            "occurrences": [{"start": iso_utc(a), "end": iso_utc(b)} for a, b in found],
            "truncated": len(found) >= MAX_OCCURRENCES,
        }
    )


def distribution_row(app: web.Application, agent_id: str, now_ms: int) -> dict[str, Any] | None:
    """A radio gateway's schedule set: the one it should hold now and the one it
    reports, with how far ahead each lists occurrences; None for a gateway that plays
    no schedule (no loudspeaker cluster). The gateways page shows the same."""
    distributor = app[DISTRIBUTOR]
    clusters = distributor.agents.get(agent_id)
    if clusters is None:
        return None
    index = app[INDEX]
    gateway = app[STATE].devices[agent_id]
    due = distributor.due.get(agent_id)
    expected = due.version if due is not None else None
    health = gateway.last_health
    reported = health.schedule_version if health is not None else None
    held_horizon_ms = distributor.horizon_of(agent_id, reported) if reported is not None else None
    return {
        "agent": agent_id,
        "commune": index.commune_on(agent_id, index.day_of(now_ms)),
        "clusters": sorted(clusters),
        "expected_version": expected,
        "horizon": iso_utc(due.horizon_ms) if due is not None else None,
        "reported_version": reported,
        "in_sync": reported is not None and reported == expected,
        # Holds a set that is no longer the one due (any version but the current one
        # is older: a gateway cannot hold one not yet planned).
        "outdated": reported is not None and expected is not None and reported != expected,
        # How far ahead the set it holds lists occurrences; null when the server does
        # not know that version (planned before it started).
        "held_horizon": iso_utc(held_horizon_ms) if held_horizon_ms is not None else None,
        "held_horizon_passed": (held_horizon_ms <= now_ms if held_horizon_ms is not None else None),
    }


async def distribution(request: web.Request) -> web.Response:
    """Per radio gateway: the schedule set it should hold now and the one it reports,
    with how far ahead each lists occurrences (docs/api.md)."""
    principal = request[PRINCIPAL]
    index = request.app[INDEX]
    now_ms = request.app[CLOCK_MS]()
    rows = [
        distribution_row(request.app, agent_id, now_ms)
        for agent_id in sorted(request.app[DISTRIBUTOR].agents)
        if principal.may_see(index.listed_commune[agent_id])
    ]
    return json_response({"agents": rows})


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/api/v1/schedules", list_schedules)
    app.router.add_get("/api/v1/schedules/distribution", distribution)
    app.router.add_post("/api/v1/schedules", create_schedule)
    app.router.add_patch("/api/v1/schedules/{schedule_id}", change_schedule)
    app.router.add_delete("/api/v1/schedules/{schedule_id}", delete_schedule)
    app.router.add_get("/api/v1/schedules/{schedule_id}/occurrences", schedule_occurrences)
    app.router.add_get("/api/v1/schedules/{schedule_id}/versions", schedule_versions)
