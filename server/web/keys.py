"""The web capability's application state."""

from __future__ import annotations

from aiohttp import web

from xaso.server.web.tokens import TokenStore

TOKENS = web.AppKey("tokens", TokenStore)
