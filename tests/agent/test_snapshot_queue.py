"""Camera thumbnails through the agent's on-disk queue: one waiting per camera, under
the numbering of the other records, and never at their expense."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from tests.doubles import Clock
from tests.jpegs import jpeg, noisy_jpeg
from xaso.agent.collectors.base import CameraSnapshot
from xaso.agent.outbox import Outbox, OutboxPolicy
from xaso.agent.snapshot_queue import SnapshotQueue
from xaso.protocol import decode_snapshot, snapshot_topic

T0_MS = 1_750_000_000_000


@pytest.fixture
def clock() -> Clock:
    return Clock(T0_MS)


def _queue(outbox: Outbox) -> SnapshotQueue:
    return SnapshotQueue(outbox, "alpha-gw", session=lambda: 7)


def _shot(device: str, taken_ms: int, picture: bytes | None = None) -> CameraSnapshot:
    return CameraSnapshot(device, taken_ms, picture or jpeg(), 160, 90)


def _heartbeat(seq: int, created_ms: int) -> bytes:
    return msgspec.json.encode({"seq": seq, "pad": "x" * 1000})


def test_a_newer_picture_takes_the_place_of_the_one_waiting(tmp_path: Path, clock: Clock) -> None:
    with Outbox.open(tmp_path / "outbox.db", clock_ms=clock) as outbox:
        snapshots = _queue(outbox)
        assert snapshots.put(_shot("alpha-cam-1", T0_MS - 5000))
        first = outbox.next_batch(10)
        assert [e.kind for e in first] == ["snapshot"] and first[0].topic == snapshot_topic(
            "alpha-gw"
        )
        clock.advance(300)
        newer = jpeg(colour=(10, 10, 200))
        assert snapshots.put(_shot("alpha-cam-1", clock.now_ms - 1000, newer))
        assert snapshots.put(_shot("alpha-cam-2", clock.now_ms - 1000))

        waiting = outbox.next_batch(10)
        assert len(waiting) == 2
        replaced = next(e for e in waiting if e.seq == first[0].seq)
        message = decode_snapshot(replaced.payload)
        # Same number, the newest picture, queued now: no gap, nothing stale sent.
        assert (message.seq, message.device, message.jpeg) == (first[0].seq, "alpha-cam-1", newer)
        assert message.ts_ms == replaced.created_ms == clock.now_ms
        assert (message.session, message.width, message.height) == (7, 160, 90)
        assert (snapshots.counts.queued, snapshots.counts.replaced) == (2, 1)


def test_once_in_flight_the_next_picture_is_a_new_record(tmp_path: Path, clock: Clock) -> None:
    with Outbox.open(tmp_path / "outbox.db", clock_ms=clock) as outbox:
        snapshots = _queue(outbox)
        snapshots.put(_shot("alpha-cam-1", T0_MS))
        (sent,) = outbox.next_batch(10)
        outbox.mark_inflight(sent.seq)
        snapshots.put(_shot("alpha-cam-1", T0_MS + 1))
        (second,) = outbox.next_batch(10)
        assert second.seq > sent.seq
        outbox.mark_acked(sent.seq)
        assert decode_snapshot(sent.payload).taken_ms == T0_MS  # the one in flight is kept


def test_after_a_restart_the_waiting_picture_is_still_replaced(
    tmp_path: Path, clock: Clock
) -> None:
    path = tmp_path / "outbox.db"
    with Outbox.open(path, clock_ms=clock) as outbox:
        _queue(outbox).put(_shot("alpha-cam-1", T0_MS))
    with Outbox.open(path, clock_ms=clock) as outbox:
        snapshots = _queue(outbox)
        snapshots.put(_shot("alpha-cam-1", T0_MS + 60_000))
        (only,) = outbox.next_batch(10)
        assert decode_snapshot(only.payload).taken_ms == T0_MS + 60_000
        assert snapshots.counts.replaced == 1


def test_a_picture_too_big_is_not_queued(tmp_path: Path, clock: Clock) -> None:
    with Outbox.open(tmp_path / "outbox.db", clock_ms=clock) as outbox:
        snapshots = _queue(outbox)
        assert not snapshots.put(_shot("alpha-cam-1", T0_MS, noisy_jpeg(400)))
        assert outbox.next_batch(10) == [] and snapshots.counts.skipped == 1


def test_pictures_wait_for_room_and_go_first_when_the_queue_is_over(
    tmp_path: Path, clock: Clock
) -> None:
    picture = jpeg(640, 360)
    policy = OutboxPolicy(max_bytes=60 * 1024 + 5 * len(picture))
    with Outbox.open(tmp_path / "outbox.db", policy, clock_ms=clock) as outbox:
        snapshots = _queue(outbox)
        for n in range(5):
            assert snapshots.put(_shot(f"cam-{n}", T0_MS, picture))
        # Heartbeats fill the queue: past its limits the pictures go first, all of them,
        # before a single heartbeat is thinned or dropped.
        for _ in range(120):
            outbox.append("heartbeat", "hb", _heartbeat)
            clock.advance(30)
            outbox.enforce_policy()
            dropped = outbox.stats().dropped_since_open
            pictures_left = [e.kind for e in outbox.next_batch(1000)].count("snapshot")
            assert dropped["snapshot"] + pictures_left == 5
            if pictures_left:
                assert dropped["heartbeat"] == 0
        assert dropped["snapshot"] == 5 and dropped["heartbeat"] > 0
        # Near the limits, a new picture is not even queued: counted, and said.
        assert outbox.near_limits()
        assert not snapshots.put(_shot("cam-9", clock.now_ms, picture))
        assert snapshots.counts.skipped == 1
