"""The load of the ingest benches: a province's fleet and its heartbeats, offered open-loop.

Shared by ``bench/end_to_end.py`` and ``bench/nodered.py`` (and ``bench/sustained.py``,
which measures what a consumer makes of this load); not a bench of its own.

- ``make_fleet`` and ``inventory_yaml``: 1,000 gateways by default, two per commune (a
  radio gateway with 15 loudspeaker clusters, a CCTV gateway with 14 cameras and a
  recorder), written as the ``devices.yaml`` the server loads.
- ``heartbeat_payload``: the documented heartbeat (docs/protocol.md): the gateway's full
  health, one reading per device with its section (``radio``, ``camera``, ``nvr``), the
  collectors; built from ``xaso.protocol``'s structs and encoded by it. About 3 KB and 16
  store records (the gateway's health and 15 readings).
- ``offered_load``: publisher processes that send heartbeats at a fixed rate spread over
  the agents, at QoS 1, whatever the consumer does (open loop): a consumer slower than
  the rate leaves a backlog in the broker. Each process keeps its own schedule and says
  how far it fell behind it, so that a generator too slow for the rate shows.

Device time is ``base_ms + seq`` (1 ms per heartbeat of an agent; real agents are 30 s
apart): every record has its own key, and a store's points can be checked against each
``seq`` by their time alone. The server's cost does not depend on the spacing.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import random
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.sharedctypes import Synchronized
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt

from xaso.protocol import (
    SCHEMA_VERSION,
    AgentHealth,
    CameraStatus,
    CollectorStatus,
    DeviceReading,
    Heartbeat,
    NvrStatus,
    RadioStatus,
    Status,
    encode,
    heartbeat_topic,
    status_topic,
)

CONNECT_TIMEOUT_S = 15.0
PUBACK_TIMEOUT_S = 120.0  # after the load, how long the broker may take to acknowledge it
CONNECTIONS_PER_PUBLISHER = 4  # MQTT connections each publisher process spreads its agents over
PUBLISHER_INFLIGHT = 2000  # QoS 1 messages a connection may have unacknowledged
BEHIND_S = 1.0  # a publisher further behind its schedule than this did not offer the rate


# -- the fleet ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Fleet:
    """Agent ids and, for each, its devices as (id, type), in inventory order."""

    devices_of: dict[str, list[tuple[str, str]]]

    @property
    def agents(self) -> list[str]:
        return list(self.devices_of)

    @property
    def device_count(self) -> int:
        return sum(len(d) for d in self.devices_of.values())

    def commune_of(self, agent_id: str) -> str:
        return agent_id.split("-", 1)[0]


def make_fleet(agents: int = 1000, devices_per_agent: int = 15) -> Fleet:
    """Two agents per commune: a radio gateway with D loudspeaker clusters and a CCTV
    gateway with D-1 cameras and one recorder (NVR)."""
    devices_of: dict[str, list[tuple[str, str]]] = {}
    for a in range(agents):
        commune = f"c{a // 2:04d}"
        if a % 2 == 0:
            devices_of[f"{commune}-radio-gw"] = [
                (f"{commune}-rc-{d:02d}", "radio_cluster") for d in range(1, devices_per_agent + 1)
            ]
        else:
            cameras = [(f"{commune}-cam-{d:02d}", "camera") for d in range(1, devices_per_agent)]
            recorder = [(f"{commune}-nvr-1", "nvr")] if devices_per_agent else []
            devices_of[f"{commune}-cctv-gw"] = cameras + recorder
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
        communes.setdefault(fleet.commune_of(agent_id), []).append(agent_id)
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
            for device_id, kind in fleet.devices_of[agent_id]:
                place = f"village: {code}.t1" if radio else f"location: {code}.ubnd"
                lines.append(
                    f"          - {{id: {device_id}, name: {device_id}, type: {kind}, {place}}}"
                )
    return "\n".join(lines) + "\n"


def write_inventory(fleet: Fleet, folder: Path) -> Path:
    path = folder / "devices.yaml"
    path.write_text(inventory_yaml(fleet), encoding="utf-8")
    return path


# -- heartbeats ---------------------------------------------------------------------------


class ReadingModel:
    """Plausible readings of one agent's devices: each has its own RTT, ~2% are down,
    and one reading in a thousand differs between rounds (so that some status
    transitions are stored too). A few rounds are drawn up front and cycled, so that a
    publisher spends its CPU on publishing rather than on random numbers."""

    ROUNDS = 4

    def __init__(self, devices: Sequence[tuple[str, str]], rng: random.Random) -> None:
        rtt = {d: rng.uniform(3.0, 80.0) for d, _ in devices}
        down = {d for d, _ in devices if rng.random() < 0.02}
        self._rounds = [
            [
                _reading(d, kind, rtt[d], (d not in down) != (rng.random() < 0.001), rng)
                for d, kind in devices
            ]
            for _ in range(self.ROUNDS)
        ]

    def readings(self, seq: int) -> list[DeviceReading]:
        return self._rounds[seq % self.ROUNDS]


def _reading(device_id: str, kind: str, rtt: float, up: bool, rng: random.Random) -> DeviceReading:
    if not up:
        return DeviceReading(id=device_id, reachable=False, error="tcp 554: timeout")
    rtt_ms = round(rng.gauss(rtt, rtt / 10), 1)
    if kind == "radio_cluster":
        radio = RadioStatus(
            play_state=rng.choice(["idle", "idle", "playing"]),
            source="schedule",
            volume=70,
            muted=False,
            relay_on=True,
            schedule_version="a41f09",
        )
        return DeviceReading(id=device_id, reachable=True, rtt_ms=rtt_ms, radio=radio)
    if kind == "nvr":
        nvr = NvrStatus(
            recording=True,
            channels_recording=14,
            channels_total=16,
            disk_free_pct=round(rng.uniform(5, 60), 1),
            retention_days=21.0,
        )
        return DeviceReading(id=device_id, reachable=True, rtt_ms=rtt_ms, nvr=nvr)
    camera = CameraStatus(
        stream_ok=True,
        auth_ok=True,
        fps=25.0,
        clock_offset_ms=round(rng.uniform(-900, 900), 1),
        model="DS-2CD1023G0",
        firmware="V5.5.82",
    )
    return DeviceReading(id=device_id, reachable=True, rtt_ms=rtt_ms, camera=camera)


def _collectors(radio: bool) -> list[CollectorStatus]:
    return [
        CollectorStatus(name="system", ok=True, duration_ms=0.4),
        CollectorStatus(name="radio" if radio else "camera", ok=True, duration_ms=5012.0),
        CollectorStatus(name="command:ups", ok=False, error="timed out after 24s"),
    ]


_COLLECTORS = {True: _collectors(True), False: _collectors(False)}


def heartbeat_payload(agent_id: str, session: int, seq: int, model: ReadingModel) -> bytes:
    """Heartbeat ``seq`` of an agent, device time ``session + seq`` (ms)."""
    beat = Heartbeat(
        v=SCHEMA_VERSION,
        agent=agent_id,
        session=session,
        seq=seq,
        ts_ms=session + seq,
        interval_s=30.0,
        health=AgentHealth(
            uptime_s=864_000.0 + seq * 30,
            load1=round(0.05 + (seq % 140) / 100, 2),
            mem_used_pct=30.0 + seq % 30,
            disk_free_pct=62.5,
            temp_c=45.0 + seq % 15,
            boot_reason="power_on",
            clock_offset_ms=-12.5,
            ntp_synced=True,
            bearer="4g",
            rssi_dbm=-71.0,
            rsrp_dbm=-95.0,
            reconnects=3,
            schedule_version="a41f09c2e8d4b7f1",
            content_missing=0,
            queue_depth=0,
            queue_dropped=0,
        ),
        devices=model.readings(seq),
        collectors=_COLLECTORS["-radio-" in agent_id],
    )
    return encode(beat)


# -- publishing -----------------------------------------------------------------------


def connect_publisher(host: str, port: int, client_id: str) -> mqtt.Client:
    """A publisher driven by the caller's thread (``pump``), not by a paho thread: one
    thread per process avoids GIL ping-pong and makes the generator cheaper."""
    client = mqtt.Client(
        callback_api_version=mqtt.CallbackAPIVersion.VERSION2,
        client_id=client_id,
        protocol=mqtt.MQTTv311,
    )
    client.max_inflight_messages_set(PUBLISHER_INFLIGHT)
    client.max_queued_messages_set(0)
    client.connect(host, port, keepalive=60)
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


def publish_births(host: str, port: int, agents: Sequence[str], session: int) -> None:
    """Every agent says ``online`` first, as a real one does on connecting."""
    client = connect_publisher(host, port, "bench-births")
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
        while not all(info.is_published() for info in infos):
            if time.monotonic() > deadline:
                raise RuntimeError("the broker did not acknowledge every birth")
            pump([client], 0.01)
    finally:
        client.disconnect()


@dataclass
class PublisherSpec:
    host: str
    port: int
    name: str
    devices_of: dict[str, list[tuple[str, str]]]
    first_seq: dict[str, int]  # agent -> the seq of its first heartbeat this run
    session: int  # also the device-time base: ts_ms = session + seq
    rate: float  # heartbeats per second, this publisher's share
    seconds: float
    seed: int


@dataclass
class PublisherResult:
    published: dict[str, int]  # agent -> heartbeats PUBACKed, seq first_seq.. contiguous
    target: int  # heartbeats the schedule asked for
    behind_s: float  # the furthest this publisher fell behind its schedule
    error: str = ""


def _publisher(
    spec: PublisherSpec, sent: Synchronized, start_at: Synchronized, ready: Any, go: Any, out: Any
) -> None:
    """Process entry point: connect, wait for ``go``, publish at ``spec.rate`` from the
    shared start instant (``time.monotonic`` is one clock for every process) for
    ``spec.seconds``, wait for the PUBACKs, report."""
    clients: list[mqtt.Client] = []
    try:
        clients = [
            connect_publisher(spec.host, spec.port, f"{spec.name}-{i}")
            for i in range(CONNECTIONS_PER_PUBLISHER)
        ]
        rng = random.Random(spec.seed)
        models = {a: ReadingModel(devices, rng) for a, devices in spec.devices_of.items()}
        ready.set()
        while not go.wait(0.05):
            pump(clients)  # keep the connections alive while the parent gets ready
        infos, target, behind_s = _publish_on_schedule(spec, clients, models, sent, start_at.value)
        published = _await_pubacks(clients, infos)
        out.send(PublisherResult(published, target, behind_s))
    except BaseException as exc:  # report, never leave the parent waiting
        out.send(PublisherResult({}, 0, 0.0, error=repr(exc)))
    finally:
        for client in clients:
            client.disconnect()


def _publish_on_schedule(
    spec: PublisherSpec,
    clients: list[mqtt.Client],
    models: dict[str, ReadingModel],
    sent: Synchronized,
    t0: float,
) -> tuple[dict[str, list[mqtt.MQTTMessageInfo]], int, float]:
    """Heartbeat number ``i`` is due at ``t0 + i / rate``, the agents in turn. Whatever is
    due is sent, however many PUBACKs are outstanding: the rate is offered, not earned."""
    agents = list(models)
    topics = {a: heartbeat_topic(a) for a in agents}
    infos: dict[str, list[mqtt.MQTTMessageInfo]] = {a: [] for a in agents}
    seq = {a: spec.first_seq[a] - 1 for a in agents}
    target = int(spec.rate * spec.seconds)
    n, behind_s = 0, 0.0
    while n < target:
        now = time.monotonic()
        due = min(target, int((now - t0) * spec.rate) + 1)
        if due <= n:
            pump(clients)
            time.sleep(min(0.002, (n - (now - t0) * spec.rate) / spec.rate))
            continue
        behind_s = max(behind_s, (due - n - 1) / spec.rate)
        for _ in range(min(due - n, 64)):  # a burst at most, then read PUBACKs
            agent_id = agents[n % len(agents)]
            seq[agent_id] += 1
            payload = heartbeat_payload(agent_id, spec.session, seq[agent_id], models[agent_id])
            info = clients[n % len(clients)].publish(topics[agent_id], payload, qos=1)
            if info.rc != mqtt.MQTT_ERR_SUCCESS:
                raise RuntimeError(f"publish failed: {mqtt.error_string(info.rc)}")
            infos[agent_id].append(info)
            n += 1
        sent.value = n
        pump(clients)
    return infos, target, behind_s


def _await_pubacks(
    clients: list[mqtt.Client], infos: dict[str, list[mqtt.MQTTMessageInfo]]
) -> dict[str, int]:
    """Per agent, how many heartbeats the broker acknowledged from the first on:
    "published" means the broker took responsibility for it."""
    deadline = time.monotonic() + PUBACK_TIMEOUT_S
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


@dataclass
class OfferedRun:
    """A run of publishers that are connected and waiting for ``start``."""

    processes: list[Any]
    results: list[Any]
    sent_counters: list[Synchronized]
    start_at: Synchronized
    go: Any
    started: float = 0.0

    def start(self) -> float:
        self.start_at.value = self.started = time.monotonic() + 0.05
        self.go.set()
        return self.started

    def sent(self) -> int:
        return sum(int(c.value) for c in self.sent_counters)

    def pids(self) -> list[int]:
        return [p.pid for p in self.processes]

    def finish(self, timeout_s: float) -> list[PublisherResult]:
        deadline = time.monotonic() + timeout_s
        results = []
        for receive in self.results:
            while not receive.poll(0.2):
                if time.monotonic() > deadline:
                    raise RuntimeError("a publisher did not report in time")
            result: PublisherResult = receive.recv()
            if result.error:
                raise RuntimeError(f"publisher failed: {result.error}")
            results.append(result)
        return results


@contextlib.contextmanager
def offered_load(
    host: str,
    port: int,
    fleet: Fleet,
    first_seq: dict[str, int],
    session: int,
    rate: float,
    seconds: float,
    publishers: int,
) -> Iterator[OfferedRun]:
    """``publishers`` processes, connected and waiting, that offer ``rate`` heartbeats
    per second together (each its share of the agents, at its share of the rate) once
    ``start()`` is called; always stopped on exit."""
    ctx = mp.get_context("spawn")
    agents = fleet.agents
    go, start_at = ctx.Event(), ctx.Value("d", 0.0, lock=False)
    run = OfferedRun([], [], [], start_at, go)
    readies = []
    try:
        for p in range(publishers):
            share = agents[p::publishers]
            spec = PublisherSpec(
                host=host,
                port=port,
                name=f"bench-pub{p}",
                devices_of={a: fleet.devices_of[a] for a in share},
                first_seq={a: first_seq[a] for a in share},
                session=session,
                rate=rate * len(share) / len(agents),
                seconds=seconds,
                seed=p,
            )
            receive, send = ctx.Pipe(duplex=False)
            sent, ready = ctx.Value("q", 0, lock=False), ctx.Event()
            process = ctx.Process(
                target=_publisher, args=(spec, sent, start_at, ready, go, send), daemon=True
            )
            process.start()
            run.processes.append(process)
            run.results.append(receive)
            run.sent_counters.append(sent)
            readies.append(ready)
        for ready, process in zip(readies, run.processes, strict=True):
            while not ready.wait(0.2):
                if not process.is_alive():
                    raise RuntimeError(f"publisher failed to start: {run.finish(1.0)}")
        yield run
    finally:
        for process in run.processes:
            process.join(timeout=5)
            if process.is_alive():
                process.kill()
                process.join()
