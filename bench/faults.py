"""The fault suite: xaso run as it is deployed, attacked, and checked against a ledger.

What runs
---------
Every fault gets a fresh deployment on this machine: Mosquitto configured exactly as
``deploy/mosquitto`` ships it (passwords, the ACL, client ids bound to user names; only
its port and file paths changed), InfluxDB 1.x (one ``influxd`` for the run, a database
per fault), ``xaso server`` as a process (with an alerts file whose webhook points at this
script), four real ``xaso agent`` processes beating every second with two devices each,
and a **ledger publisher**: a separate process playing two more gateways that publish 20
numbered records a second each (heartbeats, and a broadcast-log event every tenth) over
MQTT 5, keep every record to answer the server's replay requests, and write down every
record the broker acknowledged.

What is checked
---------------
After the fault is over and every agent has delivered what it holds, the suite stops the
agents and reads the store itself (InfluxDB's ``/query``), against two ledgers: the
ledger publisher's file, and each real agent's on-disk queue (which keeps every record it
numbered, delivered ones for an hour). Per fault it prints:

- ``sent``: numbered records the broker acknowledged to a publisher (real agents and the
  ledger publisher together);
- ``stored``: those found in the store; ``refused``: those the server refused by design
  (an impossible time), each listed with its reason (from the server's dead letters);
- ``lost``: acknowledged, neither stored nor refused;
- ``dup``: records stored more than once (the same number twice);
- ``false_offline``: offline transitions the fault does not explain (an agent killed is
  really offline: its own gateway is expected);
- ``false_alerts``: alert messages the webhook received (device down for 10 s).

Faults
------
``baseline`` (none), ``broker-kill`` (kill -9 twice), ``broker-restart`` (stopped
cleanly: it sends every client's will on its way down), ``influx-kill`` (kill -9, back after
50 s), ``influx-sigstop`` (SIGSTOP 60 s), ``server-kill``, ``power-cut`` (broker and
server kill -9 together), ``agent-kill``, ``agent-disk-full``, ``server-disk-full``,
``agent-clock`` (one agent 3 h ahead, one 3 h behind, through a broker restart and a
65 s cut), ``poison`` (1,200 messages nested
1,000 deep, integers past 64 bits, garbage), ``takeover`` (one gateway's credentials with
another's client id, and with the server's, on a clean session), ``dupes-reorder``
(records sent again, and held back to arrive after newer ones).

Run: ``.venv/bin/python bench/faults.py`` (all, about 10 minutes), or ``--only
power-cut,poison``. Needs mosquitto, influxd, and root for the tmpfs of the disk-full
faults. Exit status 1 if any fault lost, duplicated or raised something false.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import dataclasses
import http.server
import json
import multiprocessing as mp
import queue
import random
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import paho.mqtt.client as mqtt  # noqa: E402

from xaso.protocol import (  # noqa: E402
    SCHEMA_VERSION,
    AgentHealth,
    BroadcastEvent,
    DeviceReading,
    Heartbeat,
    ScheduledContent,
    Status,
    broadcast_topic,
    decode_replay,
    encode,
    heartbeat_topic,
    replay_topic,
    status_topic,
)
from xaso.server.database import FILE_NAME as DATABASE_FILE  # noqa: E402
from xaso.server.database import ServerDatabase  # noqa: E402
from xaso.server.web.tokens import Role, TokenStore  # noqa: E402
from xaso.testbed.disk import fill, tmpfs  # noqa: E402
from xaso.testbed.influxdb import InfluxServer, influxd_binary  # noqa: E402
from xaso.testbed.mosquitto import MosquittoServer  # noqa: E402
from xaso.testbed.ports import free_port  # noqa: E402

REAL_AGENTS = ("gw-1", "gw-2", "gw-3", "gw-4")
LEDGER_AGENTS = ("ledger-1", "ledger-2")
INTRUDER = "intruder-gw"  # a valid gateway's credentials, used to attack
LEDGER_RATE_HZ = 20.0
DOWN_FOR_S = 10  # the alert rule: a device offline this long is reported
WARM_S = 4.0  # every device online, before the fault
AFTER_S = 5.0  # life goes on after the fault, before the drain
DRAIN_S = 90.0  # at most this long for every gap to be filled (replays included)
SETTLE_S = 30.0  # then at most this long for the last acknowledged records to be stored


def cluster_of(agent: str) -> str:
    return f"{agent}-rc"


def camera_of(agent: str) -> str:
    return f"{agent}-cam"


# -- the deployment ----------------------------------------------------------------------


def inventory_yaml() -> str:
    lines = [
        "schema: 1",
        "name: fault suite",
        "timezone: Asia/Ho_Chi_Minh",
        "levels: [province, commune, village]",
        "areas:",
        "  - {code: prov, name: Tỉnh Thử, level: province}",
        "profiles:",
        "  gateway: {heartbeat_interval_s: 1, offline_after_s: 5}",
        "  radio_cluster: {heartbeat_interval_s: 1, offline_after_s: 5}",
        "  camera: {heartbeat_interval_s: 1, offline_after_s: 5}",
        "communes:",
    ]
    for number, agent in enumerate((*REAL_AGENTS, *LEDGER_AGENTS, INTRUDER), start=1):
        commune = f"c{number}"
        devices = [
            f"          - {{id: {cluster_of(agent)}, name: Cụm loa, type: radio_cluster,"
            f" village: {commune}.t1}}"
        ]
        if agent in REAL_AGENTS:
            devices.append(
                f"          - {{id: {camera_of(agent)}, name: Camera, type: camera,"
                f" location: {commune}.ubnd}}"
            )
        lines += [
            f"  - code: {commune}",
            f"    name: Xã {number}",
            "    kind: xa",
            "    parents: [{area: prov}]",
            f"    villages: [{{code: {commune}.t1, name: Thôn 1}}]",
            f"    key_locations: [{{code: {commune}.ubnd, name: UBND, kind: commune_centre}}]",
            "    agents:",
            f"      - id: {agent}",
            "        name: Gateway",
            "        kind: radio_gateway",
            "        devices:",
            *devices,
        ]
    return "\n".join(lines) + "\n"


class AlertReceiver:
    """The alerts webhook: keeps every message with the time it came."""

    def __init__(self) -> None:
        self.messages: list[tuple[float, dict[str, Any]]] = []
        received = self.messages

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                received.append((time.time(), json.loads(body)))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hook"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()


# The agent with its clock moved: time.time and time.time_ns shifted before xaso loads.
CLOCK_SKEWED = (
    "import sys, time; skew = float(sys.argv[1]); real, real_ns = time.time, time.time_ns; "
    "time.time = lambda: real() + skew; "
    "time.time_ns = lambda: real_ns() + int(skew * 1e9); "
    "from xaso.cli import main; sys.exit(main(sys.argv[2:]))"
)


class Deployment:
    """One fault's world: broker, server, agents and ledger publisher, in ``folder``."""

    def __init__(
        self,
        folder: Path,
        influx: InfluxServer,
        alerts: AlertReceiver,
        server_args: tuple[str, ...] = (),
    ) -> None:
        self.folder = folder
        self.server_args = server_args
        self.influx = influx
        self.database = f"faults_{secrets.token_hex(4)}"
        self.alerts = alerts
        self.passwords = {
            user: secrets.token_urlsafe(12)
            for user in ("xaso-server", *REAL_AGENTS, *LEDGER_AGENTS, INTRUDER)
        }
        self.broker = MosquittoServer.deployed(folder / "mosquitto", self.passwords)
        self.inventory = folder / "devices.yaml"
        self.inventory.write_text(inventory_yaml(), encoding="utf-8")
        self.data_dir = folder / "server"
        self.data_dir.mkdir()
        self.http_port = free_port()
        self.server: subprocess.Popen[bytes] | None = None
        self.agents: dict[str, subprocess.Popen[bytes]] = {}
        self.agent_dirs = {agent: folder / "agents" / agent for agent in REAL_AGENTS}
        self.ledger: LedgerProcess | None = None
        # Something every device answers on: the gateways probe it for their devices.
        self.device_port = socket.create_server(("127.0.0.1", 0), backlog=512)
        self.expected_offline: set[str] = set()
        self._admin: str | None = None

    # -- the server ----------------------------------------------------------------------

    def start_server(self) -> None:
        password = self.folder / "mqtt-password"
        password.write_text(self.passwords["xaso-server"], encoding="utf-8")
        alerts = self.folder / "alerts.yaml"
        alerts.write_text(
            "interval_s: 1\n"
            f"channels: [{{name: bench, type: webhook, url: {self.alerts.url}}}]\n"
            f"rules: [{{name: down, type: device_down, down_for_s: {DOWN_FOR_S},"
            " reminder_every_s: 0, channels: [bench]}]\n",
            encoding="utf-8",
        )
        if self._admin is None:
            with ServerDatabase(self.data_dir / DATABASE_FILE) as server_db:
                self._admin = TokenStore(server_db.connection).create(Role.ADMIN, name="faults")
        log = (self.folder / "server.log").open("ab")
        self.server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "xaso",
                "--log-level",
                "INFO",
                "server",
                "--inventory",
                str(self.inventory),
                "--mqtt",
                f"mqtt://xaso-server@127.0.0.1:{self.broker.port}",
                "--mqtt-password-file",
                str(password),
                "--store",
                f"influxdb://127.0.0.1:{self.influx.port}/{self.database}",
                "--data-dir",
                str(self.data_dir),
                "--listen",
                f"127.0.0.1:{self.http_port}",
                "--alerts",
                str(alerts),
                # Asked again after 5 s, not a minute: the suite must end in minutes.
                "--replay-after-s",
                "5",
                *self.server_args,
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()

    def kill_server(self) -> None:
        if self.server is not None:
            self.server.kill()
            self.server.wait()
            self.server = None

    def stop_server(self) -> None:
        if self.server is not None:
            self.server.terminate()
            self.server.wait(timeout=20)
            self.server = None

    def api(self, path: str) -> Any:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.http_port}{path}",
            headers={"Authorization": f"Bearer {self._admin}"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
        return (
            json.loads(body) if response.headers.get_content_type() == "application/json" else body
        )

    def metrics(self) -> dict[str, float]:
        """The server's /metrics, unlabelled series summed by name."""
        with urllib.request.urlopen(
            f"http://127.0.0.1:{self.http_port}/metrics", timeout=10
        ) as response:
            text = response.read().decode()
        found: dict[str, float] = collections.defaultdict(float)
        for line in text.splitlines():
            if line and not line.startswith("#"):
                name, _, value = line.rpartition(" ")
                found[name.split("{")[0]] += float(value)
        return found

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(
                f"http://127.0.0.1:{self.http_port}/healthz", timeout=2
            ) as response:
                return response.status == 200
        except OSError:
            return False

    # -- the agents ----------------------------------------------------------------------

    def agent_config(self, agent: str) -> Path:
        folder = self.agent_dirs[agent]
        folder.mkdir(parents=True, exist_ok=True)
        password = self.folder / f"{agent}.password"
        password.write_text(self.passwords[agent], encoding="utf-8")
        port = self.device_port.getsockname()[1]
        config = self.folder / f"{agent}.yaml"
        config.write_text(
            f"agent: {{id: {agent}, heartbeat_interval_s: 1}}\n"
            f"mqtt: {{url: 'mqtt://127.0.0.1:{self.broker.port}', username: {agent},"
            f" password_file: '{password}', keepalive_s: 5, reconnect_min_s: 0.3,"
            " reconnect_max_s: 2}\n"
            f"state_dir: '{folder}'\n"
            "collectors:\n"
            "  reachability:\n"
            "    devices:\n"
            f"      - {{id: {cluster_of(agent)}, address: 127.0.0.1, port: {port}}}\n"
            f"      - {{id: {camera_of(agent)}, address: 127.0.0.1, port: {port}}}\n",
            encoding="utf-8",
        )
        return config

    def start_agent(self, agent: str, clock_skew_s: float = 0.0) -> None:
        config = self.agent_config(agent)
        command = ["-m", "xaso", "agent", "--config", str(config)]
        if clock_skew_s:
            command = ["-c", CLOCK_SKEWED, str(clock_skew_s), "agent", "--config", str(config)]
        log = (self.folder / f"{agent}.log").open("ab")
        self.agents[agent] = subprocess.Popen(
            [sys.executable, *command], stdout=log, stderr=subprocess.STDOUT
        )
        log.close()

    def signal_agent(self, agent: str, signum: int) -> None:
        process = self.agents.pop(agent)
        process.send_signal(signum)
        process.wait(timeout=20)

    def outbox_rows(self, agent: str) -> list[tuple[int, str, int | None]]:
        path = self.agent_dirs[agent] / "outbox.db"
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
        try:
            return db.execute("SELECT seq, kind, acked_ms FROM records").fetchall()
        finally:
            db.close()

    def outboxes_delivered(self) -> bool:
        return all(
            all(acked is not None for _, _, acked in self.outbox_rows(agent))
            for agent in REAL_AGENTS
        )

    # -- the whole -----------------------------------------------------------------------

    def start(self) -> None:
        self.broker.start()
        self.start_server()
        wait_until(self.healthy, "the server to be up", 30)
        for agent in REAL_AGENTS:
            self.start_agent(agent)
        self.ledger = LedgerProcess(self)
        self.ledger.start()
        wait_until(self.all_online, "every gateway and device online", 30)

    def all_online(self) -> bool:
        devices = self.api("/api/v1/devices")["devices"]
        wanted = {d["id"] for d in devices if not d["id"].startswith(INTRUDER)}
        return all(d["status"] == "online" for d in devices if d["id"] in wanted)

    def close(self) -> None:
        if self.ledger is not None:
            self.ledger.stop()
        for agent in list(self.agents):
            with contextlib.suppress(Exception):
                self.signal_agent(agent, signal.SIGKILL)
        self.kill_server()
        self.broker.stop(kill=True)
        self.device_port.close()


def wait_until(check: Callable[[], object], what: str, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError, ValueError, KeyError, sqlite3.Error):
            if check():
                return
        time.sleep(0.2)
    raise TimeoutError(f"timed out waiting for {what}")


# -- the ledger publisher ------------------------------------------------------------------


@dataclasses.dataclass
class LedgerSpec:
    port: int
    passwords: dict[str, str]
    folder: Path


class LedgerProcess:
    """The ledger publisher in a process of its own (a gateway is another machine: a
    kill -9 of the server or a GIL-heavy moment here must not slow it down)."""

    def __init__(self, deployment: Deployment) -> None:
        context = mp.get_context("spawn")
        self.stop_event = context.Event()
        self.dupes_reorder = context.Event()
        spec = LedgerSpec(
            deployment.broker.port,
            {a: deployment.passwords[a] for a in LEDGER_AGENTS},
            deployment.folder,
        )
        self.process = context.Process(
            target=run_ledger,
            args=(spec, self.stop_event, self.dupes_reorder),
            name="ledger-publisher",
        )
        self.folder = deployment.folder

    def start(self) -> None:
        self.process.start()

    def stop(self) -> None:
        self.stop_event.set()
        self.process.join(timeout=60)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()

    def ledger(self, agent: str) -> list[tuple[int, str]]:
        path = self.folder / f"{agent}.ledger"
        if not path.exists():
            return []
        rows = []
        for line in path.read_text(encoding="ascii").splitlines():
            seq, kind = line.split()
            rows.append((int(seq), kind))
        return rows


def run_ledger(spec: LedgerSpec, stop: Any, dupes_reorder: Any) -> None:
    agents = [LedgerAgent(agent, spec, dupes_reorder) for agent in LEDGER_AGENTS]
    for agent in agents:
        agent.connect()
    period_s = 1 / LEDGER_RATE_HZ
    next_at = time.monotonic()
    while not stop.is_set():
        for agent in agents:
            agent.produce()
            agent.pump()
        next_at += period_s
        while time.monotonic() < next_at:
            for agent in agents:
                agent.pump()
            time.sleep(0.002)
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline and any(a.unsettled() for a in agents):
        for agent in agents:
            agent.pump()
        time.sleep(0.01)
    for agent in agents:
        agent.close()


class LedgerAgent:
    """One gateway's numbered records, published at QoS 1 over MQTT 5. It keeps every
    record it made (to answer replay requests) and writes ``seq kind`` to its ledger
    file once the broker acknowledged it without refusal. Acknowledgements are handed
    from paho's thread through a queue, as the real agent does."""

    def __init__(self, agent: str, spec: LedgerSpec, dupes_reorder: Any) -> None:
        self.agent, self.spec, self.dupes_reorder = agent, spec, dupes_reorder
        self.cluster = cluster_of(agent)
        self.records: dict[int, tuple[str, bytes, str]] = {}  # seq -> topic, payload, kind
        self.to_send: collections.deque[int] = collections.deque()
        self.held: list[tuple[float, int]] = []  # reordered: (send at, seq)
        self.inflight: dict[int, int] = {}
        self.acked: set[int] = set()
        self.events: queue.SimpleQueue[tuple[str, int, object]] = queue.SimpleQueue()
        self.connected = threading.Event()
        self.next_seq = 1
        self.last_ts_ms = 0
        self.session = int(time.time() * 1000)
        self.ledger_file = (spec.folder / f"{agent}.ledger").open("a", encoding="ascii")
        self.client = mqtt.Client(
            callback_api_version=mqtt.CallbackAPIVersion.VERSION2,
            client_id=agent,
            protocol=mqtt.MQTTv5,
        )
        self.client.username_pw_set(agent, spec.passwords[agent])
        self.client.reconnect_delay_set(0.3, 2)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = lambda *a: self.events.put(("lost", 0, None))
        self.client.on_publish = lambda c, u, mid, rc, p: self.events.put(
            ("refused" if rc.is_failure else "ack", mid, None)
        )
        self.client.on_message = lambda c, u, m: self.events.put(("replay", 0, m.payload))
        self.client.on_pre_connect = self._on_pre_connect

    def _status(self, state: str) -> bytes:
        return encode(
            Status(
                v=SCHEMA_VERSION,
                agent=self.agent,
                state=state,  # type: ignore[arg-type]
                session=self.session,
                ts_ms=int(time.time() * 1000),
            )
        )

    def _on_pre_connect(self, client: mqtt.Client, userdata: object) -> None:
        self.session += 1
        client.will_set(status_topic(self.agent), self._status("offline"), qos=1, retain=True)

    def _on_connect(self, client: mqtt.Client, userdata: object, flags, rc, props) -> None:  # type: ignore[no-untyped-def]
        if rc.is_failure:
            return
        client.subscribe(replay_topic(self.agent), qos=1)
        client.publish(status_topic(self.agent), self._status("online"), qos=1, retain=True)
        self.events.put(("connected", 0, None))

    def connect(self) -> None:
        self.client.connect_async("127.0.0.1", self.spec.port, keepalive=5)
        self.client.loop_start()

    def produce(self) -> None:
        seq = self.next_seq
        self.next_seq += 1
        ts_ms = max(int(time.time() * 1000), self.last_ts_ms + 1)
        self.last_ts_ms = ts_ms
        if seq % 10 == 0:
            event = BroadcastEvent(
                v=SCHEMA_VERSION,
                agent=self.agent,
                session=self.session,
                seq=seq,
                ts_ms=ts_ms,
                event="received",
                cluster=self.cluster,
                schedule="ledger",
                revision=1,
                priority="normal",
                content=ScheduledContent(type="tts", duration_s=1.0, text="thử"),
            )
            self.records[seq] = (broadcast_topic(self.agent), encode(event), "event")
        else:
            beat = Heartbeat(
                v=SCHEMA_VERSION,
                agent=self.agent,
                session=self.session,
                seq=seq,
                ts_ms=ts_ms,
                interval_s=1.0,
                health=AgentHealth(uptime_s=float(seq)),
                devices=[DeviceReading(id=self.cluster, reachable=True)],
            )
            self.records[seq] = (heartbeat_topic(self.agent), encode(beat), "heartbeat")
        if self.dupes_reorder.is_set() and seq % 5 == 0:
            self.held.append((time.monotonic() + 2.0, seq))  # arrives after newer ones
        else:
            self.to_send.append(seq)
        if self.dupes_reorder.is_set() and self.acked and seq % 3 == 0:
            self.to_send.append(random.choice(tuple(self.acked)))  # sent twice

    def pump(self) -> None:
        while True:
            try:
                kind, mid, payload = self.events.get_nowait()
            except queue.Empty:
                break
            if kind == "connected":
                self.connected.set()
            elif kind == "lost":
                self.connected.clear()
                self.to_send.extendleft(sorted(self.inflight.values(), reverse=True))
                self.inflight.clear()
            elif kind in ("ack", "refused"):
                seq = self.inflight.pop(mid, None)
                if seq is None:
                    continue
                if kind == "refused":
                    self.to_send.append(seq)
                elif seq not in self.acked:
                    self.acked.add(seq)
                    self.ledger_file.write(f"{seq} {self.records[seq][2]}\n")
                    self.ledger_file.flush()
            else:
                self._replay(payload)
        now = time.monotonic()
        for at, seq in [h for h in self.held if h[0] <= now]:
            self.held.remove((at, seq))
            self.to_send.append(seq)
        while self.connected.is_set() and self.to_send and len(self.inflight) < 64:
            seq = self.to_send.popleft()
            topic, payload, _ = self.records[seq]
            info = self.client.publish(topic, payload, qos=1)
            if info.rc != mqtt.MQTT_ERR_SUCCESS:
                self.to_send.appendleft(seq)
                break
            self.inflight[info.mid] = seq

    def _replay(self, payload: object) -> None:
        request = decode_replay(bytes(payload))  # type: ignore[arg-type]
        upper = request.to_seq if request.to_seq is not None else self.next_seq
        for seq in range(request.from_seq, upper + 1):
            if seq in self.records:
                topic, body, kind = self.records[seq]
                document = json.loads(body)
                document["historical"] = True
                self.records[seq] = (topic, json.dumps(document).encode(), kind)
                self.to_send.append(seq)

    def unsettled(self) -> bool:
        return bool(self.to_send or self.inflight or self.held)

    def close(self) -> None:
        if self.connected.is_set():
            info = self.client.publish(
                status_topic(self.agent), self._status("stopped"), qos=1, retain=True
            )
            with contextlib.suppress(RuntimeError, ValueError):
                info.wait_for_publish(5)
        self.client.disconnect()
        self.client.loop_stop()
        self.ledger_file.close()


# -- reading the store ---------------------------------------------------------------------


def influx_rows(deployment: Deployment, query: str) -> list[dict[str, Any]]:
    url = f"{deployment.influx.url}/query?" + urllib.parse.urlencode(
        {"db": deployment.database, "q": query, "epoch": "ms"}
    )
    with urllib.request.urlopen(url, timeout=30) as response:
        result = json.loads(response.read())["results"][0]
    rows: list[dict[str, Any]] = []
    for series in result.get("series", []):
        columns = series["columns"]
        rows += [dict(zip(columns, values, strict=True)) for values in series["values"]]
    return rows


def stored_seqs(deployment: Deployment, measurement: str, agent: str) -> collections.Counter[int]:
    rows = influx_rows(
        deployment, f'SELECT seq FROM "{measurement}" WHERE "agent_id" = \'{agent}\''
    )
    return collections.Counter(int(row["seq"]) for row in rows)


MEASUREMENT = {"heartbeat": "agent_health", "event": "broadcast_event"}


@dataclasses.dataclass
class Outcome:
    fault: str
    sent: int = 0
    stored: int = 0
    refused: int = 0
    lost: int = 0
    duplicated: int = 0
    false_offline: int = 0
    false_alerts: int = 0
    seconds: float = 0.0
    notes: list[str] = dataclasses.field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (self.lost or self.duplicated or self.false_offline or self.false_alerts)


def refused_by_design(deployment: Deployment) -> dict[tuple[str, int], str]:
    """(agent, seq) -> reason, of the records the server refused as impossible."""
    found: dict[tuple[str, int], str] = {}
    listing = deployment.api("/api/v1/intake/dead-letters?reason=time_out_of_range&limit=500")
    for letter in listing["dead_letters"]:
        body = deployment.api(f"/api/v1/intake/dead-letters/{letter['id']}")
        with contextlib.suppress(ValueError, KeyError, TypeError):
            document = json.loads(body)
            found[(document["agent"], int(document["seq"]))] = letter["reason"]
    return found


def ledgers(deployment: Deployment) -> dict[str, list[tuple[int, str]]]:
    """Every numbered record a broker acknowledged, per agent."""
    found = {
        agent: [(seq, kind) for seq, kind, acked in deployment.outbox_rows(agent) if acked]
        for agent in REAL_AGENTS
    }
    assert deployment.ledger is not None
    for agent in LEDGER_AGENTS:
        found[agent] = deployment.ledger.ledger(agent)
    return found


def account(deployment: Deployment, outcome: Outcome) -> None:
    """Set sent/stored/refused/lost/duplicated from the ledgers and the store."""
    refused = refused_by_design(deployment)
    totals = collections.Counter[str]()
    for agent, rows in ledgers(deployment).items():
        by_kind: dict[str, set[int]] = collections.defaultdict(set)
        for seq, kind in rows:
            by_kind[kind].add(seq)
        for kind, seqs in by_kind.items():
            stored = stored_seqs(deployment, MEASUREMENT[kind], agent)
            totals["sent"] += len(seqs)
            totals["stored"] += len(seqs & set(stored))
            totals["refused"] += len({s for s in seqs if (agent, s) in refused} - set(stored))
            missing = seqs - set(stored) - {s for s in seqs if (agent, s) in refused}
            totals["lost"] += len(missing)
            totals["duplicated"] += sum(n - 1 for s, n in stored.items() if n > 1 and s >= 0)
            if missing:
                outcome.notes.append(f"{agent} {kind} lost {sorted(missing)[:10]}")
    outcome.sent, outcome.stored = totals["sent"], totals["stored"]
    outcome.refused, outcome.lost = totals["refused"], totals["lost"]
    outcome.duplicated = totals["duplicated"]
    if refused:
        reasons = collections.Counter(refused.values())
        outcome.notes.append("refused: " + ", ".join(f"{n} {r}" for r, n in reasons.items()))


def what_the_server_did(deployment: Deployment) -> str:
    """Its own counters (since its last start) and the dead letters it kept."""
    text = deployment.metrics()
    wanted = {
        "xaso_replay_requests_total": "replay requests",
        "xaso_records_restamped_total": "restamped",
        "xaso_sequence_lost": "given up as lost",
    }
    parts = [f"{label} {int(text.get(name, 0))}" for name, label in wanted.items()]
    letters = deployment.api("/api/v1/intake/dead-letters?limit=500")
    reasons = collections.Counter(letter["reason"] for letter in letters["dead_letters"])
    kept = ", ".join(f"{n} {reason}" for reason, n in reasons.most_common())
    parts.append(f"dead letters kept {letters['kept']}" + (f" ({kept})" if kept else ""))
    return "server: " + "; ".join(parts)


def false_offline(deployment: Deployment, from_ms: int, to_ms: int) -> list[str]:
    rows = influx_rows(
        deployment,
        f'SELECT device_id, cause FROM "transition" WHERE "status" = \'offline\''
        f" AND time >= {from_ms}ms AND time <= {to_ms}ms",
    )
    return [
        f"{row['device_id']} ({row['cause']})"
        for row in rows
        if row["device_id"] not in deployment.expected_offline
    ]


# -- the faults ----------------------------------------------------------------------------


def baseline(d: Deployment) -> None:
    time.sleep(10)


def broker_kill(d: Deployment) -> None:
    for _ in range(2):
        time.sleep(3)
        d.broker.stop(kill=True)
        time.sleep(2)
        d.broker.start()


def broker_restart(d: Deployment) -> None:
    """Stopped cleanly (an upgrade): it sends every client's will on its way down."""
    time.sleep(3)
    d.broker.stop()
    time.sleep(3)
    d.broker.start()


def influx_kill(d: Deployment) -> None:
    d.influx.kill()
    time.sleep(50)
    d.influx.start()


def influx_sigstop(d: Deployment) -> None:
    d.influx.pause()
    time.sleep(60)
    d.influx.resume()


def server_kill(d: Deployment) -> None:
    d.kill_server()
    time.sleep(3)
    d.start_server()
    wait_until(d.healthy, "the server back", 30)


def power_cut(d: Deployment) -> None:
    """The server's host loses power: broker and server die together; the broker comes
    back with what it last saved (autosave_interval, 60 s as shipped)."""
    time.sleep(3)
    d.broker.stop(kill=True)
    d.kill_server()
    time.sleep(3)
    d.broker.start()
    d.start_server()
    wait_until(d.healthy, "the server back", 30)


def agent_kill(d: Deployment) -> None:
    # Its gateway really goes offline (the will): that one is expected.
    d.expected_offline.add("gw-2")
    d.signal_agent("gw-2", signal.SIGKILL)
    time.sleep(3)
    d.start_agent("gw-2")


def agent_disk_full(d: Deployment) -> None:
    ballast = fill(d.agent_dirs["gw-1"])
    for _ in range(3):  # restarted on the full disk
        time.sleep(4)
        d.signal_agent("gw-1", signal.SIGTERM)
        d.start_agent("gw-1")
    time.sleep(4)
    ballast.unlink()


def server_disk_full(d: Deployment) -> None:
    ballast = fill(d.data_dir)
    time.sleep(20)
    ballast.unlink()


def agent_clock(d: Deployment) -> None:
    d.signal_agent("gw-3", signal.SIGTERM)
    d.signal_agent("gw-4", signal.SIGTERM)
    d.start_agent("gw-3", clock_skew_s=3 * 3600)
    d.start_agent("gw-4", clock_skew_s=-3 * 3600)
    time.sleep(6)
    # A broker restart: what the gateways made meanwhile arrives in one burst, still
    # live, and the server stamps gw-3's (3 h ahead) with its own time.
    d.broker.stop()
    time.sleep(4)
    d.broker.start()
    time.sleep(6)
    # Cut off longer than their live window (60 s): what they queued comes as backlog.
    # gw-4's (3 h behind) is believable and stored at its time; gw-3's, 3 h in the
    # future, cannot have happened yet: refused by design, and listed.
    d.broker.stop(kill=True)
    time.sleep(65)
    d.broker.start()
    time.sleep(6)


def poison(d: Deployment) -> None:
    nested = b'{"v": 1, "agent": "intruder-gw", "x": ' + b"[" * 1000 + b"]" * 1000 + b"}"
    huge = (
        b'{"v":1,"agent":"intruder-gw","session":1,"seq":18446744073709551616,'
        b'"ts_ms":1,"interval_s":1,"health":{}}'
    )
    client = connect_as(d, INTRUDER)
    try:
        topic = heartbeat_topic(INTRUDER)
        for _ in range(1200):
            client.publish(topic, nested, qos=1)
        for payload in (huge, b"\xff\xfe garbage", b"{", b"[]" * 1000):
            client.publish(topic, payload, qos=1)
        client.publish(broadcast_topic(INTRUDER), nested, qos=1).wait_for_publish(30)
    finally:
        client.loop_stop()
        client.disconnect()
    time.sleep(5)


def takeover(d: Deployment) -> None:
    for client_id in ("gw-1", "gw-2", "ledger-1") * 2 + ("xaso-server",) * 2:
        client = connect_as(d, INTRUDER, client_id=client_id, clean=True)
        time.sleep(0.5)
        client.loop_stop()
        client.disconnect()
    time.sleep(5)


def dupes_reorder(d: Deployment) -> None:
    assert d.ledger is not None
    d.ledger.dupes_reorder.set()
    time.sleep(15)
    d.ledger.dupes_reorder.clear()


def connect_as(d: Deployment, user: str, client_id: str = "", clean: bool = True) -> mqtt.Client:
    connected = threading.Event()
    client = mqtt.Client(
        callback_api_version=mqtt.CallbackAPIVersion.VERSION2,
        client_id=client_id,
        protocol=mqtt.MQTTv311,
        clean_session=clean,
    )
    client.username_pw_set(user, d.passwords[user])
    client.on_connect = lambda *a: connected.set()
    client.connect("127.0.0.1", d.broker.port)
    client.loop_start()
    connected.wait(10)
    return client


FAULTS: dict[str, tuple[Callable[[Deployment], None], dict[str, Any]]] = {
    "baseline": (baseline, {}),
    "broker-kill": (broker_kill, {}),
    "broker-restart": (broker_restart, {}),
    "influx-kill": (influx_kill, {}),
    "influx-sigstop": (influx_sigstop, {}),
    "server-kill": (server_kill, {}),
    "power-cut": (power_cut, {}),
    "agent-kill": (agent_kill, {}),
    "agent-disk-full": (agent_disk_full, {"agent_disk": "3m"}),
    "server-disk-full": (server_disk_full, {"server_disk": "8m"}),
    "agent-clock": (agent_clock, {}),
    "poison": (poison, {}),
    "takeover": (takeover, {}),
    "dupes-reorder": (dupes_reorder, {}),
}


def run_fault(
    name: str,
    influx: InfluxServer,
    alerts: AlertReceiver,
    folder: Path,
    server_args: tuple[str, ...] = (),
) -> Outcome:
    inject, options = FAULTS[name]
    outcome = Outcome(name)
    started = time.monotonic()
    with contextlib.ExitStack() as stack:
        d = Deployment(folder, influx, alerts, server_args)
        if "agent_disk" in options:
            stack.enter_context(tmpfs(d.agent_dirs["gw-1"], options["agent_disk"]))
        if "server_disk" in options:
            stack.enter_context(tmpfs(d.data_dir, options["server_disk"]))
        stack.callback(d.close)
        d.start()
        time.sleep(WARM_S)
        alerts.messages.clear()
        from_ms = int(time.time() * 1000)
        inject(d)
        time.sleep(AFTER_S)
        # Every gap filled: what the server still misses, it has asked for (replays).
        wait_until(
            lambda: (
                d.healthy()
                and all(a["missing"] == 0 for a in d.api("/api/v1/intake/agents")["agents"])
                and d.outboxes_delivered()
            ),
            "every gap to be filled",
            DRAIN_S,
        )
        to_ms = int(time.time() * 1000)
        outcome.false_alerts = sum(
            1 for at, m in alerts.messages if m.get("state") == "firing" and at * 1000 <= to_ms
        )
        assert d.ledger is not None
        d.ledger.stop()
        for agent in list(d.agents):
            d.signal_agent(agent, signal.SIGTERM)
        offline = false_offline(d, from_ms, to_ms)
        outcome.false_offline = len(offline)
        if offline:
            outcome.notes.append("offline: " + ", ".join(offline[:8]))
        # The last acknowledged records are still on their way to the store: account
        # until nothing is missing, or the server had its chance.
        deadline = time.monotonic() + SETTLE_S
        while True:
            counted = Outcome(name)
            account(d, counted)
            if counted.lost == 0 or time.monotonic() > deadline:
                break
            time.sleep(1)
        for field in ("sent", "stored", "refused", "lost", "duplicated"):
            setattr(outcome, field, getattr(counted, field))
        outcome.notes += counted.notes
        outcome.notes.append(what_the_server_did(d))
        for _, message in alerts.messages:
            outcome.notes.append(f"alert {message.get('rule')} {message.get('key')}")
    outcome.seconds = time.monotonic() - started
    return outcome


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", help="comma-separated faults (default: all)")
    parser.add_argument("--keep", action="store_true", help="keep the working folder")
    parser.add_argument(
        "--server-args",
        default="",
        help="more options for every xaso server, to see the suite catch a weakened one: "
        "'--intake-stall-s 100000' turns off the stall guard",
    )
    args = parser.parse_args()
    names = args.only.split(",") if args.only else list(FAULTS)
    unknown = [n for n in names if n not in FAULTS]
    if unknown:
        parser.error(f"unknown faults {unknown}; choose from {list(FAULTS)}")
    root = Path(tempfile.mkdtemp(prefix="xaso-faults-"))
    (root / "influxd").mkdir()
    influx = InfluxServer(influxd_binary(), root / "influxd")
    influx.start()
    alerts = AlertReceiver()
    outcomes = []
    print(
        f"{'fault':<18}{'sent':>8}{'stored':>8}{'refused':>9}{'lost':>6}{'dup':>5}"
        f"{'false_offline':>15}{'false_alerts':>14}{'seconds':>9}",
        flush=True,
    )
    try:
        for name in names:
            try:
                outcome = run_fault(
                    name, influx, alerts, root / name, tuple(args.server_args.split())
                )
            except (TimeoutError, OSError, subprocess.SubprocessError) as exc:
                outcome = Outcome(name, lost=-1, notes=[f"did not complete: {exc}"])
            outcomes.append(outcome)
            print(
                f"{name:<18}{outcome.sent:>8}{outcome.stored:>8}{outcome.refused:>9}"
                f"{outcome.lost:>6}{outcome.duplicated:>5}{outcome.false_offline:>15}"
                f"{outcome.false_alerts:>14}{outcome.seconds:>9.0f}",
                flush=True,
            )
            for note in outcome.notes:
                print(f"    {note}", flush=True)
    finally:
        alerts.close()
        influx.stop()
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
        else:
            print(f"kept {root}")
    return 0 if all(o.clean for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
