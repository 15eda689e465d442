"""Signing in and out of the pages with a login name and a password.

A login that matches opens a session (``sessions.py``): the cookie holds only its random
id. Wrong passwords are counted per login and per address (``login_throttle.py``); past
the limit the page says how long to wait, and the password is not even checked. The
Argon2 check runs in a worker thread, so a login never stalls the event loop.

Every login goes into the audit log (``auditing.py``): who signed in, and each failed or
refused attempt as a security event with the login that was tried (never the password);
so does every logout.
"""

from __future__ import annotations

import asyncio
import math
from urllib.parse import urlsplit

from aiohttp import web

from xaso.server.keys import CLOCK_MS, SETTINGS
from xaso.server.web.accounts import Account, password_matches
from xaso.server.web.audit import Actor
from xaso.server.web.auditing import AUDIT_ACTION, AUDIT_ACTOR, AUDIT_DETAIL, AUDIT_SECURITY
from xaso.server.web.auth import SESSION_COOKIE, session_limits
from xaso.server.web.forwarded import client_address, parse_trusted_proxies, reached_over_https
from xaso.server.web.keys import ACCOUNTS, LOGIN_THROTTLE, SESSIONS
from xaso.server.web.rendering import render


def _next_path(value: object) -> str:
    """Where to go after signing in: a path of this server only (never another site:
    ``//evil.example`` and ``https://…`` are refused), else the overview."""
    text = str(value or "")
    parts = urlsplit(text)
    if not text.startswith("/") or text.startswith("//") or parts.scheme or parts.netloc:
        return "/"
    return text


# The most of a tried login the audit log keeps: what was typed may be anything.
_MAX_TRIED_CHARS = 64


def _audit_attempt(request: web.Request, tried: str, action: str) -> None:
    """A failed or refused login, for the audit log: a security event."""
    request[AUDIT_ACTION] = action
    request[AUDIT_SECURITY] = True
    request[AUDIT_ACTOR] = Actor("", tried.strip().lower()[:_MAX_TRIED_CHARS], "", "")
    request[AUDIT_DETAIL] = {"login": tried.strip()[:_MAX_TRIED_CHARS]}


def _audit_login(request: web.Request, account: Account) -> None:
    request[AUDIT_ACTION] = "login"
    request[AUDIT_ACTOR] = Actor(
        account.subject, account.login, account.display_name, str(account.role)
    )
    request[AUDIT_DETAIL] = {"login": account.login}


async def login_form(request: web.Request) -> web.Response:
    return render(
        request, "login.html", next=_next_path(request.query.get("next")), login="", error=""
    )


async def login(request: web.Request) -> web.Response:
    form = await request.post()
    name = str(form.get("login", ""))
    password = str(form.get("password", ""))
    next_path = _next_path(form.get("next"))
    app = request.app
    settings = app[SETTINGS]
    trusted = parse_trusted_proxies(settings.trusted_proxies)
    address = client_address(request, trusted)
    throttle = app[LOGIN_THROTTLE]
    now_ms = app[CLOCK_MS]()

    wait_s = throttle.wait_s(name, address, now_ms)
    if wait_s > 0:
        _audit_attempt(request, name, "login.refused")
        response = render(
            request,
            "login.html",
            next=next_path,
            login=name,
            error="login_wait",
            minutes=math.ceil(wait_s / 60),
        )
        response.set_status(429)
        response.headers["Retry-After"] = str(math.ceil(wait_s))
        return response

    accounts = app[ACCOUNTS]
    account_id, stored = accounts.credentials(name)
    matches = await asyncio.get_running_loop().run_in_executor(
        None, password_matches, stored, password
    )
    if not matches or account_id is None:
        throttle.failed(name, address, now_ms)
        _audit_attempt(request, name, "login.failed")
        response = render(
            request, "login.html", next=next_path, login=name, error="login_bad", minutes=0
        )
        response.set_status(401)
        return response

    throttle.succeeded(name)
    account = accounts.signed_in(account_id, password, stored, now_ms)
    _audit_login(request, account)
    limits = session_limits(settings)
    session_id = app[SESSIONS].open(account.subject, now_ms, limits)
    redirect = web.HTTPSeeOther(location=next_path)
    redirect.set_cookie(
        SESSION_COOKIE,
        session_id,
        path="/",
        max_age=int(limits.lifetime_s),
        httponly=True,
        # Lax, not Strict: a link to a device page in an alert's e-mail opens signed in;
        # a cross-site POST still goes without the cookie, and needs the CSRF token anyway.
        samesite="Lax",
        # Secure whenever the browser used HTTPS, also through a trusted proxy; not on
        # plain HTTP, where the browser would drop it and no login could work.
        secure=reached_over_https(request, trusted),
    )
    raise redirect


async def logout(request: web.Request) -> web.Response:
    """Ends the session on the server, not only in this browser (a POST with the page's
    CSRF token: a link on another site cannot sign anyone out)."""
    request[AUDIT_ACTION] = "logout"
    session_id = request.cookies.get(SESSION_COOKIE)
    if session_id:
        request.app[SESSIONS].close(session_id)
    redirect = web.HTTPSeeOther(location="/login")
    redirect.del_cookie(SESSION_COOKIE, path="/")
    raise redirect


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/login", login_form)
    app.router.add_post("/login", login)
    app.router.add_post("/logout", logout)
