"""What every HTTP handler shares: JSON answers and errors, the request's JSON body, time
parameters and periods, and the commune scope of a device."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

import msgspec
from aiohttp import web

from xaso.server.keys import INDEX
from xaso.server.monitoring.keys import STATE
from xaso.server.time_param import TimeParamError, parse_time_param
from xaso.server.web.auth import PRINCIPAL


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
    tz = ZoneInfo(request.app[INDEX].inventory.timezone)
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
    return request[PRINCIPAL].may_see(request.app[INDEX].listed_commune[device_id])


def visible_device(request: web.Request) -> Any:
    state = request.app[STATE].devices.get(request.match_info["device_id"])
    # Out-of-scope devices are "not found", so ids of other communes do not leak.
    if state is None or not may_see_device(request, state.entry.id):
        raise not_found("device")
    return state
