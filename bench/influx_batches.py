"""What a heartbeat costs ``influxd``, by the size of the writes and how many are in
flight: the shape the server's writer should give its batches.

The lines are the server's own: ``bench/load.py``'s documented heartbeat (a gateway and
15 devices with their ``radio``, ``camera`` or ``nvr`` sections) for 1,000 agents, taken
in by the real ``Ingest`` and encoded by ``server/store/line_protocol.py``. They are
written to an ``influxd`` started on a free port in a temporary folder, gzipped as the
store sends them, in batches of ``--batches`` heartbeats' lines with ``--concurrency``
writes in flight, each combination on a database of its own. For each it prints the
heartbeats written per second and ``influxd``'s CPU per heartbeat (user + system, from
/proc): the part of the machine a store's writes take, whatever the writer does.

    .venv/bin/python bench/influx_batches.py [--heartbeats 20000]

Output, one line per combination::

    heartbeats_per_batch=25 concurrency=1 lines_per_batch=420 heartbeats_per_s=...
      influxd_cpu_us_per_heartbeat=... influxd_cpu_us_per_point=...
"""

from __future__ import annotations

import argparse
import concurrent.futures
import gzip
import logging
import random
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
for path in (REPO, REPO / "bench"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from load import ReadingModel, heartbeat_payload, make_fleet, write_inventory  # noqa: E402
from sustained import tree_cpu_s  # noqa: E402

from xaso.inventory import load_inventory  # noqa: E402
from xaso.protocol import heartbeat_topic  # noqa: E402
from xaso.server.monitoring.fleet_state import FleetState  # noqa: E402
from xaso.server.monitoring.ingest import Ingest  # noqa: E402
from xaso.server.monitoring.metrics import Metrics  # noqa: E402
from xaso.server.store.line_protocol import line_of  # noqa: E402
from xaso.testbed.influxdb import running_influxd  # noqa: E402

BASE_MS = 1_800_000_000_000
GZIP_LEVEL = 1  # as server/store/influx.py


def heartbeat_lines(count: int, agents: int = 1000) -> list[list[str]]:
    """Each heartbeat's lines, as the server writes them."""
    fleet = make_fleet(agents, 15)
    with tempfile.TemporaryDirectory() as folder:
        index = load_inventory(write_inventory(fleet, Path(folder))).index()
    state = FleetState(index, 0)
    state.link_up(0)
    ingest = Ingest(state, Metrics())
    rng = random.Random(1)
    models = {a: ReadingModel(fleet.devices_of[a], rng) for a in fleet.agents}
    beats = []
    # The load's device times (session + seq ms) are far from the clock: ingest restamps
    # them at the server's time, as it should, and would say so for every heartbeat.
    logging.disable(logging.WARNING)
    for i in range(count):
        agent = fleet.agents[i % agents]
        seq = i // agents + 1
        raw = heartbeat_payload(agent, 1, seq, models[agent])
        records = ingest.handle(heartbeat_topic(agent), raw, BASE_MS + i).records
        beats.append([line_of(record) for record in records])
    logging.disable(logging.NOTSET)
    return beats


def write(url: str, database: str, lines: list[str]) -> None:
    body = gzip.compress("\n".join(lines).encode(), GZIP_LEVEL)
    query = urllib.parse.urlencode({"db": database, "precision": "ms"})
    request = urllib.request.Request(
        f"{url}/write?{query}", data=body, headers={"Content-Encoding": "gzip"}
    )
    with urllib.request.urlopen(request, timeout=120) as answer:
        answer.read()


def create_database(url: str, name: str) -> None:
    query = urllib.parse.urlencode({"q": f'CREATE DATABASE "{name}"'})
    with urllib.request.urlopen(urllib.request.Request(f"{url}/query?{query}", method="POST")):
        pass


def run(url: str, pid: int, beats: list[list[str]], per_batch: int, concurrency: int) -> str:
    database = f"b{per_batch}c{concurrency}"
    create_database(url, database)
    batches = [
        [line for beat in beats[i : i + per_batch] for line in beat]
        for i in range(0, len(beats), per_batch)
    ]
    cpu0, started = tree_cpu_s([pid]), time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
        for done in pool.map(lambda batch: write(url, database, batch), batches):
            del done
    wall_s, cpu_s = time.monotonic() - started, tree_cpu_s([pid]) - cpu0
    points = sum(len(beat) for beat in beats)
    return (
        f"heartbeats_per_batch={per_batch} concurrency={concurrency} "
        f"lines_per_batch={points // len(batches)} heartbeats_per_s={len(beats) / wall_s:.0f} "
        f"influxd_cpu_us_per_heartbeat={1e6 * cpu_s / len(beats):.0f} "
        f"influxd_cpu_us_per_point={1e6 * cpu_s / points:.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--heartbeats", type=int, default=20_000)
    args = parser.parse_args()
    beats = heartbeat_lines(args.heartbeats)
    with (
        tempfile.TemporaryDirectory(prefix="xaso-bench-") as tmp,
        running_influxd(Path(tmp)) as influx,
    ):
        assert influx.pid is not None
        for per_batch, concurrency in [
            (1, 4),
            (25, 1),
            (25, 4),
            (100, 1),
            (100, 4),
            (300, 1),
            (300, 2),
            (300, 4),
            (1200, 1),
            (1200, 2),
        ]:
            print(run(influx.url, influx.pid, beats, per_batch, concurrency), flush=True)


if __name__ == "__main__":
    main()
