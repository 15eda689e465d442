"""Devices and communes through the API, with ``/healthz`` and ``/metrics``."""

from __future__ import annotations

import time
from typing import Any

import msgspec
from aiohttp import web

from xaso.server.alerts.wiring import active_alerts
from xaso.server.keys import INDEX, METRICS, STORE
from xaso.server.monitoring.fleet_state import DeviceStatus
from xaso.server.monitoring.keys import INTAKE_HEALTH, STATE
from xaso.server.monitoring.metrics import CONTENT_TYPE
from xaso.server.web.auth import PRINCIPAL, today
from xaso.server.web.http import (
    bad_request,
    json_response,
    may_see_device,
    not_found,
    requested_period,
    visible_device,
)
from xaso.server.web.views import commune_states, device_view, iso_utc, status_counts

MAX_HISTORY_ROWS = 10_000
DEFAULT_HISTORY_MS = 24 * 3600 * 1000


async def list_devices(request: web.Request) -> web.Response:
    state = request.app[STATE]
    index = request.app[INDEX]
    day = today(request.app)
    commune = request.query.get("commune")
    kind = request.query.get("kind")
    status = request.query.get("status")
    if status is not None and status not in DeviceStatus.__members__.values():
        raise bad_request(f"status must be one of {', '.join(DeviceStatus)}")
    devices = []
    for s in state.devices.values():
        belongs = index.commune_on(s.entry.id, day)
        if (
            may_see_device(request, s.entry.id)
            and (commune is None or belongs == commune)
            and (kind is None or s.entry.kind == kind)
            and (status is None or s.status == status)
        ):
            devices.append(device_view(s, belongs))
    return json_response({"devices": devices, "count": len(devices)})


async def get_device(request: web.Request) -> web.Response:
    state = visible_device(request)
    belongs = request.app[INDEX].commune_on(state.entry.id, today(request.app))
    return json_response(device_view(state, belongs, detail=True))


async def device_history(request: web.Request) -> web.Response:
    state = visible_device(request)
    # +1: the half-open range takes in what happened this very millisecond.
    from_ms, to_ms = requested_period(request, DEFAULT_HISTORY_MS, int(time.time() * 1000) + 1)
    store = request.app[STORE]
    entry = state.entry
    body: dict[str, Any] = {"device": entry.id, "from": iso_utc(from_ms), "to": iso_utc(to_ms)}
    if entry.kind == "gateway":
        rows: list[Any] = await store.agent_health(entry.id, from_ms, to_ms, MAX_HISTORY_ROWS)
        body["health"] = msgspec.to_builtins(rows)
    else:
        rows = await store.device_readings(entry.id, from_ms, to_ms, MAX_HISTORY_ROWS)
        body["readings"] = msgspec.to_builtins(rows)
    body["truncated"] = len(rows) >= MAX_HISTORY_ROWS
    transitions = await store.transitions(entry.id, from_ms, to_ms, MAX_HISTORY_ROWS)
    body["transitions"] = msgspec.to_builtins(transitions)
    return json_response(body)


def _commune_summary(request: web.Request, code: str) -> dict[str, Any]:
    commune = request.app[INDEX].communes[code]
    states = commune_states(request.app[STATE], code, today(request.app))
    return {
        "code": code,
        "name": commune.name,
        "kind": commune.kind,
        "devices": len(states),
        "by_status": status_counts(states),
    }


async def list_communes(request: web.Request) -> web.Response:
    principal = request[PRINCIPAL]
    communes = [
        _commune_summary(request, code)
        for code in request.app[INDEX].communes
        if principal.may_see(code)
    ]
    return json_response({"communes": communes, "count": len(communes)})


async def get_commune(request: web.Request) -> web.Response:
    code = request.match_info["code"]
    index = request.app[INDEX]
    if code not in index.communes or not request[PRINCIPAL].may_see(code):
        raise not_found("commune")
    day = today(request.app)
    # What belongs to it today: after a merger, its predecessors' villages and places
    # too; nothing to a commune that merged away.
    held = [index.communes[listed] for listed in index.members_on(code, day)]
    body = _commune_summary(request, code)
    body["villages"] = [{"code": v.code, "name": v.name} for c in held for v in c.villages]
    body["key_locations"] = [
        {"code": k.code, "name": k.name, "kind": k.kind} for c in held for k in c.key_locations
    ]
    states = commune_states(request.app[STATE], code, day)
    body["device_list"] = [device_view(s, code) for s in states]
    return json_response(body)


async def list_alerts(request: web.Request) -> web.Response:
    """The alert groups firing now (none when alerting is off), oldest first."""
    principal = request[PRINCIPAL]
    alerts = [
        a
        for a in active_alerts(request.app)
        if a.get("commune") is None or principal.may_see(str(a["commune"]))
    ]
    return json_response({"alerts": alerts, "count": len(alerts)})


async def healthz(request: web.Request) -> web.Response:
    """200 only when the server sees its fleet: broker link up, store answering, and
    messages stored as they come (server/monitoring/pipeline.py); 503 with the problems
    otherwise."""
    state = request.app[STATE]
    store_ok = await request.app[STORE].ping()
    intake = request.app[INTAKE_HEALTH]()
    problems = intake.problems()
    if not state.link_is_up:
        problems.insert(0, "not connected to the broker")
    if not store_ok:
        problems.insert(0, "the store does not answer")
    return json_response(
        {
            "ok": not problems,
            "mqtt_connected": state.link_is_up,
            "store_ok": store_ok,
            "intake_stalled": intake.stalled,
            "intake_waiting_s": round(intake.waiting_s, 3),
            "store_failing_s": round(intake.store_failing_s, 3),
            "problems": problems,
        },
        status=200 if not problems else 503,
    )


async def metrics(request: web.Request) -> web.Response:
    return web.Response(body=request.app[METRICS].render(), headers={"Content-Type": CONTENT_TYPE})


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/api/v1/devices", list_devices)
    app.router.add_get("/api/v1/devices/{device_id}", get_device)
    app.router.add_get("/api/v1/devices/{device_id}/history", device_history)
    app.router.add_get("/api/v1/communes", list_communes)
    app.router.add_get("/api/v1/communes/{code}", get_commune)
    app.router.add_get("/api/v1/alerts", list_alerts)
