"""Schedule sets built in a line, for the tests and benchmarks that play them."""

from __future__ import annotations

from collections.abc import Iterable

from xaso.protocol import (
    SCHEMA_VERSION,
    Priority,
    ScheduledContent,
    ScheduleItem,
    ScheduleSet,
    Silence,
)


def item(
    id: str,
    starts_ms: Iterable[int],
    *,
    priority: Priority = "normal",
    clusters: Iterable[str] = ("rc-01",),
    duration_s: float = 300,
    revision: int = 1,
    content: ScheduledContent | None = None,
    volume: int | None = None,
) -> ScheduleItem:
    return ScheduleItem(
        id=id,
        revision=revision,
        title=id,
        priority=priority,
        content=content or ScheduledContent(type="tts", duration_s=duration_s, text=id),
        start="2027-01-01T06:00:00",
        timezone="Asia/Ho_Chi_Minh",
        clusters=list(clusters),
        starts_ms=list(starts_ms),
        volume=volume,
    )


def schedule_set(
    *items: ScheduleItem, silences: Iterable[Silence] = (), ts_ms: int = 0, agent: str = "gw"
) -> ScheduleSet:
    return ScheduleSet(
        v=SCHEMA_VERSION,
        agent=agent,
        version=f"v{len(items)}",
        ts_ms=ts_ms,
        items=list(items),
        silences=list(silences),
    )
