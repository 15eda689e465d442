"""Hands each radio gateway the schedules of its clusters, as a retained message.

Every schedule that plays on some of a gateway's clusters goes into that gateway's
schedule set, with the clusters it plays on there; the set's version is a hash of its
items. A set is published (retained, so a gateway that reconnects finds it waiting)
only when its version changed, and the gateway reports the version it holds in every
heartbeat: a gateway on an old schedule is visible (GET /api/v1/schedules/distribution).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from server.schedule import Schedule, target_clusters
from xaso.inventory import InventoryIndex
from xaso.protocol import (
    SCHEMA_VERSION,
    ScheduledContent,
    ScheduleItem,
    ScheduleSet,
    encode,
    schedule_topic,
    schedule_version,
)

log = logging.getLogger("xaso.distribution")


def radio_agents(index: InventoryIndex) -> dict[str, frozenset[str]]:
    """Each gateway that answers for loudspeaker clusters, with those clusters."""
    found: dict[str, set[str]] = {}
    for entry in index.devices.values():
        if entry.kind == "radio_cluster" and not entry.planned:
            found.setdefault(entry.agent_id, set()).add(entry.id)
    return {agent: frozenset(clusters) for agent, clusters in found.items()}


def _item(schedule: Schedule, clusters: Iterable[str]) -> ScheduleItem:
    content = schedule.content
    return ScheduleItem(
        id=schedule.id,
        revision=schedule.revision,
        title=schedule.title,
        priority=schedule.priority,
        content=ScheduledContent(
            type=content.type,
            duration_s=content.duration_s,
            title=content.title,
            sha256=content.sha256,
            text=content.text,
            voice=content.voice,
            url=content.url,
        ),
        start=schedule.start.isoformat(),
        timezone=schedule.timezone,
        clusters=sorted(clusters),
        rrule=schedule.rrule,
    )


def schedule_sets(
    schedules: Iterable[Schedule], index: InventoryIndex, now_ms: int
) -> dict[str, ScheduleSet]:
    """The set due to every radio gateway (paused schedules are left out)."""
    agents = radio_agents(index)
    items: dict[str, list[ScheduleItem]] = {agent: [] for agent in agents}
    for schedule in schedules:
        if schedule.paused:
            continue
        targets = target_clusters(schedule, index)
        for agent, clusters in agents.items():
            shared = targets & clusters
            if shared:
                items[agent].append(_item(schedule, shared))
    return {
        agent: ScheduleSet(
            v=SCHEMA_VERSION,
            agent=agent,
            version=schedule_version(found),
            ts_ms=now_ms,
            items=sorted(found, key=lambda i: i.id),
        )
        for agent, found in items.items()
    }


class ScheduleDistributor:
    def __init__(self, publish: Callable[[str, bytes], None]) -> None:
        self._publish = publish
        self.expected: dict[str, str] = {}  # agent -> version last published

    def sync(self, schedules: Iterable[Schedule], index: InventoryIndex, now_ms: int) -> int:
        """Publish the sets whose version changed; how many were published."""
        published = 0
        for agent, schedule_set in schedule_sets(schedules, index, now_ms).items():
            if self.expected.get(agent) == schedule_set.version:
                continue
            self._publish(schedule_topic(agent), encode(schedule_set))
            self.expected[agent] = schedule_set.version
            published += 1
        if published:
            log.info("published %d schedule sets", published)
        return published

    def forget(self) -> None:
        """After the broker link returns: publish every set again on the next sync (the
        broker may have lost its retained messages)."""
        self.expected.clear()
