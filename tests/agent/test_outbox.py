"""The agent's durable queue: order, acks, retention policy, and surviving the worst."""

from __future__ import annotations

import itertools
import os
import queue
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from tests.doubles import Clock
from tests.paths import REPO
from xaso.agent.outbox import Entry, Outbox, OutboxError, OutboxFull, OutboxPolicy, RecordKind

T0_MS = 1_750_000_000_000
MINUTE_MS = 60_000


def _payload(seq: int, created_ms: int) -> bytes:
    return f"{seq}@{created_ms}".encode()


def _add(outbox: Outbox, kind: RecordKind = "heartbeat", topic: str = "t") -> int:
    return outbox.append(kind, topic, _payload)


def _all(outbox: Outbox) -> list[Entry]:
    return outbox.next_batch(1_000_000)


def _stored(path: Path) -> list[tuple[int, str]]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT seq, kind FROM records ORDER BY seq").fetchall()
    finally:
        conn.close()


def _stored_seqs(outbox: Outbox) -> list[int]:
    return [e.seq for e in _all(outbox)]


@pytest.fixture
def clock() -> Clock:
    return Clock(T0_MS)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "outbox.db"


def test_live_records_first_newest_first_then_backlog_oldest_first(
    path: Path, clock: Clock
) -> None:
    with Outbox.open(path, OutboxPolicy(live_window_s=60), clock) as outbox:
        backlog = []
        for _ in range(4):
            backlog.append(_add(outbox))
            clock.advance(30)
        clock.advance(600)
        live = [_add(outbox), _add(outbox, "event")]
        batch = outbox.next_batch(10)
        assert [e.seq for e in batch] == live[::-1] + backlog
        assert [outbox.is_live(e) for e in batch] == [True, True, False, False, False, False]
        assert batch[0].payload == _payload(live[1], clock.now_ms)
        assert batch[0].kind == "event" and batch[0].created_ms == clock.now_ms
        assert [e.seq for e in outbox.next_batch(3)] == [live[1], live[0], backlog[0]]


def test_in_flight_records_are_skipped_until_acked_or_requeued(path: Path, clock: Clock) -> None:
    with Outbox.open(path, OutboxPolicy(), clock) as outbox:
        seqs = [_add(outbox) for _ in range(5)]
        for seq in seqs[:3]:
            outbox.mark_inflight(seq)
        assert [e.seq for e in outbox.next_batch(10)] == seqs[:2:-1]
        assert (outbox.stats().depth, outbox.stats().inflight) == (5, 3)
        outbox.mark_acked(seqs[0])
        outbox.mark_acked(seqs[0])  # a duplicate PUBACK changes nothing
        assert outbox.requeue_inflight() == 2
        assert sorted(e.seq for e in outbox.next_batch(10)) == seqs[1:]
        assert (outbox.stats().depth, outbox.stats().inflight) == (4, 0)


def test_pending_records_survive_a_reopen_and_in_flight_is_forgotten(
    path: Path, clock: Clock
) -> None:
    with Outbox.open(path, OutboxPolicy(), clock) as outbox:
        seqs = [_add(outbox, kind) for kind in ("heartbeat", "state", "event")]
        outbox.mark_inflight(seqs[1])
        outbox.mark_acked(seqs[0])
    with Outbox.open(path, OutboxPolicy(), clock) as outbox:
        entries = _all(outbox)
        assert [(e.seq, e.kind) for e in entries] == [(seqs[2], "event"), (seqs[1], "state")]
        assert outbox.stats().depth == 2
        assert outbox.stats().records == 3  # the acked one is kept for replay
        assert _add(outbox) == seqs[-1] + 1


def test_a_new_queue_numbers_from_the_clock(path: Path, clock: Clock) -> None:
    # A reinstalled gateway must not start again from 1 (the server would take its
    # records for duplicates of old ones).
    with Outbox.open(path, clock_ms=clock) as outbox:
        assert _add(outbox) == max(1, clock.now_ms)


def test_seq_is_never_reused_even_when_every_row_is_gone(path: Path, clock: Clock) -> None:
    policy = OutboxPolicy(keep_acked_s=0)
    with Outbox.open(path, policy, clock) as outbox:
        first = _add(outbox)
        outbox.mark_acked(first)
        for _ in range(2):
            outbox.mark_acked(_add(outbox))
        clock.advance(1)
        assert outbox.enforce_policy() == 0  # purging acked records is not a drop
        assert outbox.stats().records == 0
    assert _stored(path) == []
    with Outbox.open(path, policy, clock) as outbox:
        assert _add(outbox) == first + 3


def test_acked_records_can_be_replayed(path: Path, clock: Clock) -> None:
    with Outbox.open(path, OutboxPolicy(), clock) as outbox:
        seqs = [_add(outbox) for _ in range(4)]
        for seq in seqs:
            outbox.mark_acked(seq)
        assert outbox.replay(from_seq=seqs[2]) == 2
        assert sorted(e.seq for e in _all(outbox)) == seqs[2:]


def test_clock_jumps_keep_publication_order_and_sane_liveness(path: Path, clock: Clock) -> None:
    with Outbox.open(path, OutboxPolicy(live_window_s=60), clock) as outbox:
        before = [_add(outbox) for _ in range(3)]
        clock.advance(-5 * 3600)  # the clock is set back five hours
        after = _add(outbox)
        entries = _all(outbox)
        # Records stamped in the "future" are from before the jump: backlog, in seq order.
        assert [e.seq for e in entries] == [after, *before]
        assert [outbox.is_live(e) for e in entries] == [True, False, False, False]
        clock.advance(10 * 3600)  # and forward again, past all of them
        assert [e.seq for e in _all(outbox)] == [*before, after]
        # A small step back (an NTP correction) keeps a fresh record live.
        fresh = _add(outbox)
        clock.advance(-20)
        assert outbox.is_live(next(e for e in _all(outbox) if e.seq == fresh))


def test_heartbeats_are_thinned_first_keeping_one_per_hour(path: Path, clock: Clock) -> None:
    policy = OutboxPolicy(max_records=100, low_water=0.9, thin_keep_s=3600)
    with Outbox.open(path, policy, clock) as outbox:
        kinds: dict[int, RecordKind] = {}
        first_of_hour: dict[int, int] = {}  # hour -> seq of its first heartbeat
        for i in range(101):  # 3 h 22 min of records, one every 2 minutes
            kind: RecordKind = "event" if i % 10 == 3 else "state" if i % 10 == 7 else "heartbeat"
            seq = _add(outbox, kind)
            kinds[seq] = kind
            if kind == "heartbeat":
                first_of_hour.setdefault(clock.now_ms // 3_600_000, seq)
            clock.advance(120)
        dropped = outbox.enforce_policy()
        stats = outbox.stats()
        assert dropped == 11 and stats.records == 90
        assert stats.dropped_since_open == {"snapshot": 0, "heartbeat": 11, "state": 0, "event": 0}
        left = {e.seq: e for e in _all(outbox)}
        gone = sorted(set(kinds) - set(left))
        assert all(kinds[s] == "heartbeat" for s in gone)
        # Only the oldest half was thinned, every other heartbeat, never two in a row...
        assert max(gone) <= min(kinds) + 49
        beats = [seq for seq, kind in kinds.items() if kind == "heartbeat"]
        assert not any(a in gone and b in gone for a, b in itertools.pairwise(beats))
        # ...and the first heartbeat of every hour is still there.
        assert set(first_of_hour.values()) <= set(left)
    with Outbox.open(path, policy, clock) as outbox:  # drop counts are persisted
        stats = outbox.stats()
        assert stats.dropped_total == {"snapshot": 0, "heartbeat": 11, "state": 0, "event": 0}
        assert stats.dropped_since_open == {"snapshot": 0, "heartbeat": 0, "state": 0, "event": 0}


def test_repeated_thinning_spares_the_newest_and_one_heartbeat_per_hour(
    path: Path, clock: Clock
) -> None:
    policy = OutboxPolicy(max_records=100, low_water=0.6, thin_keep_s=3600)
    with Outbox.open(path, policy, clock) as outbox:
        first_of_hour: dict[int, int] = {}
        seqs = []
        for _ in range(101):  # 3 h 22 min of heartbeats, one every 2 minutes
            seqs.append(_add(outbox))
            first_of_hour.setdefault(clock.now_ms // 3_600_000, seqs[-1])
            clock.advance(120)
        assert outbox.enforce_policy() == 41  # several passes
        left = set(_stored_seqs(outbox))
        assert set(first_of_hour.values()) <= left
        assert set(seqs[-25:]) <= left  # the newest quarter is never touched
        assert outbox.stats().dropped_total["heartbeat"] == 41


def test_events_outlive_heartbeats_and_state_when_space_runs_out(path: Path, clock: Clock) -> None:
    policy = OutboxPolicy(max_records=20, low_water=0.9)
    with Outbox.open(path, policy, clock) as outbox:
        events = [_add(outbox, "event") for _ in range(15)]
        states = [_add(outbox, "state") for _ in range(5)]
        for _ in range(40):
            _add(outbox, "heartbeat")
            clock.advance(30)
        assert outbox.enforce_policy() == 42
        assert outbox.stats().dropped_since_open == {
            "snapshot": 0,
            "heartbeat": 40,
            "state": 2,
            "event": 0,
        }
        assert sorted(e.seq for e in _all(outbox)) == events + states[2:]
        assert outbox.enforce_policy() == 0  # under the limits: nothing more goes


def test_byte_limit_and_acked_records_go_before_any_drop(path: Path, clock: Clock) -> None:
    policy = OutboxPolicy(max_bytes=10_000, low_water=0.5)
    with Outbox.open(path, policy, clock) as outbox:
        big = b"x" * 999  # 1,000 bytes with the one-byte topic
        acked = [outbox.append("heartbeat", "t", lambda s, c: big) for _ in range(4)]
        for seq in acked:
            outbox.mark_acked(seq)
        pending = [outbox.append("event", "t", lambda s, c: big) for _ in range(7)]
        assert outbox.stats().bytes == 11_000
        assert outbox.enforce_policy() == 2  # the 4 acked went first, not counted
        assert outbox.stats().bytes == 5_000
        assert [e.seq for e in _all(outbox)] == pending[:1:-1]


def test_records_past_max_age_are_dropped_and_counted(path: Path, clock: Clock) -> None:
    with Outbox.open(path, OutboxPolicy(max_age_s=3600), clock) as outbox:
        old = [_add(outbox, "event"), _add(outbox)]
        clock.advance(3000)
        young = _add(outbox)
        clock.advance(1000)
        assert outbox.enforce_policy() == 2
        assert [e.seq for e in _all(outbox)] == [young]
        assert outbox.stats().dropped_total == {
            "snapshot": 0,
            "heartbeat": 1,
            "state": 0,
            "event": 1,
        }
        assert outbox.stats().oldest_pending_ms == clock.now_ms - 1_000_000
        assert not set(old) & set(_stored_seqs(outbox))


def test_in_flight_records_are_never_dropped(path: Path, clock: Clock) -> None:
    with Outbox.open(path, OutboxPolicy(max_records=5, low_water=0.2), clock) as outbox:
        seqs = [_add(outbox) for _ in range(6)]
        outbox.mark_inflight(seqs[0])
        assert outbox.enforce_policy() == 5
        outbox.requeue_inflight()
        assert [e.seq for e in _all(outbox)] == [seqs[0]]


def test_a_full_disk_raises_outbox_full_then_recovers(path: Path, clock: Clock) -> None:
    with Outbox.open(path, OutboxPolicy(), clock) as outbox:
        first = _add(outbox)
        pages = outbox._conn.execute("PRAGMA page_count").fetchone()[0]
        outbox._conn.execute(f"PRAGMA max_page_count = {pages + 4}")
        big = os.urandom(3000)
        stored = [first]
        with pytest.raises(OutboxFull):
            for _ in range(50):
                stored.append(outbox.append("event", "t", lambda s, c: big))
        stats = outbox.stats()
        assert stats.last_error is not None and "disk full" in stats.last_error
        assert stats.errors_since_open == 1 and stats.depth == len(stored)
        outbox.mark_acked(first)  # acks still work on a full disk
        assert outbox.stats().depth == len(stored) - 1
        outbox._conn.execute("PRAGMA max_page_count = 1000000")
        assert _add(outbox) == stored[-1] + 1  # the failed append took no number
        assert outbox._conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
    with Outbox.open(path, OutboxPolicy(), clock) as outbox:
        assert outbox.stats().depth == len(stored)
        assert outbox.stats().last_error is None


def test_a_file_that_is_not_a_database_is_moved_aside(path: Path, clock: Clock) -> None:
    path.write_bytes(os.urandom(8192))
    with Outbox.open(path, OutboxPolicy(), clock) as outbox:
        stats = outbox.stats()
        assert stats.last_error is not None and "corrupt" in stats.last_error
        assert stats.corrupt_recoveries == 1 and stats.last_error_ms == clock.now_ms
        # Unknown past numbers: continue past the clock in ms, as agent.session does.
        assert _add(outbox) == clock.now_ms
    assert (path.parent / f"{path.name}.corrupt-{clock.now_ms}").exists()
    with Outbox.open(path, OutboxPolicy(), clock) as outbox:
        assert outbox.stats().corrupt_recoveries == 1 and outbox.stats().last_error is None


def test_a_damaged_page_is_caught_by_quick_check(path: Path, clock: Clock) -> None:
    with Outbox.open(path, OutboxPolicy(), clock) as outbox:
        for _ in range(60):
            outbox.append("heartbeat", "t", lambda s, c: b"y" * 500)
    with path.open("r+b") as f:  # closed cleanly: everything is in the main file now
        f.seek(4096 * 3)
        f.write(os.urandom(4096))
    clock.advance(1)
    with Outbox.open(path, OutboxPolicy(), clock) as outbox:
        stats = outbox.stats()
        assert stats.last_error is not None and "corrupt" in stats.last_error
        assert stats.depth == 0
        assert _add(outbox) >= 61  # never back
    assert list(path.parent.glob("outbox.db.corrupt-*"))


def test_a_torn_last_commit_is_skipped(path: Path, clock: Clock, tmp_path: Path) -> None:
    crashed = tmp_path / "crashed" / "outbox.db"
    crashed.parent.mkdir()
    with Outbox.open(path, OutboxPolicy(), clock) as outbox:
        seqs = [_add(outbox) for _ in range(5)]
        # Copy the files while open, as a power cut would leave them: the WAL holds
        # every commit. Then tear the last commit's final frame.
        shutil.copyfile(path, crashed)
        shutil.copyfile(f"{path}-wal", f"{crashed}-wal")
    with open(f"{crashed}-wal", "r+b") as wal:
        wal.truncate(os.path.getsize(f"{crashed}-wal") - 100)
    with Outbox.open(crashed, OutboxPolicy(), clock) as outbox:
        assert sorted(e.seq for e in _all(outbox)) == seqs[:-1]
        assert outbox.stats().last_error is None
        # The torn record was never returned by append, so never published: its
        # number is free again.
        assert _add(outbox) == seqs[-1]


def test_an_unopenable_path_raises_instead_of_moving_anything(tmp_path: Path) -> None:
    path = tmp_path / "queue"
    path.mkdir()
    with pytest.raises(OutboxError):
        Outbox.open(path, OutboxPolicy())
    assert path.is_dir() and not list(tmp_path.glob("queue.corrupt-*"))


_WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from xaso.agent.outbox import Outbox
    outbox = Outbox.open(Path(sys.argv[1]))
    while True:
        seq = outbox.append("event", "t", lambda seq, ts: b"%d" % seq)
        sys.stdout.write(f"{seq}\\n")
        sys.stdout.flush()
    """
)


def test_kill_9_mid_stream_loses_no_committed_record(path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(path)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    printed = []
    try:
        for line in proc.stdout:
            printed.append(int(line))
            if len(printed) == 300:
                proc.send_signal(signal.SIGKILL)
                break
    finally:
        proc.kill()
        printed += [int(line) for line in proc.stdout.read().split()]
        proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    with Outbox.open(path) as outbox:
        assert outbox.stats().last_error is None
        entries = sorted(_all(outbox))
        seqs = [e.seq for e in entries]
        assert set(printed) <= set(seqs)
        # Strictly increasing without a hole: at most the unprinted last one is extra.
        assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))
        assert len(seqs) - len(printed) in (0, 1)
        assert all(e.payload == str(e.seq).encode() for e in entries)
        assert outbox.append("event", "t", _payload) == seqs[-1] + 1


def test_acks_from_another_thread_while_appending(path: Path) -> None:
    acks: queue.Queue[int | None] = queue.Queue()
    with Outbox.open(path) as outbox:

        def network_thread() -> None:  # stands in for paho's
            while (seq := acks.get()) is not None:
                outbox.mark_acked(seq)

        thread = threading.Thread(target=network_thread, name="fake-paho")
        thread.start()
        try:
            for _ in range(300):
                for entry in outbox.next_batch(5):
                    outbox.mark_inflight(entry.seq)
                    acks.put(entry.seq)
                _add(outbox)
        finally:
            acks.put(None)
            thread.join(timeout=10)
        for entry in outbox.next_batch(100):
            outbox.mark_acked(entry.seq)
        stats = outbox.stats()
        assert (stats.depth, stats.inflight, stats.records) == (0, 0, 300)
        assert stats.errors_since_open == 0


def test_policy_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        OutboxPolicy(low_water=0)
    with pytest.raises(ValueError):
        OutboxPolicy(max_records=0)


def test_a_late_ack_after_close_is_ignored(path: Path, clock: Clock) -> None:
    outbox = Outbox.open(path, OutboxPolicy(), clock)
    seq = _add(outbox)
    outbox.close()
    outbox.mark_acked(seq)  # paho's thread, during shutdown
    assert outbox.stats().errors_since_open == 0
    with Outbox.open(path, OutboxPolicy(), clock) as outbox:
        assert [e.seq for e in _all(outbox)] == [seq]  # sent again next time


def test_every_policy_setting_is_documented() -> None:
    doc = (REPO / "docs/agent-queue.md").read_text(encoding="utf-8")
    for name in OutboxPolicy.__struct_fields__:
        assert f"| `{name}` |" in doc, name
