"""A week of a commune's broadcasts for the calendar's tests (pages and browser): the
morning news every day at 06:00 on the whole commune, the evening notices at 17:00
on Thôn Một (priority), a storm warning on Thôn Hai on Thursday at 06:05 (emergency,
colliding with the news), an hour of silence on Thôn Một on Tuesday afternoon, and
what the gateway reported on Tuesday and Wednesday mornings.

The clock stands on Wednesday 9 January 2030 at 12:00 in Hà Nội; the week shown runs
from Monday 7 to Sunday 13.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Final
from zoneinfo import ZoneInfo

from aiohttp import web

from tests.broadcast_events import store_event
from xaso.server.broadcasts.keys import SCHEDULES, SILENCES
from xaso.server.broadcasts.schedule import Content, Schedule, Targets
from xaso.server.broadcasts.silence import SilenceOrder

INVENTORY: Final = Path(__file__).parent.parent / "data" / "calendar-inventory.yaml"
VN: Final = ZoneInfo("Asia/Ho_Chi_Minh")
MIN: Final = 60_000
MONDAY: Final = dt.date(2030, 1, 7)


def local_ms(day: dt.date, hour: int, minute: int = 0) -> int:
    return int(dt.datetime.combine(day, dt.time(hour, minute), tzinfo=VN).timestamp() * 1000)


def weekday(n: int) -> dt.date:
    """Monday is 0."""
    return MONDAY + dt.timedelta(days=n)


NOW: Final = local_ms(weekday(2), 12)
NEWS: Final = Schedule(
    id="lt-sang",
    commune="dong",
    title="Bản tin sáng",
    content=Content(type="tts", text="Kính thưa bà con", duration_s=600),
    start=dt.datetime(2030, 1, 1, 6, 0),
    rrule="FREQ=DAILY",
)
EVENING: Final = Schedule(
    id="lt-chieu",
    commune="dong",
    title="Thông báo chiều",
    content=Content(type="file", sha256="ab" * 32, duration_s=900, title="thong-bao.mp3"),
    start=dt.datetime(2030, 1, 1, 17, 0),
    rrule="FREQ=DAILY",
    priority="priority",
    targets=Targets(zones=["dong.t1"]),
)
STORM: Final = Schedule(
    id="lt-bao",
    commune="dong",
    title="Cảnh báo bão",
    content=Content(type="tts", text="Bão số ba sắp đổ bộ", duration_s=600),
    start=dt.datetime(2030, 1, 10, 6, 5),
    priority="emergency",
    targets=Targets(zones=["dong.t2"]),
)
SILENCE: Final = SilenceOrder(
    id="im-tang",
    commune="dong",
    clusters=["dong-rc-1", "dong-rc-2"],
    from_ms=local_ms(weekday(1), 14),
    to_ms=local_ms(weekday(1), 15),
    targets=Targets(zones=["dong.t1"]),
    created_by="cb.dong",
    reason="Đám tang gần cụm loa chợ",
)


async def report(app: web.Application, kind: str, cluster: str, at_ms: int, **fields: Any) -> None:
    """The gateway's event about the morning news (another schedule's: ``schedule=``)."""
    fields.setdefault("schedule", NEWS.id)
    await store_event(app, "dong-gw", kind, at_ms, cluster=cluster, **fields)


async def played(app: web.Application, cluster: str, start_ms: int, seconds: float) -> None:
    common = {"occurrence_ms": start_ms, "planned_end_ms": start_ms + 10 * MIN}
    await report(app, "started", cluster, start_ms + 2_000, started_ms=start_ms + 2_000, **common)
    await report(
        app,
        "finished",
        cluster,
        start_ms + 2_000 + round(seconds * 1000),
        started_ms=start_ms + 2_000,
        played_s=seconds,
        **common,
    )


async def a_week(app: web.Application) -> None:
    """The schedules, the silence, and the gateway's reports: the first three clusters
    hold the news since Monday (the fourth never got it); on Tuesday they played it,
    on Wednesday the first played it, the second for 100 s, the third not at all."""
    for schedule in (NEWS, EVENING, STORM):
        app[SCHEDULES].put(schedule, by="cb.dong")
    app[SILENCES].put(SILENCE)
    for cluster in ("dong-rc-1", "dong-rc-2", "dong-rc-3"):
        await report(app, "received", cluster, local_ms(MONDAY, 0, 5))
        await played(app, cluster, local_ms(weekday(1), 6), 598)
    await played(app, "dong-rc-1", local_ms(weekday(2), 6), 599)
    await played(app, "dong-rc-2", local_ms(weekday(2), 6), 100)
