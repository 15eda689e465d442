"""Memory of the live state engine per tracked device, and the cost of one sweep.

This counts the state's own objects in this process. What the real server keeps
resident per device (the inventory load's leftovers, the web app, the allocator) is
measured by bench/server_memory.py.

Builds a synthetic inventory in memory (no YAML: the msgspec structs of
``xaso.inventory`` directly), by default 20,000 gateways with 15 devices each (300,000
devices behind them; gateways are tracked too, in the same id space). Half are radio
gateways with loudspeaker clusters, half CCTV gateways with cameras. Then it creates
``FleetState`` and feeds each gateway one heartbeat, encoded as JSON and decoded with
``xaso.protocol.decode_heartbeat`` the way the server does, so each state holds what it
holds in production: its last reading (own strings, as decoded) and, for gateways, the
last health. Readings follow docs/protocol.md: RTT, camera model/firmware or radio
play state, about 2 % unreachable with an error text.

Memory is measured twice: ``tracemalloc`` (Python allocations, exact and allocator
neutral) and the process's resident set from /proc (what the machine pays, including
allocator overhead and fragmentation). Figures:

- ``index_bytes_per_device``: the inventory structs plus ``InventoryIndex`` (not part of
  the state engine, but the state refers to it and the server always holds it);
- ``state_initial_bytes_per_device``: ``FleetState`` right after creation (every
  device unknown, nothing heard yet);
- ``state_bytes_per_device``: ``FleetState`` after one heartbeat of every gateway, the
  figure the target (under 2 KB) is about; ``rss_bytes_per_device`` is the same delta in
  resident memory;
- ``sweep_ms``: one ``sweep()`` over everything with the broker link up and nothing
  timed out (the steady state, every second); ``sweep_all_down_ms``: the one sweep in
  which every gateway times out at once (a whole fleet falling silent).

"Per device" divides by every tracked id (devices and gateways: ``tracked=``).

    .venv/bin/python bench/state_memory.py [--agents 20000] [--devices-per-agent 15]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from xaso.inventory import (  # noqa: E402
    Agent,
    Area,
    Commune,
    Device,
    Inventory,
    InventoryIndex,
    Profile,
    Village,
)
from xaso.protocol import (  # noqa: E402
    SCHEMA_VERSION,
    AgentHealth,
    CameraStatus,
    DeviceReading,
    Heartbeat,
    RadioStatus,
    decode_heartbeat,
    encode,
)
from xaso.server.monitoring.fleet_state import FleetState  # noqa: E402

TARGET_BYTES = 2048
PAGE_SIZE = 4096


def rss_bytes() -> int:
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * PAGE_SIZE


def traced_bytes() -> int:
    gc.collect()
    return tracemalloc.get_traced_memory()[0]


# -- the synthetic fleet --------------------------------------------------------------


def agent_ids(agents: int) -> list[tuple[str, str, bool]]:
    """(commune code, agent id, is radio) for two gateways per commune."""
    out = []
    for a in range(agents):
        commune, radio = f"c{a // 2:05d}", a % 2 == 0
        out.append((commune, f"{commune}-{'radio' if radio else 'cctv'}-gw", radio))
    return out


def device_ids(agent_id: str, radio: bool, per_agent: int) -> list[str]:
    prefix = agent_id.rsplit("-", 2)[0] + ("-rc-" if radio else "-cam-")
    return [f"{prefix}{d:02d}" for d in range(1, per_agent + 1)]


def build_inventory(agents: int, per_agent: int) -> Inventory:
    communes: dict[str, list[Agent]] = {}
    for commune, agent_id, radio in agent_ids(agents):
        devices = [
            Device(
                id=device_id,
                name=f"{'Cụm loa' if radio else 'Camera'} {device_id}",
                type="radio_cluster" if radio else "camera",
                village=f"{commune}.t1" if radio else None,
                location=None if radio else f"{commune}.ubnd",
            )
            for device_id in device_ids(agent_id, radio, per_agent)
        ]
        communes.setdefault(commune, []).append(
            Agent(
                id=agent_id,
                name=f"Gateway {agent_id}",
                kind="radio_gateway" if radio else "cctv_gateway",
                devices=devices,
            )
        )
    return Inventory(
        schema=1,
        name="bench province",
        levels=["province", "commune", "village"],
        areas=[Area(code="prov", name="Tỉnh Bench", level="province")],
        communes=[
            Commune(
                code=code,
                name=f"Xã {code}",
                kind="xa",
                parents=[],
                villages=[Village(code=f"{code}.t1", name="Thôn 1")],
                agents=members,
            )
            for code, members in communes.items()
        ],
        profiles={"gateway": Profile(heartbeat_interval_s=30, offline_after_s=90)},
    )


def heartbeat_json(agent_id: str, devices: list[str], radio: bool, n: int, ts_ms: int) -> bytes:
    """One heartbeat as a real agent would send it (docs/protocol.md)."""
    readings = []
    for i, device_id in enumerate(devices):
        if (n * 31 + i) % 50 == 0:  # ~2 % down
            readings.append(DeviceReading(id=device_id, reachable=False, error="tcp 554: timeout"))
        elif radio:
            status = RadioStatus(
                play_state="playing" if i % 3 else "idle",
                source="schedule",
                volume=70,
                muted=False,
                relay_on=True,
                schedule_version=f"a{n % 4096:03x}f09",
            )
            readings.append(
                DeviceReading(id=device_id, reachable=True, rtt_ms=3.0 + i, radio=status)
            )
        else:
            status = CameraStatus(
                stream_ok=True, auth_ok=True, model="DS-2CD1023G0", firmware="V5.5.82"
            )
            readings.append(
                DeviceReading(id=device_id, reachable=True, rtt_ms=3.0 + i, camera=status)
            )
    health = AgentHealth(
        uptime_s=864210.5 + n,
        load1=0.21,
        mem_used_pct=38.5,
        disk_free_pct=62.5,
        temp_c=52.8,
        boot_reason="watchdog",
        clock_offset_ms=-12.5,
        ntp_synced=True,
        bearer="4g",
        rssi_dbm=-71,
        rsrp_dbm=-95,
        reconnects=3,
        queue_depth=0,
        queue_dropped=0,
    )
    beat = Heartbeat(
        v=SCHEMA_VERSION,
        agent=agent_id,
        session=1,
        seq=42,
        ts_ms=ts_ms,
        interval_s=30.0,
        health=health,
        devices=readings,
    )
    return encode(beat)


# -- the measurement ------------------------------------------------------------------


def build(
    agents: int, per_agent: int, payloads: list[bytes], now_ms: int, measure: Callable[[], int]
) -> tuple[InventoryIndex, FleetState, tuple[int, int, int], tuple[float, float]]:
    """Index, then state, then one heartbeat per gateway; ``measure()`` at each step.
    Returns the index, the state, the three deltas in bytes and the two build times."""
    before = measure()
    started = time.perf_counter()
    index = InventoryIndex(build_inventory(agents, per_agent))
    index_s = time.perf_counter() - started
    after_index = measure()
    state = FleetState(index, now_ms)
    after_state = measure()
    started = time.perf_counter()
    for payload in payloads:
        beat = decode_heartbeat(payload)
        state.apply_heartbeat(beat, beat.devices, now_ms + 10)  # transitions: dropped
    feed_s = time.perf_counter() - started
    del beat
    after_feed = measure()
    deltas = (after_index - before, after_state - after_index, after_feed - after_index)
    return index, state, deltas, (index_s, feed_s)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=20_000)
    parser.add_argument("--devices-per-agent", type=int, default=15)
    parser.add_argument("--sweeps", type=int, default=5, help="steady sweeps to time")
    args = parser.parse_args()

    # The heartbeats are encoded up front, outside the measured windows: they are what
    # the broker hands the server, not part of its state.
    now_ms = 1_795_857_264_056
    fleet = [(a, device_ids(a, r, args.devices_per_agent), r) for _, a, r in agent_ids(args.agents)]
    payloads = [heartbeat_json(a, d, r, n, now_ms) for n, (a, d, r) in enumerate(fleet)]
    del fleet

    # Round 1, untraced: resident memory (tracemalloc's own bookkeeping would inflate
    # it), build times and sweeps.
    gc.collect()
    index, state, rss, (index_s, feed_s) = build(
        args.agents, args.devices_per_agent, payloads, now_ms, rss_bytes
    )
    tracked = len(state.devices)
    devices = tracked - len(index.agents)
    assert all(
        s.last_reading is not None for s in state.devices.values() if s.entry.kind != "gateway"
    )
    print(
        f"agents={len(index.agents)} devices={devices} tracked={tracked} "
        f"index_build_s={index_s:.1f} feed_s={feed_s:.1f}",
        flush=True,
    )
    parts = breakdown(state)
    state.link_up(now_ms + 10)
    times = []
    for i in range(args.sweeps):
        started = time.perf_counter()
        assert not state.sweep(now_ms + 1000 + i)  # nothing has timed out
        times.append((time.perf_counter() - started) * 1000)
    started = time.perf_counter()
    downs = state.sweep(now_ms + 10_000_000)
    all_down_ms = (time.perf_counter() - started) * 1000
    n_downs = len(downs)
    del index, state, downs
    gc.collect()

    # Round 2, traced: the Python allocations themselves.
    tracemalloc.start()
    _, _, traced, _ = build(args.agents, args.devices_per_agent, payloads, now_ms, traced_bytes)
    tracemalloc.stop()

    state_bytes = traced[2] / tracked
    print(
        f"index_bytes_per_device={traced[0] / tracked:.0f} "
        f"index_rss_bytes_per_device={rss[0] / tracked:.0f}",
        flush=True,
    )
    print(
        f"state_initial_bytes_per_device={traced[1] / tracked:.0f} "
        f"state_bytes_per_device={state_bytes:.0f} "
        f"rss_bytes_per_device={rss[2] / tracked:.0f} "
        f"target_bytes={TARGET_BYTES} within_target={state_bytes < TARGET_BYTES}",
        flush=True,
    )
    print(
        f"sweep_ms={statistics.median(times):.1f} sweep_max_ms={max(times):.1f} "
        f"sweep_all_down_ms={all_down_ms:.0f} sweep_all_down_transitions={n_downs}",
        flush=True,
    )
    print("breakdown_bytes_per_device: " + " ".join(f"{k}={v:.0f}" for k, v in parts.items()))
    print(note(parts, state_bytes))


def breakdown(state: FleetState) -> dict[str, float]:
    """Bytes per tracked device by part (the objects each state alone refers to), so an
    over-target figure says where to cut. Shared objects (inventory entries, interned
    cause literals) are not counted."""
    states = list(state.devices.values())
    n = len(states)
    readings = [s.last_reading for s in states if s.last_reading is not None]
    health = [s.last_health for s in states if s.last_health is not None]
    return {
        "device_state": sys.getsizeof(states[0]),
        "dict_entry": sys.getsizeof(state.devices) / n,
        "last_reading": sum(deep_size(r) for r in readings) / n,
        "last_health": sum(deep_size(h) for h in health) / n,
        # "probe_failed: <error>" is built per device; the other causes are literals.
        "cause_strings": sum(sys.getsizeof(s.cause) for s in states if ":" in s.cause) / n,
    }


def note(parts: dict[str, float], state_bytes: float) -> str:
    top = max(parts, key=lambda k: parts[k])
    verdict = "within" if state_bytes < TARGET_BYTES else "OVER"
    text = f"note: {verdict} the {TARGET_BYTES}-byte target; {top} dominates ({parts[top]:.0f} B)."
    if state_bytes >= TARGET_BYTES or top == "last_reading":
        text += (
            " The last reading is kept whole (the device id again, error text, camera or"
            " radio struct with its strings) though the rules read only `reachable`;"
            " only the device detail view (server/web/views.py) shows the rest, which it"
            " could read from the store's latest reading on demand instead."
        )
    return text


def deep_size(obj: object) -> int:
    """Size of a msgspec struct with the strings and structs it refers to."""
    size = sys.getsizeof(obj)
    for name in getattr(obj, "__struct_fields__", ()):
        value = getattr(obj, name)
        if isinstance(value, str | bytes) or hasattr(value, "__struct_fields__"):
            size += (
                deep_size(value) if hasattr(value, "__struct_fields__") else sys.getsizeof(value)
            )
    return size


if __name__ == "__main__":
    main()
