"""The web capability in the running server: the middlewares, the accounts, sessions and
tokens, and every route of the API and the pages."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from xaso.server.alerts.wiring import ALERT_ACCOUNTS
from xaso.server.keys import DATABASE, SETTINGS
from xaso.server.web import login, pages
from xaso.server.web.accounts import AccountStore
from xaso.server.web.api import (
    accounts,
    alert_channels,
    alert_history,
    audit,
    availability,
    broadcasts,
    content,
    declared,
    devices,
    exclusions,
    indicators,
    intake,
    playout,
    problems,
    radio_settings,
    readings,
    recording,
    remediation,
    reports,
    schedules,
    summary,
)
from xaso.server.web.audit import AuditLog
from xaso.server.web.auditing import audit_middleware
from xaso.server.web.auth import auth_middleware
from xaso.server.web.error_pages import error_pages_middleware
from xaso.server.web.keys import ACCOUNTS, AUDIT, LOGIN_THROTTLE, SESSIONS, TOKENS
from xaso.server.web.login_throttle import LoginThrottle
from xaso.server.web.map_tiles import tile_source
from xaso.server.web.security_headers import (
    APP_SECURITY_HEADERS,
    security_headers,
    security_headers_middleware,
)
from xaso.server.web.sessions import SessionStore
from xaso.server.web.store_errors import store_errors_middleware
from xaso.server.web.tokens import TokenStore

# Outermost first: every answer gets its headers (error pages too), then an error on a
# page becomes a page (the 403s of who is asking and the 503s of the store included),
# then who is asking, then the audit log keeps each change that succeeded (it sees who,
# and the 503 below it as a failure), then a store that cannot answer is a 503 wherever
# it happens.
MIDDLEWARES = (
    security_headers_middleware,
    error_pages_middleware,
    auth_middleware,
    audit_middleware,
    store_errors_middleware,
)


def setup(app: web.Application) -> None:
    # A tile server named in the settings is the one other host pages may load from.
    tiles = tile_source(app[SETTINGS])
    app[APP_SECURITY_HEADERS] = security_headers(tiles.image_sources if tiles else ())
    app.cleanup_ctx.append(_people_ctx)
    for routes in (
        devices,
        readings,
        recording,
        alert_history,
        alert_channels,
        availability,
        exclusions,
        schedules,
        playout,
        broadcasts,
        radio_settings,
        content,
        declared,
        reports,
        remediation,
        summary,
        indicators,
        intake,
        accounts,
        audit,
        problems,
        login,
        pages,
    ):
        routes.setup_routes(app)


async def _people_ctx(app: web.Application) -> AsyncIterator[None]:
    """Who may come in: accounts and their sessions, API tokens (the server's database),
    and the count of wrong passwords (in memory); the audit log of what they did."""
    connection = app[DATABASE].connection
    app[SESSIONS] = SessionStore(connection)
    app[ACCOUNTS] = AccountStore(connection, app[SESSIONS])
    app[ALERT_ACCOUNTS] = app[ACCOUNTS]  # officers' own alerts (server/alerts/personal.py)
    app[TOKENS] = TokenStore(connection)
    app[LOGIN_THROTTLE] = LoginThrottle()
    app[AUDIT] = AuditLog(connection)
    yield
