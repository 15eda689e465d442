"""The store's trouble, answered the same way on every route: 503 with Retry-After.

A store that is down or too slow (InfluxDB restarting, a query past its timeout) is not
the request's fault nor a bug: the caller should try again shortly, and monitoring in
front of the server should see "unavailable", not a 500 to page someone about. One
middleware maps it, so a handler never catches ``StoreUnavailable`` itself.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Final

import msgspec
from aiohttp import web

from xaso.server.store.base import StoreUnavailable

log = logging.getLogger("xaso.server")

# About the time InfluxDB takes to restart; clients may ask sooner.
RETRY_AFTER_S: Final = 30

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def store_errors_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except (StoreUnavailable, TimeoutError) as exc:
        # TimeoutError: a read that outlived its deadline, whichever layer set it.
        log.warning("%s %s: the store cannot be read now: %r", request.method, request.path, exc)
        raise web.HTTPServiceUnavailable(
            text=msgspec.json.encode({"error": f"the store cannot be read now: {exc}"}).decode(),
            content_type="application/json",
            headers={"Retry-After": str(RETRY_AFTER_S)},
        ) from None
