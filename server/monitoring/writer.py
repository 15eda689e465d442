"""Batches records into the store and acknowledges MQTT messages only once stored.

The broker keeps a message until we acknowledge it (paho ``manual_ack``), so a message
is never acknowledged before what it carried is durable: its records in the store, or
the message itself kept aside as a dead letter, and the agents' numbering saved (the
``on_stored`` step, server/monitoring/pipeline.py). If the store is down, we retry with backoff
and the broker holds the rest; if the server dies, the broker redelivers.

Poison never wedges the writer: a batch the store refuses for a reason of its own (a
value it cannot hold, a bug) is split in halves until the messages it refuses are
found; those are kept aside, and the rest is stored. Only ``StoreUnavailable`` (the
store is down or failing as a whole) is retried as it is.

Memory is bounded: once ``max_pending`` records wait, the writer says it is full
(``on_full(True)``) and the broker link stops reading (server/monitoring/mqtt_link.py);
once half of them are stored it says so again (``on_full(False)``). The broker keeps
the rest meanwhile. The bound is checked per message, so it is passed by at most one
message's records (and the server's own transitions, which are never held back).

Order is kept per agent: a reader never sees a gateway's ``stopped`` before the
heartbeat that came ahead of it. With one lane (the default, and SQLite's: it writes
one transaction at a time anyway) the store is always a prefix of what came. A store
that takes concurrent writes well (InfluxDB spreads them over its cores) gets several
``lanes``: each agent's messages and transitions always go to the same lane, each lane
writes one batch at a time, so the lanes overlap their round trips and what is stored
is, per agent, a prefix of what that agent sent.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

import msgspec

from xaso.server.camera_snapshots.incoming import IncomingSnapshot
from xaso.server.monitoring.intake_journal import DeadLetter, JournalUnavailable
from xaso.server.monitoring.metrics import Metrics
from xaso.server.records import Record
from xaso.server.store.base import RecordsRefused, Store, StoreUnavailable

log = logging.getLogger("xaso.writer")

Ack = Callable[[], object]
SNAPSHOT_WEIGHT = 64
T = TypeVar("T")
# Errors after which the same step may succeed later: retried, never split.
_TRANSIENT = (StoreUnavailable, JournalUnavailable)


@dataclass(slots=True)
class Intake:
    """One MQTT message (or a batch of the server's own transitions) on its way to the
    store, with what must happen once it is durable."""

    records: Sequence[Record]
    ack: Ack | None = None
    # The message as it came, kept aside if the store refuses what it carries.
    topic: str = ""
    payload: bytes = b""
    received_ms: int = 0  # server clock
    # The (agent, seq) numbers the message carried: arrived once stored or kept aside.
    sequences: Sequence[tuple[str, int]] = ()
    # Whose records these are: the lane they are written in (see the module's docstring).
    agent_id: str = ""
    # Refused before the store (broken, invalid, unknown agent...): kept aside only.
    refused: DeadLetter | None = None
    # A camera's thumbnail, kept by ``on_stored`` (server/camera_snapshots/keeper.py).
    snapshot: IncomingSnapshot | None = None
    queued_at: float = field(default=0.0)  # monotonic, for how long intake waits

    @property
    def weight(self) -> int:
        """What it counts towards ``max_pending``: its records, and a picture as many
        records as its bytes (a thumbnail and its message, ~100 KB, about as much
        memory as 64 records), so a backlog of pictures also stops the reading."""
        return len(self.records) + (SNAPSHOT_WEIGHT if self.snapshot is not None else 0)


# What runs once a batch is durable in the store, before it is acknowledged: keep the
# dead letters and save the agents' numbering. Raises JournalUnavailable to be retried.
OnStored = Callable[[Sequence[Intake], Sequence[DeadLetter]], Awaitable[None]]


def _ignore(full: bool) -> None:
    return None


async def _nothing_more(batch: Sequence[Intake], letters: Sequence[DeadLetter]) -> None:
    return None


def _no_agent(record: Record) -> str:
    return ""


class _Lane:
    """One queue of intakes, written one batch at a time."""

    __slots__ = ("current", "queue", "ready")

    def __init__(self) -> None:
        self.queue: collections.deque[Intake] = collections.deque()
        self.ready = asyncio.Event()
        # The batch being written: a cancelled run() must not take it with it.
        self.current: list[Intake] = []


class StoreWriter:
    def __init__(
        self,
        store: Store,
        metrics: Metrics,
        *,
        on_stored: OnStored = _nothing_more,
        max_batch: int = 5000,
        linger_s: float = 0.05,
        # A store back from an outage is found within this: meanwhile the intake is
        # stalled and nobody is timed out, so it should not be long.
        max_backoff_s: float = 10.0,
        max_pending: int = 20_000,
        lanes: int = 1,
        # The agent whose order a record of the server's own (a transition) belongs to.
        agent_of: Callable[[Record], str] = _no_agent,
    ) -> None:
        if lanes < 1:
            raise ValueError("a writer needs at least one lane")
        self._store = store
        self._metrics = metrics
        self._on_stored = on_stored
        self._lanes = [_Lane() for _ in range(lanes)]
        self._agent_of = agent_of
        self._max_batch = max_batch
        self._linger_s = linger_s
        self._max_backoff_s = max_backoff_s
        self._pending_records = 0
        self._max_pending = max_pending
        self._full = False
        self.on_full: Callable[[bool], None] = _ignore
        # Monotonic time of the first failure of the step being retried; None while fine.
        self.failing_since: float | None = None
        self.last_failure = ""

    def _lane_of(self, agent_id: str) -> _Lane:
        # Python's hash: stable for the process's life, which is all a lane needs, and
        # unrelated to the CRC-32 that shares agents among ingest workers.
        lanes = self._lanes
        return lanes[hash(agent_id) % len(lanes)] if len(lanes) > 1 else lanes[0]

    def submit(self, intake: Intake) -> None:
        """Queue a message's records (possibly none) and what is due once stored."""
        intake.queued_at = time.monotonic()
        lane = self._lane_of(intake.agent_id)
        lane.queue.append(intake)
        lane.ready.set()
        self._pending_records += intake.weight
        self._metrics.queue_depth.set(self._pending_records)
        if not self._full and self._pending_records >= self._max_pending:
            self._full = True
            self._metrics.intake_paused.set(1)
            self.on_full(True)

    def submit_records(self, records: Sequence[Record]) -> None:
        """The server's own records (transitions): nothing to acknowledge. Each goes
        in its agent's lane, behind that agent's messages."""
        if len(self._lanes) == 1:
            self.submit(Intake(records))
            return
        by_agent: dict[str, list[Record]] = {}
        for record in records:
            by_agent.setdefault(self._agent_of(record), []).append(record)
        for agent_id, own in by_agent.items():
            self.submit(Intake(own, agent_id=agent_id))

    @property
    def pending_records(self) -> int:
        return self._pending_records

    @property
    def full(self) -> bool:
        """True from the moment the bound was reached until half of it is stored."""
        return self._full

    @property
    def lanes(self) -> int:
        return len(self._lanes)

    @property
    def pending(self) -> int:
        return sum(len(lane.queue) + len(lane.current) for lane in self._lanes)

    def waiting_s(self) -> float:
        """How long the oldest message not yet stored has waited (0 when none waits)."""
        oldest = min(
            (
                (lane.current or lane.queue)[0].queued_at
                for lane in self._lanes
                if lane.current or lane.queue
            ),
            default=None,
        )
        return 0.0 if oldest is None else time.monotonic() - oldest

    async def run(self) -> None:
        await asyncio.gather(*(self._run_lane(lane) for lane in self._lanes))

    async def _run_lane(self, lane: _Lane) -> None:
        while True:
            while not lane.queue:
                lane.ready.clear()
                await lane.ready.wait()
            if self._pending_records < self._max_batch:
                await asyncio.sleep(self._linger_s)  # let a burst gather into one write
            lane.current = self._take_batch(lane.queue)
            await self._settle(lane.current, attempts=0)
            lane.current = []

    def _take_batch(self, queue: collections.deque[Intake]) -> list[Intake]:
        batch = [queue.popleft()]
        size = len(batch[0].records)
        while size < self._max_batch and queue:
            batch.append(queue.popleft())
            size += len(batch[-1].records)
        return batch

    async def _settle(self, batch: list[Intake], attempts: int) -> bool:
        """Store the batch, keep aside what was refused, run on_stored, then acknowledge.
        False if it gave up after ``attempts`` tries of a step (0: never gives up)."""
        stored = [intake for intake in batch if intake.records]
        try:
            letters = await self._retrying(lambda: self._write_isolating(stored), attempts)
            letters += [intake.refused for intake in batch if intake.refused is not None]
            await self._retrying(lambda: self._on_stored(batch, letters), attempts)
        except _TRANSIENT:
            return False
        for intake in batch:
            if intake.ack is not None:
                intake.ack()
        self._pending_records -= sum(intake.weight for intake in batch)
        self._metrics.queue_depth.set(self._pending_records)
        if self._full and self._pending_records <= self._max_pending // 2:
            self._full = False
            self._metrics.intake_paused.set(0)
            self.on_full(False)
        return True

    async def flush(self, deadline_s: float = 10.0) -> None:
        """At shutdown: settle the batch run() was on and whatever is queued, as one
        batch, tried for at most ``deadline_s``. What cannot be settled is not
        acknowledged (the broker keeps it for the next start) and is logged."""
        batch: list[Intake] = []
        for lane in self._lanes:
            batch += lane.current + list(lane.queue)
            lane.current = []
            lane.queue.clear()
        try:
            settled = await asyncio.wait_for(self._settle(batch, attempts=3), deadline_s)
        except TimeoutError:
            settled = False
        if not settled:
            records = sum(len(intake.records) for intake in batch)
            log.error("shutting down with %d messages (%d records) not stored", len(batch), records)

    async def _retrying(self, step: Callable[[], Awaitable[T]], attempts: int) -> T:
        """Run ``step`` until it stops raising a transient error, with jittered backoff
        (at most ``attempts`` times if given)."""
        delay_s = 0.5
        tried = 0
        while True:
            tried += 1
            try:
                result = await step()
            except _TRANSIENT as exc:
                self._metrics.store_writes.labels("unavailable").inc()
                if self.failing_since is None:
                    self.failing_since = time.monotonic()
                self.last_failure = str(exc)
                if attempts and tried >= attempts:
                    log.error("store unavailable, giving up for now: %s", exc)
                    raise
                log.warning("store unavailable (%s); retrying in %.1fs", exc, delay_s)
                # Full jitter, so several servers do not hammer a recovering store in step.
                await asyncio.sleep(random.uniform(0, delay_s))
                delay_s = min(delay_s * 2, self._max_backoff_s)
                continue
            self.failing_since = None
            return result

    async def _write_isolating(self, batch: Sequence[Intake]) -> list[DeadLetter]:
        """Write the batch's records; the messages the store refuses, found by halving,
        come back as dead letters. StoreUnavailable propagates: retry it all."""
        records = [record for intake in batch for record in intake.records]
        if not records:
            return []
        unexpected: Exception | None = None
        try:
            result = await self._store.write(records)
        except StoreUnavailable:
            raise
        except RecordsRefused as exc:
            problem = str(exc)
        except Exception as exc:  # CancelledError is not an Exception: shutdown passes
            # A bug of ours or the store's, on something in this batch: find it, keep it
            # aside, and let the rest through rather than retry the same thing forever.
            problem, unexpected = f"{type(exc).__name__}: {exc}", exc
        else:
            if not result.rejected:
                self._metrics.store_writes.labels("ok").inc()
                self._metrics.store_records_written.inc(result.written)
                return []
            problem = result.detail or f"{result.rejected} records refused"
        if len(batch) == 1:
            self._metrics.store_writes.labels("partial").inc()
            self._metrics.store_records_rejected.inc(len(records))
            log.error(
                "store refused %s; kept aside: %s",
                batch[0].topic or "the server's records",
                problem,
                exc_info=unexpected,
            )
            return [_refused_by_store(batch[0], problem)]
        half = len(batch) // 2
        return await self._write_isolating(batch[:half]) + await self._write_isolating(batch[half:])


def _refused_by_store(intake: Intake, problem: str) -> DeadLetter:
    if intake.payload or intake.topic:
        payload = intake.payload
    else:
        # The server's own records (transitions) have no message: keep them as JSON.
        payload = msgspec.json.encode(list(intake.records))
    return DeadLetter(
        received_ms=intake.received_ms,
        topic=intake.topic or "(server transitions)",
        reason="store_refused",
        detail=problem[:2000],
        payload=payload,
    )
