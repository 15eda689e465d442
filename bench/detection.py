"""How fast the server notices a dead gateway: through its will, and through the timeout.

Real parts on loopback: Mosquitto (``xaso/testbed``), the real server app
(``create_app`` on an ``AppRunner`` in this process, SQLite store in a temporary folder)
with ``tests/data/small-inventory.yaml`` (gateway heartbeat 1 s, offline after 3 s), and
a real ``xaso agent`` process as the gateway ``alpha-gw``. The bench reads the app's live
state (``app[STATE]``) every 10 ms.

1. Will path: the agent is online, then killed with SIGKILL. The kernel closes its
   socket, so Mosquitto publishes the will at once; what is measured is the rest: the
   broker to the server, and the server to DOWN (status ``offline``, cause ``will``).
   ``will_to_down_s`` = DOWN - kill. The server lets a will stand ``will_grace_s`` (2 s)
   before it counts (a broker going down sends every client's will: docs/state.md), so
   the target is the grace plus under 1 s: ``beyond_grace_s`` = ``will_to_down_s`` -
   ``will_grace_s`` under 1 s.
2. Timeout path: the agent is frozen with SIGSTOP. Its TCP connection stays open and its
   keepalive is long (60 s), so the broker notices nothing: only the server's sweep can
   tell (status ``offline``, cause ``timeout``). ``timeout_to_down_s`` = (DOWN - the
   server's receipt of the last heartbeat) - ``offline_after_s``: the lateness beyond the
   configured timeout, between 0 and about one sweep interval (it depends on where the
   heartbeats fall between two sweeps, so each run starts a fresh agent after a random
   pause). Target: under 1 s. Afterwards the agent gets SIGCONT, then SIGKILL.

DOWN and the last heartbeat are the server's own records (the transition's ``since_ms``
and the gateway's ``last_heard_ms``, on the server's clock); the kill time is taken just
before the signal. Each path runs ``--runs`` times (5); the output is one line per run,
then::

    will_to_down_s=2.364 will_to_down_max_s=2.374 will_grace_s=2 beyond_grace_max_s=0.374
      target_s=1 within_target=True
    timeout_to_down_s=0.225 timeout_to_down_max_s=0.470 offline_after_s=3
      heartbeat_interval_s=1 sweep_interval_s=0.5 target_s=1 within_target=True

(median, then the worst run).

    .venv/bin/python bench/detection.py [--runs 5] [--sweep-interval 0.5]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from aiohttp import web  # noqa: E402

from xaso.server.app import create_app  # noqa: E402
from xaso.server.monitoring.fleet_state import (  # noqa: E402
    DeviceState,
    DeviceStatus,
    StateRules,
)
from xaso.server.monitoring.keys import STATE  # noqa: E402
from xaso.server.settings import Settings  # noqa: E402
from xaso.testbed.mosquitto import MosquittoServer  # noqa: E402

INVENTORY = REPO / "tests" / "data" / "small-inventory.yaml"
AGENT_ID = "alpha-gw"
POLL_S = 0.01
START_TIMEOUT_S = 30.0  # an agent started until its gateway is online in the state
DOWN_TIMEOUT_S = 15.0  # beyond offline_after_s, how long DOWN may take before we give up
WILL_GRACE_S = StateRules().will_grace_s  # what the server's live state runs with
BEYOND_GRACE_TARGET_S = 1.0
TIMEOUT_TARGET_S = 1.0


class AgentProcess:
    """``xaso agent`` as a child; always killed on the way out."""

    def __init__(self, config: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "xaso", "--log-level", "WARNING", "agent", "--config", config],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def signal(self, signum: int) -> None:
        self.process.send_signal(signum)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()  # SIGKILL also ends a stopped process
        self.process.wait(timeout=10)


@contextlib.contextmanager
def agent_running(config: Path) -> Iterator[AgentProcess]:
    agent = AgentProcess(config)
    try:
        yield agent
    finally:
        agent.kill()


def write_agent_config(folder: Path, mqtt_url: str, port: int, interval_s: float) -> Path:
    path = folder / "agent.yaml"
    path.write_text(
        f"agent: {{id: {AGENT_ID}, heartbeat_interval_s: {interval_s}}}\n"
        # A long keepalive: a frozen agent is not noticed by the broker during the run.
        f'mqtt: {{url: "{mqtt_url}", keepalive_s: 60, reconnect_min_s: 0.2, '
        "reconnect_max_s: 1}\n"
        f"state_dir: {folder / 'agent-state'}\n"
        "collectors:\n  system: null\n  reachability:\n"
        f"    devices: [{{id: alpha-rc-1, address: 127.0.0.1, port: {port}}}]\n",
        encoding="utf-8",
    )
    return path


async def wait_until(check: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up after {timeout_s:.0f} s waiting for {what}")
        await asyncio.sleep(POLL_S)


def is_online(gateway: DeviceState) -> bool:
    return gateway.status is DeviceStatus.ONLINE


def is_down(gateway: DeviceState, cause: str) -> bool:
    return gateway.status is DeviceStatus.OFFLINE and gateway.cause == cause


async def settle(gateway: DeviceState) -> None:
    """Wait until online, then for one more heartbeat: the agent in its steady state."""
    await wait_until(lambda: is_online(gateway), START_TIMEOUT_S, "the gateway online")
    heard = gateway.last_heard_ms
    await wait_until(lambda: gateway.last_heard_ms != heard, START_TIMEOUT_S, "a heartbeat")


async def will_path(gateway: DeviceState, config: Path, runs: int) -> list[float]:
    results = []
    for run in range(1, runs + 1):
        with agent_running(config) as agent:
            await settle(gateway)
            killed_ms = time.time() * 1000
            agent.signal(signal.SIGKILL)
            await wait_until(lambda: is_down(gateway, "will"), DOWN_TIMEOUT_S, "DOWN by will")
        assert gateway.since_ms is not None
        seconds = (gateway.since_ms - killed_ms) / 1000
        print(f"path=will run={run} will_to_down_s={seconds:.3f}", flush=True)
        results.append(seconds)
    return results


async def timeout_path(
    gateway: DeviceState, config: Path, runs: int, sweep_interval_s: float
) -> list[float]:
    offline_after_s = gateway.entry.offline_after_s
    results = []
    for run in range(1, runs + 1):
        # The lateness depends on where the heartbeats fall between two sweeps, which is
        # set when the agent starts: a fresh agent after a random pause per run samples
        # that phase, where one long-lived agent would repeat the same one.
        await asyncio.sleep(random.uniform(0, sweep_interval_s))
        with agent_running(config) as agent:
            await settle(gateway)
            agent.signal(signal.SIGSTOP)
            try:
                await wait_until(
                    lambda: is_down(gateway, "timeout"),
                    offline_after_s + DOWN_TIMEOUT_S,
                    "DOWN by timeout",
                )
            finally:
                agent.signal(signal.SIGCONT)
        # The agent was killed on leaving the block; its will changes nothing now.
        assert gateway.since_ms is not None and gateway.last_heard_ms is not None
        silent_s = (gateway.since_ms - gateway.last_heard_ms) / 1000
        seconds = silent_s - offline_after_s
        print(
            f"path=timeout run={run} silent_s={silent_s:.3f} timeout_to_down_s={seconds:.3f}",
            flush=True,
        )
        results.append(seconds)
    return results


async def run(args: argparse.Namespace, folder: Path, broker: MosquittoServer) -> None:
    settings = Settings(
        inventory=str(INVENTORY),
        mqtt=broker.url,
        store=f"sqlite:///{folder / 'ts.db'}",
        data_dir=str(folder / "server"),
        mqtt_client_id=f"xaso-bench-{uuid.uuid4().hex[:6]}",
        sweep_interval_s=args.sweep_interval,
    )
    runner = web.AppRunner(create_app(settings))
    await runner.setup()
    try:
        state = runner.app[STATE]
        await wait_until(lambda: state.link_is_up, START_TIMEOUT_S, "the server's broker link")
        gateway = state.devices[AGENT_ID]
        with socket.socket() as listener:  # the one device the agent probes
            listener.bind(("127.0.0.1", 0))
            listener.listen(64)
            config = write_agent_config(
                folder, broker.url, listener.getsockname()[1], gateway.entry.heartbeat_interval_s
            )
            wills = await will_path(gateway, config, args.runs)
            timeouts = await timeout_path(gateway, config, args.runs, args.sweep_interval)
    finally:
        await runner.cleanup()

    will_max = max(wills)
    beyond_grace_max = will_max - WILL_GRACE_S
    print(
        f"will_to_down_s={statistics.median(wills):.3f} will_to_down_max_s={will_max:.3f} "
        f"will_grace_s={WILL_GRACE_S:g} beyond_grace_max_s={beyond_grace_max:.3f} "
        f"target_s={BEYOND_GRACE_TARGET_S:g} "
        f"within_target={beyond_grace_max < BEYOND_GRACE_TARGET_S}",
        flush=True,
    )
    timeout_max = max(timeouts)
    print(
        f"timeout_to_down_s={statistics.median(timeouts):.3f} "
        f"timeout_to_down_max_s={timeout_max:.3f} "
        f"offline_after_s={gateway.entry.offline_after_s:g} "
        f"heartbeat_interval_s={gateway.entry.heartbeat_interval_s:g} "
        f"sweep_interval_s={args.sweep_interval:g} "
        f"target_s={TIMEOUT_TARGET_S:g} within_target={timeout_max < TIMEOUT_TARGET_S}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="measurements per path")
    parser.add_argument(
        "--sweep-interval",
        type=float,
        default=Settings().sweep_interval_s,
        help="the server's sweep_interval_s",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # Ctrl-C or a plain kill: unwind, so the agent, the app and the broker are stopped.
    # (SIGINT explicitly, since a shell starting us in the background ignores it.)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    with tempfile.TemporaryDirectory(prefix="xaso-bench-") as tmp:
        folder = Path(tmp)
        broker = MosquittoServer(folder / "mosquitto")
        broker.start()
        try:
            asyncio.run(run(args, folder, broker))
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            sys.exit(130)
        finally:
            broker.stop()


if __name__ == "__main__":
    main()
