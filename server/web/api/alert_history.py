"""``GET /api/v1/alerts/history``: what happened to the alert groups, newest first.

Each event (opened, reminded, acknowledged, resolved) with each channel's outcome
(``server/alerts/history.py``), within the asker's communes. Filters combine:
``?commune=&rule=&kind=&from=&to=`` (no period: all of it). ``?limit=`` (50, at most
500) and ``?before=<seq>`` page through it (``next_before`` is the next page's, or null
on the last).
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

import msgspec
from aiohttp import web

from xaso.server.alerts.history import EVENT_KINDS, MAX_LIMIT, AlertEvent, HistoryQuery
from xaso.server.alerts.wiring import ALERT_HISTORY
from xaso.server.keys import INDEX
from xaso.server.web.auth import PRINCIPAL
from xaso.server.web.http import bad_request, json_response, not_found, parse_time_ms

DEFAULT_LIMIT = 50


def visible_communes(request: web.Request) -> frozenset[str] | None:
    """The asker's communes for the history; None: every commune."""
    scope = request[PRINCIPAL].scope
    return scope if scope else None


def asked_commune(request: web.Request) -> str | None:
    """``?commune=``, which must be within the asker's scope (else 404, as elsewhere)."""
    commune = request.query.get("commune") or None
    if commune is not None and not request[PRINCIPAL].may_see(commune):
        raise not_found("commune")
    return commune


def asked_kind(request: web.Request) -> str | None:
    kind = request.query.get("kind") or None
    if kind is not None and kind not in EVENT_KINDS:
        raise bad_request(f"kind must be one of {', '.join(EVENT_KINDS)}")
    return kind


def int_param(request: web.Request, name: str, default: int | None) -> int | None:
    raw = request.query.get(name) or None
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise bad_request(f"{name} must be an integer") from None
    if value < 1:
        raise bad_request(f"{name} must be at least 1")
    return value


def event_json(event: AlertEvent) -> dict[str, Any]:
    body = msgspec.to_builtins(event)
    assert isinstance(body, dict)
    # Named as GET /api/v1/alerts names a group's fields.
    body["key"] = body.pop("group_key")
    body["type"] = body.pop("rule_type")
    return body


def asked_period(request: web.Request) -> tuple[int | None, int | None]:
    """``?from=&to=`` (epoch ms or ISO 8601, local time by default), each optional:
    no period is the whole history."""
    tz = ZoneInfo(request.app[INDEX].inventory.timezone)
    query = request.query
    from_ms = parse_time_ms("from", query["from"], tz) if query.get("from") else None
    to_ms = parse_time_ms("to", query["to"], tz) if query.get("to") else None
    if from_ms is not None and to_ms is not None and from_ms >= to_ms:
        raise bad_request("'from' must be before 'to'")
    return from_ms, to_ms


async def alert_history(request: web.Request) -> web.Response:
    from_ms, to_ms = asked_period(request)
    limit = min(int_param(request, "limit", DEFAULT_LIMIT) or DEFAULT_LIMIT, MAX_LIMIT)
    events = request.app[ALERT_HISTORY].query(
        HistoryQuery(
            visible=visible_communes(request),
            commune=asked_commune(request),
            rule=request.query.get("rule") or None,
            kind=asked_kind(request),
            from_ms=from_ms,
            to_ms=to_ms,
            before_seq=int_param(request, "before", None),
            limit=limit,
        )
    )
    next_before = events[-1].seq if len(events) == limit else None
    return json_response(
        {
            "events": [event_json(e) for e in events],
            "count": len(events),
            "next_before": next_before,
        }
    )


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/api/v1/alerts/history", alert_history)
