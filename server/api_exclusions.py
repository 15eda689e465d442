"""Maintenance windows and excused periods through the API (docs/api.md).

Who may write: an admin anything; an operator windows within its own communes (a
``kind`` window spans every commune, so it is an admin's). Excused periods are the
verifier's decision: verifiers within their communes, and admins. Reading follows the
token's commune scope.
"""

from __future__ import annotations

import msgspec
from aiohttp import web

from server import keys
from server.api import bad_request, forbidden, json_body, json_response, not_found
from server.auth import PRINCIPAL
from server.exclusions import ExcusedPeriod, new_id
from server.maintenance import InvalidWindow, Scoped, decode_window
from server.tokens import Principal, Role
from xaso.inventory import InventoryIndex


def _communes_of(index: InventoryIndex, scoped: Scoped) -> set[str] | None:
    """The communes a scope touches; None for "every commune" (a kind). A device or
    gateway counts as its listed commune's: a token's scope covers that one exactly when
    it covers the commune the device belongs to today (``InventoryIndex.scope_on``)."""
    if scoped.scope == "device" and scoped.target in index.devices:
        return {index.listed_commune[scoped.target]}
    if scoped.scope == "agent" and scoped.target in index.agents:
        return {index.listed_commune[scoped.target]}
    if scoped.scope == "commune" and scoped.target in index.communes:
        return {scoped.target}
    if scoped.scope == "kind" and any(d.kind == scoped.target for d in index.devices.values()):
        return None
    raise bad_request(f"no {scoped.scope} {scoped.target!r} in the inventory")


def _listed_communes(index: InventoryIndex, scoped: Scoped) -> set[str] | None:
    """Like _communes_of, for listing: a target the inventory no longer has (a device
    removed since) is shown to admins only, instead of failing the whole list."""
    try:
        return _communes_of(index, scoped)
    except web.HTTPBadRequest:
        return set()


def _may_write(principal: Principal, communes: set[str] | None) -> bool:
    if principal.role is Role.ADMIN:
        return True
    return principal.role is Role.OPERATOR and communes is not None and communes <= principal.scope


def _visible(principal: Principal, communes: set[str] | None) -> bool:
    if not principal.scope:
        return True
    return communes is None or bool(communes & principal.scope)


def _listed(principal: Principal, communes: set[str] | None) -> bool:
    if communes is not None and not communes:  # unknown target: admins only
        return principal.role is Role.ADMIN
    return _visible(principal, communes)


# -- maintenance windows ------------------------------------------------------------


async def list_windows(request: web.Request) -> web.Response:
    index, principal = request.app[keys.INDEX], request[PRINCIPAL]
    windows = [
        w
        for w in request.app[keys.EXCLUSIONS].windows.values()
        if _listed(principal, _listed_communes(index, w))
    ]
    return json_response({"windows": msgspec.to_builtins(windows)})


async def create_window(request: web.Request) -> web.Response:
    principal = request[PRINCIPAL]
    body = await json_body(request)
    body.update(id=new_id("mw"), created_by=principal.name)
    try:
        window = decode_window(body)
    except InvalidWindow as exc:
        raise web.HTTPBadRequest(
            text=msgspec.json.encode(
                {"error": "invalid maintenance window", "problems": exc.problems}
            ).decode(),
            content_type="application/json",
        ) from None
    if not _may_write(principal, _communes_of(request.app[keys.INDEX], window)):
        raise forbidden()
    request.app[keys.EXCLUSIONS].add_window(window)
    request.app[keys.APPLY_MAINTENANCE]()
    return json_response(msgspec.to_builtins(window), status=201)


async def delete_window(request: web.Request) -> web.Response:
    store = request.app[keys.EXCLUSIONS]
    window = store.windows.get(request.match_info["window_id"])
    principal = request[PRINCIPAL]
    index = request.app[keys.INDEX]
    communes = _listed_communes(index, window) if window is not None else set()
    if window is None or not _listed(principal, communes):
        raise not_found("maintenance window")
    if not (principal.role is Role.ADMIN or _may_write(principal, communes or None)):
        raise forbidden()
    store.remove_window(window.id)
    request.app[keys.APPLY_MAINTENANCE]()
    return web.Response(status=204)


# -- excused periods ------------------------------------------------------------------


async def list_excused(request: web.Request) -> web.Response:
    index, principal = request.app[keys.INDEX], request[PRINCIPAL]
    periods = [
        p
        for p in request.app[keys.EXCLUSIONS].excused.values()
        if _listed(principal, _listed_communes(index, p))
    ]
    return json_response({"excused": msgspec.to_builtins(periods)})


def _may_excuse(principal: Principal, communes: set[str] | None) -> bool:
    """Excusing is the verifier's call (an admin's too): a verifier for the communes it
    is scoped to, or everywhere when it has no scope."""
    if principal.role is Role.ADMIN:
        return True
    if principal.role is not Role.VERIFIER:
        return False
    if not principal.scope:
        return True
    # A kind (every commune) or a target the inventory no longer has: admins only.
    return bool(communes) and communes is not None and communes <= principal.scope


async def create_excused(request: web.Request) -> web.Response:
    principal = request[PRINCIPAL]
    if principal.role not in (Role.ADMIN, Role.VERIFIER):
        raise forbidden()
    body = await json_body(request)
    body.update(id=new_id("ex"), recorded_by=principal.name)
    try:
        period = msgspec.convert(body, ExcusedPeriod)
    except msgspec.ValidationError as exc:
        raise bad_request(str(exc)) from None
    if period.to_ms <= period.from_ms:
        raise bad_request("to_ms must be after from_ms")
    communes = _communes_of(request.app[keys.INDEX], period)  # the target must exist
    if not _may_excuse(principal, communes):
        raise forbidden()
    period = request.app[keys.EXCLUSIONS].add_excused(period)
    return json_response(msgspec.to_builtins(period), status=201)


async def delete_excused(request: web.Request) -> web.Response:
    principal = request[PRINCIPAL]
    exclusions = request.app[keys.EXCLUSIONS]
    period = exclusions.excused.get(request.match_info["period_id"])
    if period is None:
        raise not_found("excused period")
    if not _may_excuse(principal, _listed_communes(request.app[keys.INDEX], period)):
        raise forbidden()
    exclusions.remove_excused(period.id)
    return web.Response(status=204)


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/api/v1/maintenance", list_windows)
    app.router.add_post("/api/v1/maintenance", create_window)
    app.router.add_delete("/api/v1/maintenance/{window_id}", delete_window)
    app.router.add_get("/api/v1/excused", list_excused)
    app.router.add_post("/api/v1/excused", create_excused)
    app.router.add_delete("/api/v1/excused/{period_id}", delete_excused)
