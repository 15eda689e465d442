"""The gateways page: each gateway the user may see, how its connection, queue, clock
and schedule stand, and the devices of the inventory it does not have in its own
configuration — problems first.

Everything comes from the live state (``FleetState``: the gateway's status, its newest
connection, its last heartbeat's health) and the schedule distributor; nothing is read
from the store, so the page costs no query however many gateways there are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

from aiohttp import web

from xaso.server.keys import CLOCK_MS, INDEX
from xaso.server.monitoring.fleet_state import DeviceStatus, FleetState
from xaso.server.monitoring.keys import STATE
from xaso.server.web.api.schedules import distribution_row
from xaso.server.web.auth import PRINCIPAL
from xaso.server.web.rendering import render, request_language
from xaso.server.words import cause_text, duration, translator

# A clock further off than this is flagged: the clock_offset alert's threshold in
# deploy/alerts.yaml (a bulletin two seconds late is heard as late).
LARGE_CLOCK_OFFSET_MS: Final = 2_000.0
# Records waiting in the gateway's queue beyond a few heartbeats' worth: it is sending a
# backlog (after a cut), or its link does not keep up.
QUEUE_BACKLOG: Final = 10

# How much each problem weighs when sorting: the worst first.
_WEIGHT: Final = {
    "offline": 5,
    "unconfigured": 4,
    "unknown": 3,
    "pending": 3,
    "queue_error": 3,
    "queue_dropped": 2,
    "schedule_outdated": 2,
    "schedule_not_reported": 2,
    "clock": 2,
    "ntp": 2,
    "content_missing": 1,
    "queue_backlog": 1,
    "stopped": 1,
}


@dataclass
class GatewayRow:
    id: str
    name: str
    commune: str
    status: str
    since: str
    for_: str
    cause: str
    last_heartbeat: str
    version: str
    session: int | None
    connected_since: str
    queue: dict[str, Any]
    clock: dict[str, Any]
    schedule: dict[str, Any] | None
    content_missing: int | None
    # None: not known yet (too few heartbeats since it connected).
    unconfigured: list[dict[str, str]] | None
    problems: list[str] = field(default_factory=list)

    @property
    def weight(self) -> int:
        return max((_WEIGHT[p] for p in self.problems), default=0)


def _local(ts_ms: int | None, tz: ZoneInfo) -> str:
    if ts_ms is None:
        return "—"
    return datetime.fromtimestamp(ts_ms / 1000, tz).strftime("%d/%m/%Y %H:%M")


def gateway_row(
    app: web.Application, agent_id: str, now_ms: int, lang: str, tz: ZoneInfo
) -> GatewayRow:
    """One gateway as the page shows it, with its problems by name."""
    state: FleetState = app[STATE]
    index = app[INDEX]
    words = translator(lang)
    gateway = state.devices[agent_id]
    link = state.links[agent_id]
    health = gateway.last_health
    commune = index.commune_on(agent_id, index.day_of(now_ms))
    problems: list[str] = []
    if gateway.status in (
        DeviceStatus.OFFLINE,
        DeviceStatus.UNKNOWN,
        DeviceStatus.PENDING,
        DeviceStatus.STOPPED,
    ):
        problems.append(str(gateway.status))

    depth = health.queue_depth if health else None
    dropped = health.queue_dropped if health else None
    queue_error = health.queue_error if health else None
    queue = {"depth": depth, "dropped": dropped, "error": queue_error}
    if queue_error:
        problems.append("queue_error")
    if dropped:
        problems.append("queue_dropped")
    if (depth or 0) > QUEUE_BACKLOG:
        problems.append("queue_backlog")

    offset = health.clock_offset_ms if health else None
    clock = {
        "offset_ms": offset,
        "offset": f"{offset / 1000:+.1f} s" if offset is not None else "—",
        "large": offset is not None and abs(offset) > LARGE_CLOCK_OFFSET_MS,
        "unsynced": health is not None and health.ntp_synced is False,
    }
    if clock["large"]:
        problems.append("clock")
    if clock["unsynced"]:
        problems.append("ntp")

    schedule = distribution_row(app, agent_id, now_ms)
    if schedule is not None and health is not None:
        if schedule["outdated"]:
            problems.append("schedule_outdated")
        elif schedule["reported_version"] is None and schedule["expected_version"] is not None:
            problems.append("schedule_not_reported")
    content_missing = health.content_missing if health else None
    if content_missing:
        problems.append("content_missing")

    missing = state.unconfigured(agent_id)
    unconfigured = (
        None
        if missing is None
        else [
            {"id": d, "name": index.devices[d].name, "kind": index.devices[d].kind} for d in missing
        ]
    )
    if unconfigured:
        problems.append("unconfigured")
    problems.sort(key=lambda p: -_WEIGHT[p])

    return GatewayRow(
        id=agent_id,
        name=gateway.entry.name,
        commune=index.communes[commune].name if commune in index.communes else commune,
        status=str(gateway.status),
        since=_local(gateway.since_ms, tz),
        for_=duration((now_ms - (gateway.since_ms or now_ms)) / 1000, lang),
        cause=cause_text(gateway.cause, words).text,
        last_heartbeat=_local(gateway.last_seen_ms, tz),
        version=link.agent_version or "—",
        session=link.session if link.session >= 0 else None,
        connected_since=_local(link.heard_since_ms, tz),
        queue=queue,
        clock=clock,
        schedule=schedule,
        content_missing=content_missing,
        unconfigured=unconfigured,
        problems=problems,
    )


def visible_rows(request: web.Request) -> list[GatewayRow]:
    """The gateways the user may see, problems first (the worst, then the most), then
    by commune and name."""
    app = request.app
    principal = request[PRINCIPAL]
    index = app[INDEX]
    tz = ZoneInfo(index.inventory.timezone)
    lang = request_language(request)
    now_ms = app[CLOCK_MS]()
    rows = [
        gateway_row(app, agent_id, now_ms, lang, tz)
        for agent_id in index.agents
        if principal.may_see(index.listed_commune[agent_id])
    ]
    rows.sort(key=lambda r: (-r.weight, -len(r.problems), r.commune, r.name))
    return rows


async def gateways(request: web.Request) -> web.Response:
    rows = visible_rows(request)
    tz = ZoneInfo(request.app[INDEX].inventory.timezone)
    return render(
        request,
        "gateways.html",
        gateways=rows,
        with_problems=sum(1 for r in rows if r.problems),
        unconfigured=sum(len(r.unconfigured or ()) for r in rows),
        unconfigured_gateways=sum(1 for r in rows if r.unconfigured),
        updated=_local(request.app[CLOCK_MS](), tz),
    )


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/gateways", gateways)
