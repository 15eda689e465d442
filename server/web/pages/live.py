"""What the pages that keep themselves up to date share: the part asked for, how fresh
it is, and times as people read them.

An open page (the overview, the problems) asks for its changing part again every
``--page-refresh-s`` seconds with htmx (``hx-trigger="every 15s"``) from the same URL
with ``fragment=1``: the same handler, the same session and scope, only the part. It
polls whether the tab is shown or not: htmx can only pause on a condition it evaluates
as JavaScript, which the pages' Content-Security-Policy forbids (no eval), and one small
request every quarter of a minute costs less than the policy would.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from aiohttp import web

from xaso.server.keys import CLOCK_MS, INDEX, SETTINGS


def wants_fragment(request: web.Request) -> bool:
    """Whether only the changing part is asked for (``?fragment=1``)."""
    return request.query.get("fragment") == "1"


def zone(request: web.Request) -> ZoneInfo:
    return ZoneInfo(request.app[INDEX].inventory.timezone)


def local_time(ts_ms: int | None, tz: ZoneInfo, seconds: bool = False) -> str:
    """dd/mm/yyyy HH:MM in the inventory's time zone ("—" for no time)."""
    if ts_ms is None:
        return "—"
    shape = "%d/%m/%Y %H:%M:%S" if seconds else "%d/%m/%Y %H:%M"
    return datetime.fromtimestamp(ts_ms / 1000, tz).strftime(shape)


def freshness(request: web.Request) -> dict[str, object]:
    """What every live part shows and needs: when it was made (HH:MM:SS, local) and how
    often to ask again."""
    now_ms = request.app[CLOCK_MS]()
    made = datetime.fromtimestamp(now_ms / 1000, zone(request))
    return {
        "updated_at": made.strftime("%H:%M:%S"),
        "updated_on": made.strftime("%d/%m/%Y"),
        # htmx's "every <n>ms": whole milliseconds, whatever the setting's decimals.
        "refresh_ms": max(1, round(request.app[SETTINGS].page_refresh_s * 1000)),
    }
