"""The gateway's own health, read from /proc and /sys without extra dependencies.

Each reading is optional: a field the platform does not expose is None, never a guess.
"""

from __future__ import annotations

import glob
import os
import shutil

from xaso.protocol import AgentHealth


def _uptime_s() -> float | None:
    try:
        with open("/proc/uptime", encoding="ascii") as f:
            return float(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _load1() -> float | None:
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def _mem_used_pct() -> float | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            fields = {line.split(":")[0]: int(line.split()[1]) for line in f if ":" in line}
        total, available = fields["MemTotal"], fields["MemAvailable"]
    except (OSError, ValueError, KeyError, IndexError):
        return None
    return round(100.0 * (total - available) / total, 1) if total else None


def _disk_free_pct(path: str) -> float | None:
    try:
        usage = shutil.disk_usage(path)
    except OSError:
        return None
    return round(100.0 * usage.free / usage.total, 1) if usage.total else None


def _temp_c() -> float | None:
    # The hottest thermal zone is what matters on a fanless gateway in a hot cabinet.
    readings = []
    for zone in glob.glob("/sys/class/thermal/thermal_zone*/temp"):
        try:
            with open(zone, encoding="ascii") as f:
                readings.append(int(f.read().strip()) / 1000.0)
        except (OSError, ValueError):
            continue
    return max(readings) if readings else None


def read_health(disk_path: str = "/") -> AgentHealth:
    return AgentHealth(
        uptime_s=_uptime_s(),
        load1=_load1(),
        mem_used_pct=_mem_used_pct(),
        disk_free_pct=_disk_free_pct(disk_path),
        temp_c=_temp_c(),
    )
