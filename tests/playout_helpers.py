"""A pure simulation of the scheduler for the playout tests (the schedule sets they play
are built by xaso.testbed.schedule_sets), and a harness that runs the real one."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import msgspec

from xaso.agent.content_cache import ContentCache
from xaso.agent.playout import Playout, PlayoutConfig
from xaso.agent.playout.plan import (
    READY,
    Close,
    Decision,
    Fail,
    Key,
    Readiness,
    Record,
    Rules,
    Skip,
    Start,
    State,
    Stop,
    Timetable,
    Wait,
    plan,
    play_seconds,
)
from xaso.protocol import (
    BroadcastEvent,
    ScheduleSet,
)

MIN_MS = 60_000
RULES = Rules(late_start_ms=10 * MIN_MS, content_wait_ms=MIN_MS)


class Simulation:
    """The scheduler's bookkeeping without threads: a start plays at once for its
    duration, a stop takes effect at once. Logs (time, kind, cluster, schedule, start,
    detail) for the assertions."""

    def __init__(
        self,
        schedule: ScheduleSet,
        rules: Rules = RULES,
        readiness: Mapping[str, Readiness] | None = None,
    ) -> None:
        self.timetable = Timetable(schedule)
        self.rules = rules
        self.readiness = dict(readiness or {i.id: READY for i in schedule.items})
        self.records: dict[str, dict[Key, Record]] = {}  # every record, done ones too
        self.since_ms: int | None = None
        self.ends: dict[str, tuple[Key, int]] = {}  # cluster -> (key, ends at)
        self.log: list[tuple[int, str, str, str, int, str]] = []

    def _set(self, decision: Decision, status: str, started_ms: int | None = None) -> None:
        o = decision.occurrence
        record = Record(o, status, started_ms)  # type: ignore[arg-type]
        self.records.setdefault(o.cluster, {})[o.key] = record

    def step(self, now_ms: int) -> list[Decision]:
        # Plays that reached their end finish first.
        for cluster, (key, end_ms) in list(self.ends.items()):
            if end_ms <= now_ms:
                record = self.records[cluster][key]
                self.records[cluster][key] = msgspec.structs.replace(record, status="done")
                o = record.occurrence
                self.log.append((end_ms, "finished", cluster, o.schedule, o.start_ms, ""))
                del self.ends[cluster]
        open_ = {
            c: {k: r for k, r in recs.items() if r.status != "done"}
            for c, recs in self.records.items()
        }
        done = {(c, *k) for c, recs in self.records.items() for k, r in recs.items()}
        done -= {(c, *k) for c, recs in open_.items() for k in recs}
        state = State(open_, done)
        decisions = plan(
            self.timetable, state, self.readiness, now_ms, self.rules, since_ms=self.since_ms
        )
        self.since_ms = now_ms
        for d in decisions:
            o = d.occurrence
            if isinstance(d, Start):
                self._set(d, "playing", now_ms)
                self.ends[o.cluster] = (o.key, now_ms + round(play_seconds(o, now_ms) * 1000))
                detail = "resumed" if d.resumed else ""
                self.log.append((now_ms, "started", o.cluster, o.schedule, o.start_ms, detail))
            elif isinstance(d, Stop):
                # A silence ends a bulletin for good, a standing relay until it is
                # over; a relay switched off ends; one edited resumes as edited, unless
                # its slot moved.
                final = (
                    d.cause == "withdrawn"
                    or (d.cause == "silence" and o.priority != "background")
                    or (d.cause == "changed" and d.for_key != o.key)
                )
                self._set(d, "done" if final else "preempted", now_ms)
                del self.ends[o.cluster]
                detail = "changed" if d.cause == "changed" else d.by
                self.log.append((now_ms, "preempted", o.cluster, o.schedule, o.start_ms, detail))
            elif isinstance(d, Skip):
                self._set(d, "done")
                self.log.append((now_ms, "skipped", o.cluster, o.schedule, o.start_ms, d.reason))
            elif isinstance(d, Fail):
                self._set(d, "done")
                self.log.append((now_ms, "failed", o.cluster, o.schedule, o.start_ms, d.reason))
            elif isinstance(d, Wait):
                self._set(d, "due")
            elif isinstance(d, Close):
                self._set(d, "done")
        return decisions

    def replace_set(self, schedule: ScheduleSet) -> None:
        """A new set arrives: the scheduler looks at all of its window again."""
        self.timetable = Timetable(schedule)
        self.since_ms = None

    def run(self, from_ms: int, to_ms: int, step_ms: int = 1000) -> None:
        for now_ms in range(from_ms, to_ms + 1, step_ms):
            self.step(now_ms)

    def events(self, kind: str | None = None) -> list[tuple[str, str, str]]:
        """(kind, schedule, detail) in order, optionally of one kind."""
        return [(k, s, d) for _, k, _, s, _, d in self.log if kind in (None, k)]


def now_ms() -> int:
    return time.time_ns() // 1_000_000


WAIT_S = 20  # a ceiling for slow machines, never a measured figure


class Harness:
    """A playout thread with its events collected in memory."""

    def __init__(self, state_dir: Path, config: PlayoutConfig) -> None:
        self.state_dir = state_dir
        self.content = ContentCache(state_dir / "content", None, None)
        self.events: list[BroadcastEvent] = []
        self._lock = threading.Lock()
        self.playout = Playout(
            config,
            state_dir,
            self.content,
            self._emit,
            agent_id="gw",
            clock_ms=lambda: time.time_ns() // 1_000_000,
            tick_s=0.05,
        )

    def _emit(self, event: BroadcastEvent) -> None:
        with self._lock:
            self.events.append(event)

    def kinds(self, cluster: str | None = None) -> list[str]:
        with self._lock:
            return [e.event for e in self.events if cluster in (None, e.cluster)]

    def wait_for(self, done: Callable[[Harness], bool]) -> None:
        deadline = time.monotonic() + WAIT_S
        while not done(self):
            assert time.monotonic() < deadline, f"gave up waiting; events: {self.kinds()}"
            time.sleep(0.02)

    def settle(self) -> None:
        """Let the playout thread tick twice more: whatever was due has happened."""
        target = self.playout.ticks + 2
        self.wait_for(lambda h: h.playout.ticks >= target)

    def last(self, kind: str) -> BroadcastEvent:
        with self._lock:
            return [e for e in self.events if e.event == kind][-1]
