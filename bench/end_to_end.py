"""End-to-end ingest benchmark: heartbeats through a real broker into a real store.

What it measures
----------------
A load generator (a separate process, so the server's CPU is its own) plays N agents
with D devices each and publishes valid heartbeats (``xaso.protocol``) at QoS 1, as
fast as the pipeline allows, for S seconds. The end-to-end number of heartbeats in
flight (published but not yet stored) is bounded (``--in-flight``), so the figure is the
*sustained* rate of the whole pipeline, not the speed of filling the broker's queue.

Every phase starts its own Mosquitto (and, for InfluxDB, its own ``influxd``) on free
loopback ports in a temporary folder, using the test helpers in ``xaso/testbed``:

1. ``broker-only`` baseline: the same generator into a plain paho subscriber (same
   process as the server would be, persistent session, manual ack) that only counts
   and acknowledges. This is the ceiling set by Mosquitto + paho on this machine.
2. ``sqlite`` and/or ``influxdb``: the real server app (``create_app`` on an
   ``AppRunner``) ingests, tracks state and writes; the generator waits for the store.

After the load stops the bench waits until every published heartbeat is stored, then
reads every agent's ``agent_health`` series back and checks each published ``seq`` is
there exactly once.

Reading the output
------------------
One line per phase, then the comparison, e.g.::

    store=sqlite agents=200 devices=3000 published=41000 stored_heartbeats=41000
      heartbeats_per_s=2050 records_per_s=32900 server_cpu_pct=97 broker_cpu_pct=21 ...
      lost=0 duplicates_collapsed=0 ratio_vs_broker_only=0.21

- ``heartbeats_per_s``: stored heartbeats / seconds from the first publish until the
  last one was stored (drain included). ``records_per_s``: store records per second
  (one agent_health + one reading per device per heartbeat, plus status transitions).
- ``*_cpu_pct``: CPU time of that process over the same interval; 100 = one full core
  (the machine has two). ``server`` is this process: event loop, paho thread and the
  SQLite thread together. Near 100 means the server's Python is the bottleneck.
- ``lost``: published (PUBACKed) heartbeats missing from the store. Must be 0.
- ``duplicates_collapsed``: heartbeats the server received more than once (broker
  redeliveries) that the store kept once. Usually 0 in a clean run.
- ``ratio_vs_broker_only``: this store's heartbeats_per_s over the baseline's.

Device time advances 1 ms per heartbeat of an agent (real agents are 30 s apart) so
that every record has its own key; the server's cost does not depend on the spacing.

Run: ``.venv/bin/python bench/end_to_end.py --store both --agents 200
--devices-per-agent 15 --seconds 20``. ``--profile`` prints the top cProfile costs of
the server's event loop thread (the ingest path) for each store phase.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import io
import logging
import multiprocessing as mp
import os
import pstats
import random
import resource
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from multiprocessing.sharedctypes import Synchronized
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import paho.mqtt.client as mqtt  # noqa: E402

from xaso.protocol import (  # noqa: E402
    SCHEMA_VERSION,
    SUBSCRIPTION,
    AgentHealth,
    DeviceReading,
    Heartbeat,
    Status,
    encode,
    heartbeat_topic,
    status_topic,
)

log = logging.getLogger("bench")

DRAIN_TIMEOUT_S = 120.0  # after the load stops, how long the store may take to catch up
CONNECT_TIMEOUT_S = 15.0
GENERATOR_CONNECTIONS = 4  # MQTT connections the generator spreads the agents over
CLK_TCK = os.sysconf("SC_CLK_TCK")


# -- inventory ------------------------------------------------------------------------


@dataclass(frozen=True)
class Fleet:
    """Agent ids and, for each, the device ids it answers for (in inventory order)."""

    devices_of: dict[str, list[str]]

    @property
    def agents(self) -> list[str]:
        return list(self.devices_of)

    @property
    def device_count(self) -> int:
        return sum(len(d) for d in self.devices_of.values())


def make_fleet(agents: int, devices_per_agent: int) -> Fleet:
    """Two agents per commune (a radio gateway and a CCTV gateway), D devices each."""
    devices_of: dict[str, list[str]] = {}
    for a in range(agents):
        commune, role = a // 2, ("radio" if a % 2 == 0 else "cctv")
        agent_id = f"c{commune:04d}-{role}-gw"
        prefix = "rc" if role == "radio" else "cam"
        devices_of[agent_id] = [
            f"c{commune:04d}-{prefix}-{d:02d}" for d in range(1, devices_per_agent + 1)
        ]
    return Fleet(devices_of)


def inventory_yaml(fleet: Fleet) -> str:
    """The fleet as a ``devices.yaml`` (schema 1), like tests/data/small-inventory.yaml."""
    lines = [
        "schema: 1",
        "name: bench province",
        "timezone: Asia/Ho_Chi_Minh",
        "levels: [province, commune, village]",
        "areas:",
        "  - {code: prov, name: Tỉnh Bench, level: province}",
        "communes:",
    ]
    communes: dict[str, list[str]] = {}
    for agent_id in fleet.agents:
        communes.setdefault(agent_id[:5], []).append(agent_id)
    for code, agent_ids in communes.items():
        lines += [
            f"  - code: {code}",
            f"    name: Xã {code}",
            "    kind: xa",
            "    parents: [{area: prov}]",
            f"    villages: [{{code: {code}.t1, name: Thôn 1}}]",
            f"    key_locations: [{{code: {code}.ubnd, name: UBND, kind: commune_centre}}]",
            "    agents:",
        ]
        for agent_id in agent_ids:
            radio = "-radio-" in agent_id
            lines += [
                f"      - id: {agent_id}",
                f"        name: Gateway {agent_id}",
                f"        kind: {'radio_gateway' if radio else 'cctv_gateway'}",
                "        devices:",
            ]
            for device_id in fleet.devices_of[agent_id]:
                place = f"village: {code}.t1" if radio else f"location: {code}.ubnd"
                kind = "radio_cluster" if radio else "camera"
                lines.append(
                    f"          - {{id: {device_id}, name: {device_id}, type: {kind}, {place}}}"
                )
    return "\n".join(lines) + "\n"


def load_index(fleet: Fleet, folder: Path) -> Any:
    from xaso.inventory import load_inventory

    path = folder / "devices.yaml"
    path.write_text(inventory_yaml(fleet), encoding="utf-8")
    return load_inventory(path).index()


# -- heartbeats -----------------------------------------------------------------------


class ReadingModel:
    """Plausible probe results: each device has its own RTT, ~2% are down, and one
    reading in a thousand flips state (so some transitions are stored too).

    A few rounds of readings are drawn up front and cycled, so that the generator
    spends its CPU on publishing rather than on random numbers."""

    ROUNDS = 16

    def __init__(self, device_ids: Sequence[str], rng: random.Random) -> None:
        rtt = {d: rng.uniform(3.0, 80.0) for d in device_ids}
        down = {d for d in device_ids if rng.random() < 0.02}
        self._rounds = [
            [self._reading(d, rtt[d], (d not in down) != (rng.random() < 0.001), rng) for d in rtt]
            for _ in range(self.ROUNDS)
        ]

    @staticmethod
    def _reading(device_id: str, rtt: float, up: bool, rng: random.Random) -> DeviceReading:
        if up:
            return DeviceReading(
                id=device_id, reachable=True, rtt_ms=round(rng.gauss(rtt, rtt / 10), 1)
            )
        return DeviceReading(id=device_id, reachable=False, error="timeout")

    def readings(self, seq: int) -> list[DeviceReading]:
        return self._rounds[seq % self.ROUNDS]


def heartbeat_payload(
    agent_id: str, session: int, seq: int, base_ms: int, model: ReadingModel
) -> bytes:
    beat = Heartbeat(
        v=SCHEMA_VERSION,
        agent=agent_id,
        session=session,
        seq=seq,
        ts_ms=base_ms + seq,
        interval_s=30.0,
        health=AgentHealth(
            uptime_s=86_400.0 + seq * 30,
            load1=0.05 + (seq % 140) / 100,
            mem_used_pct=30.0 + seq % 30,
            disk_free_pct=62.5,
            temp_c=45.0 + seq % 15,
        ),
        devices=model.readings(seq),
    )
    return encode(beat)


# -- load generator (runs in its own process) -------------------------------------------


@dataclass
class LoadSpec:
    host: str
    port: int
    devices_of: dict[str, list[str]]
    seconds: float
    in_flight: int
    connections: int = GENERATOR_CONNECTIONS
    seed: int = 1


@dataclass
class LoadResult:
    published: dict[str, int]  # agent -> heartbeats PUBACKed (seq 1..n)
    session: int
    base_ms: int
    cpu_s: float
    error: str = ""


def _connect_publisher(host: str, port: int, client_id: str, max_inflight: int) -> mqtt.Client:
    """A publisher driven by the caller's thread (``pump``), not by a paho thread: one
    thread per process avoids GIL ping-pong and makes the generator cheaper."""
    client = mqtt.Client(
        callback_api_version=mqtt.CallbackAPIVersion.VERSION2,
        client_id=client_id,
        protocol=mqtt.MQTTv311,
    )
    client.max_inflight_messages_set(max_inflight)
    client.max_queued_messages_set(0)
    client.connect(host, port, keepalive=30)
    deadline = time.monotonic() + CONNECT_TIMEOUT_S
    while not client.is_connected():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{client_id} did not connect")
        client.loop(timeout=0.01)
    return client


def pump(clients: Sequence[mqtt.Client], timeout_s: float = 0.0) -> None:
    """Let every client send what it queued and read its PUBACKs."""
    for client in clients:
        rc = client.loop(timeout=timeout_s)
        if rc != mqtt.MQTT_ERR_SUCCESS:
            raise RuntimeError(f"publisher connection failed: {mqtt.error_string(rc)}")


def generate_load(
    spec: LoadSpec, consumed: Synchronized, ready: Any, go: Any, result_pipe: Any
) -> None:
    """Process entry point: connect, wait for ``go``, publish heartbeats for
    ``spec.seconds`` while keeping ``published - consumed <= in_flight``, report."""
    clients: list[mqtt.Client] = []
    try:
        per_conn = max(1, spec.in_flight // spec.connections)
        clients = [
            _connect_publisher(spec.host, spec.port, f"bench-load-{i}", per_conn)
            for i in range(spec.connections)
        ]
        rng = random.Random(spec.seed)
        models = {a: ReadingModel(devices, rng) for a, devices in spec.devices_of.items()}
        base_ms = int(time.time() * 1000)
        ready.set()
        while not go.wait(0.1):
            pump(clients)  # keep the connections alive while the parent gets ready
        infos = _publish_loop(spec, clients, models, base_ms, consumed)
        published = _await_pubacks(clients, infos)
        result_pipe.send(LoadResult(published, base_ms, base_ms, time.process_time()))
    except BaseException as exc:  # report, never leave the parent waiting
        result_pipe.send(LoadResult({}, 0, 0, time.process_time(), error=repr(exc)))
    finally:
        for client in clients:
            client.disconnect()


def _publish_loop(
    spec: LoadSpec,
    clients: list[mqtt.Client],
    models: dict[str, ReadingModel],
    base_ms: int,
    consumed: Synchronized,
) -> dict[str, list[mqtt.MQTTMessageInfo]]:
    """Round-robin over agents, one heartbeat each turn, until time is up. The
    session is ``base_ms``; device time is ``base_ms + seq``."""
    agents = list(models)
    topics = {a: heartbeat_topic(a) for a in agents}
    infos: dict[str, list[mqtt.MQTTMessageInfo]] = {a: [] for a in agents}
    seq = dict.fromkeys(agents, 0)
    sent = 0
    deadline = time.monotonic() + spec.seconds
    while time.monotonic() < deadline:
        for i, agent_id in enumerate(agents):
            while sent - consumed.value >= spec.in_flight:
                pump(clients, 0.0005)
            seq[agent_id] += 1
            payload = heartbeat_payload(agent_id, base_ms, seq[agent_id], base_ms, models[agent_id])
            info = clients[i % len(clients)].publish(topics[agent_id], payload, qos=1)
            if info.rc != mqtt.MQTT_ERR_SUCCESS:
                raise RuntimeError(f"publish failed: {mqtt.error_string(info.rc)}")
            infos[agent_id].append(info)
            sent += 1
            if sent % 16 == 0:
                pump(clients)
    return infos


def _await_pubacks(
    clients: list[mqtt.Client], infos: dict[str, list[mqtt.MQTTMessageInfo]]
) -> dict[str, int]:
    """Per agent, how many heartbeats (seq 1..n) the broker acknowledged: "published"
    means the broker took responsibility for it."""
    deadline = time.monotonic() + DRAIN_TIMEOUT_S
    waiting = [info for agent_infos in infos.values() for info in agent_infos]
    while waiting and time.monotonic() < deadline:
        pump(clients, 0.01)
        waiting = [info for info in waiting if not info.is_published()]
    published = {}
    for agent_id, agent_infos in infos.items():
        n = 0
        while n < len(agent_infos) and agent_infos[n].is_published():
            n += 1
        published[agent_id] = n
    return published


@contextlib.contextmanager
def load_generator(spec: LoadSpec, consumed: Synchronized) -> Iterator[LoadRun]:
    """Start the generator process (connected, waiting); always stop it on exit."""
    ctx = mp.get_context("spawn")
    ready, go = ctx.Event(), ctx.Event()
    receive, send = ctx.Pipe(duplex=False)
    process = ctx.Process(
        target=generate_load, args=(spec, consumed, ready, go, send), name="bench-load", daemon=True
    )
    process.start()
    try:
        if not ready.wait(CONNECT_TIMEOUT_S):
            raise RuntimeError("load generator did not connect in time")
        yield LoadRun(process, go, receive)
    finally:
        if process.is_alive():
            process.terminate()
        process.join(5)
        if process.is_alive():
            process.kill()
            process.join()


@dataclass
class LoadRun:
    process: Any
    go: Any
    results: Any

    def start(self) -> None:
        self.go.set()

    async def result(self, timeout_s: float) -> LoadResult:
        deadline = time.monotonic() + timeout_s
        # Short polls, so that Ctrl-C does not wait for a thread stuck in a long one.
        while not await asyncio.to_thread(self.results.poll, 0.2):
            if time.monotonic() > deadline or not self.process.is_alive():
                raise RuntimeError("load generator did not report in time")
        result: LoadResult = self.results.recv()
        if result.error:
            raise RuntimeError(f"load generator failed: {result.error}")
        return result


# -- CPU accounting ---------------------------------------------------------------------


def self_cpu_s() -> float:
    """CPU of this process, every thread (event loop, paho, SQLite worker)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def pid_cpu_s(pid: int | None) -> float:
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime


def service_pid(service: Any) -> int | None:
    # The test helpers keep their Popen private; reading it is fine for a bench.
    process = getattr(service, "_process", None)
    return process.pid if process is not None else None


@dataclass
class CpuMeter:
    """CPU seconds of this process and of the given services over one interval."""

    pids: dict[str, int | None]
    start: dict[str, float] = field(default_factory=dict)

    def begin(self) -> None:
        self.start = self._now()

    def pct(self, wall_s: float) -> dict[str, float]:
        now = self._now()
        return {k: 100 * (now[k] - self.start[k]) / wall_s for k in now}

    def _now(self) -> dict[str, float]:
        values = {"server": self_cpu_s()}
        values.update({name: pid_cpu_s(pid) for name, pid in self.pids.items()})
        return values


# -- consumers: the baseline subscriber and the real server -------------------------


class CountingSubscriber:
    """The baseline: a paho subscriber set up like the server's link, that only
    counts heartbeats and acknowledges them."""

    def __init__(self, host: str, port: int, consumed: Synchronized) -> None:
        self.consumed = consumed
        self.received = 0
        self._subscribed = threading.Event()
        client = mqtt.Client(
            callback_api_version=mqtt.CallbackAPIVersion.VERSION2,
            client_id="bench-baseline",
            clean_session=False,
            protocol=mqtt.MQTTv311,
            manual_ack=True,
        )
        client.on_connect = lambda c, *_: c.subscribe(SUBSCRIPTION, qos=1)
        client.on_subscribe = lambda *_: self._subscribed.set()
        client.on_message = self._on_message
        self._client = client
        self._host, self._port = host, port

    def _on_message(self, client: mqtt.Client, userdata: object, msg: mqtt.MQTTMessage) -> None:
        client.ack(msg.mid, msg.qos)
        if msg.topic.endswith("/heartbeat"):
            self.received += 1
            self.consumed.value = self.received

    def start(self) -> None:
        self._client.connect(self._host, self._port, keepalive=30)
        self._client.loop_start()
        if not self._subscribed.wait(CONNECT_TIMEOUT_S):
            raise RuntimeError("baseline subscriber did not subscribe in time")

    def stop(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()


class CountingStore:
    """Wraps the real store to count stored heartbeats (agent_health records) and tell
    the generator, so its in-flight bound is end to end."""

    def __init__(self, store: Any, consumed: Synchronized) -> None:
        from xaso.server.records import AgentHealthRecord

        self._store = store
        self._health = AgentHealthRecord
        self.consumed = consumed
        self.heartbeats = 0
        self.name = store.name

    async def write(self, records: Sequence[Any]) -> Any:
        result = await self._store.write(records)
        self.heartbeats += sum(type(r) is self._health for r in records)
        self.consumed.value = self.heartbeats
        return result

    def __getattr__(self, name: str) -> Any:  # reads, ping, close: the real store
        return getattr(self._store, name)


@contextlib.asynccontextmanager
async def running_server(
    mqtt_url: str, store_url: str, index: Any, folder: Path, consumed: Synchronized
) -> Any:
    """The real app on an AppRunner, with our counting wrapper around its store."""
    from aiohttp import web

    from xaso.server.app import Deps, create_app
    from xaso.server.keys import METRICS
    from xaso.server.settings import Settings
    from xaso.server.store import open_store
    from xaso.testbed.ports import free_port

    store = CountingStore(await open_store(store_url), consumed)
    settings = Settings(
        inventory=str(folder / "devices.yaml"),
        mqtt=mqtt_url,
        store=store_url,
        listen=f"127.0.0.1:{free_port()}",
        data_dir=str(folder),
        mqtt_client_id="xaso-server-bench",
    )
    app = create_app(settings, Deps(store=store, index=index))
    runner = web.AppRunner(app)
    try:
        await runner.setup()
        host, port = settings.listen_host_port
        await web.TCPSite(runner, host, port).start()
        yield app, store, app[METRICS]
    finally:
        await runner.cleanup()
        await store.close()


# -- one phase ------------------------------------------------------------------------


@dataclass
class PhaseResult:
    label: str
    published: int
    stored: int
    wall_s: float
    cpu_pct: dict[str, float]
    records: int = 0
    lost: int = 0
    duplicates: int = 0

    @property
    def heartbeats_per_s(self) -> float:
        return self.stored / self.wall_s

    def line(self, fleet: Fleet, baseline: PhaseResult | None) -> str:
        parts = [
            f"store={self.label}",
            f"agents={len(fleet.agents)}",
            f"devices={fleet.device_count}",
            f"published={self.published}",
            f"stored_heartbeats={self.stored}",
            f"seconds={self.wall_s:.1f}",
            f"heartbeats_per_s={self.heartbeats_per_s:.0f}",
        ]
        if self.records:
            parts.append(f"records_per_s={self.records / self.wall_s:.0f}")
        parts += [f"{name}_cpu_pct={pct:.0f}" for name, pct in self.cpu_pct.items()]
        if self.label != "broker-only":
            parts += [f"lost={self.lost}", f"duplicates_collapsed={self.duplicates}"]
        if baseline is not None:
            ratio = self.heartbeats_per_s / baseline.heartbeats_per_s
            parts.append(f"ratio_vs_broker_only={ratio:.2f}")
        return " ".join(parts)


async def wait_for(
    condition: Callable[[], bool], timeout_s: float, what: str, poll_s: float = 0.01
) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout_s:.0f} s waiting for {what}")
        await asyncio.sleep(poll_s)


async def measure(
    load: LoadRun,
    meter: CpuMeter,
    consumed_count: Callable[[], int],
    seconds: float,
) -> tuple[LoadResult, float, dict[str, float]]:
    """Go, wait for the generator to finish and the consumer to catch up; time it."""
    meter.begin()
    t0 = time.monotonic()
    load.start()
    result = await load.result(seconds + DRAIN_TIMEOUT_S)
    total = sum(result.published.values())
    await wait_for(lambda: consumed_count() >= total, DRAIN_TIMEOUT_S, "the consumer to catch up")
    wall_s = time.monotonic() - t0
    return result, wall_s, meter.pct(wall_s)


def publish_births(host: str, port: int, agents: list[str], session: int) -> None:
    """Every agent says ``online`` first, as a real one does on connecting."""
    client = _connect_publisher(host, port, "bench-births", 100)
    try:
        infos = []
        for agent_id in agents:
            birth = Status(
                v=SCHEMA_VERSION,
                agent=agent_id,
                state="online",
                session=session,
                ts_ms=int(time.time() * 1000),
            )
            infos.append(client.publish(status_topic(agent_id), encode(birth), qos=1, retain=True))
        deadline = time.monotonic() + CONNECT_TIMEOUT_S
        while not all(info.is_published() for info in infos) and time.monotonic() < deadline:
            pump([client], 0.01)
    finally:
        client.disconnect()


async def run_baseline(fleet: Fleet, args: argparse.Namespace, folder: Path) -> PhaseResult:
    from xaso.testbed.mosquitto import MosquittoServer

    broker = MosquittoServer(folder)
    consumed = mp.get_context("spawn").Value("q", 0, lock=False)
    broker.start()
    subscriber = CountingSubscriber("127.0.0.1", broker.port, consumed)
    try:
        subscriber.start()
        spec = load_spec(fleet, args, broker.port)
        with load_generator(spec, consumed) as load:
            meter = CpuMeter({"broker": service_pid(broker), "load": load.process.pid})
            result, wall_s, cpu = await measure(
                load, meter, lambda: subscriber.received, args.seconds
            )
        published = sum(result.published.values())
        return PhaseResult("broker-only", published, subscriber.received, wall_s, cpu)
    finally:
        subscriber.stop()
        broker.stop()


async def run_store(
    store: str,
    fleet: Fleet,
    index: Any,
    args: argparse.Namespace,
    folder: Path,
    profiler: Callable[[str], contextlib.AbstractContextManager[None]] | None = None,
) -> PhaseResult:
    """One store phase. ``profiler(store)`` wraps the measured interval (default: the
    ``--profile`` cProfile); ``bench/profile_ingest.py`` passes py-spy instead."""
    from xaso.testbed.influxdb import running_influxd
    from xaso.testbed.mosquitto import MosquittoServer

    with contextlib.ExitStack() as stack:
        pids: dict[str, int | None] = {}
        if store == "influxdb":
            (folder / "influxdb").mkdir()
            influx = stack.enter_context(running_influxd(folder / "influxdb"))
            store_url = f"influxdb://127.0.0.1:{influx.port}/bench"
            pids["influxd"] = service_pid(influx)
        else:
            store_url = f"sqlite:///{folder / 'ts.db'}"
        broker = MosquittoServer(folder)
        broker.start()
        stack.callback(broker.stop)
        pids["broker"] = service_pid(broker)
        consumed = mp.get_context("spawn").Value("q", 0, lock=False)
        async with running_server(broker.url, store_url, index, folder, consumed) as (
            _app,
            counting,
            metrics,
        ):
            await wait_for(
                lambda: sample(metrics, "xaso_mqtt_connected") == 1,
                CONNECT_TIMEOUT_S,
                "the server to connect",
            )
            publish_births("127.0.0.1", broker.port, fleet.agents, session=1)
            await wait_for(
                lambda: received(metrics, "status") >= len(fleet.agents),
                CONNECT_TIMEOUT_S,
                "the server to see every birth",
            )
            spec = load_spec(fleet, args, broker.port)
            with load_generator(spec, consumed) as load:
                meter = CpuMeter({**pids, "load": load.process.pid})
                profile = profiler or (lambda label: profiling(args.profile, label))
                with profile(store):
                    result, wall_s, cpu = await measure(
                        load, meter, lambda: counting.heartbeats, args.seconds
                    )
            records = int(sample(metrics, "xaso_store_records_written_total"))
            received_beats = int(received(metrics, "heartbeat"))
            lost = await count_lost(counting, result)
        published = sum(result.published.values())
        stored = published - lost
        return PhaseResult(
            store,
            published,
            stored,
            wall_s,
            cpu,
            records=records,
            lost=lost,
            duplicates=received_beats - stored,
        )


def sample(metrics: Any, name: str, **labels: str) -> float:
    """One value from the app's own Prometheus registry (0 if not there yet)."""
    return metrics.registry.get_sample_value(name, labels) or 0.0


def received(metrics: Any, channel: str) -> float:
    return sample(metrics, "xaso_messages_received_total", channel=channel)


def load_spec(fleet: Fleet, args: argparse.Namespace, port: int) -> LoadSpec:
    return LoadSpec(
        host="127.0.0.1",
        port=port,
        devices_of=fleet.devices_of,
        seconds=args.seconds,
        in_flight=args.in_flight,
    )


async def count_lost(store: Any, result: LoadResult) -> int:
    """Published (agent, seq) pairs missing from the store; also fail on strays."""
    lost = 0
    for agent_id, n in result.published.items():
        rows = await store.agent_health(agent_id, 0, 2**62, limit=n + 1000)
        seqs = [r.seq for r in rows if r.session == result.session]
        if len(seqs) != len(set(seqs)) or any(not 1 <= s <= n + 1000 for s in seqs):
            raise AssertionError(f"{agent_id}: duplicate or unexpected seq in the store")
        lost += len(set(range(1, n + 1)) - set(seqs))
    return lost


@contextlib.contextmanager
def profiling(enabled: bool, label: str) -> Iterator[None]:
    """cProfile of the event loop thread (ingest, state, writer) while measuring."""
    if not enabled:
        yield
        return
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        yield
    finally:
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(18)
        print(f"--- cProfile, event loop thread, store={label} (by own time) ---")
        print(out.getvalue().split("\n", 6)[-1].rstrip())


# -- main -------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--store", choices=["sqlite", "influxdb", "both"], default="sqlite")
    parser.add_argument("--agents", type=int, default=200)
    parser.add_argument("--devices-per-agent", type=int, default=15)
    parser.add_argument("--seconds", type=float, default=20.0, help="load duration")
    parser.add_argument(
        "--in-flight",
        type=int,
        default=2000,
        help="max heartbeats published but not yet stored (end-to-end window)",
    )
    parser.add_argument("--profile", action="store_true", help="print server cProfile top")
    args = parser.parse_args(argv)
    if not 1 <= args.agents <= 100_000 or not 0 <= args.devices_per_agent <= 99:
        parser.error("--agents must be 1..100000 and --devices-per-agent 0..99")
    if not 0 < args.seconds <= 600:
        parser.error("--seconds must be in (0, 600]")
    return args


async def main(args: argparse.Namespace) -> None:
    # SIGTERM cleans up like Ctrl-C: cancelling the main task runs every finally.
    main_task = asyncio.current_task()
    assert main_task is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, main_task.cancel)
    stores = ["sqlite", "influxdb"] if args.store == "both" else [args.store]
    fleet = make_fleet(args.agents, args.devices_per_agent)
    with tempfile.TemporaryDirectory(prefix="xaso-bench-") as tmp:
        root = Path(tmp)
        index = load_index(fleet, root)
        (root / "baseline").mkdir()
        baseline = await run_baseline(fleet, args, root / "baseline")
        print(baseline.line(fleet, None), flush=True)
        for store in stores:
            (root / store).mkdir()
            result = await run_store(store, fleet, index, args, root / store)
            print(result.line(fleet, baseline), flush=True)


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # Ctrl-C must work even where the shell started us with SIGINT ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        asyncio.run(main(parse_args()))
    except (KeyboardInterrupt, asyncio.CancelledError):
        print("interrupted; services stopped", file=sys.stderr)
        sys.exit(130)
