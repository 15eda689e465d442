"""The agent's footprint with picture checks on: resident memory and CPU, measured.

Runs a real ``xaso agent`` process against a real Mosquitto on loopback with the system
collector and 10 cameras, each a real RTSP responder and a real HTTP snapshot server
(Digest authentication) on 127.0.0.1 serving full-HD JPEGs (1920 x 1080, about 300 KB,
the size a camera's snapshot has), and reads the agent's memory and CPU time from /proc.
Two runs:

- ``steady``: the figure that matters, snapshots every 300 s (the default) with a 30 s
  heartbeat, over at least one whole snapshot interval after start-up;
- ``per-snapshot``: snapshots at every 5 s heartbeat, so that the CPU one snapshot costs
  (fetch, decode, measure, thumbnail) can be read off, and the steady figure checked by
  extrapolation.

    .venv/bin/python bench/picture_footprint.py [--cameras 10] [--seconds 330]

Target (issue 16): at most 40 MB resident and 2 % of one core for 10 cameras at a
5-minute snapshot interval.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.agent_footprint import cpu_s, rss_mb, start_agent
from tests.agent.device_servers import (
    HttpServer,
    RtspServer,
    SnapshotCamera,
    running,
)
from tests.agent.picture_fixtures import scene
from xaso.testbed.mosquitto import MosquittoServer

USER, PASSWORD = "bench", "bench-pw"
UNIT = Path(__file__).resolve().parent.parent / "deploy/systemd/xaso-agent.service"


def unit_environment() -> dict[str, str]:
    """The ``Environment=`` settings of the agent's systemd unit (glibc's allocator
    settings): the agent is measured as it is deployed."""
    found = {}
    for line in UNIT.read_text(encoding="utf-8").splitlines():
        if line.startswith("Environment="):
            name, _, value = line.removeprefix("Environment=").partition("=")
            found[name] = value
    return found


def full_hd_snapshot(frame: int) -> bytes:
    """A camera-sized JPEG: the synthetic street at 1920 x 1080, quality 85."""
    picture = scene(frame).resize((1920, 1080), Image.Resampling.BICUBIC)
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=85)
    return out.getvalue()


def write_config(
    folder: Path,
    mqtt_url: str,
    cameras: list[tuple[int, str]],
    *,
    heartbeat_s: float,
    snapshot_s: float,
) -> Path:
    devices = "\n".join(
        f"      - {{id: cam-{i:02d}, url: 'rtsp://127.0.0.1:{port}/live', "
        f"snapshot_url: '{snapshot_url}'}}"
        for i, (port, snapshot_url) in enumerate(cameras)
    )
    (folder / "camera.pw").write_text(PASSWORD, encoding="utf-8")
    path = folder / "agent.yaml"
    path.write_text(
        f"agent: {{id: bench-gw, heartbeat_interval_s: {heartbeat_s}}}\n"
        f'mqtt: {{url: "{mqtt_url}"}}\n'
        f"state_dir: {folder / 'state'}\n"
        "collectors:\n  system: {}\n  camera:\n"
        f"    username: {USER}\n    password_file: {folder / 'camera.pw'}\n"
        + (f"    picture: {{snapshot_interval_s: {snapshot_s}}}\n" if snapshot_s else "")
        + f"    devices:\n{devices}\n",
        encoding="utf-8",
    )
    return path


def measure(
    cameras: int,
    *,
    heartbeat_s: float,
    snapshot_s: float,
    seconds: float,
    label: str,
    environment: dict[str, str],
) -> None:
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="xaso-bench-")))
        broker = MosquittoServer(folder / "mosquitto")
        broker.start()
        stack.callback(broker.stop)
        served: list[SnapshotCamera] = []
        endpoints = []
        for i in range(cameras):
            rtsp = stack.enter_context(running(RtspServer("ok")))
            camera = SnapshotCamera(
                full_hd_snapshot(i), auth="digest", user=USER, password=PASSWORD
            )
            web = stack.enter_context(running(HttpServer({"/snapshot.jpg": camera.route})))
            stack.callback(camera.release.set)
            served.append(camera)
            endpoints.append((rtsp.port, web.url("/snapshot.jpg")))
        snapshot_bytes = len(served[0].picture)
        config = write_config(
            folder, broker.url, endpoints, heartbeat_s=heartbeat_s, snapshot_s=snapshot_s
        )
        agent = start_agent(stack, config, environment)

        def taken() -> int:  # a snapshot is two GETs: the 401 and the answer
            return sum(len(c.authorizations) for c in served) // 2

        time.sleep(8)  # start-up (imports, the first cycle and its snapshots) excluded
        cpu_start, wall_start, taken_start = cpu_s(agent.pid), time.monotonic(), taken()
        samples = []
        while time.monotonic() - wall_start < seconds:
            samples.append(rss_mb(agent.pid))
            time.sleep(1)
        cpu_used = cpu_s(agent.pid) - cpu_start
        wall = time.monotonic() - wall_start
        snapshots = taken() - taken_start
        per_snapshot_ms = 1000 * cpu_used / snapshots if snapshots else float("nan")
        print(
            f"mode={label} cameras={cameras} heartbeat_s={heartbeat_s:g} "
            f"snapshot_interval_s={snapshot_s:g} seconds={wall:.0f} snapshots={snapshots} "
            f"snapshot_kb={snapshot_bytes / 1024:.0f} "
            f"agent_rss_mb={sum(samples) / len(samples):.1f} "
            f"agent_peak_rss_mb={max(samples):.1f} "
            f"agent_cpu_pct={100 * cpu_used / wall:.2f} "
            f"cpu_ms_per_snapshot_upper_bound={per_snapshot_ms:.1f} "
            f"environment={','.join(f'{k}={v}' for k, v in environment.items()) or '-'}",
            flush=True,
        )
        if label == "per-snapshot" and snapshots:
            # Everything the agent spent, heartbeats included, put on the snapshots: an
            # upper bound. At the default interval each camera takes one per 300 s.
            steady = 100 * (per_snapshot_ms / 1000) * cameras / 300
            print(f"extrapolated_cpu_pct_at_300s_upper_bound={steady:.2f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cameras", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=330.0, help="the steady run, >= 300")
    parser.add_argument(
        "--mode", choices=["both", "steady", "per-snapshot", "no-picture"], default="both"
    )
    parser.add_argument(
        "--bare-malloc",
        action="store_true",
        help="without the unit's allocator settings, to see what they save",
    )
    args = parser.parse_args()
    environment = {} if args.bare_malloc else unit_environment()
    if args.mode == "no-picture":  # the same agent and cameras, pictures not checked
        measure(
            args.cameras,
            heartbeat_s=5,
            snapshot_s=0,
            seconds=60,
            label="no-picture",
            environment=environment,
        )
    if args.mode in ("both", "per-snapshot"):
        measure(
            args.cameras,
            heartbeat_s=5,
            snapshot_s=5,
            seconds=60,
            label="per-snapshot",
            environment=environment,
        )
    if args.mode in ("both", "steady"):
        measure(
            args.cameras,
            heartbeat_s=30,
            snapshot_s=300,
            seconds=args.seconds,
            label="steady",
            environment=environment,
        )


if __name__ == "__main__":
    main()
