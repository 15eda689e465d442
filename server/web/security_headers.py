"""The browser-side defences every response carries: pages, API, errors, static files.

- ``Content-Security-Policy``: scripts, styles, images and forms from this server only
  (audio too, and the recorder's own recording as a ``blob:``), nothing inline (the
  templates link their style sheets from ``/static/``), no plugins, no ``<base>``
  rewriting, and no framing by any site (clickjacking);
- ``X-Frame-Options: DENY``: the same for browsers that predate ``frame-ancestors``;
- ``X-Content-Type-Options: nosniff``: an uploaded file is never run as a script;
- ``Referrer-Policy: same-origin``: report links (commune, period) stay in the server.

A bug's exception is answered here too, as a plain 500 with these headers and without
the exception's text, which goes to the log (a page's is a page:
``server/web/error_pages.py``, inside this one so its pages carry the headers too).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Final

from aiohttp import web

log = logging.getLogger("xaso.server")

CONTENT_SECURITY_POLICY: Final = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        # The recorder plays back what was just recorded from a blob: URL
        # (server/web/static/radio-record.js); audio otherwise comes from this server.
        "media-src 'self' blob:",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)
SECURITY_HEADERS: Final[Mapping[str, str]] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def security_headers_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as exc:  # 3xx, 4xx and 5xx raised as exceptions
        exc.headers.update(SECURITY_HEADERS)
        raise
    except Exception:
        log.exception("%s %s failed", request.method, request.path)
        response = web.Response(status=500, text="500 Internal Server Error")
    response.headers.update(SECURITY_HEADERS)
    return response
