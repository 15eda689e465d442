"""Who is asking: a bearer token (gateways and programs) or a browser's session (people),
on the pages and on ``/api`` alike, and the CSRF check a session's changes must pass.

- ``Authorization: Bearer <token>``: anywhere; a token is never sent by a browser on its
  own, so such requests need no CSRF token.
- The session cookie (``sessions.py``): the pages and ``/api`` from the same browser. An
  unsafe request (anything but GET, HEAD, OPTIONS) must carry the session's CSRF token,
  in the ``X-CSRF-Token`` header (htmx and fetch) or the ``csrf_token`` field of a
  url-encoded form (pages without JavaScript); without it the request is refused (403)
  before its handler runs. The one exception is a file-upload form without
  JavaScript (``form_uploads.py``): a route marked so checks the token in the
  multipart body's first part itself, before it reads the file. The cookie is
  ``SameSite=Lax`` as well: a second lock.
  Without a session a page is sent to the login, and back after it; a part of a page
  that htmx refreshes (a poll) answers 401 with ``HX-Redirect``, so the whole page goes.

Open without either: ``/healthz`` (for load balancers), ``/metrics`` (for Prometheus,
which in production scrapes over a private network), the login page itself and the
pages' static files (style sheets and scripts, nothing secret).
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
from collections.abc import Awaitable, Callable
from typing import NoReturn
from urllib.parse import quote, urlsplit

from aiohttp import web

from xaso.server.keys import CLOCK_MS, INDEX, SETTINGS
from xaso.server.settings import Settings
from xaso.server.web.accounts import USER_PREFIX
from xaso.server.web.keys import ACCOUNTS, SESSIONS, TOKENS
from xaso.server.web.sessions import LiveSession, SessionLimits
from xaso.server.web.tokens import Principal, Role

PRINCIPAL = web.RequestKey("principal", Principal)
SESSION = web.RequestKey("session", LiveSession)  # set only for a browser's session
SESSION_COOKIE = "xaso_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
# Set on a route's handler by ``form_uploads.csrf_in_first_part``: the handler checks a
# multipart form's CSRF token itself, from the body's first part.
CSRF_IN_FIRST_PART = "xaso_csrf_in_first_part"

_OPEN_PATHS = frozenset({"/healthz", "/metrics", "/login"})
STATIC_PREFIX = "/static/"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def session_limits(settings: Settings) -> SessionLimits:
    return SessionLimits(settings.session_idle_timeout_s, settings.session_lifetime_s)


def _bearer(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _live_session(request: web.Request) -> LiveSession | None:
    session_id = request.cookies.get(SESSION_COOKIE)
    if not session_id:
        return None
    app = request.app
    return app[SESSIONS].lookup(session_id, app[CLOCK_MS](), session_limits(app[SETTINGS]))


def _session_principal(request: web.Request, session: LiveSession) -> Principal | None:
    if not session.subject.startswith(USER_PREFIX):
        return None
    return request.app[ACCOUNTS].principal(session.subject.removeprefix(USER_PREFIX))


async def _csrf_token_sent(request: web.Request) -> str:
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    if request.content_type == "application/x-www-form-urlencoded":
        # aiohttp keeps the parsed form: the handler reads it again for free.
        return str((await request.post()).get(CSRF_FIELD, ""))
    return ""


def _checks_own_csrf(request: web.Request) -> bool:
    """A multipart form without the header, posted to a route that checks the token in
    the form's first part itself (``form_uploads.csrf_in_first_part``)."""
    return (
        request.content_type == "multipart/form-data"
        and CSRF_HEADER not in request.headers
        and getattr(request.match_info.handler, CSRF_IN_FIRST_PART, False) is True
    )


def _refuse(request: web.Request, status: type[web.HTTPException], message: str) -> NoReturn:
    if request.path.startswith("/api/"):
        raise status(text=json.dumps({"error": message}), content_type="application/json")
    raise status(text=message)


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path in _OPEN_PATHS or request.path.startswith(STATIC_PREFIX):
        return await handler(request)
    is_api = request.path.startswith("/api/")
    # SQLite lookups by primary key on a local file take microseconds; they are done
    # inline rather than in a thread for that reason.
    token = _bearer(request)
    session: LiveSession | None = None
    if token:
        principal = request.app[TOKENS].authenticate(token, request.app[CLOCK_MS]())
    else:
        session = _live_session(request)
        principal = _session_principal(request, session) if session else None
    if principal is None:
        if is_api:
            raise web.HTTPUnauthorized(
                text='{"error": "a valid bearer token or a signed-in session is required"}',
                content_type="application/json",
                headers={"WWW-Authenticate": 'Bearer realm="xaso"'},
            )
        # Back where they were going once signed in (a GET; after a form, the overview).
        wanted = request.path_qs if request.method == "GET" else "/"
        if request.headers.get("HX-Request") == "true":
            # A page refreshing a part of itself (htmx): a redirect would put the login
            # form in that part. The whole page goes to the login, and comes back.
            wanted = _page_of(request.headers.get("HX-Current-URL", ""))
            after = "" if wanted == "/" else f"?next={quote(wanted, safe='')}"
            raise web.HTTPUnauthorized(headers={"HX-Redirect": f"/login{after}"})
        after = "" if wanted == "/" else f"?next={quote(wanted, safe='')}"
        raise web.HTTPSeeOther(location=f"/login{after}")
    if session is not None:
        if request.method not in _SAFE_METHODS and not _checks_own_csrf(request):
            sent = await _csrf_token_sent(request)
            if not sent or not hmac.compare_digest(sent, session.csrf_token):
                _refuse(request, web.HTTPForbidden, "the request lacks the page's CSRF token")
        request[SESSION] = session
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


def _page_of(url: str) -> str:
    """The path and query of the page htmx says it is on (``HX-Current-URL``)."""
    parts = urlsplit(url)
    if not parts.path.startswith("/") or parts.path.startswith("//"):
        return "/"
    return parts.path + (f"?{parts.query}" if parts.query else "")


def today(app: web.Application) -> dt.date:
    """The server's local day (the inventory's time zone, the injected clock): the day
    that decides what each commune holds and what each token covers."""
    return app[INDEX].day_of(app[CLOCK_MS]())
