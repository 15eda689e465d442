"""A commune's standing relay (tiếp sóng thường xuyên): the provincial or central
station's stream, played on its loudspeakers during set hours of the day.

It is kept as a broadcast schedule of the lowest class, ``background``, whose content
is the stream and whose slot is the hours (``relay_schedule``): the server expands its
occurrences, sends them in the gateways' sets, keeps its versions and reconciles its
playout like any schedule's, and pages find its occurrences with the schedules'. On
the gateway any bulletin pre-empts it and it resumes after (agent/playout/plan.py);
its outcome is its time on air against the time it was due on air
(``server/broadcasts/reconcile.py``).

``StandingRelay`` is how an officer describes it (the radio settings' form and API);
``relay_schedule`` and ``relay_of`` go between the two. Pure (no I/O).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Final, Literal

import msgspec

from xaso.protocol import ContentSource
from xaso.server.broadcasts.schedule import Content, Schedule, Targets

Weekday = Literal["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
WEEKDAYS: Final[tuple[Weekday, ...]] = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")

_TIME: Final = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_BYDAY: Final = re.compile(r"^FREQ=WEEKLY;BYDAY=([A-Z,]+)$")
_DAY_S: Final = 24 * 3600
MAX_URL_CHARS: Final = 2000
MAX_TITLE_CHARS: Final = 200


class StandingRelay(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    url: str  # http(s) or rtsp stream
    start_time: str  # "HH:MM", the commune's wall clock
    end_time: str  # "HH:MM"; at or before start_time: the next day
    source: ContentSource = "provincial"
    title: str = ""
    weekdays: list[Weekday] = []  # the days its slot starts on; empty: every day
    targets: Targets = Targets()  # as schedules: the commune, villages, clusters
    on: bool = True


def _minutes(value: str) -> int | None:
    found = _TIME.match(value)
    return int(found[1]) * 60 + int(found[2]) if found else None


def relay_problems(relay: StandingRelay, field: str = "relay.") -> list[str]:
    """Every problem of a standing relay that the schedule checks do not name as the
    officer wrote it (``schedule_problems`` checks the targets and the rest), each
    starting with its field."""
    found = []
    if not relay.url.startswith(("http://", "https://", "rtsp://")):
        found.append(f"{field}url: must be an http(s) or rtsp stream URL")
    elif len(relay.url) > MAX_URL_CHARS:
        found.append(f"{field}url: at most {MAX_URL_CHARS} characters")
    start, end = _minutes(relay.start_time), _minutes(relay.end_time)
    if start is None:
        found.append(f"{field}start_time: must be HH:MM (00:00 to 23:59)")
    if end is None:
        found.append(f"{field}end_time: must be HH:MM (00:00 to 23:59)")
    elif start is not None and start == end:
        found.append(f"{field}end_time: must differ from start_time")
    if len(set(relay.weekdays)) != len(relay.weekdays):
        found.append(f"{field}weekdays: each day once")
    if len(relay.title) > MAX_TITLE_CHARS:
        found.append(f"{field}title: at most {MAX_TITLE_CHARS} characters")
    return found


def slot_seconds(relay: StandingRelay) -> int:
    """The slot's length: from start_time to end_time, past midnight when earlier."""
    start, end = _minutes(relay.start_time), _minutes(relay.end_time)
    if start is None or end is None:
        return 0
    return ((end - start) % (24 * 60) or 24 * 60) * 60


def default_title(relay: StandingRelay) -> str:
    station = {"provincial": "Đài tỉnh", "central": "Đài Trung ương"}.get(relay.source, "Đài xã")
    return f"Tiếp sóng {station}"


def relay_schedule(
    relay: StandingRelay,
    *,
    schedule_id: str,
    commune: str,
    today: dt.date,
    timezone: str,
    created_by: str,
    revision: int,
) -> Schedule:
    """The schedule that plays ``relay``: daily (or on its weekdays) from ``today`` at
    its start time, for its slot, at the lowest class; paused while it is off. Check
    ``relay_problems`` first."""
    start = _minutes(relay.start_time) or 0
    title = relay.title.strip() or default_title(relay)
    days = [day for day in WEEKDAYS if day in relay.weekdays]
    rule = f"FREQ=WEEKLY;BYDAY={','.join(days)}" if days else "FREQ=DAILY"
    return Schedule(
        id=schedule_id,
        commune=commune,
        title=title,
        content=Content(
            type="relay",
            duration_s=min(slot_seconds(relay), _DAY_S),
            title=title,
            url=relay.url,
            source=relay.source,
        ),
        start=dt.datetime.combine(today, dt.time(start // 60, start % 60)),
        targets=relay.targets,
        rrule=rule,
        timezone=timezone,
        priority="background",
        paused=not relay.on,
        created_by=created_by,
        revision=revision,
    )


def relay_of(schedule: Schedule) -> StandingRelay:
    """The standing relay a schedule made by ``relay_schedule`` plays."""
    content = schedule.content
    start = schedule.start
    end = start + dt.timedelta(seconds=content.duration_s)
    found = _BYDAY.match(schedule.rrule or "")
    weekdays = [d for d in WEEKDAYS if found and d in found[1].split(",")]
    return StandingRelay(
        url=content.url or "",
        start_time=start.strftime("%H:%M"),
        end_time=end.strftime("%H:%M"),
        source=content.source,
        title=schedule.title,
        weekdays=weekdays,
        targets=schedule.targets,
        on=not schedule.paused,
    )
