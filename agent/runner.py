"""The agent's main loop: connect, announce, probe and publish heartbeats.

Small and synchronous on purpose (house style): paho's network thread from
``loop_start()`` plus one loop here that waits on ``stop`` between heartbeats.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import paho.mqtt.client as mqtt

from agent.config import AgentConfig
from agent.health import read_health
from agent.probe import Prober, TcpProber
from agent.session import SessionCounter
from xaso import __version__
from xaso.paho_log import paho_logger
from xaso.protocol import (
    QOS_RECORDS,
    QOS_STATUS,
    SCHEMA_VERSION,
    AgentHealth,
    AgentState,
    Heartbeat,
    Status,
    encode,
    heartbeat_topic,
    status_topic,
)

log = logging.getLogger("xaso.agent")

# Bounded in-memory queue while the broker is away (the durable queue is the agent's
# job in a later version; until then losing the oldest beats is better than growing).
MAX_QUEUED_MESSAGES = 1000


class Agent:
    def __init__(
        self,
        config: AgentConfig,
        *,
        prober: Prober | None = None,
        health: Callable[[], AgentHealth] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self.agent_id = config.agent.id
        self._own_prober = prober is None
        self._prober: Prober = prober if prober is not None else TcpProber()
        self._health = health or (lambda: read_health(config.state_dir))
        self._clock = clock
        self._sessions = SessionCounter(config.state_dir)
        self._seq = 0
        self._connected = threading.Event()
        self._powered = True
        self.client = self._make_client()

    def _make_client(self) -> mqtt.Client:
        client = mqtt.Client(
            callback_api_version=mqtt.CallbackAPIVersion.VERSION2,
            client_id=f"xaso-agent-{self.agent_id}",
            protocol=mqtt.MQTTv311,
        )
        # A bug in a callback must not kill the network thread of a gateway in a field.
        client.suppress_exceptions = True
        client.enable_logger(paho_logger("xaso.agent.paho"))
        client.max_queued_messages_set(MAX_QUEUED_MESSAGES)
        client.reconnect_delay_set(min_delay=1, max_delay=60)
        if self.config.mqtt.username:
            client.username_pw_set(self.config.mqtt.username, self.config.mqtt_password())
        client.on_pre_connect = self._on_pre_connect
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        return client

    def _ts_ms(self) -> int:
        return int(self._clock() * 1000)

    def _status(self, state: AgentState) -> bytes:
        return encode(
            Status(
                v=SCHEMA_VERSION,
                agent=self.agent_id,
                state=state,
                session=self._sessions.current,
                ts_ms=self._ts_ms(),
                agent_version=__version__,
            )
        )

    def _on_pre_connect(self, client: mqtt.Client, userdata: object) -> None:
        # Called before every connect and reconnect: a new session, and a will that
        # names it, so a late will of this connection cannot mark a later one offline.
        self._sessions.next()
        client.will_set(
            status_topic(self.agent_id), self._status("offline"), qos=QOS_STATUS, retain=True
        )

    def _on_connect(
        self,
        client: mqtt.Client,
        userdata: object,
        flags: mqtt.ConnectFlags,
        reason_code: mqtt.ReasonCode,
        properties: mqtt.Properties | None,
    ) -> None:
        if reason_code.is_failure:
            log.warning("%s: broker refused connection: %s", self.agent_id, reason_code)
            return
        log.info("%s: connected to broker, session %d", self.agent_id, self._sessions.current)
        client.publish(
            status_topic(self.agent_id), self._status("online"), qos=QOS_STATUS, retain=True
        )
        self._connected.set()

    def _on_disconnect(
        self,
        client: mqtt.Client,
        userdata: object,
        flags: mqtt.DisconnectFlags,
        reason_code: mqtt.ReasonCode,
        properties: mqtt.Properties | None,
    ) -> None:
        self._connected.clear()
        if reason_code.is_failure:
            log.warning("%s: lost broker connection: %s; reconnecting", self.agent_id, reason_code)

    def heartbeat(self) -> Heartbeat:
        """Probe every device and build the next heartbeat."""
        readings = self._prober(self.config.devices)
        self._seq += 1
        return Heartbeat(
            v=SCHEMA_VERSION,
            agent=self.agent_id,
            session=self._sessions.current,
            seq=self._seq,
            ts_ms=self._ts_ms(),
            interval_s=self.config.agent.heartbeat_interval_s,
            health=self._health(),
            devices=readings,
        )

    def publish_heartbeat(self) -> None:
        beat = self.heartbeat()
        info = self.client.publish(
            heartbeat_topic(self.agent_id), encode(beat), qos=QOS_RECORDS, retain=False
        )
        if info.rc == mqtt.MQTT_ERR_QUEUE_SIZE:
            log.warning("%s: outgoing queue full; heartbeat %d dropped", self.agent_id, beat.seq)

    def start(self) -> None:
        host, port = self.config.mqtt_host_port
        self.client.connect_async(host, port, keepalive=self.config.mqtt.keepalive_s)
        self.client.loop_start()

    def run(self, stop: threading.Event) -> None:
        """Publish heartbeats until ``stop`` is set, then say "stopped" and leave."""
        self.start()
        try:
            # The first beat waits briefly for the connection so that it is not queued
            # behind the birth; later ones keep their rhythm whether connected or not.
            self._connected.wait(timeout=5)
            interval_s = self.config.agent.heartbeat_interval_s
            next_at = time.monotonic()
            while not stop.is_set() and self._powered:
                self.publish_heartbeat()
                next_at += interval_s
                stop.wait(max(0.0, next_at - time.monotonic()))
        finally:
            if self._powered:
                self.shutdown()

    def cut_power(self) -> None:
        """Drop the connection with no goodbye, as a power cut does: the broker sends
        our will. For the demo's simulated fleet and for tests."""
        self._powered = False
        self.client.loop_stop()
        sock = self.client.socket()
        if sock is not None:
            sock.close()

    def shutdown(self, timeout_s: float = 5.0) -> None:
        # A clean disconnect does not fire the will, so say "stopped" ourselves first.
        if self._connected.is_set():
            info = self.client.publish(
                status_topic(self.agent_id), self._status("stopped"), qos=QOS_STATUS, retain=True
            )
            try:
                info.wait_for_publish(timeout=timeout_s)
            except (RuntimeError, ValueError):
                log.warning("could not publish the stopped status")
        self.client.disconnect()
        self.client.loop_stop()
        if self._own_prober and isinstance(self._prober, TcpProber):
            self._prober.close()
