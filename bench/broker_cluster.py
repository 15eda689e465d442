"""xaso on a 3-node RabbitMQ MQTT cluster, against one Mosquitto in the same run.

What it does
------------
Starts a RabbitMQ cluster of three nodes on loopback (``xaso/testbed/rabbitmq.py``:
ordinary processes in a temporary folder, the ``rabbitmq_mqtt`` plugin on a port of
each node, nodes 2 and 3 joined to node 1 with ``rabbitmqctl join_cluster``), then the
real server (``python -m xaso server``, SQLite store) connected to node 1, one real
``xaso agent`` process on each node, and ``--agents`` light agents (one MQTT connection
each, as a gateway has: retained ``online`` status, retained ``offline`` will, the
schedule subscription, heartbeats of ``--devices`` readings at QoS 1) spread evenly
over the three nodes by three load processes. Then, in order:

1. ``steady``: ``--rate`` heartbeats/s offered (open loop) for ``--seconds``.
2. ``schedule``: which gateways hold their schedule set. The server published every
   set (retained) on node 1 before the gateways connected; a gateway receives it when
   it subscribes only if its node holds it. The server is then restarted, which
   publishes every set again while all gateways are connected.
3. ``server_restart``: the server is stopped for ``--seconds``/3 under load and started
   again: its persistent session (clean_session=False, QoS 1, acknowledged after the
   write) must hand it everything sent meanwhile.
4. ``will``: the real agent on node 3 is killed; its will must reach the server on
   node 1 (the gateway is stored ``offline`` by ``will``). A fresh client then reads
   the agents' retained statuses from each node.
5. ``node_down``: node 3 is killed (SIGKILL, a crashed machine) under load; the
   server, on node 1, keeps storing what nodes 1 and 2 take, and node 3 rejoins when
   started again.

Every heartbeat a broker acknowledged (PUBACK) must be stored exactly once: checked
per agent and session in the server's SQLite file at the end. The same load (phase 1
only) runs first against one Mosquitto as the baseline.

    .venv/bin/python bench/broker_cluster.py [--agents 90] [--devices 15] [--rate 300]
        [--seconds 15] [--prefetch 1000] [--queue-type classic|quorum] [--no-mosquitto]

Reading the output
------------------
``key=value`` lines. Per broker (``broker=mosquitto`` / ``broker=rabbitmq3``):
``acked_per_s`` (heartbeats the broker acknowledged per second over the steady phase:
below ``offered_per_s``, the broker, or this machine, could not take them in),
``stored_per_s`` (heartbeats stored per second over the steady phase, each with
``--devices`` readings), ``broker_cpu_pct`` (100 = one core; the three nodes summed),
``broker_cpu_pct_per_1k_msgs_s`` (broker CPU per 1,000 heartbeats/s into xaso; each is
one publish in and one delivery out), ``server_cpu_pct``, ``connections_per_node``.
``ratio_cpu_per_msg_rabbitmq_vs_mosquitto`` compares the brokers' CPU per message.
Then ``check=… ok=yes|no``: a guarantee xaso needs (the exit status is 1 if one fails),
with what was seen, ``lost`` (acknowledged, not stored) and ``duplicates`` (stored more
than once) must be 0; and ``finding=… holds=yes|no``: where this broker behaves unlike
Mosquitto (RabbitMQ 3.10: retained messages are kept per node and never sent for a
wildcard subscription; a crashed node's clients leave no will), recorded, not failed.
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing as mp
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import paho.mqtt.client as mqtt  # noqa: E402

from xaso.protocol import (  # noqa: E402
    SCHEMA_VERSION,
    AgentHealth,
    DeviceReading,
    Heartbeat,
    Status,
    encode,
    heartbeat_topic,
    schedule_topic,
    status_topic,
)
from xaso.testbed.mosquitto import MosquittoServer  # noqa: E402
from xaso.testbed.rabbitmq import RabbitCluster, process_cpu_s, rabbitmq_installed  # noqa: E402
from xaso.testbed.server_process import ServerProcess  # noqa: E402

DRAIN_TIMEOUT_S = 120.0
NODES = 3


# -- the fleet ------------------------------------------------------------------------


def agent_ids(count: int) -> list[str]:
    return [f"c{i:04d}-radio-gw" for i in range(count)]


def real_agent_id(node: int) -> str:
    return f"r{node:04d}-radio-gw"


def inventory_yaml(light: list[str], real: list[str], devices: int) -> str:
    """One commune per gateway; each a radio gateway with ``devices`` loudspeaker
    clusters (so that the server plans a schedule set for it)."""
    lines = [
        "schema: 1",
        "name: cluster bench",
        "timezone: Asia/Ho_Chi_Minh",
        "levels: [province, commune, village]",
        "areas:",
        "  - {code: prov, name: Tỉnh Bench, level: province}",
        "communes:",
    ]
    for agent_id in [*light, *real]:
        code = agent_id[:5]
        lines += [
            f"  - code: {code}",
            f"    name: Xã {code}",
            "    kind: xa",
            "    parents: [{area: prov}]",
            f"    villages: [{{code: {code}.t1, name: Thôn 1}}]",
            "    agents:",
            f"      - id: {agent_id}",
            f"        name: Gateway {agent_id}",
            "        kind: radio_gateway",
            "        devices:",
        ]
        for d in range(1, devices + 1):
            lines.append(
                f"          - {{id: {code}-rc-{d:02d}, name: Cụm {d}, type: radio_cluster, "
                f"village: {code}.t1}}"
            )
    return "\n".join(lines) + "\n"


# -- light agents (in load processes, one per broker node) ---------------------------


@dataclass
class LightReport:
    published: dict[str, int]  # agent -> heartbeats acknowledged, seq 1..n
    session: int
    schedules: dict[str, int]  # agent -> schedule sets received
    connected: int
    cpu_s: float
    error: str = ""


@dataclass
class _Light:
    agent_id: str
    client: mqtt.Client
    readings: list[DeviceReading]
    infos: list[mqtt.MQTTMessageInfo] = field(default_factory=list)
    schedules: int = 0
    alive: bool = True


def _light_client(agent_id: str, port: int, session: int, lights: dict[str, _Light]) -> mqtt.Client:
    client = mqtt.Client(
        callback_api_version=mqtt.CallbackAPIVersion.VERSION2,
        client_id=agent_id,
        clean_session=True,
        protocol=mqtt.MQTTv311,
    )
    client.max_inflight_messages_set(200)
    client.max_queued_messages_set(0)

    def status(state: str) -> bytes:
        message = Status(
            v=SCHEMA_VERSION,
            agent=agent_id,
            state=state,  # type: ignore[arg-type]
            session=session,
            ts_ms=int(time.time() * 1000),
        )
        return encode(message)

    def on_message(client: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
        if message.topic == schedule_topic(agent_id):
            lights[agent_id].schedules += 1

    client.on_message = on_message
    client.will_set(status_topic(agent_id), status("offline"), qos=1, retain=True)
    client.connect("127.0.0.1", port, keepalive=30)
    deadline = time.monotonic() + 15
    while not client.is_connected():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{agent_id} did not connect")
        client.loop(timeout=0.01)
    client.subscribe(schedule_topic(agent_id), qos=1)
    client.publish(status_topic(agent_id), status("online"), qos=1, retain=True)
    return client


def _readings(devices: int, code: str) -> list[DeviceReading]:
    return [
        DeviceReading(id=f"{code}-rc-{d:02d}", reachable=True, rtt_ms=10.0 + d)
        for d in range(1, devices + 1)
    ]


def _pump(lights: list[_Light]) -> None:
    for light in lights:
        if light.alive and light.client.loop(timeout=0) != mqtt.MQTT_ERR_SUCCESS:
            light.alive = False  # its node went away: a dead gateway sends nothing more


def light_agents(port: int, agents: list[str], devices: int, session: int, pipe: Any) -> None:
    """Process entry point: connect every agent, then obey ``(command, args)`` from
    ``pipe``: ("run", seconds, rate) publishes heartbeats round robin at ``rate`` per
    second; ("report",) answers a LightReport; ("stop",) ends."""
    lights: dict[str, _Light] = {}
    try:
        for agent_id in agents:
            client = _light_client(agent_id, port, session, lights)
            lights[agent_id] = _Light(agent_id, client, _readings(devices, agent_id[:5]))
        pipe.send("ready")
        order = list(lights.values())
        seq = dict.fromkeys(lights, 0)
        turn = 0
        while True:
            _pump(order)
            if not pipe.poll(0.002):
                continue
            command = pipe.recv()
            if command[0] == "stop":
                break
            if command[0] == "report":
                pipe.send(_report(lights, session))
                continue
            _, seconds, rate = command
            started = time.monotonic()
            sent = 0
            while (now := time.monotonic()) < started + seconds:
                due = int((now - started) * rate)
                while sent < due:
                    light = order[turn % len(order)]
                    turn += 1
                    sent += 1
                    if not light.alive:
                        continue
                    seq[light.agent_id] += 1
                    beat = Heartbeat(
                        v=SCHEMA_VERSION,
                        agent=light.agent_id,
                        session=session,
                        seq=seq[light.agent_id],
                        ts_ms=session + seq[light.agent_id],
                        interval_s=30.0,
                        health=AgentHealth(uptime_s=3600.0, load1=0.3, mem_used_pct=41.0),
                        devices=light.readings,
                    )
                    info = light.client.publish(
                        heartbeat_topic(light.agent_id), encode(beat), qos=1
                    )
                    light.infos.append(info)
                _pump(order)
                time.sleep(0.001)
            pipe.send("done")
    except BaseException as exc:  # report, never leave the parent waiting
        with contextlib.suppress(Exception):
            pipe.send(LightReport({}, session, {}, 0, time.process_time(), error=repr(exc)))
    finally:
        for light in lights.values():
            with contextlib.suppress(Exception):
                light.client.disconnect()


def _report(lights: dict[str, _Light], session: int) -> LightReport:
    published = {}
    for agent_id, light in lights.items():
        n = 0
        while n < len(light.infos) and light.infos[n].is_published():
            n += 1
        published[agent_id] = n
    return LightReport(
        published,
        session,
        {a: light.schedules for a, light in lights.items()},
        sum(light.alive for light in lights.values()),
        time.process_time(),
    )


class LoadProcess:
    def __init__(self, port: int, agents: list[str], devices: int, session: int) -> None:
        ctx = mp.get_context("spawn")
        self._pipe, child = ctx.Pipe()
        self.process = ctx.Process(
            target=light_agents, args=(port, agents, devices, session, child), daemon=True
        )
        self.process.start()
        self._expect("ready", 60)

    def _expect(self, what: str, timeout_s: float) -> Any:
        if not self._pipe.poll(timeout_s):
            raise RuntimeError(f"load process: no {what!r} in {timeout_s}s")
        answer = self._pipe.recv()
        if isinstance(answer, LightReport) and answer.error:
            raise RuntimeError(f"load process failed: {answer.error}")
        return answer

    def run(self, seconds: float, rate: float) -> None:
        self._pipe.send(("run", seconds, rate))

    def wait_run(self, seconds: float) -> None:
        self._expect("done", seconds + 30)

    def report(self) -> LightReport:
        self._pipe.send(("report",))
        report: LightReport = self._expect("report", 30)
        return report

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self._pipe.send(("stop",))
        self.process.join(10)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()


@contextlib.contextmanager
def load_processes(
    ports: list[int], agents: list[str], devices: int, session: int
) -> Iterator[list[LoadProcess]]:
    """One load process per port, the agents dealt round robin over them."""
    loads: list[LoadProcess] = []
    try:
        for i, port in enumerate(ports):
            loads.append(LoadProcess(port, agents[i :: len(ports)], devices, session))
        yield loads
    finally:
        for load in loads:
            load.stop()


def run_load(loads: list[LoadProcess], seconds: float, rate: float) -> None:
    for load in loads:
        load.run(seconds, rate / len(loads))
    for load in loads:
        load.wait_run(seconds)


# -- real agents ------------------------------------------------------------------------


class RealAgent:
    """``python -m xaso agent`` beating every 0.5 s, probing one listening port."""

    def __init__(self, workdir: Path, agent_id: str, url: str, device_port: int) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.agent_id = agent_id
        self.config = workdir / "agent.yaml"
        self.config.write_text(
            f"agent: {{id: {agent_id}, heartbeat_interval_s: 0.5}}\n"
            # RabbitMQ before 3.13 speaks MQTT 3.1.1 only; the agent's default is MQTT 5.
            f'mqtt: {{url: "{url}", protocol: mqtt3.1.1, keepalive_s: 5, reconnect_max_s: 2}}\n'
            f"state_dir: {workdir / 'state'}\n"
            "collectors:\n  reachability:\n    devices:\n"
            f"      - {{id: {agent_id[:5]}-rc-01, address: 127.0.0.1, port: {device_port}}}\n",
            encoding="utf-8",
        )
        self.log = workdir / "agent.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "xaso", "agent", "--config", str(self.config)],
                env=env,
                stdout=out,
                stderr=out,
            )

    def stop(self, kill: bool = False) -> None:
        if self.process is None:
            return
        self.process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        self.process.wait(15)
        self.process = None


# -- checks and figures -----------------------------------------------------------------


def say(**values: object) -> None:
    print(" ".join(f"{k}={v}" for k, v in values.items()), flush=True)


def wait_stored(
    server: ServerProcess, reports: list[LightReport], timeout_s: float = DRAIN_TIMEOUT_S
) -> int:
    """Wait until every acknowledged heartbeat of ``reports`` is stored (or the time is
    up); the number of heartbeats stored."""
    deadline = time.monotonic() + timeout_s
    while verify(server, reports)[0] and time.monotonic() < deadline:
        time.sleep(0.25)
    return server.heartbeat_count()


def acknowledged(reports: list[LightReport]) -> int:
    return sum(sum(r.published.values()) for r in reports)


def verify(server: ServerProcess, reports: list[LightReport]) -> tuple[int, int]:
    """(lost, duplicates) of the light agents' acknowledged heartbeats."""
    stored = server.stored_seqs()
    lost = duplicates = 0
    for report in reports:
        for agent_id, n in report.published.items():
            seqs = stored.get((agent_id, report.session), {})
            lost += sum(1 for s in range(1, n + 1) if s not in seqs)
            duplicates += sum(c - 1 for c in seqs.values() if c > 1)
    return lost, duplicates


def real_agent_duplicates(server: ServerProcess, real: list[str]) -> tuple[int, int]:
    """(heartbeats stored, duplicates) of the real agents."""
    stored = server.stored_seqs()
    count = dup = 0
    for (agent_id, _), seqs in stored.items():
        if agent_id in real:
            count += len(seqs)
            dup += sum(c - 1 for c in seqs.values() if c > 1)
    return count, dup


@dataclass
class Steady:
    acked_per_s: float
    stored_per_s: float
    broker_cpu_pct: float
    broker_idle_cpu_pct: float
    server_cpu_pct: float

    @property
    def cpu_pct_per_1k(self) -> float:
        """Broker CPU per 1,000 heartbeats/s, what it spends idle (the same connections
        open, nothing sent) taken off: RabbitMQ's nodes keep busy on their own."""
        busy = self.broker_cpu_pct - self.broker_idle_cpu_pct
        return busy / max(self.stored_per_s / 1000, 1e-9)

    def figures(self) -> dict[str, str]:
        return {
            "acked_per_s": f"{self.acked_per_s:.0f}",
            "stored_per_s": f"{self.stored_per_s:.0f}",
            "broker_cpu_pct": f"{self.broker_cpu_pct:.1f}",
            "broker_idle_cpu_pct": f"{self.broker_idle_cpu_pct:.1f}",
            "broker_cpu_pct_per_1k_msgs_s": f"{self.cpu_pct_per_1k:.1f}",
            "server_cpu_pct": f"{self.server_cpu_pct:.0f}",
        }


IDLE_S = 3.0


def steady(
    server: ServerProcess,
    loads: list[LoadProcess],
    broker_cpu: Any,
    seconds: float,
    rate: float,
) -> Steady:
    """Offer ``rate`` for ``seconds``; the stored rate and CPU over that window, and
    the broker's CPU over IDLE_S before it."""
    idle0 = broker_cpu()
    time.sleep(IDLE_S)
    idle = 100 * (broker_cpu() - idle0) / IDLE_S
    acked0 = acknowledged([load.report() for load in loads])
    before = server.heartbeat_count()
    cpu0, server0, t0 = broker_cpu(), process_cpu_s(server.pid), time.monotonic()
    run_load(loads, seconds, rate)
    after = server.heartbeat_count()
    elapsed = time.monotonic() - t0
    cpu1, server1 = broker_cpu(), process_cpu_s(server.pid)
    acked1 = acknowledged([load.report() for load in loads])
    return Steady(
        acked_per_s=(acked1 - acked0) / elapsed,
        stored_per_s=(after - before) / elapsed,
        broker_cpu_pct=100 * (cpu1 - cpu0) / elapsed,
        broker_idle_cpu_pct=idle,
        server_cpu_pct=100 * (server1 - server0) / elapsed,
    )


def observe_retained(port: int, topics: list[str], wait_s: float = 1.5) -> int:
    """How many of ``topics`` a fresh client on ``port`` gets a retained message for
    (subscribed one by one, without wildcards)."""
    got: set[str] = set()
    client = mqtt.Client(
        callback_api_version=mqtt.CallbackAPIVersion.VERSION2,
        client_id=f"observer-{port}-{os.getpid()}",
        protocol=mqtt.MQTTv311,
    )
    client.on_message = lambda c, u, m: got.add(m.topic) if m.retain else None
    client.connect("127.0.0.1", port, keepalive=30)
    client.loop_start()
    try:
        time.sleep(0.3)
        for topic in topics:
            client.subscribe(topic, qos=1)
        time.sleep(wait_s)
    finally:
        client.disconnect()
        client.loop_stop()
    return len(got)


def listening_port() -> tuple[socket.socket, int]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    return sock, sock.getsockname()[1]


# -- the phases -----------------------------------------------------------------------


def mosquitto_baseline(folder: Path, args: argparse.Namespace, inventory: Path) -> Steady:
    broker = MosquittoServer(folder / "mosquitto")
    broker.start()
    server = ServerProcess(folder / "server-mosquitto", broker.url, inventory)
    try:
        server.start()
        agents = agent_ids(args.agents)
        session = int(time.time() * 1000)
        broker_pid = broker._process.pid if broker._process else None
        with load_processes([broker.port] * NODES, agents, args.devices, session) as loads:
            result = steady(
                server, loads, lambda: process_cpu_s(broker_pid), args.seconds, args.rate
            )
            reports = [load.report() for load in loads]
        wait_stored(server, reports)
        lost, dup = verify(server, reports)
        say(
            broker="mosquitto",
            agents=args.agents,
            connections=args.agents + 1,
            offered_per_s=args.rate,
            **result.figures(),
            acknowledged=acknowledged(reports),
            lost=lost,
            duplicates=dup,
        )
        return result
    finally:
        server.stop()
        broker.stop()


def rabbitmq_run(
    folder: Path, args: argparse.Namespace, inventory: Path, baseline: Steady | None
) -> bool:
    cluster = RabbitCluster(
        folder / "rabbitmq", NODES, prefetch=args.prefetch, durable_queue_type=args.queue_type
    )
    started = time.monotonic()
    cluster.start()
    say(
        cluster_nodes=",".join(cluster.running_nodes()),
        started_s=f"{time.monotonic() - started:.1f}",
    )
    node1, _, node3 = cluster.nodes
    server = ServerProcess(folder / "server-rabbitmq", node1.url, inventory)
    device, device_port = listening_port()
    reals = [
        RealAgent(folder / f"agent{n.index}", real_agent_id(n.index), n.url, device_port)
        for n in cluster.nodes
    ]
    ok = True

    def check(name: str, passed: bool, **seen: object) -> None:
        nonlocal ok
        ok = ok and passed
        say(check=name, ok="yes" if passed else "no", **seen)

    def finding(name: str, holds: bool, **seen: object) -> None:
        """What the broker does where it differs from Mosquitto; not a failure."""
        say(finding=name, holds="yes" if holds else "no", **seen)

    try:
        server.start()
        time.sleep(1.0)  # the schedule sets, published on connecting, are on node 1
        for real in reals:
            real.start()
        agents = agent_ids(args.agents)
        session = int(time.time() * 1000)
        ports = [n.mqtt_port for n in cluster.nodes]
        with load_processes(ports, agents, args.devices, session) as loads:
            # 1. steady
            connections = cluster.connections_per_node()
            result = steady(server, loads, cluster.cpu_s, args.seconds, args.rate)
            say(
                broker="rabbitmq3",
                agents=args.agents + len(reals),
                connections_per_node=",".join(str(c) for c in connections.values()),
                offered_per_s=args.rate,
                **result.figures(),
            )
            if baseline is not None:
                say(
                    ratio_cpu_per_msg_rabbitmq_vs_mosquitto=(
                        f"{result.cpu_pct_per_1k / max(baseline.cpu_pct_per_1k, 1e-9):.1f}"
                    ),
                    ratio_stored_rabbitmq_vs_mosquitto=(
                        f"{result.stored_per_s / max(baseline.stored_per_s, 1e-9):.2f}"
                    ),
                )

            # 2. schedule sets: on subscribing (retained), then live after a server restart
            before = [load.report() for load in loads]
            held = [sum(1 for a in r.schedules.values() if a) for r in before]
            per_node = len(agents) // NODES
            finding(
                "schedule_retained_on_subscribe_every_node",
                all(h == per_node for h in held),
                gateways_with_set_per_node=",".join(map(str, held)),
                of=per_node,
            )
            server.stop()
            server.start()
            time.sleep(2.0)
            after = [load.report() for load in loads]
            fresh = [
                sum(1 for a, n in r.schedules.items() if n > b.schedules[a])
                for r, b in zip(after, before, strict=True)
            ]
            check(
                "schedule_live_across_nodes",
                all(f == per_node for f in fresh),
                gateways_with_new_set_per_node=",".join(map(str, fresh)),
                of=per_node,
            )

            # 3. server restart under load
            wait_stored(server, after)
            server.stop()
            run_load(loads, args.seconds / 3, args.rate)
            queued = sum(q[2] for q in cluster.queues() if "xaso-server" in q[0])
            t0 = time.monotonic()
            server.start()
            reports = [load.report() for load in loads]
            count = wait_stored(server, reports)
            lost, dup = verify(server, reports)
            check(
                "server_restart_session_kept",
                lost == 0 and dup == 0,
                queued_while_away=queued,
                drained_s=f"{time.monotonic() - t0:.1f}",
                stored=count,
                lost=lost,
                duplicates=dup,
            )

            # 4. will across nodes, and the retained statuses per node
            reals[2].stop(kill=True)
            deadline = time.monotonic() + 15
            seen = server.last_transition(reals[2].agent_id)
            while seen != ("offline", "will") and time.monotonic() < deadline:
                time.sleep(0.3)
                seen = server.last_transition(reals[2].agent_id)
            check("will_from_node3_reaches_server_on_node1", seen == ("offline", "will"), seen=seen)
            topics = [status_topic(a) for a in agents[:NODES]]  # one agent of each node
            retained = [observe_retained(n.mqtt_port, topics) for n in cluster.nodes]
            finding(
                "retained_status_visible_from_every_node",
                all(r == len(topics) for r in retained),
                statuses_seen_per_node=",".join(map(str, retained)),
                of=len(topics),
            )

            # 5. node 3 crashes under load; the server on node 1 carries on
            wait_stored(server, [load.report() for load in loads])
            run_load(loads[:2], 1.0, args.rate * 2 / 3)
            node3.stop(kill=True)
            run_load(loads[:2], args.seconds / 3, args.rate * 2 / 3)
            reports = [load.report() for load in loads]
            count = wait_stored(server, reports)
            lost, dup = verify(server, reports)
            offline_by_will = sum(
                server.last_transition(a) == ("offline", "will") for a in agents[2::NODES]
            )
            check(
                "node3_down_server_on_node1_continues",
                lost == 0 and dup == 0,
                running=",".join(cluster.running_nodes()),
                stored=count,
                lost=lost,
                duplicates=dup,
            )
            finding(
                "wills_of_a_crashed_node_sent",
                offline_by_will == len(agents[2::NODES]),
                node3_gateways_offline_by_will=offline_by_will,
                of=len(agents[2::NODES]),
            )
            cluster.restart_node(node3)
            check(
                "node3_rejoins",
                len(cluster.running_nodes()) == NODES,
                running=",".join(cluster.running_nodes()),
            )
            real_count, real_dup = real_agent_duplicates(server, [r.agent_id for r in reals])
            lost, dup = verify(server, reports)
            check(
                "every_heartbeat_stored_once",
                lost == 0 and dup == 0 and real_dup == 0,
                light_acknowledged=acknowledged(reports),
                real_agent_heartbeats=real_count,
                lost=lost,
                duplicates=dup + real_dup,
            )
    finally:
        for real in reals:
            with contextlib.suppress(Exception):
                real.stop(kill=True)
        server.stop()
        cluster.stop()
        device.close()
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=90, help="light agents (a multiple of 3)")
    parser.add_argument("--devices", type=int, default=15, help="readings per heartbeat")
    parser.add_argument("--rate", type=float, default=300.0, help="heartbeats/s offered")
    parser.add_argument("--seconds", type=float, default=15.0, help="steady phase length")
    parser.add_argument("--prefetch", type=int, default=1000, help="RabbitMQ mqtt.prefetch")
    parser.add_argument("--queue-type", choices=["classic", "quorum"], default="classic")
    parser.add_argument("--no-mosquitto", action="store_true", help="skip the baseline")
    parser.add_argument("--keep", action="store_true", help="keep the folder (logs, data)")
    args = parser.parse_args()
    args.agents -= args.agents % NODES
    if not rabbitmq_installed():
        print("rabbitmq-server not installed: apt-get install rabbitmq-server", file=sys.stderr)
        return 2
    with contextlib.ExitStack() as stack:
        if args.keep:
            folder = Path(tempfile.mkdtemp(prefix="xaso-cluster-"))
            say(folder=folder)
        else:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="xaso-cluster-")))
        light = agent_ids(args.agents)
        inventory = folder / "devices.yaml"
        real = [real_agent_id(n) for n in range(1, NODES + 1)]
        inventory.write_text(inventory_yaml(light, real, args.devices), encoding="utf-8")
        baseline = None if args.no_mosquitto else mosquitto_baseline(folder, args, inventory)
        ok = rabbitmq_run(folder, args, inventory, baseline)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
