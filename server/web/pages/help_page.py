"""``/help``: every word of the pages explained in one place — each status and common
cause (what it means, what to do), the alerts' severities and events, how acknowledging
works, the radio's classes and broadcast outcomes, the roles and the indicators'
verdicts. The words are the catalogue's ``help.*``
(``server/words.py``); the legend under status tables (``templates/_legend.html``) shows
the statuses and the commonest causes of the same words."""

from __future__ import annotations

from typing import Final

from aiohttp import web

from xaso.server.alerts.history import EVENT_KINDS
from xaso.server.broadcasts.calendar import WORST_FIRST
from xaso.server.broadcasts.playout_outcome import PRIORITY_TEXT, STATUS_TEXT
from xaso.server.indicators.result import VERDICT_VI
from xaso.server.monitoring.fleet_state import DeviceStatus
from xaso.server.web.accounts import PEOPLE_ROLES
from xaso.server.web.pages.radio_calendar_layout import SYMBOL
from xaso.server.web.rendering import render, request_language

# Causes a device's status shows (server/monitoring/fleet_state.py), the likeliest first.
CAUSES: Final = (
    "timeout",
    "will",
    "missed_heartbeat",
    "probe_failed",
    "gateway_offline",
    "no_reading",
    "maintenance_ended",
    "startup",
    "recovered",
    "flapping_started",
    "backfill",
    # A camera online whose picture is unusable (server/monitoring/picture_state.py).
    "picture_covered",
    "picture_dark",
    "picture_blurred",
    "picture_frozen",
    "picture_no_picture",
)
SEVERITIES: Final = ("critical", "warning", "info")


async def help_page(request: web.Request) -> web.Response:
    lang = request_language(request)
    return render(
        request,
        "help.html",
        statuses=[str(s) for s in DeviceStatus],
        causes=CAUSES,
        severities=SEVERITIES,
        events=EVENT_KINDS,
        roles=[str(r) for r in PEOPLE_ROLES],
        verdicts=list(VERDICT_VI),
        plan_statuses=("submitted", "returned", "accepted", "done"),
        priorities=list(PRIORITY_TEXT[lang].items()),
        # The order the calendar's legend gives them: what went well first.
        outcomes=[(s, SYMBOL[s], STATUS_TEXT[lang][s]) for s in reversed(WORST_FIRST)],
    )


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/help", help_page)
