"""Camera thumbnails into the on-disk queue: at most one waiting per camera.

A gateway cut off for a day must not fill its queue with pictures nobody will look at:
only the newest of each camera matters to the server's "latest" and, one a day, to its
evidence. So a camera's new thumbnail takes the place of its one still waiting (same
sequence number, new picture: ``Outbox.replace``); only once that one is in flight or
delivered does a new record take a new number. Nothing is added while the queue is near
its limits, and the queue drops pictures before any other record when it is over them
(docs/agent-queue.md). A picture never goes out past the queue, even on a full disk: it
is the one record that can wait for the next.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import msgspec

from xaso.agent.collectors.base import CameraSnapshot
from xaso.agent.outbox import Outbox, OutboxError
from xaso.protocol import MAX_SNAPSHOT_JPEG_BYTES, SCHEMA_VERSION, Snapshot, encode, snapshot_topic

log = logging.getLogger("xaso.agent.snapshots")


class _DeviceOnly(msgspec.Struct):
    device: str


_device_of = msgspec.json.Decoder(_DeviceOnly)


class SnapshotCounts(msgspec.Struct):
    queued: int = 0  # a new record
    replaced: int = 0  # took the place of the camera's waiting one
    skipped: int = 0  # not queued: too big, queue near its limits, or unavailable


class SnapshotQueue:
    def __init__(self, outbox: Outbox, agent_id: str, session: Callable[[], int]) -> None:
        self._outbox = outbox
        self._agent_id = agent_id
        self._session = session
        self._topic = snapshot_topic(agent_id)
        self.counts = SnapshotCounts()
        # camera -> seq of its snapshot waiting in the queue (maybe already in flight)
        self._waiting: dict[str, int] = {}
        try:
            for seq, payload in outbox.waiting("snapshot"):
                try:
                    self._waiting[_device_of.decode(payload).device] = seq
                except msgspec.DecodeError:
                    continue  # not ours to judge: it goes out as it is
        except OutboxError as exc:
            log.warning("%s: cannot read the waiting snapshots: %s", agent_id, exc)

    def put(self, snapshot: CameraSnapshot) -> bool:
        """Queue one thumbnail; whether it was (skips are counted and logged)."""
        if len(snapshot.jpeg) > MAX_SNAPSHOT_JPEG_BYTES:
            return self._skip(snapshot, f"{len(snapshot.jpeg)} bytes is too big")

        def build(seq: int, created_ms: int) -> bytes:
            return encode(
                Snapshot(
                    v=SCHEMA_VERSION,
                    agent=self._agent_id,
                    session=self._session(),
                    seq=seq,
                    ts_ms=created_ms,
                    device=snapshot.device_id,
                    taken_ms=snapshot.taken_ms,
                    width=snapshot.width,
                    height=snapshot.height,
                    jpeg=snapshot.jpeg,
                )
            )

        try:
            waiting = self._waiting.get(snapshot.device_id)
            if waiting is not None and self._outbox.replace(waiting, build):
                self.counts.replaced += 1
                return True
            if self._outbox.near_limits():
                return self._skip(snapshot, "the queue is near its limits")
            self._waiting[snapshot.device_id] = self._outbox.append("snapshot", self._topic, build)
        except OutboxError as exc:
            return self._skip(snapshot, f"queue unavailable ({exc})")
        self.counts.queued += 1
        return True

    def _skip(self, snapshot: CameraSnapshot, why: str) -> bool:
        self.counts.skipped += 1
        log.warning("%s: snapshot of %s not queued: %s", self._agent_id, snapshot.device_id, why)
        return False
