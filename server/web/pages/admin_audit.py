"""The admins' page of the audit log (``audit.py``): newest first, filtered by who, the
start of the action's name, days and security events, paged 50 at a time.

Actions the page knows are said in words; the rest (``schedules.create``…) as
recorded, which names the route they came from. The detail is shown as its lines of
``name: value``, a change as ``before → after``.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Final
from urllib.parse import urlencode

from aiohttp import web

from xaso.server.time_param import FIRST_DAY, LAST_DAY, day_start_ms
from xaso.server.web.administration import require_admin
from xaso.server.web.audit import AuditEntry, AuditQuery
from xaso.server.web.keys import AUDIT
from xaso.server.web.pages.admin_shared import admin_page, local_time, zone
from xaso.server.web.rendering import request_language
from xaso.server.web.tokens import TOKEN_SUBJECT_PREFIX
from xaso.server.words import role_name, translator

PAGE_SIZE: Final = 50
_FILTERS: Final = ("who", "action", "from", "to", "security")


def _value(value: Any, words: dict[str, str], field: str = "") -> str:
    if isinstance(value, list):
        return ", ".join(_value(v, words, field) for v in value) or "—"
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return words["yes"] if value else words["no"]
    return role_name(value, words) if field == "role" else str(value)


def detail_lines(detail: dict[str, Any], words: dict[str, str]) -> list[str]:
    """The detail as lines to read, its names in words where they have some (``Vai trò:
    Người xem → Cán bộ xã`` for a change), a query as ``?name=value``."""

    def named(field: str) -> str:
        return words.get(f"admin.field.{field}", field)

    lines = []
    for name, value in detail.items():
        if name == "changed" and isinstance(value, dict):
            for field, pair in value.items():
                if isinstance(pair, list) and len(pair) == 2:
                    before, after = (_value(v, words, field) for v in pair)
                    lines.append(f"{named(field)}: {before} → {after}")
                else:
                    lines.append(f"{named(field)}: {_value(pair, words, field)}")
        elif name == "query" and isinstance(value, dict):
            lines += [f"?{key}={_value(v, words)}" for key, v in value.items()]
        elif value is True and f"admin.field.{name}" in words:
            lines.append(named(name))  # a flag: its words say it
        else:
            lines.append(f"{named(name)}: {_value(value, words, name)}")
    return lines


def _row(entry: AuditEntry, words: dict[str, str], tz: Any) -> dict[str, Any]:
    actor = entry.actor
    if actor.subject.startswith(TOKEN_SUBJECT_PREFIX):
        kind = words["admin.audit.token"]
    elif actor.role:
        kind = role_name(actor.role, words)
    else:
        kind = words["admin.audit.nobody"]
    return {
        "seq": entry.seq,
        "when": local_time(entry.at_ms, tz, seconds=True),
        "name": actor.name,
        "login": actor.login,
        "kind": kind,
        "action": words.get(f"admin.action.{entry.action}", entry.action),
        "action_code": entry.action,
        "what": f"{entry.method} {entry.path}",
        "detail": detail_lines(entry.detail, words),
        "address": entry.address or "—",
        "status": entry.status,
        "security": entry.security,
    }


def _day(value: str) -> dt.date | None:
    """A day of the form's date field (yyyy-mm-dd); ``ValueError`` when it is none, or
    outside the days the server handles."""
    if not value:
        return None
    day = dt.date.fromisoformat(value)
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(value)
    return day


async def audit(request: web.Request) -> web.Response:
    require_admin(request)
    tz = zone(request)
    words = translator(request_language(request))
    query = request.query
    error = ""
    try:
        from_day, to_day = _day(query.get("from", "")), _day(query.get("to", ""))
    except ValueError:
        from_day = to_day = None
        error = words["admin.audit.bad_day"]
    before = query.get("before", "")
    found = request.app[AUDIT].find(
        AuditQuery(
            who=query.get("who", ""),
            action=query.get("action", "").strip(),
            from_ms=day_start_ms(from_day, tz) if from_day else None,
            to_ms=day_start_ms(to_day + dt.timedelta(days=1), tz) if to_day else None,
            security_only=query.get("security") == "1",
            before=int(before) if before.isascii() and before.isdigit() else None,
            limit=PAGE_SIZE,
        )
    )
    kept = {name: query[name] for name in _FILTERS if query.get(name)}
    older = (
        "/admin/audit?" + urlencode({**kept, "before": found[-1].seq})
        if len(found) == PAGE_SIZE
        else ""
    )
    return admin_page(
        request,
        "admin_audit.html",
        400 if error else 200,
        tab="audit",
        entries=[_row(e, words, tz) for e in found],
        filters={name: query.get(name, "") for name in _FILTERS},
        error=error,
        older=older,
        newest="/admin/audit?" + urlencode(kept) if before else "",
    )


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/admin/audit", audit)
