"""Reconnect storm: 15,000 agents come back at once after a broker restart.

What it runs
------------
- Mosquitto with the configuration we ship (deploy/mosquitto/xaso.conf and xaso.acl,
  only its port and file paths changed, as tests/end_to_end/test_deployed_broker.py
  runs it): passwords, ACL, persistence, queue and inflight limits, max_connections;
  a password per agent (PBKDF2-SHA512, the format ``mosquitto_passwd`` writes);
- the real server, ``python -m xaso server`` in a subprocess (xaso/testbed/server_process.py)
  on an inventory of ``--agents`` gateways written by the bench
  (bench/province_file.py), SQLite store, logged in as ``xaso-server``;
- ``--agents`` simulated agents (bench/storm_agents.py) spread over ``--processes``
  processes, each process driving its share on one asyncio loop through paho's external
  loop API. They speak the real protocol: MQTT 5, the retained birth and will with the
  session number, heartbeats with ``seq``, records kept until PUBACK and sent again
  (``historical``) after a lost connection, replay requests answered.

The file limit is raised to the hard limit in every process (``RLIMIT_NOFILE``; the
broker, started by this process, inherits it); the run prints both.

The scenario
------------
1. Cold start: every agent connects; ``cold_online_s`` is the time until the server's
   live state shows every gateway online with a heartbeat of this run.
2. ``--steady-s`` of live heartbeats (every 30 s per agent, each on its own phase).
3. The broker stops (SIGTERM, as systemd stops it). Once every agent has seen its
   connection drop, each queues ``--backlog`` records (heartbeats of the outage); the
   broker stays down ``--outage-s`` seconds, then starts again on the same port and
   files.
4. The storm: in ``--reconnect at-once`` mode (the worst case) every agent connects
   the moment the broker listens; in ``backoff`` mode each waits its own delay
   (agent/backoff.py, full jitter, as real agents do). On CONNACK each sends its birth,
   one live heartbeat at once (a real agent's next one comes within its interval;
   sending it at once measures the path rather than the phase) and its backlog, marked
   historical.

Reading the output
------------------
One line, e.g.::

    agents=15000 processes=8 nofile_limit=20000 records=120000 acked=120000 lost=0
      duplicated=0 unsent=0 cold_online_s=41.2 reconnect_s=6.3 online_s=18.0
      drained_s=9.1 stored_s=75.4 online_vs_cold=0.44 ...

- ``records``: heartbeats the agents made (live and backlog); ``acked``: those the
  broker acknowledged (the agents hold the rest: ``unsent``, 0 when all drained);
- ``lost``: acknowledged records missing from the store; ``duplicated``: records
  stored twice (two rows with the same agent and seq). Both must be 0.
  ``redelivered``: heartbeats the server received more than once (sent again after a
  lost PUBACK, or redelivered by the broker) and stored once;
  ``gateways_recorded_offline``: gateways the server stored as ``offline`` after the
  restart. Every one was alive throughout (only the broker was away): must be 0;
- ``reconnect_s``: from the broker's restart until every agent had its CONNACK;
  ``online_s``: until the server's live state (``GET /api/v1/devices``, polled every
  second) shows every gateway ``online`` with a heartbeat stamped after the restart;
  ``drained_s``: until every agent's queue was acknowledged by the broker;
  ``stored_s``: until the store held every acknowledged record;
- ``online_vs_cold``: ``online_s`` over ``cold_online_s``, the first connection of
  the same fleet in the same run (no backlog);
- ``server_hwm_mb`` / ``broker_rss_mb``: the server's memory high-water mark and the
  broker's resident memory at the end; ``refused``, ``connect_failures``,
  ``replays``: PUBACKs with a failure code, connection attempts that failed, replay
  requests the agents answered; ``server_rejected``: messages the server refused.

Run: ``.venv/bin/python bench/storm.py --agents 15000 --processes 8``; small while
developing: ``--agents 600 --processes 2 --outage-s 5``.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import multiprocessing as mp
import os
import resource
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.province_file import Province  # noqa: E402
from bench.storm_agents import password_of, run_process  # noqa: E402
from xaso.testbed.mosquitto import MosquittoServer  # noqa: E402
from xaso.testbed.server_process import ServerProcess, proc_memory  # noqa: E402

SERVER_USER = "xaso-server"
SERVER_PASSWORD = "storm-server-secret"
POLL_S = 1.0
VERBOSE = False  # --verbose: the gateways' states at every poll, on stderr
MB = 2**20


# -- the broker, as shipped --------------------------------------------------------------


def mosquitto_password_line(user: str, password: str) -> str:
    """A password file line as ``mosquitto_passwd`` writes it (``$7$``: PBKDF2-SHA512,
    101 iterations): one subprocess per agent would take minutes for 15,000."""
    salt = os.urandom(12)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, 101)
    return f"{user}:$7$101${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def deployed_broker(folder: Path, agent_ids: list[str]) -> MosquittoServer:
    broker = MosquittoServer.deployed(folder, {SERVER_USER: SERVER_PASSWORD})
    with (folder / "xaso.passwd").open("a", encoding="ascii") as passwd:
        for agent_id in agent_ids:
            passwd.write(mosquitto_password_line(agent_id, password_of(agent_id)) + "\n")
    return broker


def broker_pid(broker: MosquittoServer) -> int | None:
    process = getattr(broker, "_process", None)
    return process.pid if process is not None else None


# -- the agent processes ---------------------------------------------------------------


class AgentProcesses:
    def __init__(self, port: int, province: Province, processes: int, reconnect: str) -> None:
        ctx = mp.get_context("spawn")
        agents = province.agents()
        self._pipes = []
        self._processes = []
        for i in range(processes):
            share = agents[i::processes]
            ours, theirs = ctx.Pipe()
            process = ctx.Process(
                target=run_process,
                args=("127.0.0.1", port, share, reconnect, i, theirs),
                name=f"storm-agents-{i}",
                daemon=True,
            )
            process.start()
            self._pipes.append(ours)
            self._processes.append(process)

    def ask(self, command: str, *args: Any) -> list[Any]:
        for pipe in self._pipes:
            pipe.send((command, args))
        return [pipe.recv() for pipe in self._pipes]

    def stats(self) -> dict[str, int]:
        total: dict[str, int] = {}
        for part in self.ask("stats"):
            for key, value in part.items():
                total[key] = total.get(key, 0) + value
        return total

    def report(self) -> dict[str, tuple[list[int], list[int]]]:
        merged: dict[str, tuple[list[int], list[int]]] = {}
        for part in self.ask("report"):
            merged.update(part)
        return merged

    def stop(self) -> None:
        with contextlib.suppress(OSError, EOFError):
            self.ask("stop")
        for process in self._processes:
            process.join(10)
            if process.is_alive():
                process.kill()
                process.join()


# -- what the server knows ---------------------------------------------------------------


def gateways_online_since(server: ServerProcess, token: str, since: datetime) -> int:
    """Gateways the server's live state shows online with a heartbeat stamped at or
    after ``since``."""
    count = 0
    states: Counter[str] = Counter()
    for device in server.get_json("/api/v1/devices?kind=gateway", token)["devices"]:
        seen = device["last_seen"]
        fresh = bool(seen) and datetime.fromisoformat(seen) >= since
        states[f"{device['status']}/{device['cause']}{'' if fresh else '/stale'}"] += 1
        if device["status"] == "online" and fresh:
            count += 1
    if VERBOSE:
        print(f"gateways: {dict(states)}", file=sys.stderr, flush=True)
    return count


def stored_rows(database: Path) -> dict[tuple[str, int], int]:
    """(agent, seq) -> how many heartbeat rows the store holds for it."""
    with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as db:
        rows = db.execute(
            "SELECT agent_id, seq, COUNT(*) FROM agent_health GROUP BY agent_id, seq"
        ).fetchall()
    return {(agent, seq): n for agent, seq, n in rows}


def gateways_recorded_offline(database: Path, since_ms: int) -> int:
    """Gateways the server recorded offline since ``since_ms``: after a broker restart
    every one of them was alive all along (they only waited for the broker), so any is
    a false outage."""
    with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as db:
        (n,) = db.execute(
            'SELECT COUNT(DISTINCT device_id) FROM "transition"'
            " WHERE kind = 'gateway' AND status = 'offline' AND ts_ms >= ?",
            (since_ms,),
        ).fetchone()
    return int(n)


def stored_count(database: Path) -> int:
    with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as db:
        (n,) = db.execute("SELECT COUNT(*) FROM agent_health").fetchone()
    return int(n)


class Milestones:
    """Seconds from ``t0`` until each condition first held, polled every POLL_S."""

    def __init__(self, t0: float, checks: dict[str, Callable[[], bool]]) -> None:
        self.t0 = t0
        self.checks = checks
        self.reached: dict[str, float] = {}

    def poll_until_all(self, timeout_s: float) -> None:
        deadline = self.t0 + timeout_s
        while len(self.reached) < len(self.checks) and time.monotonic() < deadline:
            for name, check in self.checks.items():
                if name not in self.reached and check():
                    self.reached[name] = time.monotonic() - self.t0
            time.sleep(POLL_S)

    def seconds(self, name: str) -> str:
        value = self.reached.get(name)
        return "timeout" if value is None else f"{value:.1f}"


# -- the run ---------------------------------------------------------------------------------


def raise_file_limit() -> tuple[int, int]:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return soft, hard


def run(args: argparse.Namespace, root: Path) -> str:
    _old_soft, nofile = raise_file_limit()
    province = Province(args.agents, args.devices_per_agent)
    agent_ids = province.agent_ids()
    inventory = province.write(root / "devices.yaml")
    broker = deployed_broker(root / "mosquitto", agent_ids)
    server = ServerProcess(
        root / "server",
        f"mqtt://{SERVER_USER}@127.0.0.1:{broker.port}",
        inventory,
        mqtt_password=SERVER_PASSWORD,
    )
    database = root / "server" / "timeseries.db"
    with contextlib.ExitStack() as stack:
        broker.start()
        stack.callback(broker.stop)
        token = server.create_token()
        stack.callback(server.stop)
        server.start(ready_timeout_s=300.0)
        fleet = AgentProcesses(broker.port, province, args.processes, args.reconnect)
        stack.callback(fleet.stop)

        # 1. cold start
        cold_since = datetime.now(UTC)
        cold = Milestones(time.monotonic(), {})
        fleet.ask("connect")
        cold.checks["online"] = lambda: (
            gateways_online_since(server, token, cold_since) >= args.agents
        )
        cold.poll_until_all(args.timeout_s)

        # 2. steady
        time.sleep(args.steady_s)

        # 3. the broker goes away; the agents queue their backlog
        down_ms = int(time.time() * 1000)
        t_down = time.monotonic()
        broker.stop()
        while fleet.stats()["connected"] and time.monotonic() - t_down < 60:
            time.sleep(0.2)
        fleet.ask("backlog", [down_ms + 1000 * (k + 1) for k in range(args.backlog)])
        time.sleep(max(0.0, args.outage_s - (time.monotonic() - t_down)))

        # 4. the storm
        up_since = datetime.now(UTC)
        t_up = time.monotonic()
        broker.start()
        acked_target = [0]

        def all_connected() -> bool:
            stats = fleet.stats()
            acked_target[0] = stats["acked"]
            return stats["connected"] >= args.agents

        def drained() -> bool:
            stats = fleet.stats()
            acked_target[0] = stats["acked"]
            return stats["unacked"] == 0 and stats["connected"] >= args.agents

        storm = Milestones(
            t_up,
            {
                "reconnect": all_connected,
                "online": lambda: gateways_online_since(server, token, up_since) >= args.agents,
                "drained": drained,
                "stored": lambda: (
                    "drained" in storm.reached and stored_count(database) >= acked_target[0]
                ),
            },
        )
        storm.poll_until_all(args.timeout_s)

        fleet.ask("beating", False)  # no new records while we count
        time.sleep(2.0)
        stats = fleet.stats()
        report = fleet.report()
        time.sleep(2.0)
        stored = stored_rows(database)
        false_offline = gateways_recorded_offline(database, int(up_since.timestamp() * 1000))
        metrics = server.metrics()
        server_memory = server.memory()
        pid = broker_pid(broker)
        broker_rss = proc_memory(pid)["VmRSS"] if pid else 0

    acked = [(agent, seq) for agent, (seqs, _) in report.items() for seq in seqs]
    lost = sum((agent, seq) not in stored for agent, seq in acked)
    duplicated = sum(n - 1 for n in stored.values() if n > 1)
    unsent = sum(len(unacked) for _, unacked in report.values())
    rejected = sum(v for k, v in metrics.items() if k.startswith("xaso_messages_rejected_total"))
    received = metrics.get('xaso_messages_received_total{channel="heartbeat"}', 0.0)
    cold_s = cold.reached.get("online")
    online_s = storm.reached.get("online")
    parts = [
        f"agents={args.agents}",
        f"processes={args.processes}",
        f"reconnect={args.reconnect}",
        f"nofile_limit={nofile}",
        f"records={stats['records']}",
        f"acked={len(acked)}",
        f"lost={lost}",
        f"duplicated={duplicated}",
        f"unsent={unsent}",
        f"redelivered={received - len(stored):.0f}",
        f"gateways_recorded_offline={false_offline}",
        f"cold_online_s={cold.seconds('online')}",
        f"reconnect_s={storm.seconds('reconnect')}",
        f"online_s={storm.seconds('online')}",
        f"drained_s={storm.seconds('drained')}",
        f"stored_s={storm.seconds('stored')}",
    ]
    if cold_s and online_s:
        parts.append(f"online_vs_cold={online_s / cold_s:.2f}")
    parts += [
        f"server_hwm_mb={server_memory['VmHWM'] / MB:.0f}",
        f"broker_rss_mb={broker_rss / MB:.0f}",
        f"refused={stats['refused']}",
        f"connect_failures={stats['connect_failures']}",
        f"replays={stats['replays']}",
        f"server_rejected={rejected:.0f}",
    ]
    return " ".join(parts)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--agents", type=int, default=15_000)
    parser.add_argument("--processes", type=int, default=8, help="agent processes")
    parser.add_argument("--devices-per-agent", type=int, default=1)
    parser.add_argument("--backlog", type=int, default=3, help="records queued per agent")
    parser.add_argument("--outage-s", type=float, default=10.0, help="broker down this long")
    parser.add_argument("--steady-s", type=float, default=5.0, help="live beats before")
    parser.add_argument("--reconnect", choices=["at-once", "backoff"], default="at-once")
    parser.add_argument("--verbose", action="store_true", help="progress on stderr")
    parser.add_argument("--workdir", help="keep the broker's, server's files here (empty folder)")
    parser.add_argument(
        "--timeout-s", type=float, default=600.0, help="give up on a milestone after this long"
    )
    args = parser.parse_args(argv)
    if args.agents < 2 or args.agents % 2:
        parser.error("--agents must be even (two gateways per commune) and at least 2")
    if not 1 <= args.processes <= 64:
        parser.error("--processes must be 1..64")
    return args


def main() -> None:
    global VERBOSE
    args = parse_args()
    VERBOSE = args.verbose
    if args.workdir:
        print(run(args, Path(args.workdir)), flush=True)
        return
    with tempfile.TemporaryDirectory(prefix="xaso-storm-") as tmp:
        print(run(args, Path(tmp)), flush=True)


if __name__ == "__main__":
    main()
