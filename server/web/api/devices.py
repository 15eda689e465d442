"""The JSON API under ``/api/v1``, plus ``/healthz`` and ``/metrics``."""

from __future__ import annotations

import time
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
from aiohttp import web

from xaso.server import keys
from xaso.server.alerts.wiring import active_alerts
from xaso.server.monitoring.fleet_state import DeviceStatus
from xaso.server.monitoring.metrics import CONTENT_TYPE
from xaso.server.web.auth import PRINCIPAL, today
from xaso.server.web.time_param import TimeParamError, parse_time_param
from xaso.server.web.views import commune_states, device_view, iso_utc, status_counts

MAX_HISTORY_ROWS = 10_000
DEFAULT_HISTORY_MS = 24 * 3600 * 1000


def json_response(data: Any, status: int = 200) -> web.Response:
    return web.Response(
        body=msgspec.json.encode(data), status=status, content_type="application/json"
    )


def bad_request(message: str) -> web.HTTPBadRequest:
    return web.HTTPBadRequest(
        text=msgspec.json.encode({"error": message}).decode(), content_type="application/json"
    )


def not_found(what: str) -> web.HTTPNotFound:
    return web.HTTPNotFound(
        text=msgspec.json.encode({"error": f"{what} not found"}).decode(),
        content_type="application/json",
    )


def forbidden() -> web.HTTPForbidden:
    return web.HTTPForbidden(
        text='{"error": "this token may not change that"}', content_type="application/json"
    )


async def json_body(request: web.Request) -> dict[str, Any]:
    """The request's JSON object. Decoded from the bytes as UTF-8 (RFC 8259), whatever
    charset the Content-Type claims; anything else, or nesting deeper than the decoder
    recurses, is a 400."""
    try:
        body = msgspec.json.decode(await request.read())
    except (msgspec.DecodeError, RecursionError):
        raise bad_request("the body must be a JSON object") from None
    if not isinstance(body, dict):
        raise bad_request("the body must be a JSON object")
    return body


def parse_time_ms(name: str, value: str, tz: ZoneInfo) -> int:
    """The time parameter ``name``: epoch milliseconds, or ISO 8601 (a time without an
    offset is local to the inventory's time zone); a 400 naming it otherwise."""
    try:
        return parse_time_param(name, value, tz)
    except TimeParamError as exc:
        raise bad_request(str(exc)) from None


def requested_period(request: web.Request, span_ms: int, default_to_ms: int) -> tuple[int, int]:
    """``?from=&to=`` in the inventory's time zone; by default the ``span_ms`` before
    ``default_to_ms``."""
    tz = ZoneInfo(request.app[keys.INDEX].inventory.timezone)
    query = request.query
    to_ms = parse_time_ms("to", query["to"], tz) if "to" in query else default_to_ms
    from_ms = parse_time_ms("from", query["from"], tz) if "from" in query else to_ms - span_ms
    if from_ms >= to_ms:
        raise bad_request("'from' must be before 'to'")
    return from_ms, to_ms


def may_see_device(request: web.Request, device_id: str) -> bool:
    """Whether the token's scope covers the device: the commune it is listed under is
    in the scope exactly when the commune it belongs to today is
    (``InventoryIndex.scope_on`` covers a successor's predecessors from the merger)."""
    return request[PRINCIPAL].may_see(request.app[keys.INDEX].listed_commune[device_id])


async def list_devices(request: web.Request) -> web.Response:
    state = request.app[keys.STATE]
    index = request.app[keys.INDEX]
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


def visible_device(request: web.Request) -> Any:
    state = request.app[keys.STATE].devices.get(request.match_info["device_id"])
    # Out-of-scope devices are "not found", so ids of other communes do not leak.
    if state is None or not may_see_device(request, state.entry.id):
        raise not_found("device")
    return state


async def get_device(request: web.Request) -> web.Response:
    state = visible_device(request)
    belongs = request.app[keys.INDEX].commune_on(state.entry.id, today(request.app))
    return json_response(device_view(state, belongs, detail=True))


async def device_history(request: web.Request) -> web.Response:
    state = visible_device(request)
    # +1: the half-open range takes in what happened this very millisecond.
    from_ms, to_ms = requested_period(request, DEFAULT_HISTORY_MS, int(time.time() * 1000) + 1)
    store = request.app[keys.STORE]
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
    commune = request.app[keys.INDEX].communes[code]
    states = commune_states(request.app[keys.STATE], code, today(request.app))
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
        for code in request.app[keys.INDEX].communes
        if principal.may_see(code)
    ]
    return json_response({"communes": communes, "count": len(communes)})


async def get_commune(request: web.Request) -> web.Response:
    code = request.match_info["code"]
    index = request.app[keys.INDEX]
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
    states = commune_states(request.app[keys.STATE], code, day)
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
    messages stored as they come (server/pipeline.py); 503 with the problems otherwise."""
    state = request.app[keys.STATE]
    store_ok = await request.app[keys.STORE].ping()
    intake = request.app[keys.PIPELINE].health()
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
    return web.Response(
        body=request.app[keys.METRICS].render(), headers={"Content-Type": CONTENT_TYPE}
    )


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/api/v1/devices", list_devices)
    app.router.add_get("/api/v1/devices/{device_id}", get_device)
    app.router.add_get("/api/v1/devices/{device_id}/history", device_history)
    app.router.add_get("/api/v1/communes", list_communes)
    app.router.add_get("/api/v1/communes/{code}", get_commune)
    app.router.add_get("/api/v1/alerts", list_alerts)
