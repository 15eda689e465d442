"""The web capability's application state."""

from __future__ import annotations

from aiohttp import web

from xaso.server.web.accounts import AccountStore
from xaso.server.web.audit import AuditLog
from xaso.server.web.login_throttle import LoginThrottle
from xaso.server.web.sessions import SessionStore
from xaso.server.web.tokens import TokenStore

TOKENS = web.AppKey("tokens", TokenStore)
ACCOUNTS = web.AppKey("accounts", AccountStore)
SESSIONS = web.AppKey("sessions", SessionStore)
LOGIN_THROTTLE = web.AppKey("login_throttle", LoginThrottle)
AUDIT = web.AppKey("audit", AuditLog)
