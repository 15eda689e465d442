"""The status page: communes and devices with their status.

No front-end build step: Jinja2 templates with autoescaping (``rendering.py``). Times are
shown in the inventory's time zone (Asia/Ho_Chi_Minh) and stored in UTC.
"""

from __future__ import annotations

import time
from datetime import datetime
from zoneinfo import ZoneInfo

from aiohttp import web

from xaso.server.alerts.wiring import active_alerts
from xaso.server.keys import INDEX
from xaso.server.monitoring.fleet_state import DeviceState, DeviceStatus
from xaso.server.monitoring.keys import STATE
from xaso.server.web.auth import PRINCIPAL, today
from xaso.server.web.rendering import render, request_language
from xaso.server.web.views import commune_states, status_counts
from xaso.server.words import cause_text, duration, translator


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
    return render(
        request,
        "index.html",
        communes=communes,
        alerts=alerts,
        broker_up=state.link_is_up,
    )


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/", overview)
