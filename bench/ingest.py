"""How much CPU the server's ingest path costs per heartbeat, on this machine.

Runs the real path a heartbeat takes on the event loop (decode and validate with the
wire contract, check ownership, update the live state, build the store records) with no
I/O, and prints it beside a baseline measured in the same run: plain ``json.loads`` of
the same bytes, the least any Python ingest could do.

    .venv/bin/python bench/ingest.py [--devices 15] [--messages 20000]

Output: ``ingest_us_per_heartbeat=… json_loads_us=… ratio_vs_json_loads=…
heartbeats_per_s_per_core=…``.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from xaso.inventory import load_inventory
from xaso.protocol import (
    SCHEMA_VERSION,
    AgentHealth,
    DeviceReading,
    Heartbeat,
    encode,
    heartbeat_topic,
)
from xaso.server.monitoring.fleet_state import FleetState
from xaso.server.monitoring.ingest import Ingest
from xaso.server.monitoring.metrics import Metrics

AGENTS = 100


def _inventory(folder: Path, devices: int) -> Path:
    lines = [
        "schema: 1",
        "name: bench",
        "levels: [province, commune, village]",
        "areas: [{code: p, name: P, level: province}]",
        "communes:",
    ]
    for a in range(AGENTS):
        lines += [
            f"  - code: c{a}",
            f"    name: Xã {a}",
            "    kind: xa",
            "    parents: [{area: p}]",
            f"    villages: [{{code: c{a}.v, name: Thôn}}]",
            "    agents:",
            f"      - id: gw{a}",
            f"        name: GW {a}",
            "        kind: radio_gateway",
            "        devices:",
        ]
        lines += [
            f"          - {{id: gw{a}-rc{d}, name: C, type: radio_cluster, village: c{a}.v}}"
            for d in range(devices)
        ]
    path = folder / "inventory.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _payloads(count: int, devices: int) -> list[tuple[str, bytes]]:
    out = []
    for i in range(count):
        agent = f"gw{i % AGENTS}"
        beat = Heartbeat(
            v=SCHEMA_VERSION,
            agent=agent,
            session=1,
            seq=i // AGENTS + 1,
            ts_ms=1_800_000_000_000 + i,
            interval_s=30.0,
            health=AgentHealth(
                uptime_s=1000.0 + i, load1=0.2, mem_used_pct=40.0, disk_free_pct=60.0, temp_c=50.0
            ),
            devices=[
                DeviceReading(
                    id=f"{agent}-rc{d}",
                    reachable=(i + d) % 11 != 0,
                    rtt_ms=20.5 if (i + d) % 11 else None,
                    error=None if (i + d) % 11 else "timeout",
                )
                for d in range(devices)
            ],
        )
        out.append((heartbeat_topic(agent), encode(beat)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=15, help="devices per heartbeat")
    parser.add_argument("--messages", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        index = load_inventory(_inventory(Path(folder), args.devices)).index()
    payloads = _payloads(args.messages, args.devices)

    started = time.process_time()
    for _, raw in payloads:
        json.loads(raw)
    baseline_s = time.process_time() - started

    state = FleetState(index, 0)
    state.link_up(0)
    ingest = Ingest(state, Metrics())
    started = time.process_time()
    records = 0
    for i, (topic, raw) in enumerate(payloads):
        records += len(ingest.handle(topic, raw, 1_800_000_000_000 + i).records)
    ingest_s = time.process_time() - started

    n = len(payloads)
    print(
        f"devices_per_heartbeat={args.devices} heartbeats={n} records={records} "
        f"ingest_us_per_heartbeat={ingest_s / n * 1e6:.1f} "
        f"json_loads_us={baseline_s / n * 1e6:.1f} "
        f"ratio_vs_json_loads={ingest_s / baseline_s:.2f} "
        f"heartbeats_per_s_per_core={n / ingest_s:.0f}"
    )


if __name__ == "__main__":
    main()
