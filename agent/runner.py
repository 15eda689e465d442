"""The agent: collect, queue on disk, publish — and never lose a record it wrote.

Threads, each with one job: this one runs a collection cycle every heartbeat interval
and appends the heartbeat to the on-disk outbox; the publisher drains the outbox to the
broker; the connection thread keeps one MQTT connection up (reconnecting with jittered
backoff); each collector runs in a worker of its own so a hung one blocks nothing else.
On a radio gateway (a ``playout`` section) the playout thread plays the schedule and
logs each step as a broadcast event through the same outbox (docs/playout.md).
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import msgspec

from xaso.agent.collectors import build_collectors
from xaso.agent.collectors.base import Collector
from xaso.agent.config import AgentConfig
from xaso.agent.connection import BrokerConnection
from xaso.agent.content_cache import ContentCache
from xaso.agent.outbox import Outbox, OutboxError, OutboxFull
from xaso.agent.playout import Playout
from xaso.agent.playout.now_playing import with_play_state
from xaso.agent.pool import CollectorPool, CycleOutcome
from xaso.agent.publisher import Publisher
from xaso.agent.schedule_holder import ScheduleHolder
from xaso.agent.session import SessionCounter
from xaso.agent.snapshot_queue import SnapshotQueue
from xaso.protocol import (
    QOS_RECORDS,
    SCHEMA_VERSION,
    AgentHealth,
    BroadcastEvent,
    Heartbeat,
    broadcast_topic,
    encode,
    heartbeat_topic,
)

log = logging.getLogger("xaso.agent")

# A queue problem is reported in every heartbeat for this long after it happened.
QUEUE_ERROR_REPORTED_MS = 3_600_000


class Agent:
    def __init__(
        self,
        config: AgentConfig,
        *,
        collectors: Sequence[Collector] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self.agent_id = config.agent.id
        self._clock = clock
        state_dir = Path(config.state_dir)
        state_dir.mkdir(parents=True, exist_ok=True)
        self._outbox = Outbox.open(state_dir / "outbox.db", config.queue, clock_ms=self._ts_ms)
        self._pool = CollectorPool(
            collectors
            if collectors is not None
            else build_collectors(config.collectors, state_dir=str(state_dir))
        )
        self._sessions = SessionCounter(state_dir)
        self.schedule = ScheduleHolder(state_dir, self.agent_id)
        self.content = ContentCache(
            state_dir / "content",
            config.content.url if config.content else None,
            config.content_token(),
        )
        self.content.want(self.schedule.current)
        self.connection = BrokerConnection(
            config,
            self._sessions,
            self._ts_ms,
            on_connected=lambda: self._publisher.on_connected(),
            on_disconnected=lambda: self._publisher.on_disconnected(),
            on_published=lambda mid: self._publisher.on_published(mid),
            on_refused=lambda mid, reason: self._publisher.on_refused(mid, reason),
            on_replay=lambda low, high: self._publisher.on_replay(low, high),
            on_schedule=self._schedule_received,
        )
        self._publisher = Publisher(self._outbox, self.connection)
        self.snapshots = SnapshotQueue(
            self._outbox, self.agent_id, session=lambda: self._sessions.current
        )
        self._queue_error: str | None = None
        # Events sent past a full disk have no outbox number, yet the stores key events
        # by (agent, seq): each gets a negative number of its own, growing from the
        # clock so that a restart does not hand one out again (seq < 0: not tracked).
        self._unnumbered = itertools.count(self._ts_ms() * 1000 - 2**62)
        # The gateway's last measured clock offset, for broadcast events.
        self._clock_offset_ms: float | None = None
        self.playout = (
            Playout(
                config.playout,
                state_dir,
                self.content,
                self.record_event,
                agent_id=self.agent_id,
                clock_ms=self._ts_ms,
            )
            if config.playout is not None
            else None
        )
        if self.playout is not None:
            self.playout.offer(self.schedule.current)

    def _schedule_received(self, payload: bytes) -> None:
        """paho's thread: keep the new schedule, start fetching its audio, and hand it
        to the playout thread (which does the rest)."""
        if self.schedule.accept(payload):
            self.content.want(self.schedule.current)
            if self.playout is not None:
                self.playout.offer(self.schedule.current)

    def _ts_ms(self) -> int:
        return int(self._clock() * 1000)

    # -- one cycle -------------------------------------------------------------------

    def collect(self) -> CycleOutcome:
        return self._pool.run_cycle(self.config.collector_timeout_s)

    def _health(self, outcome: CycleOutcome) -> AgentHealth:
        stats = self._outbox.stats()
        fields: dict[str, Any] = {
            k: v for k, v in outcome.health.items() if k in AgentHealth.__struct_fields__
        }
        recent_error = (
            stats.last_error
            if stats.last_error_ms is not None
            and self._ts_ms() - stats.last_error_ms < QUEUE_ERROR_REPORTED_MS
            else None
        )
        fields.update(
            schedule_version=self.schedule.version,
            content_missing=self.content.missing,
            reconnects=self.connection.reconnects,
            queue_depth=stats.depth,
            queue_dropped=sum(stats.dropped_since_open.values()),
            queue_error=self._queue_error or self._publisher.refusals() or recent_error,
        )
        try:
            return msgspec.convert(fields, AgentHealth)
        except msgspec.ValidationError as exc:
            log.warning("%s: collector health data rejected: %s", self.agent_id, exc)
            return AgentHealth(reconnects=self.connection.reconnects, queue_depth=stats.depth)

    def record_heartbeat(self, outcome: CycleOutcome) -> None:
        """Queue the cycle's heartbeat on disk, then wake the publisher."""
        health = self._health(outcome)
        if health.clock_offset_ms is not None:  # measured every few cycles: keep the last
            self._clock_offset_ms = health.clock_offset_ms

        readings = outcome.readings
        if self.playout is not None:
            readings = with_play_state(readings, self.playout.playing_now())

        def build(seq: int, created_ms: int) -> bytes:
            return encode(
                Heartbeat(
                    v=SCHEMA_VERSION,
                    agent=self.agent_id,
                    session=self._sessions.current,
                    seq=seq,
                    ts_ms=created_ms,
                    interval_s=self.config.agent.heartbeat_interval_s,
                    health=health,
                    devices=readings,
                    collectors=outcome.statuses,
                )
            )

        topic = heartbeat_topic(self.agent_id)
        try:
            self._outbox.append("heartbeat", topic, build)
            self._queue_error = None
        except OutboxFull as exc:
            # A full disk must not silence the gateway: send this one straight away,
            # without the durability the queue gives, and say so in the next beat.
            self._queue_error = str(exc) or "queue full"
            log.error("%s: outbox unavailable (%s); sending without it", self.agent_id, exc)
            self.connection.publish(topic, build(-1, self._ts_ms()), QOS_RECORDS)
            return
        self._publisher.wake()

    def record_snapshots(self, outcome: CycleOutcome) -> None:
        """Queue the cycle's camera thumbnails (one waiting per camera at most)."""
        if any([self.snapshots.put(s) for s in outcome.snapshots]):
            self._publisher.wake()

    def record_event(self, event: BroadcastEvent) -> None:
        """The playout thread: queue a broadcast event on disk, then wake the publisher.
        The outbox gives its number and time; the session is the current connection's."""
        clock_offset_ms = event.clock_offset_ms
        if clock_offset_ms is None:
            clock_offset_ms = self._clock_offset_ms

        def build(seq: int, created_ms: int) -> bytes:
            return encode(
                msgspec.structs.replace(
                    event,
                    session=self._sessions.current,
                    seq=seq,
                    ts_ms=created_ms,
                    clock_offset_ms=clock_offset_ms,
                )
            )

        topic = broadcast_topic(self.agent_id)
        try:
            self._outbox.append("event", topic, build)
        except OutboxError as exc:
            # As for heartbeats: the proof of play goes out now, without the queue's
            # durability, rather than not at all; the next heartbeat says why.
            self._queue_error = str(exc) or "queue unavailable"
            log.error("%s: outbox unavailable (%s); event sent without it", self.agent_id, exc)
            self.connection.publish(
                topic, build(next(self._unnumbered), self._ts_ms()), QOS_RECORDS
            )
            return
        self._publisher.wake()

    # -- lifecycle -------------------------------------------------------------------

    def start(self) -> None:
        self._outbox.requeue_inflight()
        self.connection.start()
        self._publisher.start()
        self.content.start()
        if self.playout is not None:
            self.playout.start()

    def run(self, stop: threading.Event) -> None:
        """Collect and queue a heartbeat every interval until ``stop`` is set."""
        self.start()
        interval_s = self.config.agent.heartbeat_interval_s
        next_at = time.monotonic()
        try:
            while not stop.is_set():
                outcome = self.collect()
                self.record_heartbeat(outcome)
                self.record_snapshots(outcome)
                self._enforce_queue_policy()
                next_at += interval_s
                if next_at < time.monotonic():  # a cycle overran: keep the rhythm, skip
                    next_at = time.monotonic() + interval_s
                stop.wait(max(0.0, next_at - time.monotonic()))
        finally:
            self.shutdown()

    def _enforce_queue_policy(self) -> None:
        try:
            self._outbox.enforce_policy()
        except OutboxError as exc:
            # A full disk can keep even a purge from running (it needs journal space):
            # the agent goes on sending without the queue, says so in its heartbeats,
            # and tries again next cycle (docs/agent-queue.md).
            self._queue_error = str(exc) or "queue policy failed"
            log.error("%s: could not apply the queue's limits: %s", self.agent_id, exc)

    def shutdown(self) -> None:
        # Playout first: what it logs while stopping must still reach the outbox.
        if self.playout is not None:
            self.playout.stop()
        self.content.stop()
        self._publisher.stop()
        self.connection.stop()
        self._pool.close()
        self._outbox.close()

    def cut_power(self) -> None:
        """Stop as a power cut would: no goodbye, the broker sends the will; whatever
        was queued stays on disk. For the demo's simulated fleet and for tests."""
        if self.playout is not None:
            self.playout.cut_power()
        self._publisher.stop()
        self.connection.cut_power()
