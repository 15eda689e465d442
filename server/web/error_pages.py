"""Errors on the pages are pages: an HTTP error answered to a browser is an HTML page in
the user's language, with a way back, not the API's JSON.

The handlers raise the same errors under ``/api`` and under the pages (one handler
often serves both, ``server/web/api/reports.py``); this turns the pages' ones into
``templates/error.html`` on the way out: 4xx and 5xx alike, a bug's exception too (logged
here, not shown). The status stays, and the headers that matter (``Retry-After`` of a
store that is down, ``Allow`` of a 405). Left alone: ``/api`` (programs read its JSON),
``/static``, ``/healthz`` and ``/metrics``, redirects, and an answer a handler built as a
page itself (the login form's 401).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, Final

import msgspec
from aiohttp import hdrs, web

from xaso.server.web.auth import STATIC_PREFIX
from xaso.server.web.rendering import language_links, request_language
from xaso.server.web.templating import ENVIRONMENT
from xaso.server.words import translator

log = logging.getLogger("xaso.server")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# The statuses with words of their own (server/words.py "error.<status>"); any other
# error is "error.other" under its own status.
WORDED_STATUSES: Final = frozenset({400, 401, 403, 404, 405, 409, 413, 500, 503})
_NOT_PAGES: Final = ("/api/", STATIC_PREFIX)
_NOT_PAGE_PATHS: Final = frozenset({"/api", "/healthz", "/metrics"})
# Headers of the error that describe its body, which the page replaces.
_BODY_HEADERS: Final = frozenset({hdrs.CONTENT_TYPE, hdrs.CONTENT_LENGTH, hdrs.CONTENT_ENCODING})


def is_page(path: str) -> bool:
    """Whether ``path`` is a page's: what people open in a browser."""
    return path not in _NOT_PAGE_PATHS and not path.startswith(_NOT_PAGES)


@web.middleware
async def error_pages_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if not is_page(request.path):
        return await handler(request)
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400 or exc.content_type == "text/html":
            raise  # a redirect, or already a page
        return error_page(request, exc.status, exc.headers, _detail(exc))
    except Exception:
        log.exception("%s %s failed", request.method, request.path)
        return error_page(request, 500, {}, [])


def error_page(request: web.Request, status: int, headers: Any, detail: list[str]) -> web.Response:
    """The page of an error ``status``; ``detail``: the handler's own words, if any."""
    lang = request_language(request)
    words = translator(lang)
    key = f"error.{status}" if status in WORDED_STATUSES else "error.other"
    retry_after = headers.get(hdrs.RETRY_AFTER, "")
    html = ENVIRONMENT.get_template("error.html").render(
        t=words,
        lang=lang,
        language_links=language_links(request),
        status=status,
        heading=words[key],
        text=words[f"{key}.text"],
        retry=words["error.retry"].format(seconds=retry_after) if retry_after.isdigit() else "",
        detail=detail,
    )
    kept = {name: value for name, value in headers.items() if name not in _BODY_HEADERS}
    return web.Response(status=status, text=html, content_type="text/html", headers=kept)


def _detail(exc: web.HTTPException) -> list[str]:
    """What the handler said, when it said it as the API's JSON (``{"error",
    "problems"}``, in English: for an administrator, shown as written)."""
    if exc.content_type != "application/json" or not exc.text:
        return []
    try:
        body = msgspec.json.decode(exc.text)
    except msgspec.DecodeError:
        return []
    if not isinstance(body, dict):
        return []
    said = [body["error"]] if isinstance(body.get("error"), str) else []
    problems = body.get("problems")
    if isinstance(problems, list):
        said += [p for p in problems if isinstance(p, str)]
    return said
