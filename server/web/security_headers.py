"""The browser-side defences every response carries: pages, API, errors, static files.

- ``Content-Security-Policy``: scripts, styles, images and forms from this server only
  (audio too, and the recorder's own recording as a ``blob:``; images from the map's
  tile server too when one is set, ``map_tiles.py``), nothing inline (the templates
  link their style sheets from ``/static/``; scripts may still set an element's style
  through the DOM, as Leaflet does), no plugins, no ``<base>`` rewriting, and no
  framing by any site (clickjacking);
- ``X-Frame-Options: DENY``: the same for browsers that predate ``frame-ancestors``;
- ``X-Content-Type-Options: nosniff``: an uploaded file is never run as a script;
- ``Referrer-Policy: same-origin``: report links (commune, period) stay in the server.

A bug's exception is answered here too, as a plain 500 with these headers and without
the exception's text, which goes to the log (a page's is a page:
``server/web/error_pages.py``, inside this one so its pages carry the headers too).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Final

from aiohttp import web

log = logging.getLogger("xaso.server")


def content_security_policy(image_origins: Sequence[str] = ()) -> str:
    """The policy; ``image_origins``: other hosts images may come from (map tiles)."""
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            " ".join(["img-src 'self'", *image_origins]),
            # The recorder plays back what was just recorded from a blob: URL
            # (server/web/static/radio-record.js); audio otherwise comes from this server.
            "media-src 'self' blob:",
            "frame-ancestors 'none'",
            "form-action 'self'",
            "base-uri 'none'",
            "object-src 'none'",
        ]
    )


def security_headers(image_origins: Sequence[str] = ()) -> Mapping[str, str]:
    return {
        "Content-Security-Policy": content_security_policy(image_origins),
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
    }


CONTENT_SECURITY_POLICY: Final = content_security_policy()
SECURITY_HEADERS: Final = security_headers()
# The headers of this app, when its settings widen them (a tile server): set by
# ``wiring.setup``; without it, ``SECURITY_HEADERS``.
APP_SECURITY_HEADERS: Final = web.AppKey[Mapping[str, str]]("security_headers")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def security_headers_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    headers = request.app.get(APP_SECURITY_HEADERS, SECURITY_HEADERS)
    try:
        response = await handler(request)
    except web.HTTPException as exc:  # 3xx, 4xx and 5xx raised as exceptions
        exc.headers.update(headers)
        raise
    except Exception:
        log.exception("%s %s failed", request.method, request.path)
        response = web.Response(status=500, text="500 Internal Server Error")
    response.headers.update(headers)
    return response
