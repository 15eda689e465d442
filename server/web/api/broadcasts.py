"""Commands that act on the loudspeakers at once: "emergency now" and "silence now"
(docs/api.md).

An emergency is a one-off schedule of the emergency class (Thông tư 39/2020/TT-BTTTT:
it plays immediately and pre-empts anything playing) that starts now by the server's
clock. It is stored like any other schedule, so it shows in the schedules list and in
the broadcast log's reconciliation; collisions are reported, never a refusal. A silence
order keeps some clusters quiet for up to a day (``server/broadcasts/silence.py``). An
emergency sent by mistake is stopped on all its clusters (``stop_emergency``).

Both are sent at once: every gateway concerned gets a new retained schedule set, and
the answer names the gateways it went to, and those it could not go to now because the
broker link is down (they get it as soon as the link returns). Admins act anywhere,
operators in their communes; viewers read the silences in force; agents never get here.
The radio pages (server/web/pages/radio_now.py) order through the same functions.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final, TypeVar
from zoneinfo import ZoneInfo

import msgspec
from aiohttp import web

from xaso.protocol import ContentSource
from xaso.server.broadcasts.keys import CONTENT, DISTRIBUTOR, SCHEDULES, SILENCES, SYNC_SCHEDULES
from xaso.server.broadcasts.schedule import (
    Content,
    ContentType,
    Schedule,
    Targets,
    schedule_problems,
    start_ms,
    target_clusters,
)
from xaso.server.broadcasts.silence import (
    DEFAULT_MINUTES,
    MAX_MINUTES,
    MAX_REASON_CHARS,
    SilenceOrder,
    in_force,
    lifted,
    new_order,
    orders_in_force,
    silence_problems,
)
from xaso.server.keys import CLOCK_MS, INDEX
from xaso.server.monitoring.exclusions import new_id
from xaso.server.web.api.schedules import content_problems, invalid, saved_view
from xaso.server.web.auth import PRINCIPAL
from xaso.server.web.http import forbidden, json_body, json_response, not_found
from xaso.server.web.tokens import Principal
from xaso.server.web.views import iso_utc

_EPOCH: Final = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
# A stopped emergency's silence lasts at least this long: speech longer than its slot
# may still play past the slot's end, and a gateway needs a moment to get its new set.
STOP_MIN_MINUTES: Final = 2.0
T = TypeVar("T")


class EmergencyContent(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    type: ContentType
    title: str = ""
    # Optional for a file: the uploaded file's real duration is taken.
    duration_s: float | None = None
    sha256: str | None = None
    text: str | None = None
    voice: str = "vi"
    url: str | None = None
    source: ContentSource = "commune"


class EmergencyRequest(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    commune: str
    content: EmergencyContent
    zones: list[str] = []
    clusters: list[str] = []
    title: str = ""  # by default the content's title


class SilenceRequest(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    commune: str
    zones: list[str] = []
    clusters: list[str] = []
    minutes: float = DEFAULT_MINUTES
    reason: str = ""


def _decode(body: dict[str, Any], type_: type[T], what: str) -> T:
    try:
        return msgspec.convert(body, type_)
    except msgspec.ValidationError as exc:
        raise invalid(what, [str(exc)]) from None


def sent(app: web.Application, clusters: list[str]) -> dict[str, list[str]]:
    """Sync the sets now; which of the gateways of ``clusters`` got theirs."""
    published = set(app[SYNC_SCHEDULES]())
    gateways = app[DISTRIBUTOR].gateways_of(clusters)
    return {
        "sent_to": [g for g in gateways if g in published],
        "not_sent": [g for g in gateways if g not in published],
    }


def _wall_time(now_ms: int, timezone: str) -> dt.datetime:
    """``now_ms`` as a naive wall time in ``timezone``, to the millisecond (so the
    occurrence starts exactly then)."""
    moment = _EPOCH + dt.timedelta(milliseconds=now_ms)
    return moment.astimezone(ZoneInfo(timezone)).replace(tzinfo=None)


def order_emergency(
    request: web.Request, principal: Principal, asked: EmergencyRequest
) -> dict[str, Any]:
    """Check, store and send an emergency; the answer's body (the saved schedule, its
    clusters and collisions, the gateways it went to). 403 outside the principal's
    communes, 400 naming every problem: nothing is stored then. The API and the radio
    pages both order through here."""
    # Permission first: the problems would tell about another commune's villages.
    if not principal.may_act(asked.commune):
        raise forbidden()
    app = request.app
    index = app[INDEX]
    now_ms = app[CLOCK_MS]()
    problems: list[str] = []
    given = asked.content
    duration_s = given.duration_s
    if duration_s is None:
        info = app[CONTENT].table.items.get(given.sha256 or "")
        if given.type == "file" and info is not None:
            duration_s = info.duration_s
        elif given.type != "file":
            problems.append(f"content.duration_s: required for content of type {given.type}")
        # A file without a hash or not uploaded: named by the checks below.
    content = Content(
        type=given.type,
        # 1.0 only stands in while the other problems are collected; never saved.
        duration_s=duration_s if duration_s is not None else 1.0,
        title=given.title,
        sha256=given.sha256,
        text=given.text,
        voice=given.voice,
        url=given.url,
        source=given.source,
    )
    timezone = index.inventory.timezone
    schedule = Schedule(
        id=new_id("kc"),
        commune=asked.commune,
        title=asked.title or given.title,
        content=content,
        start=_wall_time(now_ms, timezone),
        targets=Targets(zones=asked.zones, clusters=asked.clusters),
        timezone=timezone,
        priority="emergency",
        created_by=principal.name,
    )
    problems += schedule_problems(schedule, index, index.day_of(now_ms), targets_field="")
    problems += content_problems(request, content, asked.commune)
    if problems:
        raise invalid("invalid emergency broadcast", problems)
    view = saved_view(request, schedule)  # before saving: a failure must leave nothing
    app[SCHEDULES].put(schedule, by=principal.name)
    return {**view, **sent(app, view["clusters"])}


async def emergency(request: web.Request) -> web.Response:
    asked = _decode(await json_body(request), EmergencyRequest, "invalid emergency broadcast")
    return json_response(order_emergency(request, request[PRINCIPAL], asked), status=201)


def silence_view(order: SilenceOrder, now_ms: int) -> dict[str, Any]:
    return {
        **msgspec.to_builtins(order),
        "from": iso_utc(order.from_ms),
        "to": iso_utc(order.to_ms),
        "in_force": in_force(order, now_ms),
    }


def _new_silence(app: web.Application, principal: Principal, asked: SilenceRequest) -> SilenceOrder:
    """Check and store a silence order (not sent yet)."""
    if not principal.may_act(asked.commune):
        raise forbidden()
    index = app[INDEX]
    now_ms = app[CLOCK_MS]()
    targets = Targets(zones=asked.zones, clusters=asked.clusters)
    problems = silence_problems(
        asked.commune, targets, asked.minutes, asked.reason, index, index.day_of(now_ms)
    )
    if problems:
        raise invalid("invalid silence", problems)
    order = new_order(
        new_id("il"),
        asked.commune,
        targets,
        index,
        now_ms=now_ms,
        minutes=asked.minutes,
        created_by=principal.name,
        reason=asked.reason,
    )
    app[SILENCES].put(order)
    return order


def order_silence(
    app: web.Application, principal: Principal, asked: SilenceRequest
) -> dict[str, Any]:
    """Check, store and send a silence order; the answer's body (the order, its
    clusters, the gateways it went to). 403 outside the principal's communes, 400
    naming every problem."""
    order = _new_silence(app, principal, asked)
    return {
        "silence": silence_view(order, app[CLOCK_MS]()),
        "clusters": order.clusters,
        **sent(app, order.clusters),
    }


async def silence(request: web.Request) -> web.Response:
    asked = _decode(await json_body(request), SilenceRequest, "invalid silence")
    return json_response(order_silence(request.app, request[PRINCIPAL], asked), status=201)


def lift(app: web.Application, principal: Principal, silence_id: str) -> dict[str, Any]:
    """Lift an order in force (one already over is answered as it is): the answer's
    body. 404 for an order the principal may not see, 403 for one it may not lift."""
    table = app[SILENCES]
    order = table.items.get(silence_id)
    if order is None or not principal.may_see(order.commune):
        raise not_found("silence")
    if not principal.may_act(order.commune):
        raise forbidden()
    now_ms = app[CLOCK_MS]()
    order = lifted(order, now_ms, principal.name)
    table.put(order)
    return {"silence": silence_view(order, now_ms), **sent(app, order.clusters)}


async def lift_silence(request: web.Request) -> web.Response:
    """Lifts an order in force; one already over is answered as it is."""
    body = lift(request.app, request[PRINCIPAL], request.match_info["silence_id"])
    return json_response(body)


def stop_emergency(
    app: web.Application, principal: Principal, schedule_id: str, reason: str = ""
) -> dict[str, Any]:
    """Stop an "emergency now" on all its clusters, and never play it after: a silence
    order on its clusters for the rest of its slot (at least ``STOP_MIN_MINUTES``), and
    the schedule withdrawn (deleted), in one new set per gateway.

    Both are needed (docs/playout.md): only a silence stops what plays (a silence
    ordered during an emergency wins over it), and the playout log says so
    (``preempted``, reason ``silenced``, by the order: "Đã dừng theo lệnh"); while a
    gateway that had not started it yet (busy, its speech still rendering, its link
    down) would start it once a short silence ended, unless the schedule is gone (it
    then logs ``skipped``, reason ``withdrawn``: stopped on order too). What planned
    the emergency stays in the schedule's versions, so its log stays whole.

    404 for an emergency the principal may not see (or no one-off emergency that has
    begun: a schedule to come is deleted, not stopped), 403 for one it may not act on."""
    schedule = app[SCHEDULES].items.get(schedule_id)
    now_ms = app[CLOCK_MS]()
    if (
        schedule is None
        or not principal.may_see(schedule.commune)
        or schedule.priority != "emergency"
        or schedule.rrule is not None
        or start_ms(schedule) > now_ms
    ):
        raise not_found("emergency broadcast")
    if not principal.may_act(schedule.commune):
        raise forbidden()
    index = app[INDEX]
    clusters = sorted(target_clusters(schedule, index, index.day_of(now_ms)))
    end_ms = start_ms(schedule) + round(schedule.content.duration_s * 1000)
    minutes = min(max((end_ms - now_ms) / 60_000, STOP_MIN_MINUTES), MAX_MINUTES)
    asked = SilenceRequest(
        commune=schedule.commune,
        clusters=clusters,
        minutes=minutes,
        reason=reason or f"Dừng phát khẩn cấp: {schedule.title}"[:MAX_REASON_CHARS],
    )
    # No cluster (a village emptied since): nothing plays it, and a silence without
    # clusters would mean the whole commune.
    order = _new_silence(app, principal, asked) if clusters else None
    app[SCHEDULES].remove(schedule.id, by=principal.name)
    return {
        "schedule": schedule.id,
        "silence": silence_view(order, now_ms) if order is not None else None,
        "clusters": clusters,
        **sent(app, clusters),
    }


async def stop(request: web.Request) -> web.Response:
    body = stop_emergency(request.app, request[PRINCIPAL], request.match_info["schedule_id"])
    return json_response(body)


async def list_silences(request: web.Request) -> web.Response:
    """The orders in force that the token may see (``?commune=`` narrows)."""
    principal = request[PRINCIPAL]
    commune = request.query.get("commune")
    now_ms = request.app[CLOCK_MS]()
    found = [
        silence_view(o, now_ms)
        for o in orders_in_force(request.app[SILENCES].items.values(), now_ms)
        if principal.may_see(o.commune) and (commune is None or o.commune == commune)
    ]
    return json_response({"silences": found, "count": len(found)})


def setup_routes(app: web.Application) -> None:
    app.router.add_post("/api/v1/broadcasts/emergency", emergency)
    app.router.add_post("/api/v1/broadcasts/emergency/{schedule_id}/stop", stop)
    app.router.add_post("/api/v1/broadcasts/silence", silence)
    app.router.add_delete("/api/v1/broadcasts/silence/{silence_id}", lift_silence)
    app.router.add_get("/api/v1/broadcasts/silences", list_silences)
