"""A month of alpha's morning news as its gateway logged it, for the playout log page's
tests: every status a finished month shows, and the rest of the month still to come.

The clock stands at 12:00 on 20 January 2030. The bulletin plays at 06:00 every day
from 1 January; the gateway confirmed holding it on 1 January, then played it every
morning but: the 5th (the player failed), the 7th and the 20th (nothing: missed), the
9th (twenty minutes late), the 11th (cut by the storm warning at 06:05, never
finished). The storm warning itself never reached the gateway; beta's bulletin plays
in the other commune.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final
from zoneinfo import ZoneInfo

from aiohttp import web

from tests.broadcast_events import store_event
from tests.messages import MORNING_NEWS
from xaso.server.broadcasts.keys import SCHEDULES
from xaso.server.broadcasts.schedule import Content, Schedule

VN: Final = ZoneInfo("Asia/Ho_Chi_Minh")
MIN: Final = 60_000


def local_ms(day: int, hour: int, minute: int = 0) -> int:
    """Epoch ms of a wall time in January 2030, Viet Nam."""
    return int(dt.datetime(2030, 1, day, hour, minute, tzinfo=VN).timestamp() * 1000)


NOW: Final = local_ms(20, 12)
STORM = Schedule(
    id="kc-bao",
    commune="alpha",
    title="Cảnh báo bão số 3",
    content=Content(type="tts", text="Bão số 3 đang vào", duration_s=120),
    start=dt.datetime(2030, 1, 11, 6, 5),
    priority="emergency",
)
BETA_NEWS = Schedule(
    id="lt-beta",
    commune="beta",
    title="Bản tin xã Beta",
    content=Content(type="tts", text="Alô", duration_s=300),
    start=dt.datetime(2030, 1, 2, 7, 0),
    rrule="FREQ=DAILY",
)
# January's counts on alpha's one cluster, as the API's summary gives them.
JANUARY: Final = {
    "played": 15,
    "late": 1,
    "partial": 1,
    "failed": 1,
    "missed": 2,
    "not_received": 1,
    "silenced": 0,
    "upcoming": 11,
    "playing": 0,
    "manual": 0,
}


async def report(app: web.Application, kind: str, at_ms: int, **fields: Any) -> None:
    """alpha's gateway's event about the morning news (by default on alpha-rc-1)."""
    fields.setdefault("schedule", MORNING_NEWS.id)
    fields.setdefault("cluster", "alpha-rc-1")
    await store_event(app, "alpha-gw", kind, at_ms, **fields)


async def a_month_of_bulletins(app: web.Application) -> None:
    for schedule in (MORNING_NEWS, STORM, BETA_NEWS):
        app[SCHEDULES].put(schedule)
    await report(app, "received", local_ms(1, 0))
    for day in range(1, 20):
        planned = local_ms(day, 6)
        slot: dict[str, Any] = {"occurrence_ms": planned, "planned_end_ms": planned + 10 * MIN}
        if day == 7:
            continue
        if day == 5:
            await report(
                app, "failed", planned + 2_000, reason="player_failed", error="exit 1", **slot
            )
            continue
        started = planned + (20 * MIN if day == 9 else 1_000)
        await report(app, "started", started, started_ms=started, **slot)
        if day == 11:
            await report(
                app,
                "preempted",
                planned + 5 * MIN,
                started_ms=started,
                played_s=299.0,
                by=STORM.id,
                **slot,
            )
            continue
        await report(app, "finished", started + 599_000, started_ms=started, played_s=599.0, **slot)
