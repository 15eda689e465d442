"""End-to-end ingest: the sustained zero-loss rate of the real server, on SQLite and on
InfluxDB, against the raw paho ceiling of the same run.

What it measures
----------------
The load (``bench/load.py``): 1,000 gateways (two per commune) of 15 devices each, a
15,000-device ``devices.yaml``, sending the documented heartbeat (docs/protocol.md:
full health, every device with its ``radio``, ``camera`` or ``nvr`` section, the
collectors; ~3.2 KB, 16 store records) at QoS 1 from ``--publishers`` processes, at a
fixed offered rate whatever the consumer does (open loop).

Each phase starts its own Mosquitto (and, for InfluxDB, its own ``influxd``) on free
loopback ports in a temporary folder (``xaso/testbed``):

1. ``paho-ceiling``: a plain paho subscriber in a process of its own (persistent session,
   QoS 1, manual ack, ``json.loads`` of every payload), the most a Python consumer gets
   out of Mosquitto and paho on this machine.
2. ``sqlite`` and ``influxdb``: the real server, ``python -m xaso server --inventory ...
   --mqtt ... --store ... --data-dir ... --listen ...`` as a subprocess (``--workers N``
   passed on when N > 1); its CPU and RSS are its process tree's, from /proc.

In a store phase a first ``warmup`` step (30 s at half the start rate) covers the
server's roll-up of the last quarter 10 s after its start. Then, in each phase,
``bench/sustained.py`` searches the sustained zero-loss rate by steps of
``--step-seconds`` (start at ``--start-rate``, up by half while a step holds, then
halving the interval), then runs ``--seconds`` (60 by default) at the rate found. A step
holds when the store keeps up (stored rate >= 0.98 x offered, the backlog not growing),
the publishers kept their schedule, and, after the drain, every published heartbeat
(``agent_health``) and every device reading (``device_reading``) is in the store once,
counted per agent and seq in the SQLite file or through InfluxDB's ``/query``. The store
phases then offer 2.5 x the sustained rate for ``--overload-seconds`` and measure the
stored rate over it and the server's peak RSS, then drain and check again.

Reading the output
------------------
``step`` and ``final`` lines as the search goes (``held=yes|no``), then one line per
phase::

    consumer=paho-ceiling sustained_per_s=6100 cpu_us_per_heartbeat=95 ...
    store=sqlite sustained_per_s=900 ratio_vs_ceiling=0.15 cpu_us_per_heartbeat=760
      lost=0 lost_readings=0 overload_offered_per_s=2250 overload_stored_per_s=300
      overload_peak_rss_mb=1010 overload_lost=0 overload_lost_readings=0 ...

- ``sustained_per_s``: the offered rate of the final run that held (heartbeats/s, each 16
  records). ``stored_per_s`` is what the store took over that run.
- ``ratio_vs_ceiling``: this store's sustained rate over the ceiling's, same run.
- ``cpu_us_per_heartbeat``: the consumer's CPU (its whole process tree) from the final
  run's start until its drain, per stored heartbeat. The machine's other processes
  (broker, influxd, publishers) are not in it.
- ``store_cpu_us_per_heartbeat``: ``influxd``'s CPU over the same time, per stored
  heartbeat (0 on SQLite, which runs inside the server); ``machine_busy_pct``: the
  share of all the machine's cores in use over it. Near 100, the machine was full: the
  consumer, the store, the broker and the publishers share it, and the rate says as
  much about the others' cost as about the consumer's.
- ``overload_*``: offered 2.5 x the sustained rate; ``overload_stored_per_s`` what was
  stored meanwhile (at the sustained rate when intake is bounded), ``overload_peak_rss_mb``
  the server's peak RSS, ``overload_lost`` what was missing after the drain (must be 0),
  ``overload_drain_s`` how long the backlog took to store after the load stopped.
- ``publishers_behind_s`` on a step: how far the load generator fell behind its schedule;
  a ``note`` line says when the generator, not the consumer, bounded a step.

Run (about 20 minutes; the figures need a quiet machine)::

    .venv/bin/python bench/end_to_end.py --store both

Small, to try it: ``--agents 100 --step-seconds 5 --seconds 10 --overload-seconds 10``.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import signal
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
for path in (REPO, REPO / "bench"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from load import Fleet, make_fleet, publish_births, write_inventory  # noqa: E402
from sustained import (  # noqa: E402
    Harness,
    InfluxView,
    PahoCeiling,
    SqliteView,
    Step,
    StoreConsumer,
    xaso_server,
)

from xaso.testbed.influxdb import running_influxd  # noqa: E402
from xaso.testbed.mosquitto import running_mosquitto  # noqa: E402

OVERLOAD = 2.5
# As deploy/mosquitto/xaso.conf: an overload queues hundreds of thousands of heartbeats
# in the broker, which the testbed's 1 s autosave would write out whole every second.
DEPLOYED_AUTOSAVE_S = 60
WARMUP_S = 30.0


@dataclass
class Phase:
    label: str
    final: Step
    overload: Step | None = None


def session_now() -> int:
    return int(time.time() * 1000)


def harness(
    fleet: Fleet, port: int, consumer: object, args: argparse.Namespace, session: int
) -> Harness:
    return Harness(fleet, port, session, args.publishers, consumer)  # type: ignore[arg-type]


def run_ceiling(fleet: Fleet, args: argparse.Namespace, folder: Path) -> Phase:
    with running_mosquitto(folder, DEPLOYED_AUTOSAVE_S) as broker:
        ceiling = PahoCeiling("127.0.0.1", broker.port)
        try:
            h = harness(fleet, broker.port, ceiling, args, session_now())
            final = h.search(args.ceiling_start_rate, args.step_seconds, args.seconds)
        finally:
            ceiling.close()
    return Phase(ceiling.label, final)


@contextlib.contextmanager
def store_url(store: str, folder: Path) -> Iterator[tuple[str, object]]:
    """The store's URL for the server and, for InfluxDB, its server (running)."""
    if store == "sqlite":
        yield f"sqlite:///{folder / 'ts.db'}", None
        return
    (folder / "influxdb").mkdir()
    with running_influxd(folder / "influxdb") as influx:
        yield f"influxdb://127.0.0.1:{influx.port}/bench", influx


def store_view(
    store: str, folder: Path, influx: object, fleet: Fleet, session: int
) -> SqliteView | InfluxView:
    """Where the bench counts and checks what the server stored."""
    if store == "sqlite":
        return SqliteView(folder / "ts.db", fleet, session)
    return InfluxView(influx.url, "bench", fleet, session)  # type: ignore[attr-defined]


def run_store(
    store: str, fleet: Fleet, inventory: Path, args: argparse.Namespace, folder: Path
) -> Phase:
    session = session_now()
    with (
        store_url(store, folder) as (url, influx),
        running_mosquitto(folder, DEPLOYED_AUTOSAVE_S) as broker,
        xaso_server(inventory, broker.url, url, folder, args.workers, args.write_lanes) as process,
    ):
        view = store_view(store, folder, influx, fleet, session)
        publish_births("127.0.0.1", broker.port, fleet.agents, session)
        consumer = StoreConsumer(store, process, view, getattr(influx, "pid", None))
        h = harness(fleet, broker.port, consumer, args, session)
        # The server rolls up the last quarter 10 s after its start (warm_rollups.py):
        # a step of its own for it, so that the search's first step does not fail on it.
        warmup = h.step(args.start_rate / 2, WARMUP_S)
        print(warmup.line("warmup"), flush=True)
        final = h.search(args.start_rate, args.step_seconds, args.seconds)
        sustained = final.offered if final.held else final.stored_rate
        overload = h.step(OVERLOAD * sustained, args.overload_seconds)
        print(overload.line("overload"), flush=True)
    return Phase(store, final, overload)


def summary(phase: Phase, fleet: Fleet, ceiling: Phase | None) -> str:
    final = phase.final
    sustained = final.offered if final.held else 0.0
    key = "consumer" if ceiling is None else "store"
    parts = [
        f"{key}={phase.label}",
        f"agents={len(fleet.agents)}",
        f"devices={fleet.device_count}",
        f"sustained_per_s={sustained:.0f}",
        f"stored_per_s={final.stored_rate:.0f}",
        f"seconds={final.seconds:.0f}",
        f"cpu_us_per_heartbeat={final.cpu_us_per_heartbeat:.0f}",
        f"store_cpu_us_per_heartbeat={final.store_cpu_us_per_heartbeat:.0f}",
        f"machine_busy_pct={final.machine_busy_pct:.0f}",
        f"lost={final.check.lost}",
        f"lost_readings={final.check.lost_readings}",
        f"extra={final.check.extra}",
        f"held={'yes' if final.held else 'no'}",
    ]
    if ceiling is not None:
        ceiling_rate = ceiling.final.offered if ceiling.final.held else 0.0
        ratio = sustained / ceiling_rate if ceiling_rate else float("nan")
        parts.append(f"ratio_vs_ceiling={ratio:.2f}")
    if not final.generator_kept_up:
        parts.append("generator_bound=yes")
    if phase.overload is not None:
        o = phase.overload
        parts += [
            f"overload_offered_per_s={o.offered:.0f}",
            f"overload_seconds={o.seconds:.0f}",
            f"overload_stored_per_s={o.stored_rate:.0f}",
            f"overload_peak_rss_mb={o.peak_rss / 2**20:.0f}",
            f"overload_lost={o.check.lost}",
            f"overload_lost_readings={o.check.lost_readings}",
            f"overload_drain_s={o.drain_s:.0f}",
        ]
    return " ".join(parts)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--store", choices=["sqlite", "influxdb", "both"], default="both")
    parser.add_argument("--agents", type=int, default=1000)
    parser.add_argument("--devices-per-agent", type=int, default=15)
    parser.add_argument(
        "--seconds", type=float, default=60.0, help="the final run at the rate found"
    )
    parser.add_argument("--step-seconds", type=float, default=20.0, help="each step of the search")
    parser.add_argument("--start-rate", type=float, default=400.0, help="heartbeats/s, first step")
    parser.add_argument("--ceiling-start-rate", type=float, default=2000.0)
    parser.add_argument("--overload-seconds", type=float, default=60.0)
    parser.add_argument("--publishers", type=int, default=2, help="load generator processes")
    parser.add_argument("--workers", type=int, default=1, help="xaso server's --ingest-workers")
    parser.add_argument(
        "--write-lanes", type=int, default=0, help="xaso server's --store-write-lanes (0: its own)"
    )
    parser.add_argument("--skip-ceiling", action="store_true")
    args = parser.parse_args(argv)
    if not 2 <= args.agents <= 100_000 or not 1 <= args.devices_per_agent <= 99:
        parser.error("--agents must be 2..100000 and --devices-per-agent 1..99")
    return args


def main(args: argparse.Namespace) -> None:
    stores = ["sqlite", "influxdb"] if args.store == "both" else [args.store]
    fleet = make_fleet(args.agents, args.devices_per_agent)
    with tempfile.TemporaryDirectory(prefix="xaso-bench-") as tmp:
        root = Path(tmp)
        inventory = write_inventory(fleet, root)
        ceiling = None
        if not args.skip_ceiling:
            (root / "ceiling").mkdir()
            ceiling = run_ceiling(fleet, args, root / "ceiling")
            print(summary(ceiling, fleet, None), flush=True)
        for store in stores:
            (root / store).mkdir()
            phase = run_store(store, fleet, inventory, args, root / store)
            print(summary(phase, fleet, ceiling or Phase("none", Step("none", 0, 0))), flush=True)


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # Ctrl-C and SIGTERM must stop every service and process started: run each finally.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        main(parse_args())
    except KeyboardInterrupt:
        print("interrupted; services stopped", file=sys.stderr)
        sys.exit(130)
