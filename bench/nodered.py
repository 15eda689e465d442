"""Side by side: the sustained zero-loss rate of Node-RED and of xaso, same load, same
Mosquitto, same InfluxDB 1.x.

What it measures
----------------
Node-RED (``node-red`` and ``node-red-contrib-influxdb``, installed from npm into a
temporary folder) runs ``bench/nodered-flow.json``: an MQTT-in node (QoS 1) on every
gateway's heartbeat topic, a function that flattens a heartbeat into the points xaso
writes for it (``agent_health`` with the gateway's health and collectors, one
``device_reading`` per device of the inventory under that gateway, with its section's
fields as ``d.*``; the inventory comes from ``functionGlobalContext``), and an
``influxdb batch`` node writing those points to InfluxDB in one request per heartbeat.
Then the real xaso server (``python -m xaso server ... --store influxdb://...``, a
subprocess) on the same broker and the same ``influxd``, in a database of its own.

Both are fed the same load (``bench/load.py``: by default 1,000 gateways of 15 devices,
the documented ~3.2 KB heartbeat, open loop from ``--publishers`` processes) and searched
the same way (``bench/sustained.py``: steps of ``--step-seconds``, then ``--seconds`` at
the rate found; a step holds when the store keeps up and every heartbeat and device
reading is in it once after the drain).

The flow differs from xaso where the tools do: Node-RED's MQTT node acknowledges a
message when it arrives, not once it is stored (a loss shows as ``lost``), and
node-red-contrib-influxdb writes every number as a float (xaso writes ``seq`` and the
other integers as integers).

Reading the output
------------------
``step`` and ``final`` lines as each search goes, then::

    consumer=node-red sustained_per_s=1250 cpu_us_per_heartbeat=380 ...
    consumer=xaso-influxdb sustained_per_s=... cpu_us_per_heartbeat=...
    ratio_xaso_vs_node_red=...

``cpu_us_per_heartbeat`` is each consumer's process tree's CPU per stored heartbeat in
its final run (influxd's is in neither); ``influxd_cpu_us_per_heartbeat`` is the
InfluxDB server's over the same time, and ``machine_busy_pct`` the share of all the
machine's cores in use: near 100, the machine, not the consumer, set the rate (both
consumers then meet the same ``influxd`` cost per heartbeat). ``same_fields=yes`` when
both databases hold the same field keys for both measurements.

Where npm cannot install the packages (no network, no npm), the bench says so and
exits 0 without a figure.

Run (about 15 minutes)::

    .venv/bin/python bench/nodered.py

Small, to try it: ``--agents 100 --step-seconds 5 --seconds 10``. ``--node-red-dir DIR``
installs into (or reuses) DIR instead of a temporary folder.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
for path in (REPO, REPO / "bench"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from load import Fleet, make_fleet, publish_births, write_inventory  # noqa: E402
from sustained import Harness, InfluxView, Step, StoreConsumer, stop_process, xaso_server  # noqa: E402

from xaso.testbed.influxdb import running_influxd  # noqa: E402
from xaso.testbed.mosquitto import running_mosquitto  # noqa: E402
from xaso.testbed.ports import free_port  # noqa: E402

FLOW = Path(__file__).resolve().parent / "nodered-flow.json"
MEASUREMENTS = ("agent_health", "device_reading")  # what a heartbeat becomes
PACKAGES = ["node-red", "node-red-contrib-influxdb"]
INSTALL_TIMEOUT_S = 600.0
START_TIMEOUT_S = 60.0


class Unavailable(Exception):
    """Node-RED cannot be installed or run here; the message says why."""


def install(folder: Path) -> Path:
    """``npm install`` the packages into ``folder`` (kept if already there); red.js."""
    red = folder / "node_modules" / "node-red" / "red.js"
    contrib = folder / "node_modules" / "node-red-contrib-influxdb"
    if red.exists() and contrib.exists():
        return red
    npm, node = shutil.which("npm"), shutil.which("node")
    if npm is None or node is None:
        raise Unavailable("npm and node are not installed (apt-get install npm)")
    command = [npm, "install", "--prefix", str(folder), "--no-audit", "--no-fund"]
    command += ["--loglevel=error", *PACKAGES]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise Unavailable("npm install timed out (is its registry reachable?)") from None
    if done.returncode != 0 or not red.exists():
        raise Unavailable(f"npm install failed (is its registry reachable?): {done.stderr[-800:]}")
    return red


def inventory_json(fleet: Fleet) -> dict[str, object]:
    """What the flow's function looks up: each agent's commune, each device's agent,
    commune and kind (the inventory's facts xaso takes from devices.yaml)."""
    devices = {
        device_id: {"agent": agent_id, "commune": fleet.commune_of(agent_id), "kind": kind}
        for agent_id, items in fleet.devices_of.items()
        for device_id, kind in items
    }
    return {"agents": {a: fleet.commune_of(a) for a in fleet.agents}, "devices": devices}


@contextlib.contextmanager
def running_node_red(
    red: Path, fleet: Fleet, folder: Path, mqtt_port: int, influx_port: int, database: str
) -> Iterator[subprocess.Popen[bytes]]:
    """Node-RED on the flow, its editor off, until its MQTT node is connected."""
    user_dir = folder / "node-red"
    user_dir.mkdir()
    shutil.copy(FLOW, user_dir / "flows.json")
    inventory = user_dir / "inventory.json"
    inventory.write_text(json.dumps(inventory_json(fleet)), encoding="utf-8")
    settings = user_dir / "settings.js"
    settings.write_text(
        "module.exports = {\n"
        f"  uiPort: {free_port()}, uiHost: '127.0.0.1',\n"
        f"  userDir: {json.dumps(str(user_dir))}, flowFile: 'flows.json',\n"
        "  httpAdminRoot: false, httpNodeRoot: false, credentialSecret: false,\n"
        "  logging: {console: {level: 'info', metrics: false, audit: false}},\n"
        f"  functionGlobalContext: {{xasoInventory: require({json.dumps(str(inventory))})}},\n"
        "};\n",
        encoding="utf-8",
    )
    env = {
        **os.environ,
        "XASO_BENCH_MQTT_PORT": str(mqtt_port),
        "XASO_BENCH_INFLUX_PORT": str(influx_port),
        "XASO_BENCH_INFLUX_DB": database,
    }
    log = folder / "node-red.log"
    node = shutil.which("node") or "node"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [node, str(red), "--settings", str(settings), "--userDir", str(user_dir)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while "Connected to broker" not in log.read_text(errors="replace"):
            if process.poll() is not None or time.monotonic() > deadline:
                raise Unavailable(
                    f"Node-RED did not start: {log.read_text(errors='replace')[-1500:]}"
                )
            time.sleep(0.2)
        yield process
    finally:
        stop_process(process)


def influx_query(url: str, q: str, database: str = "") -> dict[str, object]:
    params = urllib.parse.urlencode({"q": q, **({"db": database} if database else {})})
    request = urllib.request.Request(f"{url}/query", data=params.encode(), method="POST")
    with urllib.request.urlopen(request, timeout=30) as response:
        result: dict[str, object] = json.loads(response.read())
    return result


def field_keys(url: str, database: str) -> set[tuple[str, str]]:
    body = influx_query(url, "SHOW FIELD KEYS", database)
    keys = set()
    for series in body["results"][0].get("series", []):  # type: ignore[index]
        if series["name"] in MEASUREMENTS:  # xaso also writes status transitions
            keys |= {(series["name"], row[0]) for row in series["values"]}
    return keys


def line(label: str, step: Step) -> str:
    sustained = step.offered if step.held else 0.0
    return (
        f"consumer={label} sustained_per_s={sustained:.0f} stored_per_s={step.stored_rate:.0f} "
        f"seconds={step.seconds:.0f} cpu_us_per_heartbeat={step.cpu_us_per_heartbeat:.0f} "
        f"influxd_cpu_us_per_heartbeat={step.store_cpu_us_per_heartbeat:.0f} "
        f"machine_busy_pct={step.machine_busy_pct:.0f} "
        f"lost={step.check.lost} lost_readings={step.check.lost_readings} extra={step.check.extra}"
    )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--agents", type=int, default=1000)
    parser.add_argument("--devices-per-agent", type=int, default=15)
    parser.add_argument(
        "--seconds", type=float, default=60.0, help="the final run at the rate found"
    )
    parser.add_argument("--step-seconds", type=float, default=20.0, help="each step of the search")
    parser.add_argument("--node-red-start-rate", type=float, default=800.0)
    parser.add_argument("--xaso-start-rate", type=float, default=400.0)
    parser.add_argument("--publishers", type=int, default=2, help="load generator processes")
    parser.add_argument("--workers", type=int, default=1, help="xaso server's --ingest-workers")
    parser.add_argument(
        "--write-lanes", type=int, default=0, help="xaso server's --store-write-lanes (0: its own)"
    )
    parser.add_argument("--node-red-dir", type=Path, help="install Node-RED here (kept)")
    return parser.parse_args(argv)


def main(args: argparse.Namespace) -> int:
    fleet = make_fleet(args.agents, args.devices_per_agent)
    with tempfile.TemporaryDirectory(prefix="xaso-nodered-") as tmp:
        root = Path(tmp)
        try:
            red = install(args.node_red_dir or root / "npm")
        except Unavailable as exc:
            print(f"skipped: Node-RED not available: {exc}", flush=True)
            return 0
        inventory = write_inventory(fleet, root)
        (root / "influxdb").mkdir()
        with running_influxd(root / "influxdb") as influx, running_mosquitto(root) as broker:
            influx_query(influx.url, "CREATE DATABASE nodered")
            session = int(time.time() * 1000)
            with running_node_red(red, fleet, root, broker.port, influx.port, "nodered") as nr:
                view = InfluxView(influx.url, "nodered", fleet, session)
                consumer = StoreConsumer("node-red", nr, view, influx.pid)
                h = Harness(fleet, broker.port, session, args.publishers, consumer)
                node_red = h.search(args.node_red_start_rate, args.step_seconds, args.seconds)
            print(line("node-red", node_red), flush=True)
            session = int(time.time() * 1000)
            (root / "xaso").mkdir()
            store = f"influxdb://127.0.0.1:{influx.port}/xaso"
            with xaso_server(
                inventory, broker.url, store, root / "xaso", args.workers, args.write_lanes
            ) as server:
                publish_births("127.0.0.1", broker.port, fleet.agents, session)
                view = InfluxView(influx.url, "xaso", fleet, session)
                consumer = StoreConsumer("xaso-influxdb", server, view, influx.pid)
                h = Harness(fleet, broker.port, session, args.publishers, consumer)
                xaso = h.search(args.xaso_start_rate, args.step_seconds, args.seconds)
            print(line("xaso-influxdb", xaso), flush=True)
            nr_keys, xaso_keys = field_keys(influx.url, "nodered"), field_keys(influx.url, "xaso")
        node_red_rate = node_red.offered if node_red.held else 0.0
        xaso_rate = xaso.offered if xaso.held else 0.0
        ratio = xaso_rate / node_red_rate if node_red_rate else float("nan")
        print(
            f"ratio_xaso_vs_node_red={ratio:.2f} agents={len(fleet.agents)} "
            f"devices={fleet.device_count} same_fields={'yes' if nr_keys == xaso_keys else 'no'}",
            flush=True,
        )
        for label, only in (("node_red", nr_keys - xaso_keys), ("xaso", xaso_keys - nr_keys)):
            if only:
                print(f"fields_only_{label}=" + ",".join(f"{m}.{k}" for m, k in sorted(only)))
    return 0


if __name__ == "__main__":
    # Ctrl-C and SIGTERM must stop every service and process started: run each finally.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        sys.exit(main(parse_args()))
    except KeyboardInterrupt:
        print("interrupted; services stopped", file=sys.stderr)
        sys.exit(130)
