"""The live panel of "emergency now" and "silence now": the commune's emergencies and
silence orders in force or just ended, and cluster by cluster whether the command
reached its gateway, whether the cluster plays now, and its last broadcast event.

Whether a command reached a gateway is said exactly, from two facts (docs/broadcasts.md):

- an emergency: a ``received`` event of its schedule on the cluster (or any later event
  of it) says the gateway holds it **and** its content is ready (the file fetched, the
  speech rendered); before that, the set version the gateway reports in its heartbeat
  says whether it holds the schedule at all: the distributor knows which schedule
  revisions each version it planned carries (``ScheduleDistributor.planned``);
- a silence order has no event of its own: it reached the gateway when the version the
  gateway reports carries it; a lifted order's lift reached it when a heartbeat since
  the lift reports a version without it (the set after a lift is often the very set
  before the order: only the heartbeat's time tells the two apart).

Comparing the reported version with the one due now would not do: any later change
(another command, the set's window moving at midnight) makes them differ while the
gateway holds the command all the same.

What a cluster plays now is its last reading's ``radio`` part (``playing_source``), as
on the commune's page. One store read per refresh, for the events of all the commands.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final
from zoneinfo import ZoneInfo

from aiohttp import web

from xaso.server.broadcasts.distribution import PlannedVersion
from xaso.server.broadcasts.keys import DISTRIBUTOR, SCHEDULES, SILENCES
from xaso.server.broadcasts.schedule import Schedule, start_ms, target_clusters
from xaso.server.broadcasts.silence import SilenceOrder, in_force
from xaso.server.keys import CLOCK_MS, INDEX, STORE
from xaso.server.monitoring.fleet_state import DeviceStatus
from xaso.server.monitoring.keys import STATE
from xaso.server.records import BroadcastEventRecord
from xaso.server.store.base import StoreUnavailable
from xaso.server.web.pages.live import local_time
from xaso.server.web.pages.radio_now_form import zone_words
from xaso.server.web.status_words import playing_source
from xaso.server.words import duration

# "Just ended": a command stays on the panel this long after it ended or was stopped.
RECENT_MS: Final = 30 * 60_000


@dataclass
class ClusterLine:
    id: str
    name: str
    village: str
    gateway: str
    gateway_online: bool
    reached: str  # a word key's last part: now.reached.<reached>
    playing: str | None  # what it plays now, in words; None: nothing
    status: str  # the cluster's live status (its CSS class)
    status_word: str
    last_event: str  # the last broadcast event of the command here, in words; "" none


@dataclass
class CommandView:
    kind: str  # emergency | silence
    id: str
    title: str
    zone: str
    count: int  # clusters
    state: str  # running, ended, stopped | in_force, lifted, over
    when: str  # from … to …, in words
    by: str
    ended_by: str  # who stopped or lifted it
    reason: str
    may_stop: bool
    start_ms: int
    clusters: list[ClusterLine] = field(default_factory=list)
    reached: int = 0  # clusters the command reached
    playing: int = 0  # clusters playing now


@dataclass
class Panel:
    commands: list[CommandView]
    store_down: bool


def _emergencies(
    app: web.Application, commune: str, now_ms: int
) -> list[tuple[Schedule, int | None, str]]:
    """The one-off emergencies of ``commune`` under way or ended less than
    ``RECENT_MS`` ago, the withdrawn ones too: (the schedule as it last was, when it
    was withdrawn or None, by whom)."""
    table = app[SCHEDULES]
    last: dict[str, Schedule] = {}
    for version in table.versions_between(now_ms - RECENT_MS - _LONGEST_MS, now_ms + 1, [commune]):
        schedule = version.schedule
        if schedule is not None and schedule.priority == "emergency" and schedule.rrule is None:
            last[schedule.id] = schedule
    found = []
    for schedule_id, schedule in last.items():
        begun = start_ms(schedule)
        end = begun + round(schedule.content.duration_s * 1000)
        final = table.versions(schedule_id)[-1]
        withdrawn = final.saved_ms if final.schedule is None else None
        if begun > now_ms:
            continue  # to come: not "now"
        over = min(end, withdrawn) if withdrawn is not None else end
        if over > now_ms - RECENT_MS:
            found.append((schedule, withdrawn, final.saved_by if withdrawn is not None else ""))
    return found


# An emergency's slot lasts at most this long (the longest a schedule may have).
_LONGEST_MS: Final = 4 * 3600 * 1000


def _silences(app: web.Application, commune: str, now_ms: int) -> list[SilenceOrder]:
    return [
        o
        for o in app[SILENCES].items.values()
        if o.commune == commune
        and (in_force(o, now_ms) or (o.lifted_ms or o.to_ms) > now_ms - RECENT_MS)
        and o.from_ms <= now_ms
    ]


async def live_panel(
    request: web.Request, commune: str, may_act: bool, words: Mapping[str, str], lang: str
) -> Panel:
    app = request.app
    index = app[INDEX]
    tz = ZoneInfo(index.inventory.timezone)
    now_ms = app[CLOCK_MS]()
    emergencies = _emergencies(app, commune, now_ms)
    silences = _silences(app, commune, now_ms)
    events: list[BroadcastEventRecord] = []
    store_down = False
    starts = [start_ms(s) for s, _, _ in emergencies] + [o.from_ms for o in silences]
    if starts:
        try:
            events = await app[STORE].broadcast_events(
                sorted(index.merge_family(commune)),
                min(starts),
                now_ms + 1,
                sorted(s.id for s, _, _ in emergencies),
            )
        except StoreUnavailable:
            store_down = True
    commands = [
        _emergency_view(app, s, withdrawn, by, events, may_act, now_ms, words, lang, tz)
        for s, withdrawn, by in emergencies
    ] + [_silence_view(app, o, events, may_act, now_ms, words, lang, tz) for o in silences]
    # What is under way first, then the latest.
    commands.sort(key=lambda c: (c.state not in ("running", "in_force"), -c.start_ms, c.id))
    return Panel(commands=commands, store_down=store_down)


def _emergency_view(
    app: web.Application,
    schedule: Schedule,
    withdrawn: int | None,
    withdrawn_by: str,
    events: list[BroadcastEventRecord],
    may_act: bool,
    now_ms: int,
    words: Mapping[str, str],
    lang: str,
    tz: ZoneInfo,
) -> CommandView:
    index = app[INDEX]
    begun = start_ms(schedule)
    end = begun + round(schedule.content.duration_s * 1000)
    day = index.day_of(begun)
    zone, count = zone_words(index, schedule.commune, schedule.targets, day, words)
    own = [e for e in events if e.schedule == schedule.id]
    state = "stopped" if withdrawn is not None else "running" if now_ms < end else "ended"
    clusters = []
    for cluster in sorted(target_clusters(schedule, index, day)):
        here = [e for e in own if e.cluster == cluster]
        if any(e.revision >= schedule.revision for e in here):
            reached = "ready"
        elif _held(app, cluster, lambda p: (schedule.id, schedule.revision) in p.schedules):
            reached = "set"
        else:
            reached = "not_yet"
        clusters.append(_line(app, cluster, reached, here, words, tz))
    view = CommandView(
        kind="emergency",
        id=schedule.id,
        title=schedule.title,
        zone=zone,
        count=count,
        state=state,
        when=words["now.when.emergency"].format(
            start=local_time(begun, tz, seconds=True),
            length=duration(schedule.content.duration_s, lang),
        ),
        by=schedule.created_by,
        ended_by=withdrawn_by,
        reason="",
        # Speech longer than its slot may still play after it: stoppable while listed.
        may_stop=may_act and withdrawn is None,
        start_ms=begun,
        clusters=clusters,
    )
    return _counted(view)


def _silence_view(
    app: web.Application,
    order: SilenceOrder,
    events: list[BroadcastEventRecord],
    may_act: bool,
    now_ms: int,
    words: Mapping[str, str],
    lang: str,
    tz: ZoneInfo,
) -> CommandView:
    index = app[INDEX]
    targets = order.targets
    zone, _ = zone_words(index, order.commune, targets, index.day_of(order.from_ms), words)
    if in_force(order, now_ms):
        state = "in_force"
    else:
        state = "lifted" if order.lifted_ms is not None else "over"
    stopped_here = [e for e in events if e.preempted_by == order.id]
    clusters = []
    lifted_ms = order.lifted_ms or 0

    def carries(planned: PlannedVersion) -> bool:
        return order.id in planned.silences

    def lifted_in(planned: PlannedVersion) -> bool:
        # Without the order (the same set may have been due before the order too: the
        # heartbeat must be from after the lift).
        return order.id not in planned.silences

    for cluster in order.clusters:
        if state == "in_force":
            reached = "order" if _held(app, cluster, carries) else "not_yet"
        elif state == "lifted":
            done = _held(app, cluster, lifted_in, heard_since_ms=lifted_ms)
            reached = "lift" if done else "lift_not_yet"
        else:
            reached = "over"
        here = [e for e in stopped_here if e.cluster == cluster]
        clusters.append(_line(app, cluster, reached, here, words, tz))
    view = CommandView(
        kind="silence",
        id=order.id,
        title=words["now.silence.title"],
        zone=zone,
        count=len(order.clusters),
        state=state,
        when=words["now.when.silence"].format(
            start=local_time(order.from_ms, tz), end=local_time(order.to_ms, tz)
        )
        + (
            " · " + words["now.lifted_at"].format(at=local_time(order.lifted_ms, tz))
            if order.lifted_ms is not None
            else ""
        ),
        by=order.created_by,
        ended_by=order.lifted_by or "",
        reason=order.reason,
        may_stop=may_act and state == "in_force",
        start_ms=order.from_ms,
        clusters=clusters,
    )
    return _counted(view)


def _counted(view: CommandView) -> CommandView:
    view.reached = sum(1 for c in view.clusters if c.reached in ("ready", "order", "lift"))
    view.playing = sum(1 for c in view.clusters if c.playing is not None)
    return view


def _held(
    app: web.Application,
    cluster: str,
    carries: Callable[[PlannedVersion], bool],
    heard_since_ms: int | None = None,
) -> bool:
    """Whether the set version the cluster's gateway reports is one the server planned
    and ``carries`` (a test of its PlannedVersion) says yes of it; reported in a
    heartbeat heard at ``heard_since_ms`` or later, if given."""
    index = app[INDEX]
    agent = index.devices[cluster].agent_id
    gateway = app[STATE].devices[agent]
    health = gateway.last_health
    reported = health.schedule_version if health is not None else None
    if reported is None:
        return False
    if heard_since_ms is not None and (gateway.last_heard_ms or 0) < heard_since_ms:
        return False
    planned = app[DISTRIBUTOR].planned(agent, reported)
    return planned is not None and carries(planned)


def _line(
    app: web.Application,
    cluster: str,
    reached: str,
    events: Iterable[BroadcastEventRecord],
    words: Mapping[str, str],
    tz: ZoneInfo,
) -> ClusterLine:
    index = app[INDEX]
    state = app[STATE]
    entry = index.devices[cluster]
    own = state.devices[cluster]
    gateway = state.devices[entry.agent_id]
    village = ""
    if entry.village is not None:
        for code in index.merge_family(entry.commune):
            for v in index.communes[code].villages:
                if v.code == entry.village:
                    village = v.name
    source = playing_source(own)
    playing = None if source is None else words.get(f"playing_{source}", words["playing"])
    last = max(events, key=lambda e: (e.ts_ms, e.seq), default=None)
    return ClusterLine(
        id=cluster,
        name=entry.name,
        village=village,
        gateway=gateway.entry.name,
        gateway_online=gateway.status is DeviceStatus.ONLINE,
        reached=reached,
        playing=playing,
        status=str(own.status),
        status_word=words.get(str(own.status), str(own.status)),
        last_event=_event_words(last, words, tz) if last is not None else "",
    )


def _event_words(event: BroadcastEventRecord, words: Mapping[str, str], tz: ZoneInfo) -> str:
    said = words.get(f"now.event.{event.event}", event.event)
    if event.reason:
        said += f" ({words.get(f'now.event_reason.{event.reason}', event.reason)})"
    return f"{said} · {local_time(event.ts_ms, tz, seconds=True)}"
