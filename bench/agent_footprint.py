"""The agent's footprint on a gateway: resident memory and CPU, measured, not guessed.

Runs a real ``xaso agent`` process against a real Mosquitto on loopback, with the system
collector and 50 devices probed by TCP (listeners on 127.0.0.1), at a 30 s heartbeat,
for at least 60 s, and reads its memory and CPU time from /proc. A bare Python
interpreter is measured in the same run as the baseline the agent cannot go below.

    .venv/bin/python bench/agent_footprint.py [--seconds 90] [--devices 50] [--interval 30]

Output: ``agent_rss_mb=… agent_peak_rss_mb=… agent_cpu_pct=… python_baseline_rss_mb=…``
(targets: under 40 MB resident and under 1 % of one core on average).
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

# The test suite's service helpers start Mosquitto; they live beside this folder.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from xaso.testbed.mosquitto import MosquittoServer

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def cpu_s(pid: int) -> float:
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime


def start_agent(
    stack: ExitStack, config: Path, environment: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """``xaso agent`` with ``config`` as its own process, stopped when ``stack`` closes;
    ``environment`` adds to this process's."""
    agent = subprocess.Popen(
        [sys.executable, "-m", "xaso", "--log-level", "WARNING", "agent", "--config", str(config)],
        env={**os.environ, **(environment or {})},
    )
    stack.callback(agent.wait, 15)
    stack.callback(agent.terminate)
    return agent


def write_config(folder: Path, mqtt_url: str, ports: list[int], interval_s: float) -> Path:
    devices = "\n".join(
        f"      - {{id: dev-{i:02d}, address: 127.0.0.1, port: {port}}}"
        for i, port in enumerate(ports)
    )
    path = folder / "agent.yaml"
    path.write_text(
        f"agent: {{id: bench-gw, heartbeat_interval_s: {interval_s}}}\n"
        f'mqtt: {{url: "{mqtt_url}"}}\n'
        f"state_dir: {folder / 'state'}\n"
        "collectors:\n  system: {}\n  reachability:\n    devices:\n"
        f"{devices}\n",
        encoding="utf-8",
    )
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=90.0, help="measured window, >= 60")
    parser.add_argument("--devices", type=int, default=50)
    parser.add_argument("--interval", type=float, default=30.0, help="heartbeat, seconds")
    args = parser.parse_args()
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="xaso-bench-")))
        broker = MosquittoServer(folder / "mosquitto")
        broker.start()
        stack.callback(broker.stop)
        listeners = []
        for _ in range(args.devices):
            listener = stack.enter_context(socket.socket())
            listener.bind(("127.0.0.1", 0))
            listener.listen(64)
            listeners.append(listener.getsockname()[1])
        config = write_config(folder, broker.url, listeners, args.interval)
        agent = start_agent(stack, config)
        baseline = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
        stack.callback(baseline.kill)

        time.sleep(5)  # start-up (imports, first cycle) is not the steady state
        cpu_start, wall_start = cpu_s(agent.pid), time.monotonic()
        samples = []
        while time.monotonic() - wall_start < args.seconds:
            samples.append(rss_mb(agent.pid))
            time.sleep(1)
        cpu_used = cpu_s(agent.pid) - cpu_start
        wall = time.monotonic() - wall_start
        print(
            f"devices={args.devices} interval_s={args.interval:g} seconds={wall:.0f} "
            f"agent_rss_mb={sum(samples) / len(samples):.1f} "
            f"agent_peak_rss_mb={max(samples):.1f} "
            f"agent_cpu_pct={100 * cpu_used / wall:.2f} "
            f"python_baseline_rss_mb={rss_mb(baseline.pid):.1f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
