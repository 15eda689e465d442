"""Maintenance windows and excused periods through the API (docs/api.md).

A commune must not excuse its own outages after the fact, so what a commune's
operator lays over the past waits for the overseeing level (server/monitoring/exclusion_history.py
says what each state counts for):

- **Windows.** An admin anywhere, an operator or a verifier within its own communes (a
  ``kind`` window spans every commune, so it is an admin's). An operator's window whose
  first occurrence starts before it was created (``maintenance.is_retroactive``) is
  pending until a verifier or an admin approves it; any other window is approved by its
  author at creation.
- **Excused periods** are the verifier's decision: a verifier's (within its communes)
  or an admin's is approved at creation; an operator may propose one for its own
  communes (a grid power cut), pending until a verifier or an admin approves it.
- **Deciding** (approve, reject): verifiers within their communes (every commune when
  unscoped), admins.
- **Deleting**: whoever may create the item; an operator deletes an excused period only
  while it is still its proposal (pending).

Every change needs a reason and is kept as a version with who and when (the server's
clock). Reading follows the token's commune scope; a window the token may not see is a
404 (an excused period a 403 when changing it, as before), one it sees but may not
change a 403.

The maintenance pages (server/web/pages/maintenance.py) act through the same functions
(``plan_window``, ``record_excused``, ``decide_item``, ``delete_item``, the ``may_*``
rules), so a form can do nothing the API would refuse.
"""

from __future__ import annotations

from typing import Any

import msgspec
from aiohttp import web

from xaso.inventory import InventoryIndex
from xaso.server.keys import CLOCK_MS, INDEX
from xaso.server.monitoring.exclusion_history import (
    STATES,
    Author,
    Decision,
    Kind,
    State,
    StateConflict,
    Tracked,
    Version,
)
from xaso.server.monitoring.exclusions import ExcusedPeriod, new_id
from xaso.server.monitoring.keys import APPLY_MAINTENANCE, EXCLUSIONS
from xaso.server.monitoring.maintenance import (
    InvalidWindow,
    MaintenanceWindow,
    Scoped,
    decode_window,
    is_retroactive,
)
from xaso.server.web.auth import PRINCIPAL
from xaso.server.web.http import bad_request, forbidden, json_body, json_response, not_found
from xaso.server.web.tokens import Principal, Role
from xaso.server.web.views import iso_utc

MAX_REASON_CHARS = 2000
_REASON_NEEDED = "reason: say why, in a non-empty text (JSON body or ?reason=)"
_ID_KEY: dict[Kind, str] = {"maintenance": "window_id", "excused": "period_id"}
_WHAT: dict[Kind, str] = {"maintenance": "maintenance window", "excused": "excused period"}


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


def _within(principal: Principal, communes: set[str] | None) -> bool:
    """The communes are all the token's own (an operator's, a scoped verifier's)."""
    return communes is not None and bool(communes) and communes <= principal.scope


def _may_plan(principal: Principal, communes: set[str] | None) -> bool:
    """May create or delete a maintenance window over ``communes``."""
    if principal.role is Role.ADMIN:
        return True
    if principal.role is Role.OPERATOR:
        return _within(principal, communes)
    return principal.role is Role.VERIFIER and bool(communes) and _may_decide(principal, communes)


def _may_decide(principal: Principal, communes: set[str] | None) -> bool:
    """Deciding (approving, rejecting, excusing) is the verifier's call (an admin's
    too): a verifier for the communes it is scoped to, or everywhere when it has none."""
    if principal.role is Role.ADMIN:
        return True
    if principal.role is not Role.VERIFIER:
        return False
    if not principal.scope:
        return True
    # A kind (every commune) or a target the inventory no longer has: admins only.
    return _within(principal, communes)


def _visible(principal: Principal, communes: set[str] | None) -> bool:
    if not principal.scope:
        return True
    return communes is None or bool(communes & principal.scope)


def _listed(principal: Principal, communes: set[str] | None) -> bool:
    if communes is not None and not communes:  # unknown target: admins only
        return principal.role is Role.ADMIN
    return _visible(principal, communes)


def _author(principal: Principal) -> Author:
    return Author(principal.name, str(principal.role))


def _checked_reason(value: object) -> str | None:
    """The reason, stripped; None when there is none or it is too long."""
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_REASON_CHARS:
        return None
    return value.strip()


def _reason_problem(value: object) -> str:
    if isinstance(value, str) and len(value) > MAX_REASON_CHARS:
        return f"reason: at most {MAX_REASON_CHARS} characters"
    return _REASON_NEEDED


async def _request_reason(request: web.Request) -> str:
    """``?reason=``, or ``{"reason": …}`` as the JSON body: nothing else is taken."""
    value: object = request.query.get("reason")
    if value is None and request.can_read_body:
        body = await json_body(request)
        unknown = sorted(set(body) - {"reason"})
        if unknown:
            raise bad_request(f"unknown field(s): {', '.join(unknown)}; only reason is taken")
        value = body.get("reason")
    reason = _checked_reason(value)
    if reason is None:
        raise bad_request(_reason_problem(value))
    return reason


# -- views ----------------------------------------------------------------------------


def _version_view(version: Version) -> dict[str, Any]:
    return {
        "version": version.version,
        "state": version.state,
        # 0: kept before versions were (migrated), when is not known.
        "at": iso_utc(version.at_ms) if version.at_ms else None,
        "at_ms": version.at_ms,
        "by": version.by,
        "role": version.role,
        "reason": version.reason,
    }


def item_view(tracked: Tracked[MaintenanceWindow] | Tracked[ExcusedPeriod]) -> dict[str, Any]:
    """The item's body, its state and who did what, with its history."""
    created, decision, deletion = tracked.created, tracked.decision, tracked.deletion
    view: dict[str, Any] = msgspec.to_builtins(tracked.item)
    view.update(
        state=tracked.state,
        # Counts for some of its time (deleted: up to the deletion).
        counted=tracked.counts_until_ms is not None,
        author={"name": created.by, "role": created.role},
        created=_version_view(created)["at"],
        decision=None if decision is None else _version_view(decision),
        deletion=None if deletion is None else _version_view(deletion),
        history=[_version_view(v) for v in tracked.versions],
    )
    if isinstance(tracked.item, MaintenanceWindow):
        view["retroactive"] = is_retroactive(tracked.item, created.at_ms)
    return view


# -- shared handlers ------------------------------------------------------------------


def visible_item(
    app: web.Application, principal: Principal, kind: Kind, item_id: str, *, changing: bool = False
) -> tuple[Tracked[MaintenanceWindow] | Tracked[ExcusedPeriod], set[str] | None]:
    """The item and the communes it touches; 404 if unknown or outside the token's
    scope. Changing an excused period outside it is a 403, as it always was (a
    window's is a 404)."""
    tracked = app[EXCLUSIONS].tracked(kind, item_id)
    if tracked is None:
        raise not_found(_WHAT[kind])
    communes = _listed_communes(app[INDEX], tracked.item)
    if not _listed(principal, communes):
        raise forbidden() if changing and kind == "excused" else not_found(_WHAT[kind])
    return tracked, communes


def _visible_item(
    request: web.Request, kind: Kind, *, changing: bool = False
) -> tuple[Tracked[MaintenanceWindow] | Tracked[ExcusedPeriod], set[str] | None]:
    return visible_item(
        request.app, request[PRINCIPAL], kind, request.match_info[_ID_KEY[kind]], changing=changing
    )


def listed_items(
    app: web.Application, principal: Principal, kind: Kind, state: str | None = None
) -> list[Tracked[MaintenanceWindow] | Tracked[ExcusedPeriod]]:
    """The items of ``kind`` the token may see (in ``state``, if given)."""
    index = app[INDEX]
    store = app[EXCLUSIONS]
    items: list[Tracked[MaintenanceWindow] | Tracked[ExcusedPeriod]] = list(
        store.tracked_windows.values() if kind == "maintenance" else store.tracked_excused.values()
    )
    return [
        tracked
        for tracked in items
        if (state is None or tracked.state == state)
        and _listed(principal, _listed_communes(index, tracked.item))
    ]


def _list(request: web.Request, kind: Kind) -> list[dict[str, Any]]:
    state = request.query.get("state")
    if state is not None and state not in STATES:
        raise bad_request(f"state: one of {', '.join(STATES)}")
    return [item_view(t) for t in listed_items(request.app, request[PRINCIPAL], kind, state)]


async def _versions(request: web.Request, kind: Kind) -> web.Response:
    tracked, _ = _visible_item(request, kind)
    body = msgspec.to_builtins(tracked.item)
    return json_response(
        {
            "id": tracked.id,
            "kind": kind,
            "versions": [{**_version_view(v), "body": body} for v in tracked.versions],
        }
    )


def _conflict(message: str) -> web.HTTPConflict:
    return web.HTTPConflict(
        text=msgspec.json.encode({"error": message}).decode(), content_type="application/json"
    )


def may_decide_item(principal: Principal, communes: set[str] | None) -> bool:
    """May approve or reject an item touching ``communes`` (``visible_item``)."""
    return _may_decide(principal, communes)


def may_delete_item(
    principal: Principal,
    tracked: Tracked[MaintenanceWindow] | Tracked[ExcusedPeriod],
    communes: set[str] | None,
) -> bool:
    """May delete (end, withdraw) the item: a window whoever may create it; an excused
    period the verifier, or the operator while it is still its commune's proposal."""
    if tracked.kind == "maintenance":
        return _may_plan(principal, communes or None)
    # Withdrawing its own proposal is the operator's; anything else the verifier's.
    return _may_decide(principal, communes) or (
        principal.role is Role.OPERATOR
        and tracked.state == "pending"
        and _within(principal, communes)
    )


def may_plan_in(principal: Principal, commune: str | None) -> bool:
    """May create a maintenance window over ``commune`` (None: a kind, every commune)."""
    return _may_plan(principal, None if commune is None else {commune})


def may_record_excused_in(principal: Principal, commune: str | None) -> bool:
    """May record (a verifier, an admin) or propose (an operator) an excused period
    over ``commune`` (None: a kind, every commune)."""
    communes = None if commune is None else {commune}
    return _may_decide(principal, communes) or (
        principal.role is Role.OPERATOR and _within(principal, communes)
    )


def decide_item(
    app: web.Application,
    principal: Principal,
    kind: Kind,
    item_id: str,
    state: Decision,
    reason: str,
) -> Tracked[MaintenanceWindow] | Tracked[ExcusedPeriod]:
    """Approve or reject: 404/403 as the API, 400 without a reason, 409 when the item's
    state does not allow it."""
    tracked, communes = visible_item(app, principal, kind, item_id, changing=True)
    if not _may_decide(principal, communes):
        raise forbidden()
    checked = _checked_reason(reason)
    if checked is None:
        raise bad_request(_reason_problem(reason))
    try:
        decided = app[EXCLUSIONS].decide(
            kind, tracked.id, state, _author(principal), app[CLOCK_MS](), checked
        )
    except StateConflict as exc:
        raise _conflict(str(exc)) from None
    if kind == "maintenance":
        app[APPLY_MAINTENANCE]()
    return decided


def delete_item(
    app: web.Application, principal: Principal, kind: Kind, item_id: str, reason: str
) -> None:
    """Delete: the item ends now (it counts before if it was approved)."""
    tracked, communes = visible_item(app, principal, kind, item_id, changing=True)
    if not may_delete_item(principal, tracked, communes):
        raise forbidden()
    checked = _checked_reason(reason)
    if checked is None:
        raise bad_request(_reason_problem(reason))
    try:
        app[EXCLUSIONS].delete(kind, tracked.id, _author(principal), app[CLOCK_MS](), checked)
    except StateConflict as exc:
        raise _conflict(str(exc)) from None
    if kind == "maintenance":
        app[APPLY_MAINTENANCE]()


async def _decide(request: web.Request, kind: Kind, state: Decision) -> web.Response:
    tracked, communes = _visible_item(request, kind, changing=True)
    if not _may_decide(request[PRINCIPAL], communes):
        raise forbidden()
    reason = await _request_reason(request)
    decided = decide_item(request.app, request[PRINCIPAL], kind, tracked.id, state, reason)
    return json_response(item_view(decided))


async def _delete(request: web.Request, kind: Kind) -> web.Response:
    tracked, communes = _visible_item(request, kind, changing=True)
    if not may_delete_item(request[PRINCIPAL], tracked, communes):
        raise forbidden()
    reason = await _request_reason(request)
    delete_item(request.app, request[PRINCIPAL], kind, tracked.id, reason)
    return web.Response(status=204)


# -- maintenance windows ------------------------------------------------------------


async def list_windows(request: web.Request) -> web.Response:
    return json_response({"windows": _list(request, "maintenance")})


def _invalid_window(problems: list[str]) -> web.HTTPBadRequest:
    return web.HTTPBadRequest(
        text=msgspec.json.encode(
            {"error": "invalid maintenance window", "problems": problems}
        ).decode(),
        content_type="application/json",
    )


def plan_window(
    app: web.Application, principal: Principal, body: dict[str, Any]
) -> Tracked[MaintenanceWindow]:
    """A new window from the API's JSON fields: 400 listing every problem, 403 when the
    token may not plan there; pending when an operator lays it over the past."""
    body = {**body, "id": new_id("mw"), "created_by": principal.name}
    reason_problems = (
        [] if _checked_reason(body.get("reason")) else [_reason_problem(body.get("reason"))]
    )
    try:
        window = decode_window(body)
    except InvalidWindow as exc:
        raise _invalid_window(exc.problems + reason_problems) from None
    if reason_problems:
        raise _invalid_window(reason_problems)
    window = msgspec.structs.replace(window, reason=window.reason.strip())
    if not _may_plan(principal, _communes_of(app[INDEX], window)):
        raise forbidden()
    now_ms = app[CLOCK_MS]()
    # Over the past, an operator's window would excuse what already happened: it waits
    # for the overseeing level. An admin's or a verifier's is decided by its author.
    state: State = "pending" if waits_for_approval(principal, window, now_ms) else "approved"
    tracked = app[EXCLUSIONS].add_window(window, state=state, by=_author(principal), at_ms=now_ms)
    app[APPLY_MAINTENANCE]()
    return tracked


def waits_for_approval(principal: Principal, window: MaintenanceWindow, now_ms: int) -> bool:
    """Whether a window ``principal`` creates now would wait for a verifier's decision."""
    return principal.role is Role.OPERATOR and is_retroactive(window, now_ms)


async def create_window(request: web.Request) -> web.Response:
    tracked = plan_window(request.app, request[PRINCIPAL], await json_body(request))
    return json_response(item_view(tracked), status=201)


async def approve_window(request: web.Request) -> web.Response:
    return await _decide(request, "maintenance", "approved")


async def reject_window(request: web.Request) -> web.Response:
    return await _decide(request, "maintenance", "rejected")


async def delete_window(request: web.Request) -> web.Response:
    return await _delete(request, "maintenance")


async def window_versions(request: web.Request) -> web.Response:
    return await _versions(request, "maintenance")


# -- excused periods ------------------------------------------------------------------


async def list_excused(request: web.Request) -> web.Response:
    return json_response({"excused": _list(request, "excused")})


def record_excused(
    app: web.Application, principal: Principal, body: dict[str, Any]
) -> Tracked[ExcusedPeriod]:
    """A new excused period from the API's JSON fields: approved when a verifier or an
    admin records it, pending when an operator proposes it for its commune."""
    if principal.role not in (Role.ADMIN, Role.VERIFIER, Role.OPERATOR):
        raise forbidden()
    now_ms = app[CLOCK_MS]()
    body = {**body, "id": new_id("ex"), "recorded_by": principal.name, "recorded_ms": now_ms}
    try:
        period = msgspec.convert(body, ExcusedPeriod)
    except msgspec.ValidationError as exc:
        raise bad_request(str(exc)) from None
    if period.to_ms <= period.from_ms:
        raise bad_request("to_ms must be after from_ms")
    reason = _checked_reason(period.reason)
    if reason is None:
        raise bad_request(_reason_problem(period.reason))
    period = msgspec.structs.replace(period, reason=reason)
    communes = _communes_of(app[INDEX], period)  # the target must exist
    if _may_decide(principal, communes):
        state: State = "approved"
    elif principal.role is Role.OPERATOR and _within(principal, communes):
        state = "pending"  # a commune proposes; the verifier decides
    else:
        raise forbidden()
    return app[EXCLUSIONS].add_excused(period, state=state, by=_author(principal), at_ms=now_ms)


async def create_excused(request: web.Request) -> web.Response:
    if request[PRINCIPAL].role not in (Role.ADMIN, Role.VERIFIER, Role.OPERATOR):
        raise forbidden()  # before reading the body, as always
    tracked = record_excused(request.app, request[PRINCIPAL], await json_body(request))
    return json_response(item_view(tracked), status=201)


async def approve_excused(request: web.Request) -> web.Response:
    return await _decide(request, "excused", "approved")


async def reject_excused(request: web.Request) -> web.Response:
    return await _decide(request, "excused", "rejected")


async def delete_excused(request: web.Request) -> web.Response:
    return await _delete(request, "excused")


async def excused_versions(request: web.Request) -> web.Response:
    return await _versions(request, "excused")


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/api/v1/maintenance", list_windows)
    app.router.add_post("/api/v1/maintenance", create_window)
    app.router.add_delete("/api/v1/maintenance/{window_id}", delete_window)
    app.router.add_get("/api/v1/maintenance/{window_id}/versions", window_versions)
    app.router.add_post("/api/v1/maintenance/{window_id}/approve", approve_window)
    app.router.add_post("/api/v1/maintenance/{window_id}/reject", reject_window)
    app.router.add_get("/api/v1/excused", list_excused)
    app.router.add_post("/api/v1/excused", create_excused)
    app.router.add_delete("/api/v1/excused/{period_id}", delete_excused)
    app.router.add_get("/api/v1/excused/{period_id}/versions", excused_versions)
    app.router.add_post("/api/v1/excused/{period_id}/approve", approve_excused)
    app.router.add_post("/api/v1/excused/{period_id}/reject", reject_excused)
