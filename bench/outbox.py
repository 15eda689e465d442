"""What the agent's durable queue costs on this machine: run it on the gateway too.

Measures, in a temporary folder on the file system of ``--dir``:

- append with the shipped durability (synchronous=FULL, one WAL fsync per record), and
  with NORMAL for comparison: records/s, wall and CPU per record;
- draining a day offline (2,880 records by default): next_batch, mark_inflight and
  mark_acked for each, as the publisher will;
- stored bytes per record (database + WAL) beside the payload size;
- enforce_policy on a full queue: the cheap no-op and the thinning pass.

    .venv/bin/python bench/outbox.py [--payload 3000] [--records 2880] [--dir /var/lib/xaso]
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from xaso.agent.outbox import Outbox, OutboxPolicy

TOPIC = "xaso/v1/agents/gw-0001/heartbeat"


def _timed(fn: Callable[[], object], n: int) -> tuple[float, float]:
    """(wall µs, CPU µs) per item."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return (
        (time.perf_counter() - wall) / n * 1e6,
        (time.process_time() - cpu) / n * 1e6,
    )


def _append(outbox: Outbox, n: int, payload: bytes) -> None:
    for _ in range(n):
        outbox.append("heartbeat", TOPIC, lambda seq, ts: payload)


def _drain(outbox: Outbox) -> int:
    sent = 0
    while batch := outbox.next_batch(100):
        for entry in batch:
            outbox.mark_inflight(entry.seq)
        for entry in batch:  # paho's thread would do this as PUBACKs arrive
            outbox.mark_acked(entry.seq)
        sent += len(batch)
    return sent


def _disk_bytes(path: Path) -> int:
    return sum(os.path.getsize(p) for p in (path, Path(f"{path}-wal")) if p.exists())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--payload", type=int, default=3000, help="bytes per record")
    parser.add_argument("--records", type=int, default=2880, help="a day at 30 s")
    parser.add_argument("--full-queue", type=int, default=100_000, help="for enforce_policy")
    parser.add_argument("--dir", default=None, help="where the queue lives (default: tmp)")
    args = parser.parse_args()
    payload = b"x" * args.payload
    n = args.records

    with tempfile.TemporaryDirectory(dir=args.dir) as folder:
        path = Path(folder) / "outbox.db"
        with Outbox.open(path) as outbox:
            wall, cpu = _timed(lambda: _append(outbox, n, payload), n)
            print(f"append_full: {1e6 / wall:.0f} records/s, {wall:.0f} µs wall, {cpu:.0f} µs CPU")
            wall, cpu = _timed(lambda: _drain(outbox), n)
            print(f"drain: {1e6 / wall:.0f} records/s, {wall:.0f} µs wall, {cpu:.0f} µs CPU")
        print(f"disk: {_disk_bytes(path) / n:.0f} B/record for {args.payload} B payloads")

        path = Path(folder) / "normal.db"
        with Outbox.open(path) as outbox:
            outbox._conn.execute("PRAGMA synchronous = NORMAL")  # comparison only
            wall, cpu = _timed(lambda: _append(outbox, n, payload), n)
            print(f"append_normal: {1e6 / wall:.0f} records/s, {wall:.0f} µs, {cpu:.0f} µs CPU")

        # A full queue of small heartbeats, filled quickly (no fsync), then over by one.
        path = Path(folder) / "full.db"
        size = args.full_queue
        policy = OutboxPolicy(max_records=size)
        clock = iter(range(1_750_000_000_000, 2**62, 10_000))  # 10 s apart: all young
        with Outbox.open(path, policy, lambda: next(clock)) as outbox:
            outbox._conn.execute("PRAGMA synchronous = OFF")
            _append(outbox, size, payload[:300])
            wall, cpu = _timed(outbox.enforce_policy, 1)
            print(f"enforce_noop at {size}: {wall / 1000:.2f} ms wall, {cpu / 1000:.2f} ms CPU")
            _append(outbox, 1, payload[:300])
            wall, cpu = _timed(lambda: print(f"  dropped {outbox.enforce_policy()}"), 1)
            print(f"enforce_thin at {size}: {wall / 1000:.0f} ms wall, {cpu / 1000:.0f} ms CPU")
        wall, cpu = _timed(lambda: Outbox.open(path, policy).close(), 1)
        print(f"open (quick_check) {_disk_bytes(path) / 2**20:.0f} MiB: {wall / 1000:.0f} ms")
        print(f"sqlite {sqlite3.sqlite_version}")


if __name__ == "__main__":
    main()
