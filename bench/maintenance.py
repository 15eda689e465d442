"""How long maintenance-window evaluation takes: 1,000 recurring windows, one device,
30 days, first query and the same range again (served from the per-rule cache).

    .venv/bin/python bench/maintenance.py

Output: ``windows=1000 first_query_ms=… repeat_query_ms=… ratio_repeat_vs_first=…``
"""

from __future__ import annotations

import datetime as dt
import time

from xaso.inventory import DeviceEntry
from xaso.server.monitoring.maintenance import MaintenanceWindow, windows_for

RULES = ["FREQ=DAILY", "FREQ=WEEKLY;BYDAY=SU,WE", "FREQ=MONTHLY;BYDAY=1MO", None]


def main() -> None:
    device = DeviceEntry(
        id="cam-1",
        name="Camera",
        kind="camera",
        commune="xuan-hong",
        agent_id="gw",
        village=None,
        location=None,
        planned=False,
        heartbeat_interval_s=30.0,
        offline_after_s=90.0,
    )
    windows = [
        MaintenanceWindow(
            id=f"w{i}",
            scope="commune",
            target="xuan-hong",
            start=dt.datetime(2023, 1, 1) + dt.timedelta(minutes=37 * i),
            duration_s=1800,
            rrule=RULES[i % len(RULES)],
        )
        for i in range(1000)
    ]
    start = int(dt.datetime(2025, 6, 1, tzinfo=dt.UTC).timestamp() * 1000)
    end = int(dt.datetime(2025, 7, 1, tzinfo=dt.UTC).timestamp() * 1000)
    began = time.perf_counter()
    windows_for(device, windows, start, end)
    first_s = time.perf_counter() - began
    began = time.perf_counter()
    windows_for(device, windows, start, end)
    repeat_s = time.perf_counter() - began
    print(
        f"windows={len(windows)} first_query_ms={first_s * 1000:.0f} "
        f"repeat_query_ms={repeat_s * 1000:.1f} ratio_repeat_vs_first={repeat_s / first_s:.3f}"
    )


if __name__ == "__main__":
    main()
