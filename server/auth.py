"""Bearer-token authentication for ``/api`` and a cookie login for the HTML pages.

Open without a token: ``/healthz`` (for load balancers), ``/metrics`` (for Prometheus,
which in production scrapes over a private network) and the login page itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable

from aiohttp import web

from server import keys
from server.tokens import Principal, Role

PRINCIPAL = web.RequestKey("principal", Principal)
COOKIE = "xaso_token"

_OPEN_PATHS = frozenset({"/healthz", "/metrics", "/login"})

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _bearer(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path in _OPEN_PATHS:
        return await handler(request)
    is_api = request.path.startswith("/api/")
    token = _bearer(request) if is_api else request.cookies.get(COOKIE)
    # A SQLite lookup by primary key on a local file takes microseconds; it is
    # done inline rather than in a thread for that reason.
    principal = request.app[keys.TOKENS].authenticate(token) if token else None
    if principal is None:
        if is_api:
            raise web.HTTPUnauthorized(
                text='{"error": "a valid bearer token is required"}',
                content_type="application/json",
                headers={"WWW-Authenticate": 'Bearer realm="xaso"'},
            )
        raise web.HTTPSeeOther(location="/login")
    if principal.role is Role.AGENT and not (
        request.method == "GET" and request.path.startswith("/api/v1/content/")
    ):
        # A gateway's token opens the audio it must play, nothing else.
        raise web.HTTPForbidden(
            text='{"error": "an agent token may only fetch content"}',
            content_type="application/json",
        )
    # The scope is resolved through the inventory on today's date, not stored: a token
    # of a commune that merged covers its successor from the day after the merger.
    request[PRINCIPAL] = principal.on(request.app[keys.INDEX], today(request.app))
    return await handler(request)


def today(app: web.Application) -> dt.date:
    """The server's local day (the inventory's time zone, the injected clock): the day
    that decides what each commune holds and what each token covers."""
    return app[keys.INDEX].day_of(app[keys.CLOCK_MS]())
