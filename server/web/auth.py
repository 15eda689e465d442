"""Bearer-token authentication for ``/api`` and a session login for the HTML pages.

The API takes only ``Authorization: Bearer``: a page session opens no API route (so a
page on another site can never make a logged-in browser call the API). The pages take
only the session cookie (``server/web/sessions.py``), never the token itself.

Open without either: ``/healthz`` (for load balancers), ``/metrics`` (for Prometheus,
which in production scrapes over a private network), the login page itself and the
pages' static files (style sheets, nothing secret).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable

from aiohttp import web

from xaso.server.keys import CLOCK_MS, INDEX, SETTINGS
from xaso.server.settings import Settings
from xaso.server.web.keys import TOKENS
from xaso.server.web.sessions import SessionLimits
from xaso.server.web.tokens import Principal, Role

PRINCIPAL = web.RequestKey("principal", Principal)
SESSION_COOKIE = "xaso_session"

_OPEN_PATHS = frozenset({"/healthz", "/metrics", "/login"})
STATIC_PREFIX = "/static/"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def session_limits(settings: Settings) -> SessionLimits:
    return SessionLimits(settings.session_idle_timeout_s, settings.session_lifetime_s)


def _bearer(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _session_principal(request: web.Request) -> Principal | None:
    session_id = request.cookies.get(SESSION_COOKIE)
    if not session_id:
        return None
    app = request.app
    tokens = app[TOKENS]
    limits = session_limits(app[SETTINGS])
    token_id = tokens.sessions.token_id(session_id, app[CLOCK_MS](), limits)
    return tokens.principal(token_id) if token_id is not None else None


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path in _OPEN_PATHS or request.path.startswith(STATIC_PREFIX):
        return await handler(request)
    is_api = request.path.startswith("/api/")
    # SQLite lookups by primary key on a local file take microseconds; they are done
    # inline rather than in a thread for that reason.
    if is_api:
        token = _bearer(request)
        principal = request.app[TOKENS].authenticate(token) if token else None
    else:
        principal = _session_principal(request)
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
    request[PRINCIPAL] = principal.on(request.app[INDEX], today(request.app))
    return await handler(request)


def today(app: web.Application) -> dt.date:
    """The server's local day (the inventory's time zone, the injected clock): the day
    that decides what each commune holds and what each token covers."""
    return app[INDEX].day_of(app[CLOCK_MS]())
