"""What each cluster should do now: a pure function of the schedule set, what the
clusters have done so far, the readiness of the content, and the time.

The rules are Thông tư 39/2020/TT-BTTTT's three bulletin classes (docs/playout.md):

- **emergency** starts at once and pre-empts anything playing, except another emergency
  (same class waits: first come, first served);
- **priority** goes ahead of the normal items waiting, but does not interrupt a normal
  item already playing;
- within a class, the earliest planned start first (then the schedule id, so the order
  never depends on dict order);
- a pre-empted occurrence is played again from its beginning once the cluster is free,
  if still within ``late_start_ms`` of its planned start; otherwise it is skipped with
  ``preempted_too_late``; an occurrence that cannot start within ``late_start_ms`` of
  its planned start is skipped with ``too_late``;
- a silence: nothing starts on the cluster inside it, what is playing is stopped, and an
  occurrence whose planned start falls inside it is skipped with ``silenced`` — except
  an emergency ordered after the silence began: the later order wins (``overrides``).

Below the three classes, **background** is a standing relay (tiếp sóng thường xuyên): a
stream over set hours, the commune's programme between bulletins.

- any bulletin due (normal, priority, emergency) stops a background that plays and goes
  first; the background waits behind every bulletin and never makes one wait;
- it starts or resumes whenever its cluster is free within its slot — it is never
  "too late" while the slot lasts — and plays only the rest of its slot
  (``play_seconds``): a stream restarts where the day is, not where it was;
- a silence stops it like anything else, and it resumes once the silence is over (the
  standing programme comes back; a bulletin's moment has passed, the relay's has not);
  one due inside a silence waits for its end instead of being skipped;
- one whose schedule leaves the set (the relay switched off) stops at once
  (``withdrawn``); a bulletin that plays runs to its end;
- one edited while it plays (another stream, volume or slot: the set's occurrence no
  longer matches the one playing, its revision aside) stops at once (``changed``), and
  the set's own occurrence starts for the rest of its slot: resumed, when the edit
  kept the slot's start (the same occurrence, played on), a start of its own otherwise;
- a stream that ends or fails inside its slot (the station's link dropped) is started
  again, at most once per ``relay_retry_ms`` from its last start (``retry``).

No clock, no I/O: the scheduler (``agent/playout/scheduler.py``) applies the decisions,
and the tests drive this module with plain values.
"""

from __future__ import annotations

import bisect
from collections.abc import Container, Iterable, Mapping
from typing import Final, Literal, NamedTuple

import msgspec

from xaso.protocol import Priority, ScheduledContent, ScheduleItem, ScheduleSet, Silence

RANK: Final[dict[str, int]] = {"background": -1, "normal": 0, "priority": 1, "emergency": 2}

# Occurrences planned longer ago than this are neither played nor logged: after a week
# without power the server's own record of what was planned is what counts.
LOOKBACK_MS: Final = 7 * 86_400_000

Key = tuple[str, int]  # (schedule id, planned start ms): one occurrence on one cluster


class Occurrence(msgspec.Struct, frozen=True):
    """One planned play of one schedule on one cluster."""

    cluster: str
    schedule: str
    start_ms: int
    revision: int
    priority: Priority
    content: ScheduledContent
    # The volume to play it at, when the server gave one: the schedule's own, else the
    # cluster's (``ScheduleSet.volumes``); None: the gateway's configured volume.
    volume: int | None = None

    @property
    def key(self) -> Key:
        return (self.schedule, self.start_ms)

    @property
    def end_ms(self) -> int:
        return self.start_ms + round(self.content.duration_s * 1000)


# due: its time came but it has not started (cluster busy, content not ready);
# playing / stopping: a player runs it (stopping: asked to stop, not ended yet);
# preempted: stopped for an emergency, to be played again if still in time;
# interrupted: the agent stopped or died while it played, likewise;
# retry: a standing relay whose stream ended or failed inside its slot, to start again;
# done: nothing more will happen to it (finished, failed, skipped, silenced).
Status = Literal["due", "playing", "stopping", "preempted", "interrupted", "retry", "done"]
_WAITING: Final = ("due", "preempted", "interrupted", "retry")
_RESUMABLE: Final = ("preempted", "interrupted", "retry")


class Record(msgspec.Struct, frozen=True):
    """What the agent did about one occurrence so far (kept by the ledger)."""

    occurrence: Occurrence
    status: Status
    started_ms: int | None = None  # the latest actual start


class Readiness(NamedTuple):
    """Whether an item's content can be played now; why not, when not."""

    ready: bool
    reason: str = ""  # content_missing, tts_failed, unsupported_content...
    error: str = ""
    final: bool = False  # it never will be: fail at once rather than wait


READY: Final = Readiness(True)


class Rules(NamedTuple):
    late_start_ms: int
    content_wait_ms: int
    lookback_ms: int = LOOKBACK_MS
    # A standing relay's stream that ended or failed inside its slot is started again
    # no sooner than this after its last start: a dead URL is tried twice a minute,
    # not at every tick.
    relay_retry_ms: int = 30_000


# -- decisions -------------------------------------------------------------------------


class Start(NamedTuple):
    occurrence: Occurrence
    resumed: bool  # played again after a pre-emption or an interruption


class Stop(NamedTuple):
    occurrence: Occurrence
    # emergency: an emergency pre-empts a bulletin; bulletin: a bulletin pre-empts a
    # background; silence: a silence order; withdrawn: a background switched off;
    # changed: a background edited while it plays.
    cause: Literal["emergency", "bulletin", "silence", "withdrawn", "changed"]
    by: str | None  # the schedule that pre-empts, or the silence id
    # The occurrence waiting for the cluster; changed: the edited slot's own, when the
    # set still plans that start (it then resumes as edited), else None.
    for_key: Key | None = None


class Skip(NamedTuple):
    occurrence: Occurrence
    reason: str  # silenced, too_late, preempted_too_late, withdrawn
    by: str | None = None  # silenced: the silence


class Fail(NamedTuple):
    occurrence: Occurrence
    reason: str
    error: str


class Wait(NamedTuple):
    """Its time came and it waits: remembered, so a new schedule set that no longer
    lists a past start cannot make it vanish unlogged."""

    occurrence: Occurrence


class Close(NamedTuple):
    """An occurrence too late to resume, already logged: interrupted (``failed``), or a
    pre-empted background whose slot ended."""

    occurrence: Occurrence


Decision = Start | Stop | Skip | Fail | Wait | Close


# -- the timetable of a schedule set ----------------------------------------------------


class Timetable:
    """A schedule set's occurrences sorted by start, built once per set, so a tick
    looks only at the starts in its window."""

    def __init__(self, schedule: ScheduleSet | None) -> None:
        self.schedule = schedule
        self.items = frozenset(item.id for item in schedule.items) if schedule else frozenset()
        # Schedules with a rule: a programme set up in advance (see ``overrides``).
        self.recurring = frozenset(
            item.id for item in (schedule.items if schedule else []) if item.rrule
        )
        self.silences: list[Silence] = list(schedule.silences) if schedule else []
        # Occurrences planned before the server built the set (less the tolerance) were
        # never this set's to play: a set expanded from midnight must not make a fresh
        # gateway log this morning's bulletin as skipped.
        self.not_before_ms = schedule.ts_ms if schedule else 0
        entries = [
            Occurrence(
                cluster,
                item.id,
                start_ms,
                item.revision,
                item.priority,
                item.content,
                volume_of(item, cluster, schedule),
            )
            for item in (schedule.items if schedule else [])
            for cluster in item.clusters
            for start_ms in set(item.starts_ms)
        ]
        entries.sort(key=lambda o: (o.start_ms, o.cluster, o.schedule))
        self._entries = entries
        self._starts = [o.start_ms for o in entries]
        # Standing relays: a few a day, each running for hours.
        self._background = [o for o in entries if o.priority == "background"]

    def between(self, from_ms: int, to_ms: int) -> Iterable[Occurrence]:
        """Occurrences planned in ``[from_ms, to_ms]``."""
        low = bisect.bisect_left(self._starts, from_ms)
        high = bisect.bisect_right(self._starts, to_ms)
        return self._entries[low:high]

    def background_at(self, at_ms: int) -> Iterable[Occurrence]:
        """The background occurrences whose slot holds ``at_ms``: one that began before
        the set arrived is still this set's to play, for the rest of its slot."""
        return [o for o in self._background if o.start_ms <= at_ms < o.end_ms]

    def silence_at(self, cluster: str, at_ms: int) -> Silence | None:
        for silence in self.silences:
            if cluster in silence.clusters and silence.from_ms <= at_ms < silence.to_ms:
                return silence
        return None


def play_seconds(occurrence: Occurrence, now_ms: int) -> float:
    """How long a play started now lasts at most: a background plays the rest of its
    slot; anything else its whole length (a bulletin resumed plays from its start)."""
    if occurrence.priority == "background":
        return max(0.0, (occurrence.end_ms - now_ms) / 1000)
    return occurrence.content.duration_s


def volume_of(item: ScheduleItem, cluster: str, schedule: ScheduleSet | None) -> int | None:
    """The volume the server asks for an item's plays on a cluster: the schedule's own,
    else the cluster's; None leaves it to the gateway's configuration."""
    if item.volume is not None:
        return item.volume
    return schedule.volumes.get(cluster) if schedule is not None else None


def overrides(occurrence: Occurrence, silence: Silence, timetable: Timetable) -> bool:
    """The later order wins: an emergency ordered after a silence began plays inside it
    (TT39: an emergency pre-empts everything), while a silence ordered during an
    emergency stops it (the officer's way to cut a wrong alert). A one-off emergency
    ("emergency now") is ordered at its start; a recurring one (a weekly siren test) was
    set up before any silence of the day, so the silence wins over it."""
    return (
        occurrence.priority == "emergency"
        and occurrence.schedule not in timetable.recurring
        and occurrence.start_ms >= silence.from_ms
    )


# -- the planner -----------------------------------------------------------------------


class State(NamedTuple):
    """What the clusters did so far: the occurrences still open (any status but done),
    by cluster, and those done, as (cluster, schedule, planned start)."""

    open: Mapping[str, Mapping[Key, Record]]
    done: Container[tuple[str, str, int]]


def plan(
    timetable: Timetable,
    state: State,
    readiness: Mapping[str, Readiness],
    now_ms: int,
    rules: Rules,
    *,
    since_ms: int | None = None,
) -> list[Decision]:
    """Every decision due now, cluster by cluster (at most one Start per cluster).

    Every occurrence due gets a decision the first time it is seen, so after a tick
    each one planned up to then has a record. ``since_ms`` says up to when that holds
    for this timetable (the scheduler's previous tick): the tick then looks at the few
    starts since, not at a week of them. None (a new set, a restart): all of them."""
    earliest_ms = max(now_ms - rules.lookback_ms, timetable.not_before_ms - rules.late_start_ms)
    if since_ms is not None:
        earliest_ms = max(earliest_ms, since_ms)
    planned: dict[str, dict[Key, Occurrence]] = {}
    for occurrence in [*timetable.between(earliest_ms, now_ms), *timetable.background_at(now_ms)]:
        if (occurrence.cluster, occurrence.schedule, occurrence.start_ms) not in state.done:
            planned.setdefault(occurrence.cluster, {})[occurrence.key] = occurrence
    decisions: list[Decision] = []
    for cluster in sorted(planned.keys() | state.open.keys()):
        decisions += _plan_cluster(
            cluster,
            planned.get(cluster, {}),
            state.open.get(cluster, {}),
            timetable,
            readiness,
            now_ms,
            rules,
        )
    return decisions


class _Candidate(NamedTuple):
    occurrence: Occurrence
    status: Status | None  # None: never seen before
    started_ms: int | None = None  # its latest start, if any

    @property
    def order(self) -> tuple[int, int, str]:
        o = self.occurrence
        return (-RANK[o.priority], o.start_ms, o.schedule)


def _plan_cluster(
    cluster: str,
    planned: Mapping[Key, Occurrence],
    records: Mapping[Key, Record],
    timetable: Timetable,
    readiness: Mapping[str, Readiness],
    now_ms: int,
    rules: Rules,
) -> list[Decision]:
    decisions: list[Decision] = []
    current = next((r for r in records.values() if r.status in ("playing", "stopping")), None)
    waiting: list[_Candidate] = []
    for key in sorted(planned.keys() | records.keys()):
        record = records.get(key)
        status = record.status if record is not None else None
        if status not in (None, *_WAITING):
            continue
        # The newest revision the set has; a record's own copy when the set dropped
        # this start (a set re-expanded from now) but still has the schedule.
        if key in planned:
            occurrence = planned[key]
        else:
            assert record is not None
            occurrence = record.occurrence
            if occurrence.schedule not in timetable.items:
                # The schedule was deleted or paused while this one waited.
                if status == "interrupted":
                    decisions.append(Close(occurrence))
                else:
                    decisions.append(Skip(occurrence, "withdrawn"))
                continue
        started_ms = record.started_ms if record is not None else None
        candidate = _Candidate(occurrence, status, started_ms)
        decision = _settle(candidate, timetable, readiness, now_ms, rules)
        if decision is None:
            waiting.append(candidate)
        elif isinstance(decision, _Pending):
            if status is None:
                decisions.append(Wait(occurrence))
        else:
            decisions.append(decision)

    def wait_all(except_key: Key | None = None) -> None:
        for candidate in waiting:
            if candidate.status is None and candidate.occurrence.key != except_key:
                decisions.append(Wait(candidate.occurrence))

    if (
        current is not None
        and current.status == "playing"
        and current.occurrence.priority == "background"
        and current.occurrence.schedule not in timetable.items
    ):
        # A standing relay switched off (or deleted) stops now: it would run for hours.
        decisions.append(Stop(current.occurrence, "withdrawn", None))
        wait_all()
        return decisions
    if current is not None and current.status == "playing" and _edited(current, planned, now_ms):
        # A standing relay edited while it plays: the rest of its slot is the edit's.
        playing = current.occurrence
        for_key = playing.key if playing.key in planned else None
        decisions.append(Stop(playing, "changed", None, for_key))
        wait_all()
        return decisions
    silence = timetable.silence_at(cluster, now_ms)
    if silence is not None:
        if (
            current is not None
            and current.status == "playing"
            and not overrides(current.occurrence, silence, timetable)
        ):
            decisions.append(Stop(current.occurrence, "silence", silence.id))
            wait_all()
            return decisions
        # Only an emergency ordered after the silence may play inside it.
        held = [c for c in waiting if not overrides(c.occurrence, silence, timetable)]
        for candidate in held:
            if candidate.status is None:
                decisions.append(Wait(candidate.occurrence))
        waiting = [c for c in waiting if overrides(c.occurrence, silence, timetable)]
    best = min(waiting, key=lambda c: c.order, default=None)
    if current is not None:
        playing = current.occurrence
        if current.status == "playing" and best is not None:
            first = best.occurrence
            if first.priority == "emergency" and playing.priority != "emergency":
                decisions.append(Stop(playing, "emergency", first.schedule, first.key))
            elif playing.priority == "background" and first.priority != "background":
                decisions.append(Stop(playing, "bulletin", first.schedule, first.key))
        wait_all()
        return decisions
    if best is not None:
        decisions.append(Start(best.occurrence, resumed=best.status in _RESUMABLE))
        wait_all(except_key=best.occurrence.key)
    return decisions


def _edited(current: Record, planned: Mapping[Key, Occurrence], now_ms: int) -> bool:
    """Whether a background that plays is no longer what the set plans: its start
    dropped (the slot moved) or its occurrence differs in anything but the revision
    (another stream, title, volume, length). A new revision that changed nothing it
    plays (only the schedule's targets, say) does not cut the stream. At the
    slot's end the set no longer lists it as running: that is its end, not an edit."""
    playing = current.occurrence
    if playing.priority != "background" or now_ms >= playing.end_ms:
        return False
    newest = planned.get(playing.key)
    return newest is None or msgspec.structs.replace(newest, revision=playing.revision) != playing


class _Pending:
    """Not ready yet, still in time: keep waiting."""


_PENDING: Final = _Pending()


def _settle(
    candidate: _Candidate,
    timetable: Timetable,
    readiness: Mapping[str, Readiness],
    now_ms: int,
    rules: Rules,
) -> Decision | _Pending | None:
    """A waiting occurrence's fate this tick: a final decision, pending, or None when
    it may start now."""
    occurrence, status, _ = candidate
    if occurrence.priority == "background":
        return _settle_background(candidate, timetable, readiness, now_ms, rules)
    if status in (None, "due"):
        # Silence first: after an outage that covered a silence, what fell inside it
        # was silenced rather than late.
        silence = timetable.silence_at(occurrence.cluster, occurrence.start_ms)
        if silence is not None and not overrides(occurrence, silence, timetable):
            return Skip(occurrence, "silenced", by=silence.id)
    if now_ms > occurrence.start_ms + rules.late_start_ms:
        if status == "preempted":
            return Skip(occurrence, "preempted_too_late")
        if status == "interrupted":
            return Close(occurrence)
        return Skip(occurrence, "too_late")
    state = readiness.get(occurrence.schedule, _UNKNOWN)
    if not state.ready:
        if state.final or now_ms > occurrence.start_ms + rules.content_wait_ms:
            return Fail(occurrence, state.reason or "content_missing", state.error)
        return _PENDING
    return None


def _settle_background(
    candidate: _Candidate,
    timetable: Timetable,
    readiness: Mapping[str, Readiness],
    now_ms: int,
    rules: Rules,
) -> Decision | _Pending | None:
    """A standing relay may start whenever its slot still runs (a silence holds it, the
    cluster's bulletins go first; a stream that dropped waits ``relay_retry_ms`` from its
    last start); once the slot is over, nothing more happens to it."""
    occurrence, status, started_ms = candidate
    if now_ms >= occurrence.end_ms:
        if status in _RESUMABLE:
            return Close(occurrence)  # it played, and was logged stopped
        silence = timetable.silence_at(occurrence.cluster, occurrence.start_ms)
        if silence is not None:
            return Skip(occurrence, "silenced", by=silence.id)
        return Skip(occurrence, "too_late")
    if status == "retry" and started_ms is not None and now_ms < started_ms + rules.relay_retry_ms:
        return _PENDING
    state = readiness.get(occurrence.schedule, _UNKNOWN)
    if not state.ready:
        # A stream needs only its URL: not ready is never going to be.
        return Fail(occurrence, state.reason or "content_missing", state.error)
    return None


_UNKNOWN: Final = Readiness(False, "content_missing", "content state unknown")
