"""Light simulated agents for bench/storm.py: thousands of MQTT clients in one process.

Each agent speaks the real protocol (``xaso.protocol``) as agent/connection.py and
agent/publisher.py do, without their threads and SQLite queue:

- a fresh paho client per connection, MQTT 5, client id and user name the agent's id;
  the session number grows by one on every connection and the will (retained
  ``offline``) names it; after CONNACK it subscribes to its replay and schedule topics
  and publishes the retained ``online`` birth;
- every record (a heartbeat with ``seq``) stays queued until the broker's PUBACK says
  it was taken; what was in flight when a connection ended is sent again on the next
  one, marked ``historical``, with its original timestamp; a record the broker refuses
  (MQTT 5 reason code) stays queued too;
- a replay request from the server sends the asked records again, marked historical.

paho runs one network thread per client with ``loop_start``, which does not scale to
thousands of clients. Here one asyncio loop drives them all through paho's external
loop API: ``on_socket_open``/``on_socket_close`` add and remove the socket's reader
(``loop_read``), ``on_socket_register_write``/``unregister_write`` its writer
(``loop_write``), and one task calls every client's ``loop_misc`` each second (keepalive
pings), as paho's own asyncio example does.

The controller (bench/storm.py) drives a process through a pipe: ``connect``,
``backlog`` (queue records while the broker is down), ``stats``, ``report`` and
``stop``.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

import paho.mqtt.client as mqtt

from bench.gateway_beats import INTERVAL_S, heartbeat, status
from xaso.agent.backoff import Backoff
from xaso.protocol import (
    QOS_RECORDS,
    QOS_STATUS,
    ProtocolError,
    decode_replay,
    heartbeat_topic,
    replay_topic,
    schedule_topic,
    status_topic,
)

KEEPALIVE_S = 30
# In "at-once" mode, how often a process checks whether the broker listens again.
PROBE_EVERY_S = 0.2


def password_of(agent_id: str) -> str:
    """The bench's password for an agent (the broker's password file has them all)."""
    return f"storm-{agent_id}"


@dataclass
class Record:
    session: int
    ts_ms: int
    historical: bool


@dataclass
class SimAgent:
    agent_id: str
    devices: list[str]
    session: int = 0
    next_seq: int = 1
    records: dict[int, Record] = field(default_factory=dict)  # every record made, by seq
    unacked: set[int] = field(default_factory=set)
    acked: set[int] = field(default_factory=set)
    in_flight: dict[int, int] = field(default_factory=dict)  # mid -> seq
    client: mqtt.Client | None = None
    connected: bool = False
    connecting: bool = False
    next_beat: float = 0.0
    refused: int = 0
    connect_failures: int = 0
    replays: int = 0
    backoff: Backoff = field(default_factory=Backoff)

    def new_record(self, ts_ms: int, historical: bool) -> int:
        seq = self.next_seq
        self.next_seq += 1
        self.records[seq] = Record(self.session, ts_ms, historical)
        self.unacked.add(seq)
        return seq

    def send(self, seq: int, historical: bool | None = None) -> None:
        record = self.records[seq]
        client = self.client
        if client is None or not self.connected:
            return
        payload = heartbeat(
            self.agent_id,
            self.devices,
            record.session,
            seq,
            record.ts_ms,
            historical=record.historical if historical is None else historical,
            queue_depth=len(self.unacked),
        )
        info = client.publish(heartbeat_topic(self.agent_id), payload, qos=QOS_RECORDS)
        if info.rc == mqtt.MQTT_ERR_SUCCESS:
            self.in_flight[info.mid] = seq


class Fleet:
    """Every agent of this process, on one asyncio loop."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        host: str,
        port: int,
        agents: list[tuple[str, list[str]]],
        reconnect: str,
        seed: int,
    ) -> None:
        self.loop = loop
        self.host, self.port = host, port
        self.reconnect = reconnect
        rng = random.Random(seed)
        self.agents = [
            SimAgent(agent_id, devices, backoff=Backoff(rng=rng.random))
            for agent_id, devices in agents
        ]
        self._rng = rng
        self.beating = True
        self._stopping = False

    # -- connections ---------------------------------------------------------------

    def connect(self, agent: SimAgent) -> None:
        """One connection attempt (TCP connect is blocking, on loopback microseconds);
        the rest of the handshake runs on the loop."""
        if agent.connected or agent.connecting or self._stopping:
            return
        agent.session += 1
        client = mqtt.Client(
            callback_api_version=mqtt.CallbackAPIVersion.VERSION2,
            client_id=agent.agent_id,
            protocol=mqtt.MQTTv5,
            reconnect_on_failure=False,
        )
        client.username_pw_set(agent.agent_id, password_of(agent.agent_id))
        now_ms = int(time.time() * 1000)
        will = status(agent.agent_id, "offline", agent.session, now_ms)
        client.will_set(status_topic(agent.agent_id), will, qos=QOS_STATUS, retain=True)
        client.user_data_set(agent)
        client.on_socket_open = self._socket_open
        client.on_socket_close = self._socket_close
        client.on_socket_register_write = self._register_write
        client.on_socket_unregister_write = self._unregister_write
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_publish = self._on_publish
        client.on_message = self._on_message
        agent.client, agent.connecting = client, True
        try:
            client.connect(self.host, self.port, keepalive=KEEPALIVE_S)
        except OSError:
            agent.connecting = False
            agent.client = None
            agent.connect_failures += 1
            self._retry_later(agent)

    def _retry_later(self, agent: SimAgent) -> None:
        if self._stopping:
            return
        if self.reconnect == "backoff":
            self.loop.call_later(agent.backoff.next_delay_s(), self.connect, agent)
        # at-once: the probe task reconnects everyone as soon as the broker listens

    async def probe_and_reconnect(self) -> None:
        """At-once mode: as soon as the broker accepts connections, every agent without
        one tries at once (the worst case of a province-wide reconnection)."""
        while not self._stopping:
            await asyncio.sleep(PROBE_EVERY_S)
            waiting = [a for a in self.agents if not a.connected and not a.connecting]
            if not waiting or not self._broker_listens():
                continue
            for agent in waiting:
                self.connect(agent)
                await asyncio.sleep(0)  # let CONNACKs in between

    def _broker_listens(self) -> bool:
        try:
            with socket.create_connection((self.host, self.port), timeout=1):
                return True
        except OSError:
            return False

    # -- paho's external loop ----------------------------------------------------------

    def _socket_open(self, client: mqtt.Client, agent: SimAgent, sock: Any) -> None:
        self.loop.add_reader(sock, client.loop_read)

    def _socket_close(self, client: mqtt.Client, agent: SimAgent, sock: Any) -> None:
        self.loop.remove_reader(sock)
        self.loop.remove_writer(sock)

    def _register_write(self, client: mqtt.Client, agent: SimAgent, sock: Any) -> None:
        self.loop.add_writer(sock, client.loop_write)

    def _unregister_write(self, client: mqtt.Client, agent: SimAgent, sock: Any) -> None:
        self.loop.remove_writer(sock)

    async def misc(self) -> None:
        """Keepalive pings and timeouts of every client, once a second."""
        while not self._stopping:
            await asyncio.sleep(1.0)
            for agent in self.agents:
                if agent.client is not None:
                    agent.client.loop_misc()

    # -- the protocol ------------------------------------------------------------------

    def _on_connect(
        self,
        client: mqtt.Client,
        agent: SimAgent,
        flags: Any,
        reason_code: mqtt.ReasonCode,
        properties: Any,
    ) -> None:
        agent.connecting = False
        if reason_code.is_failure:
            agent.connect_failures += 1
            return  # the broker closes the connection; _on_disconnect retries
        agent.connected = True
        agent.backoff.reset()
        client.subscribe(
            [(replay_topic(agent.agent_id), QOS_RECORDS), (schedule_topic(agent.agent_id), 1)]
        )
        now_ms = int(time.time() * 1000)
        birth = status(agent.agent_id, "online", agent.session, now_ms)
        client.publish(status_topic(agent.agent_id), birth, qos=QOS_STATUS, retain=True)
        # Live first, then the backlog in order, as agent/publisher.py sends them.
        backlog = sorted(agent.unacked)
        if self.beating:
            agent.send(agent.new_record(now_ms, historical=False))
            agent.next_beat = time.monotonic() + INTERVAL_S
        for seq in backlog:
            agent.send(seq, historical=True)

    def _on_disconnect(
        self, client: mqtt.Client, agent: SimAgent, flags: Any, reason_code: Any, props: Any
    ) -> None:
        agent.connected = agent.connecting = False
        agent.in_flight.clear()  # unacknowledged records stay in ``unacked``: resent
        if client is agent.client:
            agent.client = None
        self._retry_later(agent)

    def _on_publish(
        self,
        client: mqtt.Client,
        agent: SimAgent,
        mid: int,
        reason_code: mqtt.ReasonCode,
        properties: Any,
    ) -> None:
        seq = agent.in_flight.pop(mid, None)
        if seq is None:
            return  # the birth
        if reason_code.is_failure:
            agent.refused += 1
            return
        agent.unacked.discard(seq)
        agent.acked.add(seq)

    def _on_message(self, client: mqtt.Client, agent: SimAgent, message: mqtt.MQTTMessage) -> None:
        if message.topic != replay_topic(agent.agent_id):
            return  # its schedule set: a real radio gateway would play it
        with contextlib.suppress(ProtocolError):
            request = decode_replay(bytes(message.payload))
            agent.replays += 1
            last = request.to_seq if request.to_seq is not None else agent.next_seq - 1
            for seq in range(request.from_seq, last + 1):
                if seq in agent.records:
                    agent.send(seq, historical=True)

    async def live_beats(self) -> None:
        """Each connected agent's heartbeat every INTERVAL_S, each on its own phase."""
        while not self._stopping:
            await asyncio.sleep(0.5)
            if not self.beating:
                continue
            now, now_ms = time.monotonic(), int(time.time() * 1000)
            for agent in self.agents:
                if agent.connected and now >= agent.next_beat:
                    agent.next_beat = now + INTERVAL_S
                    agent.send(agent.new_record(now_ms, historical=False))

    # -- commands ------------------------------------------------------------------------

    def backlog(self, stamps_ms: list[int]) -> int:
        """Queue one record per stamp in every agent, as heartbeats made while the
        broker was away (sent marked historical once it is back)."""
        made = 0
        for agent in self.agents:
            for ts_ms in stamps_ms:
                agent.new_record(ts_ms, historical=True)
                made += 1
        return made

    def stats(self) -> dict[str, int]:
        return {
            "agents": len(self.agents),
            "connected": sum(a.connected for a in self.agents),
            "records": sum(len(a.records) for a in self.agents),
            "acked": sum(len(a.acked) for a in self.agents),
            "unacked": sum(len(a.unacked) for a in self.agents),
            "refused": sum(a.refused for a in self.agents),
            "connect_failures": sum(a.connect_failures for a in self.agents),
            "replays": sum(a.replays for a in self.agents),
        }

    def report(self) -> dict[str, tuple[list[int], list[int]]]:
        """Per agent: the seqs the broker acknowledged, and those it did not."""
        return {a.agent_id: (sorted(a.acked), sorted(a.unacked)) for a in self.agents}

    def stop(self) -> None:
        self._stopping = True
        for agent in self.agents:
            if agent.client is not None:
                with contextlib.suppress(Exception):
                    agent.client.disconnect()


def run_process(
    host: str,
    port: int,
    agents: list[tuple[str, list[str]]],
    reconnect: str,
    seed: int,
    pipe: Connection,
) -> None:
    """Process entry point: serve the controller's commands until ``stop``."""
    import resource

    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    asyncio.run(_serve(host, port, agents, reconnect, seed, pipe))


async def _serve(
    host: str,
    port: int,
    agents: list[tuple[str, list[str]]],
    reconnect: str,
    seed: int,
    pipe: Connection,
) -> None:
    loop = asyncio.get_running_loop()
    fleet = Fleet(loop, host, port, agents, reconnect, seed)
    done = loop.create_future()
    tasks: list[asyncio.Task[None]] = []

    def connect_all() -> None:
        async def go() -> None:
            for agent in fleet.agents:
                fleet.connect(agent)
                await asyncio.sleep(0)

        tasks.append(loop.create_task(go()))

    commands: dict[str, Callable[..., Any]] = {
        "connect": connect_all,
        "backlog": fleet.backlog,
        "stats": fleet.stats,
        "report": fleet.report,
        "beating": lambda on: setattr(fleet, "beating", on),
    }

    def on_command() -> None:
        name, args = pipe.recv()
        if name == "stop":
            fleet.stop()
            pipe.send(None)
            if not done.done():
                done.set_result(None)
            return
        pipe.send(commands[name](*args))

    loop.add_reader(pipe.fileno(), on_command)
    tasks += [loop.create_task(fleet.misc()), loop.create_task(fleet.live_beats())]
    if reconnect == "at-once":
        tasks.append(loop.create_task(fleet.probe_and_reconnect()))
    await done
    await asyncio.sleep(0.5)  # let the DISCONNECTs go out
    for task in tasks:
        task.cancel()
