"""The monitoring pipeline: broker link -> ingest -> writer -> acknowledgement, the
sweeper that times devices out, and the replays that fill agents' gaps.

What it promises (docs/operations.md, "Nothing lost"):

- **Poison never wedges it.** Whatever a message does to decoding, validation, our own
  code or a store, it is refused, counted, kept aside with its raw bytes (a dead letter,
  server/monitoring/intake_journal.py) and acknowledged; the next message flows.
- **An acknowledged message is durable**: its records are in the store or the message is
  a dead letter, and the agents' numbering that counts it as arrived is saved, before
  the broker hears the acknowledgement (server/monitoring/writer.py calls ``on_stored``).
- **Liveness is judged on what the server could see.** While the broker link is down,
  the store cannot keep up (a message waits longer than ``intake_stall_s`` to be
  stored), or the event loop itself was held up, no device is timed out: the broker
  holds the heartbeats that would have proved them alive. Afterwards every device gets a
  full timeout. ``/healthz`` and ``/metrics`` say so meanwhile.
- **Gaps are asked for, per gap, across restarts**; what cannot be recovered is counted
  lost per agent (server/monitoring/sequence.py, server/monitoring/replay.py).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from xaso.protocol import QOS_RECORDS, SCHEMA_VERSION, Replay, encode, parse_topic, replay_topic
from xaso.server.camera_snapshots.keeper import SnapshotKeeper
from xaso.server.camera_snapshots.store import SnapshotLimits
from xaso.server.monitoring.fleet_state import FleetState
from xaso.server.monitoring.ingest import Handled, Ingest
from xaso.server.monitoring.intake_journal import DeadLetter, IntakeJournal
from xaso.server.monitoring.metrics import Metrics
from xaso.server.monitoring.record_time import RecordTimeWindow
from xaso.server.monitoring.replay import ReplayPlanner
from xaso.server.monitoring.sequence import SequenceTracker
from xaso.server.monitoring.writer import Ack, Intake, StoreWriter
from xaso.server.records import Record
from xaso.server.settings import Settings
from xaso.server.store.base import Store, write_lanes_for

log = logging.getLogger("xaso.pipeline")

Publish = Callable[[str, bytes, int], None]


@dataclass(frozen=True)
class IntakeHealth:
    """What /healthz tells about the pipeline."""

    stalled: bool
    waiting_s: float  # how long the oldest message not yet stored has waited
    store_failing_s: float  # how long writes have been failing (0: they are not)
    last_failure: str

    def problems(self) -> list[str]:
        found = []
        if self.stalled:
            found.append(f"intake stalled: a message has waited {self.waiting_s:.0f} s")
        if self.store_failing_s:
            found.append(
                f"store writes failing for {self.store_failing_s:.0f} s: {self.last_failure}"
            )
        return found


class Pipeline:
    def __init__(
        self,
        *,
        state: FleetState,
        ingest: Ingest,
        store: Store,
        sequences: SequenceTracker,
        journal: IntakeJournal,
        metrics: Metrics,
        clock_ms: Callable[[], int],
        replay_after_s: float,
        intake_stall_s: float,
        max_pending_records: int = 20_000,
        write_lanes: int = 1,
        on_records_stored: Callable[[list[Record], int], object] | None = None,
        snapshots: SnapshotKeeper | None = None,
    ) -> None:
        """``snapshots``: where camera thumbnails are kept (none: taken in and let go).
        ``on_records_stored``: told of every batch once it is in the store (the
        indicators' rollups drop the closed days a late record touches).
        ``write_lanes``: batches written at once, each agent always in the same lane
        (server/monitoring/writer.py)."""
        self.state, self.ingest = state, ingest
        self.writer = StoreWriter(
            store,
            metrics,
            on_stored=self.on_stored,
            max_pending=max_pending_records,
            lanes=write_lanes,
            agent_of=self._agent_of,
        )
        self.sequences, self.journal = sequences, journal
        self._metrics = metrics
        self._clock_ms = clock_ms
        self._intake_stall_s = intake_stall_s
        # Asked again as long after as it was first given: the default (60 s) gives a
        # backlog draining at the other end of a slow 4G link room to arrive.
        self._planner = ReplayPlanner(sequences, after_s=replay_after_s, every_s=replay_after_s)
        self._publish: Publish | None = None
        self._stalled = False
        self._on_records_stored = on_records_stored
        self.snapshots = snapshots

    @classmethod
    def configured(
        cls,
        settings: Settings,
        *,
        state: FleetState,
        store: Store,
        sequences: SequenceTracker,
        journal: IntakeJournal,
        metrics: Metrics,
        clock_ms: Callable[[], int],
        on_records_stored: Callable[[list[Record], int], object] | None = None,
    ) -> Pipeline:
        """The pipeline as the server's settings ask, in one process or in an ingest
        worker (server/monitoring/ingest_worker.py)."""
        window = RecordTimeWindow(settings.max_clock_ahead_s, settings.max_record_age_days)
        return cls(
            state=state,
            ingest=Ingest(state, metrics, window),
            store=store,
            sequences=sequences,
            journal=journal,
            metrics=metrics,
            clock_ms=clock_ms,
            replay_after_s=settings.replay_after_s,
            intake_stall_s=settings.intake_stall_s,
            max_pending_records=settings.max_pending_records,
            write_lanes=write_lanes_for(store, settings.store_write_lanes),
            on_records_stored=on_records_stored,
            snapshots=SnapshotKeeper.open(
                settings.database_path,
                ZoneInfo(state.index.inventory.timezone),
                SnapshotLimits(
                    keep_days=settings.snapshot_keep_days,
                    max_bytes=int(settings.snapshot_max_mb * 2**20),
                ),
                metrics,
            ),
        )

    # -- messages in -------------------------------------------------------------------

    def on_message(
        self, topic: str, payload: bytes, ack: Ack | None, retained: bool = False
    ) -> None:
        """On the event loop: one message from the broker, whatever it holds."""
        now_ms = self._clock_ms()
        try:
            handled = self.ingest.handle(topic, payload, now_ms, retained)
        except Exception as exc:  # CancelledError is not an Exception
            # A bug of ours on this message: it must not stop the ones behind it.
            log.exception("ingest failed on a message on %s; kept aside", topic)
            self._metrics.messages_rejected.labels("internal_error").inc()
            handled = Handled(refused=("internal_error", f"{type(exc).__name__}: {exc}"))
        refused = None
        if handled.refused is not None:
            reason, detail = handled.refused
            refused = DeadLetter(now_ms, topic, reason, detail[:2000], payload)
        parsed = parse_topic(topic)
        self.writer.submit(
            Intake(
                handled.records,
                ack,
                topic=topic,
                payload=payload,
                received_ms=now_ms,
                sequences=handled.sequences,
                refused=refused,
                agent_id=parsed[0] if parsed is not None else "",
                snapshot=handled.snapshot,
            )
        )

    def _agent_of(self, record: Record) -> str:
        """The agent a transition of the server's own is ordered with: its device's."""
        agent_id = getattr(record, "agent_id", None)
        if agent_id is not None:
            return str(agent_id)
        device = self.state.devices.get(getattr(record, "device_id", ""))
        return device.entry.agent_id if device is not None else ""

    async def on_stored(self, batch: Sequence[Intake], letters: Sequence[DeadLetter]) -> None:
        """A batch is in the store: count its numbers as arrived, keep its dead letters
        and save the numbering, in one commit, before it is acknowledged. Camera
        thumbnails are kept first: a failure there is retried before anything counts."""
        if self.snapshots is not None:
            await self.snapshots.keep([i.snapshot for i in batch if i.snapshot is not None])
        now_ms = self._clock_ms()
        for intake in batch:
            for agent_id, seq in intake.sequences:
                newly_missing = self.sequences.observe(agent_id, seq, now_ms)
                if newly_missing:
                    self._metrics.sequence_gaps.inc(newly_missing)
                    log.info(
                        "%s: %d records not yet received before seq %d",
                        agent_id,
                        newly_missing,
                        seq,
                    )
        changed = self.sequences.take_changed()
        try:
            await self.journal.commit(letters, changed)
        except BaseException:
            self.sequences.mark_changed(changed)  # still to be saved: next time
            raise
        for letter in letters:
            self._metrics.dead_letters.labels(letter.reason).inc()
        if self._on_records_stored is not None:
            records = [record for intake in batch for record in intake.records]
            try:
                self._on_records_stored(records, now_ms)
            except Exception:
                # Stored and acknowledged whatever this says: a failure here must not
                # hold the intake (the rollups compare fingerprints at use as well).
                log.exception("after storing %d records", len(records))

    # -- the sweeper -------------------------------------------------------------------

    def attach_link(self, publish: Publish | None) -> None:
        """Where replay requests go; None while there is no broker link object."""
        self._publish = publish

    def tick(self, now_ms: int, held_up_s: float = 0.0) -> None:
        """Once per sweep interval: intake stalls, timeouts, replays. ``held_up_s`` is how
        much later than planned this tick came (the event loop was busy)."""
        self._watch_intake(now_ms, held_up_s)
        transitions = self.state.sweep(now_ms)
        if transitions:
            self.writer.submit_records(transitions)
        if self.state.link_is_up:
            self._request_replays(now_ms)

    def _watch_intake(self, now_ms: int, held_up_s: float) -> None:
        stalled = self.writer.waiting_s() > self._intake_stall_s
        if held_up_s > self._intake_stall_s and not stalled:
            # The loop itself did not run: whatever arrived meanwhile is still to be
            # handled, so the silence proves nothing. A full timeout for everyone.
            log.warning("the event loop was held up %.1f s; timeouts start again", held_up_s)
            self.state.intake_stalled()
            self.state.intake_flowing(now_ms)
        if stalled and not self._stalled:
            log.warning(
                "intake stalled (a message has waited %.1f s to be stored): "
                "no device is timed out until it flows again",
                self.writer.waiting_s(),
            )
            self.state.intake_stalled()
        elif not stalled and self._stalled:
            log.info("intake flowing again; every device gets a full timeout")
            self.state.intake_flowing(now_ms)
        self._stalled = stalled
        self._metrics.intake_stalled.set(1 if stalled else 0)

    def _request_replays(self, now_ms: int) -> None:
        requests, given_up = self._planner.due(now_ms)
        if given_up:
            # The lost counts must be saved even if no message comes to carry them.
            self.writer.submit(Intake(()))
        if self._publish is None:
            return
        for request in requests:
            message = Replay(
                v=SCHEMA_VERSION,
                agent=request.agent_id,
                from_seq=request.from_seq,
                to_seq=request.to_seq,
                ts_ms=now_ms,
            )
            self._publish(replay_topic(request.agent_id), encode(message), QOS_RECORDS)
            self._metrics.replay_requests.inc()
            log.info(
                "%s: asked to send again seq %d..%d",
                request.agent_id,
                request.from_seq,
                request.to_seq,
            )

    async def sweep_forever(self, interval_s: float) -> None:
        while True:
            planned = time.monotonic() + interval_s
            await asyncio.sleep(interval_s)
            self.tick(self._clock_ms(), held_up_s=time.monotonic() - planned)

    def health(self) -> IntakeHealth:
        failing_since = self.writer.failing_since
        return IntakeHealth(
            stalled=self._stalled,
            waiting_s=self.writer.waiting_s(),
            store_failing_s=0.0 if failing_since is None else time.monotonic() - failing_since,
            last_failure=self.writer.last_failure,
        )
