"""The audit log through the API, for admins only (docs/api.md): newest first, filtered
by who, action, route and time, paged with ``before``."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from xaso.server.keys import INDEX
from xaso.server.web.administration import require_admin
from xaso.server.web.audit import MAX_LIMIT, AuditEntry, AuditQuery
from xaso.server.web.http import bad_request, json_response, parse_time_ms
from xaso.server.web.keys import AUDIT
from xaso.server.web.views import iso_utc

DEFAULT_LIMIT = 100


def entry_view(entry: AuditEntry) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "at": iso_utc(entry.at_ms),
        "at_ms": entry.at_ms,
        "subject": entry.actor.subject,
        "login": entry.actor.login,
        "name": entry.actor.name,
        "role": entry.actor.role,
        "method": entry.method,
        "route": entry.route,
        "path": entry.path,
        "params": entry.params,
        "action": entry.action,
        "detail": entry.detail,
        "address": entry.address,
        "status": entry.status,
        "security": entry.security,
    }


def _whole(request: web.Request, name: str, default: int | None, least: int) -> int | None:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isascii() or not raw.isdigit() or int(raw) < least:
        raise bad_request(f"{name}: a whole number from {least}")
    return int(raw)


async def list_audit(request: web.Request) -> web.Response:
    require_admin(request)
    query = request.query
    tz = ZoneInfo(request.app[INDEX].inventory.timezone)
    from_ms = parse_time_ms("from", query["from"], tz) if query.get("from") else None
    to_ms = parse_time_ms("to", query["to"], tz) if query.get("to") else None
    security = query.get("security", "0")
    if security not in ("0", "1"):
        raise bad_request("security: 1 (security events only) or 0")
    limit = min(_whole(request, "limit", DEFAULT_LIMIT, 1) or DEFAULT_LIMIT, MAX_LIMIT)
    found = request.app[AUDIT].find(
        AuditQuery(
            who=query.get("who", ""),
            action=query.get("action", ""),
            route=query.get("path", ""),
            from_ms=from_ms,
            to_ms=to_ms,
            security_only=security == "1",
            before=_whole(request, "before", None, 0),
            limit=limit,
        )
    )
    return json_response(
        {
            "entries": [entry_view(e) for e in found],
            # Where the next page starts; null when this one is the last.
            "before": found[-1].seq if len(found) == limit else None,
        }
    )


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/api/v1/audit", list_audit)
