"""Hands each radio gateway what to play on its clusters, as a retained message.

Every schedule that plays on some of a gateway's clusters goes into that gateway's
schedule set, with the clusters it plays on there and its occurrences expanded by the
server (``starts_ms``) over a window of whole local days: from the start of yesterday
(an occurrence that began before midnight is still there) to ``horizon_days`` local
midnights ahead (``horizon_ms``). The silence orders in force on its clusters go in
too, and the volume each commune set for its clusters (``radio_settings.py``). The
set's version is a hash of items, silences and volumes.

A set is published (retained, so a gateway that reconnects finds it waiting) when its
version changed or the window moved on (at local midnight), and the gateway reports the
version it holds in every heartbeat: a gateway on an old schedule is visible
(GET /api/v1/schedules/distribution), and so is how far ahead the set it holds lists
occurrences. A gateway cut off for longer than that plays nothing past its horizon.
The distributor remembers, for each version it planned (``PlannedVersion``), since when
it is due and when another replaced it (so a gateway behind is behind since then), and
which schedule revisions and silences it carries (so a command is known to have reached
a gateway once it reports a set that carries it).

``schedule_sets`` is a pure function of the schedules, the orders, the inventory and
the time; ``ScheduleDistributor`` adds what was published and the publishing itself.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Final
from zoneinfo import ZoneInfo

from xaso.inventory import InventoryIndex
from xaso.protocol import (
    SCHEMA_VERSION,
    ScheduledContent,
    ScheduleItem,
    ScheduleSet,
    Silence,
    encode,
    schedule_topic,
    schedule_version,
)
from xaso.server.broadcasts.schedule import Schedule, occurrences, start_ms, target_clusters
from xaso.server.broadcasts.silence import SilenceOrder, orders_in_force

log = logging.getLogger("xaso.distribution")

# How many past versions of each gateway's set are remembered, so the distribution view
# can tell how far ahead an outdated gateway can still play and since when it is behind.
# A set changes about once a day plus once per schedule edit; a month of history is
# plenty.
_VERSIONS_KEPT: Final = 64

_EPOCH: Final = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_ONE_MS: Final = dt.timedelta(milliseconds=1)

# A recurring schedule with no occurrence in the window stays in the set (its audio is
# fetched ahead) while it has one within this long after the window.
_AHEAD_MS: Final = 366 * 24 * 3600 * 1000

# A set lists every occurrence up to its horizon: an hourly schedule over a month is
# already 744 of them, on a gateway that may pay for every byte over 4G.
MAX_HORIZON_DAYS: Final = 31

# (schedule id, revision, local day) -> the clusters it plays on that day, by gateway.
_Targets = dict[tuple[str, int, dt.date], dict[str, list[str]]]


def radio_agents(index: InventoryIndex) -> dict[str, frozenset[str]]:
    """Each gateway that answers for loudspeaker clusters, with those clusters."""
    found: dict[str, set[str]] = {}
    for entry in index.devices.values():
        if entry.kind == "radio_cluster" and not entry.planned:
            found.setdefault(entry.agent_id, set()).add(entry.id)
    return {agent: frozenset(clusters) for agent, clusters in found.items()}


def horizon_window(now_ms: int, timezone: str, horizon_days: int) -> tuple[int, int]:
    """``[start of yesterday, start of today + horizon_days)`` in ``timezone``'s local
    days, as epoch ms: the window moves only at local midnight, so the sets change
    once a day rather than at every sync."""
    zone = ZoneInfo(timezone)
    today = (_EPOCH + dt.timedelta(milliseconds=now_ms)).astimezone(zone).date()

    def midnight_ms(day: dt.date) -> int:
        return (dt.datetime.combine(day, dt.time(), zone) - _EPOCH) // _ONE_MS

    return midnight_ms(today - dt.timedelta(days=1)), midnight_ms(
        today + dt.timedelta(days=horizon_days)
    )


def _item(schedule: Schedule, clusters: Iterable[str], starts_ms: list[int]) -> ScheduleItem:
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
            source=content.source,
        ),
        start=schedule.start.isoformat(),
        timezone=schedule.timezone,
        clusters=sorted(clusters),
        rrule=schedule.rrule,
        starts_ms=starts_ms,
        volume=schedule.volume,
    )


def _to_come(schedule: Schedule, from_ms: int, to_ms: int) -> bool:
    """Whether a schedule with no occurrence in the window still plays later: one that
    has not begun yet, or a rule with an occurrence in the year after the window. A
    one-off over, or a rule ended by its UNTIL or COUNT, leaves every set (else a year
    of campaigns "daily from 1 to 15 March" would stay in them, their audio fetched,
    until the set outgrows what a gateway accepts)."""
    if start_ms(schedule) >= from_ms:
        return True
    return schedule.rrule is not None and bool(occurrences(schedule, to_ms, to_ms + _AHEAD_MS))


def _by_agent(clusters: Iterable[str], agent_of: dict[str, str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for cluster in sorted(clusters):
        agent = agent_of.get(cluster)
        if agent is not None:
            found.setdefault(agent, []).append(cluster)
    return found


def schedule_sets(
    schedules: Iterable[Schedule],
    silences: Iterable[SilenceOrder],
    index: InventoryIndex,
    now_ms: int,
    horizon_days: int,
    *,
    targets: _Targets | None = None,
    agents: dict[str, frozenset[str]] | None = None,
    volumes: Mapping[str, int] | None = None,
) -> dict[str, ScheduleSet]:
    """The set due to every radio gateway at ``now_ms``. Paused schedules and schedules
    over before the window (one-offs, rules ended by UNTIL or COUNT) are left out: past
    emergencies and campaigns would otherwise pile up in every set; a schedule to come,
    even with no occurrence in the window, stays so that its content is fetched ahead.
    ``targets`` memoizes which clusters each schedule plays on (resolving them scans the
    inventory); ``agents`` is ``radio_agents(index)`` if already known. ``volumes`` are
    the clusters' volumes from the communes' radio settings (``cluster_volumes``).

    A schedule plays on the clusters its commune holds today (``schedule.clusters_of``):
    the set planned on a merger's eve leaves a predecessor's gateway out of the
    successor's schedules, and the one planned at the local midnight that starts the
    merger day (the window moves on) brings them in."""
    agents = agents if agents is not None else radio_agents(index)
    agent_of = {cluster: agent for agent, clusters in agents.items() for cluster in clusters}
    from_ms, to_ms = horizon_window(now_ms, index.inventory.timezone, horizon_days)
    day = index.day_of(now_ms)
    memo: _Targets = targets if targets is not None else {}
    items: dict[str, list[ScheduleItem]] = {agent: [] for agent in agents}
    for schedule in schedules:
        if schedule.paused:
            continue
        starts_ms = [start for start, _ in occurrences(schedule, from_ms, to_ms)]
        if not starts_ms and not _to_come(schedule, from_ms, to_ms):
            continue
        key = (schedule.id, schedule.revision, day)
        if key not in memo:
            memo[key] = _by_agent(target_clusters(schedule, index, day), agent_of)
        for agent, clusters in memo[key].items():
            items[agent].append(_item(schedule, clusters, starts_ms))
    silenced: dict[str, list[Silence]] = {agent: [] for agent in agents}
    for order in orders_in_force(silences, now_ms):
        for agent, clusters in _by_agent(order.clusters, agent_of).items():
            silenced[agent].append(
                Silence(id=order.id, clusters=clusters, from_ms=order.from_ms, to_ms=order.to_ms)
            )
    volumes = volumes or {}
    sets = {}
    for agent, found in items.items():
        own = {c: volumes[c] for c in sorted(agents[agent]) if c in volumes}
        sets[agent] = ScheduleSet(
            v=SCHEMA_VERSION,
            agent=agent,
            version=schedule_version(found, silenced[agent], own),
            ts_ms=now_ms,
            items=sorted(found, key=lambda i: i.id),
            silences=sorted(silenced[agent], key=lambda s: s.id),
            horizon_ms=to_ms,
            volumes=own,
        )
    return sets


@dataclass
class PlannedVersion:
    """One version of a gateway's set, as the server planned it."""

    # The furthest horizon it was due with: a gateway holding it knows every occurrence
    # up to there (the same version lists the same occurrences, so none lay between
    # two horizons it was due with).
    horizon_ms: int
    due_from_ms: int  # when it (last) became the set due
    replaced_ms: int | None  # when another became due after it; None: it is due now
    schedules: frozenset[tuple[str, int]]  # (schedule id, revision) of its items
    silences: frozenset[str]  # the silence orders it carries


class ScheduleDistributor:
    """Plans every gateway's set at each sync and publishes those that changed while
    there is a broker link (``publish`` set by the MQTT context)."""

    def __init__(self, index: InventoryIndex, horizon_days: int) -> None:
        if not 1 <= horizon_days <= MAX_HORIZON_DAYS:
            raise ValueError(
                f"--schedule-horizon-days must be between 1 and {MAX_HORIZON_DAYS}, "
                f"not {horizon_days}"
            )
        self._index = index
        self._horizon_days = horizon_days
        self.agents = radio_agents(index)
        self.publish: Callable[[str, bytes], None] | None = None
        self.due: dict[str, ScheduleSet] = {}  # agent -> the set it should hold now
        # agent -> (version, horizon_ms) last published since the link came up
        self._published: dict[str, tuple[str, int]] = {}
        # agent -> the gateway's connection (session) its set was last seen or sent in
        self._sessions: dict[str, int] = {}
        # agent -> version -> what is known of it; the one due now last.
        self._planned: dict[str, dict[str, PlannedVersion]] = {}
        self._targets: _Targets = {}

    def sync(
        self,
        schedules: Iterable[Schedule],
        silences: Iterable[SilenceOrder],
        now_ms: int,
        volumes: Mapping[str, int] | None = None,
    ) -> list[str]:
        """Plan every set; publish those whose version or horizon changed if there is
        a link. Answers the gateways whose set was published."""
        schedules = list(schedules)
        live = {(s.id, s.revision, self._index.day_of(now_ms)) for s in schedules}
        self._targets = {k: v for k, v in self._targets.items() if k in live}
        self.due = schedule_sets(
            schedules,
            silences,
            self._index,
            now_ms,
            self._horizon_days,
            targets=self._targets,
            agents=self.agents,
            volumes=volumes,
        )
        for agent, due in self.due.items():
            self._remember(agent, due, now_ms)
        if self.publish is None:
            return []
        sent = []
        for agent, due in self.due.items():
            published = (due.version, due.horizon_ms)
            if self._published.get(agent) == published:
                continue
            self.publish(schedule_topic(agent), encode(due))
            self._published[agent] = published
            sent.append(agent)
        if sent:
            log.info("published %d schedule sets", len(sent))
        return sent

    def connected(self, sessions: Mapping[str, int]) -> list[str]:
        """Publish again the set of every gateway in a connection newer than the one its
        set was last sent in (``sessions``: agent -> its newest session, from births).

        A broker whose nodes keep retained messages apart (RabbitMQ's MQTT plugin) gives
        a gateway that reconnects to another node no retained set on subscribing; sent
        again, it is live, and reaches it wherever it is. A gateway first seen after the
        server's start gets its set again too (the same version: the agent keeps what it
        has), since it may have subscribed where the set was never retained. Answers the
        gateways whose set was published."""
        sent = []
        for agent, session in sessions.items():
            known = self._sessions.get(agent)
            if session < 0 or (known is not None and session <= known):
                continue
            due = self.due.get(agent)
            if due is None or self.publish is None:
                continue  # link_up sends every set again
            self._sessions[agent] = session
            self.publish(schedule_topic(agent), encode(due))
            self._published[agent] = (due.version, due.horizon_ms)
            sent.append(agent)
        if sent:
            log.info("published %d schedule sets again to gateways reconnected", len(sent))
        return sent

    def _remember(self, agent: str, due: ScheduleSet, now_ms: int) -> None:
        versions = self._planned.setdefault(agent, {})
        previous = next(reversed(versions), None)
        known = versions.pop(due.version, None)
        if known is None:
            known = PlannedVersion(
                horizon_ms=due.horizon_ms,
                due_from_ms=now_ms,
                replaced_ms=None,
                schedules=frozenset((i.id, i.revision) for i in due.items),
                silences=frozenset(s.id for s in due.silences),
            )
        known.horizon_ms = max(known.horizon_ms, due.horizon_ms)
        if previous != due.version:  # due (again) from now; the one before replaced
            known.due_from_ms, known.replaced_ms = now_ms, None
            if previous is not None:
                versions[previous].replaced_ms = now_ms
        versions[due.version] = known  # last in insertion order: the one due now
        while len(versions) > _VERSIONS_KEPT:
            del versions[next(iter(versions))]

    def gateways_of(self, clusters: Iterable[str]) -> list[str]:
        """The gateways that answer for some of ``clusters``."""
        wanted = set(clusters)
        return sorted(agent for agent, own in self.agents.items() if own & wanted)

    def horizon_of(self, agent: str, version: str) -> int | None:
        """How far ahead a gateway holding ``version`` knows what to play, if known (a
        version from before the server started is not)."""
        planned = self.planned(agent, version)
        return planned.horizon_ms if planned is not None else None

    def planned(self, agent: str, version: str) -> PlannedVersion | None:
        """What the server knows of a version of ``agent``'s set: None for one it never
        planned (before it started, or older than the last ``_VERSIONS_KEPT``)."""
        return self._planned.get(agent, {}).get(version)

    def link_up(self, publish: Callable[[str, bytes], None]) -> None:
        """Publish every set again on the next sync: the broker may have lost its
        retained messages while the link was down."""
        self.publish = publish
        self._published.clear()

    def link_down(self) -> None:
        self.publish = None
