"""The real server's resident memory per device, at 15,000 and 150,000 devices.

What it measures
----------------
For each size, ``python -m xaso server`` runs in a subprocess (xaso/testbed/server_process.py)
on a generated inventory (bench/province_file.py: two gateways per commune, 14 devices
behind each, so 15 tracked ids a gateway), a SQLite store and a Mosquitto of its own.
The bench reads ``/proc/PID/status`` twice:

- ``startup``: once /healthz answers 200 (inventory loaded, state built, broker link
  up) and one more second has passed;
- ``reported``: after every gateway has sent its birth and one heartbeat with a reading
  of each of its devices, and /metrics counts every tracked id online (each state then
  holds its last reading, as in production).

A baseline server with a two-gateway inventory runs first, in the same run: the
per-device figures are the difference to it divided by the difference in tracked ids,
so the interpreter, the web app and the libraries are not counted.

Beside each server, a fresh interpreter only loads the inventory
(``load_inventory(path).index()``, what the server does first) and reports its own
VmHWM: the high-water mark of parsing the YAML, which the machine must have free
whenever the server starts.

``--compare-with REV`` runs the same servers and loads from another git revision
(exported with ``git archive`` into a temporary folder) in the same run, for a before
and after.

Reading the output
------------------
One line per revision and size, e.g.::

    code=worktree devices=150000 gateways=10000 startup_s=9.1 startup_rss_mb=420
      reported_rss_mb=560 reported_hwm_mb=600 rss_bytes_per_device=3500
      hwm_bytes_per_device=3700 startup_share_of_hwm=1.00 load_hwm_bytes_per_device=5100

- ``*_rss_mb`` / ``*_hwm_mb``: the server's VmRSS and VmHWM at that point;
- ``rss_bytes_per_device``: (reported RSS − baseline's) / (tracked ids − baseline's);
  ``hwm_bytes_per_device`` the same for the high-water mark;
- ``startup_share_of_hwm``: the part of ``hwm_bytes_per_device`` already reached at
  startup, that is by loading the inventory and building the state (1.00: the live
  state never takes the server past the load's peak);
- ``load_hwm_bytes_per_device``: the inventory load alone in a fresh interpreter, per
  device (its VmHWM against the baseline load's). It is above the server's own figure
  where the server's imports had already raised its high-water mark, which the load
  then reuses;
- with ``--compare-with``, ``ratio_vs_<rev>``: this revision's ``rss_bytes_per_device``
  over the other one's at the same size (below 1: less memory).

Run: ``.venv/bin/python bench/server_memory.py [--devices 15000,150000]
[--compare-with HEAD~3]``. Small while developing: ``--devices 1500``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import paho.mqtt.client as mqtt  # noqa: E402

from bench.gateway_beats import heartbeat, status  # noqa: E402
from bench.province_file import Province  # noqa: E402
from xaso.protocol import heartbeat_topic, status_topic  # noqa: E402
from xaso.testbed.mosquitto import MosquittoServer  # noqa: E402
from xaso.testbed.server_process import ServerProcess  # noqa: E402

DEVICES_PER_GATEWAY = 14
BASELINE_GATEWAYS = 2
MB = 2**20

_LOAD_ONLY = """
import sys
from pathlib import Path
from xaso.inventory import load_inventory
index = load_inventory(sys.argv[1]).index()
status = Path("/proc/self/status").read_text().splitlines()
print(" ".join("".join(line.split()[:2]) for line in status if line.startswith(("VmRSS", "VmHWM"))))
"""


@dataclass
class Sample:
    code: str
    province: Province
    startup_s: float
    startup: dict[str, int]
    reported: dict[str, int]
    load_hwm: int


def load_only_hwm(code_root: Path, inventory: Path) -> int:
    """VmHWM of a fresh interpreter that only loads and indexes the inventory (run
    from the inventory's folder: ``-c`` puts the current directory first on the path)."""
    done = subprocess.run(
        [sys.executable, "-c", _LOAD_ONLY, str(inventory)],
        env={"PYTHONPATH": str(code_root), "PATH": "/usr/bin:/bin"},
        cwd=inventory.parent,
        capture_output=True,
        check=True,
        timeout=900,
    )
    values = dict(pair.split(":") for pair in done.stdout.decode().split())
    return int(values["VmHWM"]) * 1024


def report_every_device(port: int, province: Province) -> None:
    """Each gateway's birth and one heartbeat reading all its devices, at QoS 1."""
    client = mqtt.Client(
        callback_api_version=mqtt.CallbackAPIVersion.VERSION2,
        client_id="bench-memory-fleet",
        protocol=mqtt.MQTTv311,
    )
    client.max_inflight_messages_set(1000)
    client.max_queued_messages_set(0)
    client.connect("127.0.0.1", port)
    client.loop_start()
    try:
        now_ms = int(time.time() * 1000)
        infos = []
        for agent_id, devices in province.agents():
            birth = status(agent_id, "online", 1, now_ms)
            infos.append(client.publish(status_topic(agent_id), birth, qos=1, retain=True))
            beat = heartbeat(agent_id, devices, 1, 1, now_ms)
            infos.append(client.publish(heartbeat_topic(agent_id), beat, qos=1))
        for info in infos:
            info.wait_for_publish(120)
    finally:
        client.disconnect()
        client.loop_stop()


def wait_all_online(server: ServerProcess, tracked: int, timeout_s: float = 600.0) -> None:
    deadline = time.monotonic() + timeout_s
    online = 0.0
    while time.monotonic() < deadline:
        samples = server.metrics()
        online = sum(
            v for k, v in samples.items() if k.startswith("xaso_devices{") and '"online"' in k
        )
        if online >= tracked:
            return
        time.sleep(0.5)
    raise TimeoutError(f"{online:.0f} of {tracked} ids online after {timeout_s:.0f} s")


def measure(code: str, code_root: Path, province: Province, folder: Path) -> Sample:
    folder.mkdir(parents=True)
    inventory = province.write(folder / "devices.yaml")
    load_hwm = load_only_hwm(code_root, inventory)
    broker = MosquittoServer(folder / "mosquitto")
    broker.start()
    server = ServerProcess(folder / "server", broker.url, inventory, code_root=code_root)
    try:
        startup_s = server.start(ready_timeout_s=300.0)
        time.sleep(1.0)
        startup = server.memory()
        report_every_device(broker.port, province)
        wait_all_online(server, province.tracked)
        time.sleep(1.0)  # the writer's last batch
        reported = server.memory()
    finally:
        server.stop()
        broker.stop()
    return Sample(code, province, startup_s, startup, reported, load_hwm)


def export_revision(rev: str, into: Path) -> Path:
    """The tree of ``rev`` in ``into`` (symlinks kept: xaso/server -> ../server)."""
    into.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", rev], capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def line(sample: Sample, base: Sample, other: Sample | None, other_name: str) -> str:
    tracked = sample.province.tracked - base.province.tracked

    def per_device(now: int, then: int) -> float:
        return (now - then) / tracked

    rss = per_device(sample.reported["VmRSS"], base.reported["VmRSS"])
    hwm = per_device(sample.reported["VmHWM"], base.reported["VmHWM"])
    startup_hwm = per_device(sample.startup["VmHWM"], base.startup["VmHWM"])
    load = per_device(sample.load_hwm, base.load_hwm)
    parts = [
        f"code={sample.code}",
        f"devices={sample.province.tracked}",
        f"gateways={sample.province.gateways}",
        f"startup_s={sample.startup_s:.1f}",
        f"startup_rss_mb={sample.startup['VmRSS'] / MB:.0f}",
        f"startup_hwm_mb={sample.startup['VmHWM'] / MB:.0f}",
        f"reported_rss_mb={sample.reported['VmRSS'] / MB:.0f}",
        f"reported_hwm_mb={sample.reported['VmHWM'] / MB:.0f}",
        f"rss_bytes_per_device={rss:.0f}",
        f"hwm_bytes_per_device={hwm:.0f}",
        f"startup_share_of_hwm={startup_hwm / hwm:.2f}",
        f"load_hwm_bytes_per_device={load:.0f}",
    ]
    if other is not None:
        other_rss = (other.reported["VmRSS"] - base.reported["VmRSS"]) / tracked
        parts.append(f"ratio_vs_{other_name}={rss / other_rss:.2f}")
    return " ".join(parts)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--devices",
        default="15000,150000",
        help="tracked ids (gateways and devices), comma-separated sizes",
    )
    parser.add_argument("--compare-with", metavar="REV", help="a git revision to run beside")
    args = parser.parse_args(argv)
    args.sizes = [int(size) for size in args.devices.split(",")]
    if any(size < 150 for size in args.sizes):
        parser.error("each size must be at least 150 devices")
    return args


def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="xaso-server-memory-") as tmp:
        root = Path(tmp)
        codes = {"worktree": REPO}
        if args.compare_with:
            codes[args.compare_with] = export_revision(args.compare_with, root / "other-code")
        base_province = Province(BASELINE_GATEWAYS, DEVICES_PER_GATEWAY)
        bases = {
            name: measure(name, code_root, base_province, root / f"{i}-base")
            for i, (name, code_root) in enumerate(codes.items())
        }
        for size in args.sizes:
            province = Province(size // (1 + DEVICES_PER_GATEWAY), DEVICES_PER_GATEWAY)
            samples = {
                name: measure(name, code_root, province, root / f"{i}-{size}")
                for i, (name, code_root) in enumerate(codes.items())
            }
            for name, sample in samples.items():
                other_name = next((n for n in samples if n != name), "")
                other = samples.get(other_name) if name == "worktree" else None
                print(line(sample, bases[name], other, other_name), flush=True)


if __name__ == "__main__":
    main(parse_args())
