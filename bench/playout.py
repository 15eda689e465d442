"""What the gateway's playout costs per tick (5 ticks a second), measured.

A busy commune: 15 clusters, 3 hourly and 10 daily schedules, a set listing a week back
and nine days ahead (as the server expands it), a week of occurrences already played.
Measures the pure planner on a tick right after a new set (it looks at the whole
window) and on a steady tick (only the starts since the previous tick), then whole
``Playout.tick()`` calls of the real scheduler with its ledger on disk.

    .venv/bin/python bench/playout.py [--ticks 200]

Output: ``plan_new_set_ms=… plan_steady_ms=… tick_ms=… playout_cpu_pct_at_5hz=…``
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from xaso.agent.content_cache import ContentCache
from xaso.agent.playout import Playout, PlayoutConfig
from xaso.agent.playout.config import SimulatedPlayer
from xaso.agent.playout.plan import READY, Rules, State, Timetable, plan
from xaso.testbed.schedule_sets import item, schedule_set

HOUR_MS = 3_600_000
CLUSTERS = [f"rc-{i:02d}" for i in range(15)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ticks", type=int, default=200)
    ticks = parser.parse_args().ticks
    now_ms = time.time_ns() // 1_000_000
    first_ms = now_ms - 8 * 24 * HOUR_MS
    items = [
        item(f"hourly-{j}", [first_ms + k * HOUR_MS + j * 60_000 for k in range(17 * 24)],
             clusters=CLUSTERS, duration_s=300)
        for j in range(3)
    ] + [
        item(f"daily-{j}", [first_ms + k * 24 * HOUR_MS + j * HOUR_MS for k in range(17)],
             clusters=CLUSTERS, duration_s=900)
        for j in range(10)
    ]  # fmt: skip
    schedule = schedule_set(*items, ts_ms=first_ms)
    timetable = Timetable(schedule)
    # Everything of the past week is played, except the last hour (still open).
    done = {
        (o.cluster, o.schedule, o.start_ms)
        for o in timetable.between(now_ms - 7 * 24 * HOUR_MS, now_ms - HOUR_MS)
    }
    readiness = {i.id: READY for i in items}
    rules = Rules(late_start_ms=600_000, content_wait_ms=60_000)
    figures = {}
    for name, since_ms in (("plan_new_set_ms", None), ("plan_steady_ms", now_ms - 200)):
        started = time.perf_counter()
        for _ in range(ticks):
            plan(timetable, State({}, done), readiness, now_ms, rules, since_ms=since_ms)
        figures[name] = (time.perf_counter() - started) / ticks * 1000

    with tempfile.TemporaryDirectory() as folder:
        state_dir = Path(folder)
        playout = Playout(
            PlayoutConfig(simulated=SimulatedPlayer()),
            state_dir,
            ContentCache(state_dir / "content", None, None),
            lambda event: None,
            agent_id="bench",
            clock_ms=lambda: time.time_ns() // 1_000_000,
        )
        # The set arrives on a fresh gateway: the first ticks log the missed hour and
        # start what is due; the rest are steady.
        playout.offer(schedule)
        playout.tick()
        started_cpu = time.process_time()
        for _ in range(ticks):
            playout.tick()
        tick_ms = (time.process_time() - started_cpu) / ticks * 1000
        playout.cut_power()
    figures["tick_ms"] = tick_ms
    figures["playout_cpu_pct_at_5hz"] = tick_ms * 5 / 10
    print(" ".join(f"{k}={v:.3f}" for k, v in figures.items()))


if __name__ == "__main__":
    main()
