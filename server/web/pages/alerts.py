"""The alerts page: what is firing now, what happened (the alert history) and where
alerts go (the channels, with a test message for admins).

- ``GET /alerts``: the groups firing now in the asker's communes, the latest events and
  the channels as ``server/alerts/channel_view.py`` shows them (no secrets).
- ``GET /alerts/history``: the whole history, filtered by commune, rule, kind of event
  and days (``from``/``to``, local days, both included), newest first, a page at a time.
- ``POST /alerts/channels/{name}/test``: an admin's test message; htmx gets the
  channel's outcome to swap in, a form without JavaScript is sent back to the page,
  which shows each channel's latest test.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from aiohttp import web

from xaso.server.alerts.channel_check import ChannelCheck
from xaso.server.alerts.channel_view import ChannelView, describe_channels
from xaso.server.alerts.history import EVENT_KINDS, AlertEvent, HistoryQuery
from xaso.server.alerts.message import Language
from xaso.server.alerts.wiring import ALERT_HISTORY, ALERTS, active_alerts
from xaso.server.broadcasts.playout_outcome import STATUS_TEXT
from xaso.server.keys import CLOCK_MS, INDEX
from xaso.server.time_param import FIRST_DAY, LAST_DAY, day_start_ms
from xaso.server.web.api.alert_channels import check_channel, may_test_channels
from xaso.server.web.api.alert_history import (
    asked_commune,
    asked_kind,
    int_param,
    visible_communes,
)
from xaso.server.web.auth import PRINCIPAL
from xaso.server.web.http import bad_request
from xaso.server.web.rendering import render, request_language
from xaso.server.words import cause_text, duration, translator

RECENT = 10  # events on the alerts page; the rest on /alerts/history
PAGE = 50  # events per page of the history


def local_time(ts_ms: object, tz: ZoneInfo) -> str:
    """dd/mm/yyyy HH:MM in the inventory's zone; "—" for no time."""
    if not isinstance(ts_ms, int):
        return "—"
    return dt.datetime.fromtimestamp(ts_ms / 1000, tz).strftime("%d/%m/%Y %H:%M")


def _device_view(device: Mapping[str, Any], words: dict[str, str], lang: str) -> dict[str, Any]:
    status = str(device.get("status", ""))
    # A cluster of a broadcast alert carries its playout status (missed, failed...).
    said = words.get(status) or STATUS_TEXT.get(lang, {}).get(status, status)
    cause = device.get("cause")
    return {
        "name": device.get("name") or device.get("id"),
        "id": device.get("id"),
        "status": status,
        "status_text": said,
        "cause": cause_text(str(cause), words).text if cause else "",
    }


def firing_view(
    alert: Mapping[str, Any], words: dict[str, str], lang: str, tz: ZoneInfo, now_ms: int
) -> dict[str, Any]:
    """A group firing now as the page shows it. The acknowledgement, when the group has
    one, is read with ``get``: groups are plain dicts (``active_alerts``)."""
    severity, rule_type = str(alert["severity"]), str(alert["type"])
    started_ms = int(alert["started_ms"])
    cause, bulletin = alert.get("cause"), alert.get("bulletin")
    devices = alert.get("devices") or []
    return {
        "key": alert["key"],
        "severity": severity,
        "severity_text": words.get(f"severity.{severity}", severity),
        "rule": alert["rule"],
        "rule_text": words.get(f"rule.{rule_type}", rule_type),
        "commune": alert.get("commune_name") or alert.get("commune") or "—",
        "summary": alert.get("summary"),
        "cause": words.get(f"alert_cause.{cause}", str(cause)) if cause else None,
        "bulletin": bulletin.get("title") if isinstance(bulletin, Mapping) else None,
        "since": local_time(started_ms, tz),
        "for": duration((now_ms - started_ms) / 1000, lang),
        "last_sent": local_time(alert.get("last_sent_ms"), tz),
        "devices": [_device_view(d, words, lang) for d in devices],
        "acknowledged_by": alert.get("acknowledged_by"),
        "acknowledged_at": local_time(alert.get("acknowledged_ms"), tz),
    }


def event_view(event: AlertEvent, words: dict[str, str], tz: ZoneInfo) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "at": local_time(event.at_ms, tz),
        "kind": event.kind,
        "kind_text": words[f"event.{event.kind}"],
        "commune": event.commune_name or event.commune or "—",
        "rule": event.rule,
        "rule_text": words.get(f"rule.{event.rule_type}", event.rule_type),
        "severity": event.severity,
        "severity_text": words.get(f"severity.{event.severity}", event.severity),
        "summary": event.summary,
        "devices": event.devices,
        "started": local_time(event.started_ms, tz),
        "by": event.by,
        "note": event.note,
        "deliveries": [
            {
                "channel": d.channel,
                "outcome": d.outcome,
                "text": words[f"alerts.delivery.{d.outcome}"],
                "detail": d.detail,
                "at": local_time(d.at_ms, tz),
            }
            for d in event.deliveries
        ],
    }


def check_view(check: ChannelCheck | None, words: dict[str, str], tz: ZoneInfo) -> Any:
    if check is None:
        return None
    at = local_time(check.at_ms, tz)
    key = "alerts.test_sent" if check.ok else "alerts.test_failed"
    return {"ok": check.ok, "text": words[key].format(at=at, by=check.by), "error": check.error}


def channel_view(
    view: ChannelView, check: ChannelCheck | None, words: dict[str, str], tz: ZoneInfo
) -> dict[str, Any]:
    return {
        "name": view.name,
        "path": quote(view.name, safe=""),
        "type_text": words.get(f"channel.{view.type}", view.type),
        "settings": view.settings,
        "rules": view.rules,
        "people": [words[f"personal.{kind}"] for kind in view.people],
        "check": check_view(check, words, tz),
    }


def _visible_alerts(request: web.Request) -> list[Mapping[str, Any]]:
    principal = request[PRINCIPAL]
    return [
        a
        for a in active_alerts(request.app)
        if a.get("commune") is None or principal.may_see(str(a["commune"]))
    ]


def _channels(request: web.Request, words: dict[str, str], tz: ZoneInfo) -> list[dict[str, Any]]:
    runtime = request.app.get(ALERTS)
    if runtime is None:
        return []
    views = describe_channels(
        runtime.config.channels, runtime.config.rules, runtime.config.personal
    )
    return [channel_view(v, runtime.checks.get(v.name), words, tz) for v in views]


async def alerts_page(request: web.Request) -> web.Response:
    app = request.app
    lang = request_language(request)
    words = translator(lang)
    tz = ZoneInfo(app[INDEX].inventory.timezone)
    now_ms = app[CLOCK_MS]()
    recent = app[ALERT_HISTORY].query(HistoryQuery(visible=visible_communes(request), limit=RECENT))
    return render(
        request,
        "alerts.html",
        alerting=ALERTS in app,
        firing=[firing_view(a, words, lang, tz, now_ms) for a in _visible_alerts(request)],
        recent=[event_view(e, words, tz) for e in recent],
        channels=_channels(request, words, tz),
        may_test=may_test_channels(request),
    )


def _asked_day(request: web.Request, name: str) -> dt.date | None:
    raw = request.query.get(name) or None
    if raw is None:
        return None
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        raise bad_request(f"{name} must be a day, YYYY-MM-DD") from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise bad_request(f"{name}: must lie between {FIRST_DAY} and {LAST_DAY}")
    return day


def _visible_communes(request: web.Request) -> list[tuple[str, str]]:
    principal = request[PRINCIPAL]
    communes = request.app[INDEX].communes
    shown = [(code, c.name) for code, c in communes.items() if principal.may_see(code)]
    return sorted(shown, key=lambda pair: pair[1])


def _page_link(filters: Mapping[str, str], before: int | None) -> str:
    query = {k: v for k, v in filters.items() if v}
    if before is not None:
        query["before"] = str(before)
    return "/alerts/history" + (f"?{urlencode(query)}" if query else "")


async def history_page(request: web.Request) -> web.Response:
    app = request.app
    words = translator(request_language(request))
    tz = ZoneInfo(app[INDEX].inventory.timezone)
    first, last = _asked_day(request, "from"), _asked_day(request, "to")
    if first is not None and last is not None and first > last:
        raise bad_request("'from' must not be after 'to'")
    before = int_param(request, "before", None)
    history = app[ALERT_HISTORY]
    events = history.query(
        HistoryQuery(
            visible=visible_communes(request),
            commune=asked_commune(request),
            rule=request.query.get("rule") or None,
            kind=asked_kind(request),
            from_ms=day_start_ms(first, tz) if first else None,
            to_ms=day_start_ms(last + dt.timedelta(days=1), tz) if last else None,
            before_seq=before,
            limit=PAGE,
        )
    )
    filters = {k: request.query.get(k, "") for k in ("commune", "rule", "kind", "from", "to")}
    return render(
        request,
        "alert_history.html",
        events=[event_view(e, words, tz) for e in events],
        filters=filters,
        communes=_visible_communes(request),
        rules=history.rules(),
        kinds=EVENT_KINDS,
        older=_page_link(filters, events[-1].seq) if len(events) == PAGE else None,
        newest=_page_link(filters, None) if before is not None else None,
    )


async def send_test_from_page(request: web.Request) -> web.StreamResponse:
    if not may_test_channels(request):
        raise web.HTTPForbidden()
    name = request.match_info["name"]
    lang: Language = "en" if request_language(request) == "en" else "vi"
    check = await check_channel(request, name, lang)
    if request.headers.get("HX-Request") != "true":
        raise web.HTTPSeeOther(f"/alerts#channel-{quote(name, safe='')}")
    runtime = request.app[ALERTS]
    tz = ZoneInfo(request.app[INDEX].inventory.timezone)
    words = translator(lang)
    (view,) = _matching(
        describe_channels(runtime.config.channels, runtime.config.rules, runtime.config.personal),
        name,
    )
    return render(
        request,
        "_channel_check.html",
        channel=channel_view(view, check, words, tz),
        may_test=True,
    )


def _matching(views: Sequence[ChannelView], name: str) -> list[ChannelView]:
    return [v for v in views if v.name == name]


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/alerts", alerts_page)
    app.router.add_get("/alerts/history", history_page)
    app.router.add_post("/alerts/channels/{name}/test", send_test_from_page)
