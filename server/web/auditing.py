"""What goes into the audit log (``audit.py``): a middleware inside ``auth.py`` (so who
is asking is known) writes one entry for every unsafe request (POST, PUT, PATCH,
DELETE) that succeeded (2xx, or a redirect, as a form's post answers) on the API and the
pages alike, and for every login, the failed ones too.

A request that failed changed nothing and is not kept; a failed login is kept all the
same, as a security event, with the login that was tried (never the password).

A handler says more through the request's keys:

- ``AUDIT_ACTION``: the action's name, when the route's (``action_name``) is not the best;
- ``AUDIT_DETAIL``: what it changed (ids, names, roles, before and after); never a
  password or a token;
- ``AUDIT_ACTOR``: who, when the request came with nobody signed in (a login);
- ``AUDIT_SECURITY``: a security event, kept whatever the answer.

Without a handler's detail an entry still has the route and its path parameters, the
query (leaving out any parameter named like a password, token or secret) and the id of
what a 201 created.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Awaitable, Callable
from typing import Any, Final

import msgspec
from aiohttp import web

from xaso.server.keys import CLOCK_MS, SETTINGS
from xaso.server.web.accounts import USER_PREFIX
from xaso.server.web.audit import NOBODY, Actor, AuditEntry
from xaso.server.web.auth import PRINCIPAL
from xaso.server.web.forwarded import client_address, parse_trusted_proxies
from xaso.server.web.keys import ACCOUNTS, AUDIT

log = logging.getLogger("xaso.server")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

AUDIT_ACTION = web.RequestKey("audit_action", str)
AUDIT_DETAIL = web.RequestKey("audit_detail", dict)
AUDIT_ACTOR = web.RequestKey("audit_actor", Actor)
AUDIT_SECURITY = web.RequestKey("audit_security", bool)

UNSAFE_METHODS: Final = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_VERBS: Final = {"PUT": "update", "PATCH": "update", "DELETE": "delete"}
# Query parameters never kept, by a part of their name.
_SECRET_NAMES: Final = ("password", "token", "secret", "csrf")
_MAX_VALUE_CHARS: Final = 200
_MAX_CREATED_BODY: Final = 1024**2


def action_name(method: str, route: str) -> str:
    """A short name for what a request did, from its route: ``POST /api/v1/schedules`` is
    ``schedules.create``, ``PATCH /api/v1/schedules/{schedule_id}`` ``schedules.update``,
    ``POST /api/v1/maintenance/{window_id}/approve`` ``maintenance.approve``."""
    parts = [part for part in route.strip("/").split("/") if part]
    if parts[:2] == ["api", "v1"]:
        parts = parts[2:]
    names = [part for part in parts if not part.startswith("{")]
    if not names:
        return method.lower()
    if method != "POST":
        names.append(_VERBS.get(method, method.lower()))
    elif parts[-1].startswith("{"):
        names.append("update")  # a form posted to what it changes
    elif len(names) == 1:
        names.append("create")  # a collection; a POST to …/approve names its verb
    return ".".join(names)


def actor_of(request: web.Request) -> Actor:
    """Who made the request: what its handler said (a login), else who was signed in."""
    if AUDIT_ACTOR in request:
        return request[AUDIT_ACTOR]
    principal = request.get(PRINCIPAL)
    if principal is None:
        return NOBODY
    login = ""
    if principal.subject.startswith(USER_PREFIX):
        account = request.app[ACCOUNTS].get(principal.subject.removeprefix(USER_PREFIX))
        login = account.login if account is not None else ""
    return Actor(principal.subject, login, principal.name, str(principal.role))


@web.middleware
async def audit_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.method not in UNSAFE_METHODS:
        return await handler(request)
    try:
        response = await handler(request)
    except web.HTTPException as exc:  # a redirect is raised too, and is a success
        _record(request, exc.status, None)
        raise
    _record(request, response.status, response)
    return response


def _record(request: web.Request, status: int, response: web.StreamResponse | None) -> None:
    security = request.get(AUDIT_SECURITY, False)
    resource = request.match_info.route.resource
    if not security and (not 200 <= status < 400 or resource is None):
        return
    route = resource.canonical if resource is not None else request.path
    settings = request.app[SETTINGS]
    detail = _query_detail(request)
    created = _created_id(response)
    if created is not None:
        detail["id"] = created
    detail.update(request.get(AUDIT_DETAIL, {}))
    entry = AuditEntry(
        at_ms=request.app[CLOCK_MS](),
        actor=actor_of(request),
        method=request.method,
        route=route,
        params=dict(request.match_info),
        action=request.get(AUDIT_ACTION) or action_name(request.method, route),
        detail=detail,
        address=client_address(request, parse_trusted_proxies(settings.trusted_proxies)),
        status=status,
        security=security,
    )
    try:
        request.app[AUDIT].append(entry)
    except sqlite3.Error:
        # The change is made and answered; refusing it now would not undo it.
        log.exception("the audit log could not keep %s %s", request.method, request.path)


def _query_detail(request: web.Request) -> dict[str, Any]:
    kept = {
        name: value[:_MAX_VALUE_CHARS]
        for name, value in request.query.items()
        if not any(secret in name.lower() for secret in _SECRET_NAMES)
    }
    return {"query": kept} if kept else {}


def _created_id(response: web.StreamResponse | None) -> str | None:
    """The id of what a 201 created: its JSON's ``id``, or that of its first object that
    has one (``{"silence": {"id": …}, …}``)."""
    if not isinstance(response, web.Response) or response.status != 201:
        return None
    body = response.body
    if response.content_type != "application/json" or not isinstance(body, bytes):
        return None
    if len(body) > _MAX_CREATED_BODY:
        return None
    try:
        decoded = msgspec.json.decode(body)
    except msgspec.DecodeError:
        return None
    if not isinstance(decoded, dict):
        return None
    for value in (decoded, *decoded.values()):
        if isinstance(value, dict) and isinstance(value.get("id"), str):
            return str(value["id"])
    return None
