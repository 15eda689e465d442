"""A plain server-rendered page: communes and devices with their status.

No front-end build step: Jinja2 templates with autoescaping, Vietnamese by default,
``?lang=en`` switches (and is remembered in a cookie). Times are shown in the
inventory's time zone (Asia/Ho_Chi_Minh) and stored in UTC.
"""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from aiohttp import web

from xaso.server.alerts.wiring import active_alerts
from xaso.server.keys import CLOCK_MS, INDEX, SETTINGS
from xaso.server.monitoring.fleet_state import DeviceState, DeviceStatus
from xaso.server.monitoring.keys import STATE
from xaso.server.web.auth import PRINCIPAL, SESSION_COOKIE, STATIC_PREFIX, session_limits, today
from xaso.server.web.forwarded import parse_trusted_proxies, reached_over_https
from xaso.server.web.keys import TOKENS
from xaso.server.web.templating import ENVIRONMENT
from xaso.server.web.tokens import Role
from xaso.server.web.views import commune_states, status_counts
from xaso.server.words import cause_text, duration, pick_language, role_name, translator

LANG_COOKIE = "xaso_lang"


def _playing(state: DeviceState, words: dict[str, str]) -> str | None:
    """What an online loudspeaker cluster plays now, by its last reading (the gateway's
    playout or the cluster's controller, docs/playout.md); None when it plays nothing."""
    reading = state.last_reading
    radio = reading.radio if reading is not None else None
    if state.status is not DeviceStatus.ONLINE or radio is None:
        return None
    if radio.play_state != "playing":
        return None
    return words.get(f"playing_{radio.source}", words["playing"])


def _local_time(ts_ms: int | None, tz: ZoneInfo) -> str:
    if ts_ms is None:
        return "—"
    return datetime.fromtimestamp(ts_ms / 1000, tz).strftime("%d/%m/%Y %H:%M:%S")


def request_language(request: web.Request) -> str:
    """The language asked for (``?lang=``), else the one the page remembered, else
    Vietnamese."""
    return pick_language(request.query.get("lang"), request.cookies.get(LANG_COOKIE))


def _render(request: web.Request, template: str, **context: object) -> web.Response:
    lang = request_language(request)
    html = ENVIRONMENT.get_template(template).render(t=translator(lang), lang=lang, **context)
    response = web.Response(text=html, content_type="text/html")
    if request.query.get("lang") == lang:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 24 * 3600, samesite="Lax")
    return response


async def overview(request: web.Request) -> web.Response:
    principal = request[PRINCIPAL]
    index = request.app[INDEX]
    state = request.app[STATE]
    tz = ZoneInfo(index.inventory.timezone)
    lang = request_language(request)
    words = translator(lang)
    now_s = time.time()
    communes = []
    day = today(request.app)
    for code, commune in index.communes.items():
        if not principal.may_see(code):
            continue
        states = commune_states(state, code, day)
        communes.append(
            {
                "code": code,
                "name": commune.name,
                "counts": status_counts(states),
                "devices": [
                    {
                        "id": s.entry.id,
                        "name": s.entry.name,
                        "kind": s.entry.kind,
                        "status": str(s.status),
                        "since": _local_time(s.since_ms, tz),
                        "for": duration(now_s - (s.since_ms or 0) / 1000, lang),
                        "last_seen": _local_time(s.last_seen_ms, tz),
                        "cause": cause_text(s.cause, words),
                        "playing": _playing(s, words),
                    }
                    for s in states
                ],
            }
        )
    alerts = [
        {
            "commune": a.get("commune_name") or a.get("commune") or "",
            "summary": a.get("summary") or a.get("rule"),
            "severity": a.get("severity"),
            "since": _local_time(int(str(a["started_ms"])), tz) if a.get("started_ms") else "—",
            "devices": len(a.get("devices") or []),  # type: ignore[arg-type]
        }
        for a in active_alerts(request.app)
        if a.get("commune") is None or principal.may_see(str(a["commune"]))
    ]
    return _render(
        request,
        "index.html",
        communes=communes,
        alerts=alerts,
        broker_up=state.link_is_up,
        user=principal,
        role=role_name(principal.role, words),
    )


async def login_form(request: web.Request) -> web.Response:
    return _render(request, "login.html", error=False)


async def login(request: web.Request) -> web.Response:
    """The token, typed once, is exchanged for a page session (server/web/sessions.py):
    the cookie holds only the session's random id, never the token."""
    form = await request.post()
    token = str(form.get("token", "")).strip()
    app = request.app
    tokens = app[TOKENS]
    principal = tokens.authenticate(token) if token else None
    if principal is None or principal.role is Role.AGENT:  # a gateway's token opens no page
        response = _render(request, "login.html", error=True)
        response.set_status(401)
        return response
    settings = app[SETTINGS]
    limits = session_limits(settings)
    session_id = tokens.sessions.open(principal.token_id, app[CLOCK_MS](), limits)
    redirect = web.HTTPSeeOther(location="/")
    redirect.set_cookie(
        SESSION_COOKIE,
        session_id,
        path="/",
        max_age=int(limits.lifetime_s),
        httponly=True,
        samesite="Strict",
        # Secure whenever the browser used HTTPS, also through a trusted proxy; not on
        # plain HTTP, where the browser would drop it and no login could work.
        secure=reached_over_https(request, parse_trusted_proxies(settings.trusted_proxies)),
    )
    raise redirect


async def logout(request: web.Request) -> web.Response:
    """Ends the session on the server, not only in this browser."""
    session_id = request.cookies.get(SESSION_COOKIE)
    if session_id:
        request.app[TOKENS].sessions.close_session(session_id)
    redirect = web.HTTPSeeOther(location="/login")
    redirect.del_cookie(SESSION_COOKIE, path="/")
    raise redirect


def setup_routes(app: web.Application) -> None:
    # The pages' style sheets: files, so the Content-Security-Policy needs nothing inline.
    app.router.add_static(STATIC_PREFIX, Path(__file__).parent / "static")
    app.router.add_get("/", overview)
    app.router.add_get("/login", login_form)
    app.router.add_post("/login", login)
    app.router.add_post("/logout", logout)
