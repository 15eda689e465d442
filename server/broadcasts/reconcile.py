"""What was planned against what the gateways say happened: the playout log.

A pure function of the schedules, the inventory, the stored broadcast-log events, the
period and the time (no I/O, no clock). docs/broadcasts.md states each rule for users;
in short, per planned occurrence and loudspeaker cluster:

- the occurrences are those of each schedule **as it was** when they were due
  (``server.broadcasts.schedule_table``: each version over the time it was in force) whose planned
  start lies in ``[from_ms, to_ms)``, on its target clusters that day (after a merger
  the successor's schedules reach its predecessors' clusters); an occurrence known only
  from events (the cluster left the targets since, say) is reported from its events,
  never dropped;
- the events of one occurrence on one cluster are read in the agent's order (time, then
  sequence); the **last play** decides: the last ``started`` and what ended it;
- a play is complete when it lasted nearly the real length of what it played (the
  gateway's ``content_s`` for speech, the length measured at upload for a file) or,
  when that is unknown (a stream, an older agent) or longer, its slot;
- a pre-empted play resumed later takes the outcome of its resumption and keeps
  ``preempted_by``; it is on time if its first start was (an emergency cut in, as
  TT39's classes allow), and complete if its last play was (the agent plays it again
  from the beginning); a play cut short and not resumed is ``partial``;
- without any play, a ``skipped`` decides (silenced, too late, or a failure), else a
  ``failed``; without any event the gateway's ``received`` tells ``missed`` from
  ``not_received`` once the slot and a grace are over (``upcoming`` before);
- a standing relay (class ``background``) is judged on its time on air, every play of
  its slot summed, against the time it was due on air: its slot less the time the
  cluster's bulletins played and silences held it, counted only while a version
  planning it was in force: a relay saved mid-slot is due from its save (its
  versions plan the slots they hold some of, not only those starting while in force;
  ``_plan_relay``, ``_Judge.background``). It is
  ``playing`` while its slot runs, then ``played`` at 90 % of that, else ``partial``
  (``failed`` when its last play failed); never ``late``.

Events are trusted as the agent numbered and timed them: a replayed event is the same
record (the stores keep it once), so reconciling twice gives the same log.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Final, NamedTuple

import msgspec

from xaso.inventory import InventoryIndex
from xaso.server.broadcasts.playout_outcome import (
    MeasuredAgainst,
    PlayoutOutcome,
    PlayoutStatus,
    Priority,
)
from xaso.server.broadcasts.schedule import (
    ALWAYS_FROM_MS,
    ALWAYS_TO_MS,
    Schedule,
    occurrences,
    occurrences_starting,
    target_clusters,
)
from xaso.server.records import BroadcastEventRecord

__all__ = ["DEFAULT_RULES", "ReconcileRules", "reconcile"]


class ReconcileRules(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    # A start within this of the plan is on time (a proposed default: no regulation
    # fixes one; a gateway waiting for a priority item to end is late, not failed).
    on_time_s: float = 60.0
    # Played this share of the content's real length, or of the slot when that is
    # unknown or shorter: the last seconds of a file are often silence, players round.
    min_played_ratio: float = 0.9
    # After the slot, how long events may take to arrive (the agent's queue, QoS 1)
    # before a silent gateway counts as missed or not received.
    grace_s: float = 300.0


DEFAULT_RULES: Final = ReconcileRules()

# A skip for these reasons means the moment passed: the gateway held the bulletin and
# did not play it within the agent's late-start limit (agent/playout/plan.py).
_TOO_LATE: Final = frozenset({"too_late", "preempted_too_late"})
# Deliberately not played: a silence order, or the schedule withdrawn (paused or
# deleted) while the occurrence waited for its cluster.
_SILENCED: Final = frozenset({"silenced", "withdrawn"})
_ENDS: Final = frozenset({"finished", "failed", "preempted"})
# The statuses the played time decides, which say what it was measured against.
_MEASURED: Final = frozenset({"played", "late", "partial"})

# (schedule id, planned start, cluster): one line of the log.
_Key = tuple[str, int, str]


class _Plan(NamedTuple):
    """What one occurrence was meant to be: from its schedule, or from its events."""

    title: str
    priority: str
    content_type: str
    start_ms: int
    end_ms: int
    duration_s: float  # the content's, as planned
    revision: int
    # Planned by a schedule version saved at a known time, so planned from then on for
    # certain; False for a schedule taken as it is now, or a version in force since
    # ever, whose past occurrences a later revision may never have had.
    dated: bool = False
    # A standing relay's: when in its slot some version planning it was in force (the
    # first such version's start to the last one's end), what it was due on air within.
    # A relay saved, switched on or off mid-slot was due only for that part of it.
    due_from_ms: int | None = None
    due_to_ms: int | None = None


def _plan_of_schedule(schedule: Schedule, start_ms: int, end_ms: int, dated: bool) -> _Plan:
    content = schedule.content
    return _Plan(
        schedule.title,
        schedule.priority,
        content.type,
        start_ms,
        end_ms,
        content.duration_s,
        schedule.revision,
        dated,
    )


def _plan_of_events(events: Sequence[BroadcastEventRecord]) -> _Plan:
    """A schedule changed or deleted since: what its latest event says was planned."""
    latest = events[-1]
    duration_ms = round(latest.content_duration_s * 1000)
    end_ms = latest.planned_end_ms or latest.occurrence_ms + duration_ms
    return _Plan(
        latest.content_title or latest.schedule,
        latest.priority,
        latest.content_type,
        latest.occurrence_ms,
        max(end_ms, latest.occurrence_ms),
        latest.content_duration_s,
        latest.revision,
    )


_time_order: Final = operator.attrgetter("ts_ms", "seq")
# How outcomes are listed: by planned start, then commune, schedule and cluster.
outcome_order: Final = operator.attrgetter("planned_start_ms", "commune", "schedule", "cluster")


def reconcile(
    schedules: Iterable[Schedule],
    index: InventoryIndex,
    events: Iterable[BroadcastEventRecord],
    from_ms: int,
    to_ms: int,
    now_ms: int,
    rules: ReconcileRules = DEFAULT_RULES,
    *,
    silences: Collection[str] = (),
    versions: Iterable[tuple[Schedule, int, int]] = (),
    content_lengths: Mapping[str, float] | None = None,
    silence_windows: Mapping[str, Sequence[tuple[int, int]]] | None = None,
) -> list[PlayoutOutcome]:
    """One outcome per occurrence and cluster whose planned start is in the period,
    ordered by (planned start, commune, schedule, cluster). ``schedules`` plan at any
    time; ``versions`` (schedule, from_ms, to_ms) plan only the occurrences starting in
    ``[from_ms, to_ms)``, when they were in force. ``silences`` are the ids of
    silence orders: a play pre-empted by one of them was silenced, as is one whose
    event gives the reason ``silenced``. ``content_lengths`` are the uploaded files'
    real lengths by sha256 (``server/broadcasts/content.py``): what a file's play is measured
    against when its events do not say. ``silence_windows`` are, by cluster, the times
    silence orders held it (``[from_ms, to_ms)``, lifted ones ending when lifted): with
    the bulletins' plays, what a standing relay was not due to play."""
    plans: dict[_Key, _Plan] = {}
    in_force = [(s, ALWAYS_FROM_MS, ALWAYS_TO_MS) for s in schedules] + list(versions)
    for schedule, since_ms, until_ms in in_force:
        if schedule.priority == "background":
            _plan_relay(plans, schedule, index, from_ms, to_ms, since_ms, until_ms)
            continue
        starts = occurrences_starting(schedule, max(from_ms, since_ms), min(to_ms, until_ms))
        if not starts:
            continue
        # What a commune holds changes only at a merger: once per day is plenty.
        clusters_on: dict[dt.date, list[str]] = {}
        for start, end in starts:
            day = index.day_of(start)
            if day not in clusters_on:
                clusters_on[day] = sorted(target_clusters(schedule, index, day))
            plan = _plan_of_schedule(schedule, start, end, since_ms > ALWAYS_FROM_MS)
            for cluster in clusters_on[day]:
                plans[(schedule.id, start, cluster)] = plan

    received: dict[tuple[str, str], list[BroadcastEventRecord]] = {}
    happened: dict[_Key, list[BroadcastEventRecord]] = {}
    # When each (schedule, revision) was first confirmed anywhere: a revision can only
    # have been planned from then on (see _Judge.without_events).
    first_seen: dict[tuple[str, int], int] = {}
    # One sort of everything (linear on the store's answer, already in this order)
    # instead of one per occurrence: each occurrence's events then come in time order.
    for event in sorted(events, key=_time_order):
        revision = (event.schedule, event.revision)
        first_seen[revision] = min(first_seen.get(revision, event.ts_ms), event.ts_ms)
        if event.event == "received":
            received.setdefault((event.schedule, event.cluster), []).append(event)
        elif from_ms <= event.occurrence_ms < to_ms:
            happened.setdefault((event.schedule, event.occurrence_ms, event.cluster), []).append(
                event
            )

    held = _held_windows(events, now_ms, silence_windows or {})
    judge = _Judge(
        index, rules, now_ms, frozenset(silences), first_seen, content_lengths or {}, held
    )
    found: list[PlayoutOutcome] = []
    for key, cluster_events in happened.items():
        planned = plans.pop(key, None)
        found.append(
            judge.from_events(key, planned or _plan_of_events(cluster_events), cluster_events)
        )
    for key, planned in plans.items():  # those no gateway said anything about
        outcome = judge.without_events(key, planned, received.get((key[0], key[2]), []))
        if outcome is not None:
            found.append(outcome)
    found.sort(key=outcome_order)
    return found


# A standing relay's slot lasts at most a day (``standing_relay.py``).
_LONGEST_SLOT_MS: Final = 86_400_000


def _plan_relay(
    plans: dict[_Key, _Plan],
    schedule: Schedule,
    index: InventoryIndex,
    from_ms: int,
    to_ms: int,
    since_ms: int,
    until_ms: int,
) -> None:
    """A standing relay's version plans each occurrence starting in the period whose
    slot it was in force for some of, not only those starting while it was: a relay
    saved or edited mid-slot plays the rest of that slot. Versions of one schedule come
    oldest first; each planning an occurrence widens the time it was due."""
    low, high = max(from_ms, since_ms), min(to_ms + _LONGEST_SLOT_MS, until_ms)
    if low >= high:
        return
    for start, end in occurrences(schedule, low, high):
        if not from_ms <= start < to_ms:
            continue
        due_from, due_to = max(start, since_ms), min(end, until_ms)
        plan = _plan_of_schedule(schedule, start, end, since_ms > ALWAYS_FROM_MS)
        for cluster in sorted(target_clusters(schedule, index, index.day_of(start))):
            earlier = plans.get((schedule.id, start, cluster))
            if earlier is not None and earlier.due_from_ms is not None:
                due_from = min(due_from, earlier.due_from_ms)
                due_to = max(due_to, earlier.due_to_ms or due_to)
            plans[(schedule.id, start, cluster)] = plan._replace(
                due_from_ms=due_from, due_to_ms=due_to
            )


class _Judge:
    """The rules of one reconciliation, applied to one occurrence on one cluster."""

    def __init__(
        self,
        index: InventoryIndex,
        rules: ReconcileRules,
        now_ms: int,
        silences: frozenset[str],
        first_seen: dict[tuple[str, int], int],
        content_lengths: Mapping[str, float],
        held: dict[str, list[tuple[int, int]]],
    ) -> None:
        self._index = index
        self._content_lengths = content_lengths
        self._rules = rules
        self._now_ms = now_ms
        self._silences = silences
        self._first_seen = first_seen
        self._grace_ms = round(rules.grace_s * 1000)
        # By cluster: when bulletins played or silences held it (merged, sorted).
        self._held = held

    def without_events(
        self, key: _Key, plan: _Plan, received: Sequence[BroadcastEventRecord]
    ) -> PlayoutOutcome | None:
        """Nothing reported for this occurrence: upcoming, missed or not received. None
        for an occurrence of a revision that did not exist yet at the time."""
        if self._now_ms < plan.end_ms + self._grace_ms:
            return self._outcome(key, plan, None, "upcoming")
        held = [r.revision for r in received if r.ts_ms < plan.end_ms]
        if any(revision >= plan.revision for revision in held):
            return self._outcome(key, plan, None, "missed")
        if held and not plan.dated:
            # The gateway held an older revision then. If the current one was first
            # confirmed (anywhere) only after this slot, it did not exist yet: this
            # occurrence was never planned as such, and the older revision's own
            # occurrences are reported from their events. (A version saved at a known
            # time did plan it: a gateway that never got it did not receive it.)
            confirmed = [
                ts
                for (schedule, revision), ts in self._first_seen.items()
                if schedule == key[0] and revision >= plan.revision
            ]
            if confirmed and min(confirmed) >= plan.end_ms:
                return None
        return self._outcome(key, plan, None, "not_received")

    def from_events(
        self, key: _Key, plan: _Plan, events: Sequence[BroadcastEventRecord]
    ) -> PlayoutOutcome:
        if plan.priority == "background" and any(e.event == "started" for e in events):
            return self.background(key, plan, events)
        first_start: BroadcastEventRecord | None = None
        last_start: BroadcastEventRecord | None = None
        end: BroadcastEventRecord | None = None  # what ended the last play
        skipped: BroadcastEventRecord | None = None
        failed: BroadcastEventRecord | None = None  # a failure before any play
        preempted_by: str | None = None
        played_s: float | None = 0.0
        for event in events:
            if event.event == "started":
                first_start = first_start or event
                last_start, end = event, None
            elif event.event in _ENDS and last_start is not None:
                end = event
                # The agent plays a pre-empted bulletin again from its beginning: what
                # counts is how long its last play ran.
                played_s = _played_s(event, last_start)
                if event.event == "preempted":
                    preempted_by = event.preempted_by or preempted_by
            elif event.event == "skipped":
                skipped = event
                preempted_by = event.preempted_by or preempted_by
            elif event.event == "failed":
                failed = event
            elif event.event == "preempted":
                preempted_by = event.preempted_by or preempted_by  # before it started
        if first_start is not None and last_start is not None:
            return self._played(key, plan, first_start, last_start, end, played_s, preempted_by)
        if skipped is not None:
            reason = skipped.reason or ""
            if self._is_silence(skipped):
                status: PlayoutStatus = "silenced"
            elif reason in _TOO_LATE:
                status = "missed"
            else:
                status = "failed"
            error = _error_of(skipped)
            return self._outcome(key, plan, skipped, status, error=error, preempted_by=preempted_by)
        if failed is not None:
            error = _error_of(failed) or "failed"
            return self._outcome(key, plan, failed, "failed", error=error)
        # Only pre-empted before it could start, and nothing since: it may still play
        # once the emergency is over; after the slot and the grace, it did not.
        latest = events[-1]
        if self._is_silence(latest):
            status = "silenced"
        elif self._now_ms < plan.end_ms + self._grace_ms:
            status = "upcoming"
        else:
            status = "missed"
        return self._outcome(key, plan, latest, status, preempted_by=preempted_by)

    def _played(
        self,
        key: _Key,
        plan: _Plan,
        first_start: BroadcastEventRecord,
        last_start: BroadcastEventRecord,
        end: BroadcastEventRecord | None,
        played_s: float | None,
        preempted_by: str | None,
    ) -> PlayoutOutcome:
        started_ms = _start_of(first_start)
        # The slot as the gateway had it (the schedule may have changed since), never
        # longer than the planned occurrence.
        slot_s = min(plan.duration_s, last_start.content_duration_s or plan.duration_s)
        slot_s = min(slot_s, (plan.end_ms - plan.start_ms) / 1000) or plan.duration_s
        # A 6 s spoken alert in a 2-minute slot played in full when it played 6 s;
        # speech longer than its slot plays to its end (agent/playout/players.py).
        content_s = self._content_s(last_start, end)
        against: MeasuredAgainst = "slot"
        expected_s = slot_s
        if content_s is not None and content_s <= slot_s:
            against, expected_s = "content", content_s
        if end is None:
            # Started and not heard of since: playing while it still could be (to the
            # end of its slot, or of its content if later), then an end that was never
            # reported (a backlog may still bring it).
            length_ms = round(max(expected_s, content_s or 0.0) * 1000)
            deadline = max(plan.end_ms, _start_of(last_start) + length_ms)
            status: PlayoutStatus = "playing"
            error = None
            if self._now_ms >= deadline + self._grace_ms:
                status, error = "partial", "no_end_reported"
            return self._outcome(
                key,
                plan,
                last_start,
                status,
                started_ms=started_ms,
                error=error,
                preempted_by=preempted_by,
                content_s=content_s,
                measured_against=against,
            )
        error = _error_of(end)
        if end.event == "failed":
            status, error = "failed", error or "failed"
        elif end.event == "preempted":
            status = "silenced" if self._is_silence(end) else "partial"
        elif played_s is not None and played_s < self._rules.min_played_ratio * expected_s:
            status = "partial"
        elif started_ms - plan.start_ms <= self._rules.on_time_s * 1000:
            status = "played"
        else:
            status = "late"
        return self._outcome(
            key,
            plan,
            end,
            status,
            started_ms=started_ms,
            ended_ms=end.ts_ms,
            played_s=played_s,
            error=error,
            preempted_by=preempted_by,
            content_s=content_s,
            measured_against=against if status in _MEASURED else None,
        )

    def background(
        self, key: _Key, plan: _Plan, events: Sequence[BroadcastEventRecord]
    ) -> PlayoutOutcome:
        """A standing relay that played: its time on air (every play of its slot) against
        the time it was due on air (the slot less what the cluster's bulletins and
        silences took of it). Pre-empted and resumed is what it is meant to do; a late
        first start is only less time on air."""
        first_start: BroadcastEventRecord | None = None
        open_start: BroadcastEventRecord | None = None
        last_end: BroadcastEventRecord | None = None
        preempted_by: str | None = None
        on_air_s = 0.0
        for event in events:
            if event.event == "started":
                first_start = first_start or event
                open_start = event
            elif event.event in _ENDS and open_start is not None:
                on_air_s += _played_s(event, open_start) or 0.0
                last_end, open_start = event, None
                preempted_by = event.preempted_by or preempted_by
        assert first_start is not None  # from_events sends only relays that played
        if open_start is not None:  # on air now, or its end not reported yet
            on_air_s += max(0, min(self._now_ms, plan.end_ms) - _start_of(open_start)) / 1000
        # Due from when a version planning it came into force, to when the last one
        # ended (a relay saved mid-slot is not due before its save); the slot when
        # known only from events.
        due_from = plan.start_ms if plan.due_from_ms is None else plan.due_from_ms
        due_to = plan.end_ms if plan.due_to_ms is None else plan.due_to_ms
        held_ms = _overlap_ms(self._held.get(key[2], []), due_from, due_to)
        due_s = max(0, due_to - due_from - held_ms) / 1000
        error = None
        status: PlayoutStatus
        if self._now_ms < plan.end_ms or (
            open_start is not None and self._now_ms < plan.end_ms + self._grace_ms
        ):
            status = "playing"
        elif on_air_s >= self._rules.min_played_ratio * due_s:
            status = "played"
        elif last_end is not None and last_end.event == "failed" and open_start is None:
            status, error = "failed", _error_of(last_end) or "failed"
        else:
            status = "partial"
            if open_start is not None:
                error = "no_end_reported"
        decided = open_start or last_end or first_start
        return self._outcome(
            key,
            plan,
            decided,
            status,
            started_ms=_start_of(first_start),
            ended_ms=last_end.ts_ms if last_end is not None and open_start is None else None,
            played_s=on_air_s,
            error=error,
            preempted_by=preempted_by,
            measured_against="due",
            due_s=due_s,
        )

    def _content_s(
        self, start: BroadcastEventRecord, end: BroadcastEventRecord | None
    ) -> float | None:
        """The real length of what the play played: as the gateway said (rendered
        speech), else an uploaded file's as measured at upload; None when unknown."""
        for event in (end, start):
            if event is not None and event.content_s is not None and event.content_s > 0:
                return event.content_s
        if start.content_type == "file" and start.content_sha256:
            length_s = self._content_lengths.get(start.content_sha256)
            if length_s is not None and length_s > 0:
                return length_s
        return None

    def _is_silence(self, event: BroadcastEventRecord) -> bool:
        return (event.reason or "") in _SILENCED or (
            event.preempted_by is not None and event.preempted_by in self._silences
        )

    def _outcome(
        self,
        key: _Key,
        plan: _Plan,
        event: BroadcastEventRecord | None,
        status: PlayoutStatus,
        *,
        started_ms: int | None = None,
        ended_ms: int | None = None,
        played_s: float | None = None,
        error: str | None = None,
        preempted_by: str | None = None,
        content_s: float | None = None,
        measured_against: MeasuredAgainst | None = None,
        due_s: float | None = None,
    ) -> PlayoutOutcome:
        schedule, _, cluster = key
        # The inventory as it is; a cluster since removed keeps what its events said.
        entry = self._index.devices.get(cluster)
        commune = entry.commune if entry is not None else event.commune if event else ""
        village = entry.village if entry is not None else event.village if event else None
        agent = entry.agent_id if entry is not None else event.agent_id if event else None
        return PlayoutOutcome(
            commune=commune,
            cluster=cluster,
            schedule=schedule,
            title=plan.title,
            priority=_priority(plan.priority),
            content_type=plan.content_type,
            planned_start_ms=plan.start_ms,
            planned_end_ms=plan.end_ms,
            status=status,
            village=village,
            agent=agent,
            started_ms=started_ms,
            ended_ms=ended_ms,
            played_s=None if played_s is None else round(played_s, 3),
            content_s=None if content_s is None else round(content_s, 3),
            due_s=None if due_s is None else round(due_s, 3),
            measured_against=measured_against,
            error=error,
            preempted_by=preempted_by,
            historical=event is not None and event.historical,
        )


def _held_windows(
    events: Iterable[BroadcastEventRecord],
    now_ms: int,
    silence_windows: Mapping[str, Sequence[tuple[int, int]]],
) -> dict[str, list[tuple[int, int]]]:
    """By cluster, when a bulletin played there (each play, from its start to its end;
    one not ended yet, to its planned end or now) or a silence held it: the time a
    standing relay on that cluster was not due on air. Merged and sorted."""
    found: dict[str, list[tuple[int, int]]] = {
        cluster: list(windows) for cluster, windows in silence_windows.items()
    }
    playing: dict[tuple[str, int, str], BroadcastEventRecord] = {}
    for event in sorted(events, key=_time_order):
        if event.priority == "background" or event.event == "received":
            continue
        key = (event.schedule, event.occurrence_ms, event.cluster)
        if event.event == "started":
            playing[key] = event
        elif event.event in _ENDS and key in playing:
            start = playing.pop(key)
            played = _played_s(event, start)
            end_ms = _start_of(start) + round(played * 1000) if played is not None else event.ts_ms
            found.setdefault(event.cluster, []).append((_start_of(start), end_ms))
    for (_, _, cluster), start in playing.items():
        end_ms = min(now_ms, max(start.planned_end_ms, _start_of(start)))
        found.setdefault(cluster, []).append((_start_of(start), end_ms))
    return {cluster: _merged(windows) for cluster, windows in found.items()}


def _merged(windows: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(w for w in windows if w[0] < w[1]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _overlap_ms(windows: Sequence[tuple[int, int]], from_ms: int, to_ms: int) -> int:
    return sum(max(0, min(to_ms, end) - max(from_ms, start)) for start, end in windows)


def _start_of(event: BroadcastEventRecord) -> int:
    return event.started_ms if event.started_ms is not None else event.ts_ms


def _error_of(event: BroadcastEventRecord) -> str | None:
    """The event's reason code and error text, as one line: "player_failed: exit 1"."""
    parts = [part for part in (event.reason, event.error) if part]
    return ": ".join(parts) or None


def _played_s(end: BroadcastEventRecord, start: BroadcastEventRecord) -> float | None:
    """How long the play that ``end`` ends lasted: as the player says, else by clock;
    unknown (None) for a failure the agent logged without it: ``agent_restarted`` comes
    when the gateway is back, maybe hours after the power cut that ended the play."""
    if end.played_s is not None:
        return max(0.0, end.played_s)
    if end.event == "failed":
        return None
    return max(0.0, (end.ts_ms - _start_of(start)) / 1000)


_PRIORITIES: Final[dict[str, Priority]] = {
    "background": "background",
    "normal": "normal",
    "priority": "priority",
    "emergency": "emergency",
}


def _priority(value: str) -> Priority:
    # Events were validated on the wire; a stored value is one of these.
    return _PRIORITIES.get(value, "normal")
