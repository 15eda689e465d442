"""What an InfluxDB line costs the server per record, on this machine.

Encodes the store records of realistic heartbeats (gateways of ``--devices`` radio
clusters each, as bench/ingest.py sends them, with the health extras a gateway reports)
with server/store/line_protocol.py, and beside it, in the same run, with the encoder it
replaced: a ``Point`` per record and ``Point.to_line_protocol()``
(xaso/testbed/point_lines.py). Checks the two agree on every line first.

    .venv/bin/python bench/line_protocol.py [--devices 15] [--heartbeats 20000]

Output: ``point_us_per_record=… direct_us_per_record=… ratio=…`` and the same per
heartbeat.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from xaso.server.records import AgentHealthRecord, DeviceReadingRecord, Record
from xaso.server.store.line_protocol import line_of
from xaso.testbed.point_lines import point_line

AGENTS = 100


def _heartbeat(i: int, devices: int) -> list[Record]:
    """The records ingest makes of one heartbeat: the gateway's health and a reading per
    device, one in eleven unreachable."""
    agent, commune, ts_ms = f"gw{i % AGENTS}", f"c{i % AGENTS}", 1_800_000_000_000 + i * 30_000
    seq = i // AGENTS + 1
    health = AgentHealthRecord(
        agent_id=agent,
        commune=commune,
        ts_ms=ts_ms,
        seq=seq,
        session=1,
        uptime_s=1000.0 + i,
        load1=0.2,
        mem_used_pct=40.0,
        disk_free_pct=60.0,
        temp_c=50.0,
        detail={"clock_offset_ms": -3.0, "ntp_synced": True, "bearer": "4g", "rssi_dbm": -71.0},
    )
    readings = [
        DeviceReadingRecord(
            device_id=f"{agent}-rc{d}",
            agent_id=agent,
            commune=commune,
            kind="radio_cluster",
            ts_ms=ts_ms,
            seq=seq,
            reachable=(i + d) % 11 != 0,
            rtt_ms=20.5 if (i + d) % 11 else None,
            error=None if (i + d) % 11 else "timeout",
        )
        for d in range(devices)
    ]
    return [health, *readings]


def _cpu_s(encode: Callable[[Record], str], records: list[Record]) -> float:
    """The least CPU time of three passes over ``records``."""
    best = float("inf")
    for _ in range(3):
        started = time.process_time()
        for record in records:
            encode(record)
        best = min(best, time.process_time() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=15, help="devices per heartbeat")
    parser.add_argument("--heartbeats", type=int, default=20_000)
    args = parser.parse_args()
    records = [r for i in range(args.heartbeats) for r in _heartbeat(i, args.devices)]
    mismatched = sum(line_of(r) != point_line(r) for r in records)
    if mismatched:
        raise SystemExit(f"{mismatched} of {len(records)} lines differ from the Point's")

    point_s = _cpu_s(point_line, records)
    direct_s = _cpu_s(line_of, records)
    n, beats = len(records), args.heartbeats
    print(
        f"devices_per_heartbeat={args.devices} heartbeats={beats} records={n} "
        f"point_us_per_record={point_s / n * 1e6:.2f} "
        f"direct_us_per_record={direct_s / n * 1e6:.2f} "
        f"point_us_per_heartbeat={point_s / beats * 1e6:.1f} "
        f"direct_us_per_heartbeat={direct_s / beats * 1e6:.1f} "
        f"ratio={point_s / direct_s:.2f}"
    )


if __name__ == "__main__":
    main()
