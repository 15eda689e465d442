"""The agent's MQTT connection: one paho client per connection, our own reconnect loop.

Why not paho's built-in reconnect: its backoff has no jitter (see agent/backoff.py), and
a client object that survives a reconnect keeps unacknowledged QoS 1 messages in memory
and resends them — durability is the on-disk outbox's job, so each connection starts
from a clean client and the outbox decides what to send.

Availability protocol (docs/protocol.md): before every connection the next session
number is taken and the will "offline" names it; after CONNACK the retained birth
"online" is published; a clean stop publishes retained "stopped" first, since a clean
disconnect does not fire the will.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import ssl
import threading
from collections.abc import Callable

import paho.mqtt.client as mqtt

from xaso import __version__
from xaso.agent.backoff import Backoff
from xaso.agent.config import AgentConfig
from xaso.agent.session import SessionCounter
from xaso.paho_log import paho_logger
from xaso.protocol import (
    QOS_RECORDS,
    QOS_STATUS,
    SCHEMA_VERSION,
    AgentState,
    ProtocolError,
    Status,
    decode_replay,
    encode,
    replay_topic,
    schedule_topic,
    status_topic,
)

log = logging.getLogger("xaso.agent")


class BrokerConnection:
    def __init__(
        self,
        config: AgentConfig,
        sessions: SessionCounter,
        clock_ms: Callable[[], int],
        *,
        on_connected: Callable[[], None] = lambda: None,
        on_disconnected: Callable[[], None] = lambda: None,
        on_published: Callable[[int], None] = lambda mid: None,
        on_refused: Callable[[int, str], None] = lambda mid, reason: None,
        on_replay: Callable[[int, int | None], None] = lambda from_seq, to_seq: None,
        on_schedule: Callable[[bytes], object] = lambda payload: None,
        backoff: Backoff | None = None,
    ) -> None:
        self.config = config
        self.agent_id = config.agent.id
        self._sessions = sessions
        self._clock_ms = clock_ms
        self._on_connected = on_connected
        self._on_disconnected = on_disconnected
        self._on_published = on_published
        self._on_refused = on_refused
        self._on_replay = on_replay
        self._on_schedule = on_schedule
        self._backoff = backoff or Backoff(config.mqtt.reconnect_min_s, config.mqtt.reconnect_max_s)
        self.connected = threading.Event()
        self.reconnects = 0
        self._stop = threading.Event()
        self._client: mqtt.Client | None = None
        self._thread = threading.Thread(target=self._supervise, name="mqtt", daemon=True)

    # -- lifecycle -----------------------------------------------------------------

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        """Say "stopped", disconnect cleanly and end the connection thread."""
        self._stop.set()
        client = self._client
        if client is not None and self.connected.is_set():
            info = client.publish(
                status_topic(self.agent_id), self._status("stopped"), QOS_STATUS, retain=True
            )
            try:
                info.wait_for_publish(timeout=timeout_s)
            except (RuntimeError, ValueError):
                log.warning("%s: could not publish the stopped status", self.agent_id)
            client.disconnect()
        self._thread.join(timeout=timeout_s + 5)

    def cut_power(self) -> None:
        """Drop the connection with no goodbye, as a power cut does: the broker sends
        the will. For the demo's simulated fleet and for tests."""
        self._stop.set()
        client = self._client
        sock = client.socket() if client is not None else None
        if isinstance(sock, socket.socket):
            # shutdown, not close: paho's thread sees the connection end (and closes
            # the socket itself) instead of reading from a closed file descriptor.
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        self._thread.join(timeout=10)

    # -- publishing ----------------------------------------------------------------

    def publish(self, topic: str, payload: bytes, qos: int, retain: bool = False) -> int | None:
        """Hand a message to the current connection; its mid, or None when there is no
        connection (the caller keeps the record and tries again later)."""
        client = self._client
        if client is None or not self.connected.is_set():
            return None
        info = client.publish(topic, payload, qos=qos, retain=retain)
        if info.rc != mqtt.MQTT_ERR_SUCCESS:
            return None
        return info.mid

    # -- the connection loop ---------------------------------------------------------

    def _supervise(self) -> None:
        host, port = self.config.mqtt_host_port
        first = True
        while not self._stop.is_set():
            if not first:
                delay_s = self._backoff.next_delay_s()
                log.info("%s: reconnecting in %.1fs", self.agent_id, delay_s)
                if self._stop.wait(delay_s):
                    break
                self.reconnects += 1
            first = False
            client = self._new_client()
            try:
                # MQTT 5: a fresh session each time (the outbox, not the broker, keeps
                # what is unsent); 3.1.1: clean_session, set on the client.
                client.connect(host, port, keepalive=self.config.mqtt.keepalive_s)
            except (OSError, ssl.SSLError, ValueError) as exc:
                log.warning(
                    "%s: cannot reach the broker at %s:%d: %s", self.agent_id, host, port, exc
                )
                continue
            self._client = client
            client.loop_forever()  # returns when this connection ends
            self.connected.clear()
            self._client = None
            self._on_disconnected()

    def _new_client(self) -> mqtt.Client:
        # The client id is the agent's id: the shipped broker config ties it to the user
        # name (use_username_as_clientid), so nobody else can take this session.
        client = mqtt.Client(
            callback_api_version=mqtt.CallbackAPIVersion.VERSION2,
            client_id=self.agent_id,
            protocol=mqtt.MQTTv5 if self.config.mqtt.protocol == "mqtt5" else mqtt.MQTTv311,
            reconnect_on_failure=False,
        )
        # A bug in a callback must not kill the network thread of a gateway in a field.
        client.suppress_exceptions = True
        client.enable_logger(paho_logger("xaso.agent.paho"))
        mqtt_config = self.config.mqtt
        if mqtt_config.username:
            client.username_pw_set(mqtt_config.username, self.config.mqtt_password())
        if self.config.mqtt_uses_tls:
            tls = mqtt_config.tls
            client.tls_set(
                ca_certs=tls.ca_file if tls else None,
                certfile=tls.cert_file if tls else None,
                keyfile=tls.key_file if tls else None,
                cert_reqs=ssl.CERT_REQUIRED,
            )
            # Hostname checking stays on: a gateway must not talk to an impostor broker.
            client.tls_insecure_set(False)
        client.on_pre_connect = self._on_pre_connect
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_publish = self._on_publish
        client.on_subscribe = self._on_subscribe
        client.on_message = self._on_message
        return client

    def _status(self, state: AgentState) -> bytes:
        return encode(
            Status(
                v=SCHEMA_VERSION,
                agent=self.agent_id,
                state=state,
                session=self._sessions.current,
                ts_ms=self._clock_ms(),
                agent_version=__version__,
            )
        )

    # -- paho's callbacks: small, cannot raise into paho ---------------------------------

    def _on_pre_connect(self, client: mqtt.Client, userdata: object) -> None:
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
            log.warning("%s: broker refused the connection: %s", self.agent_id, reason_code)
            return
        log.info("%s: connected, session %d", self.agent_id, self._sessions.current)
        client.subscribe(
            [
                (replay_topic(self.agent_id), QOS_RECORDS),
                (schedule_topic(self.agent_id), QOS_RECORDS),
            ]
        )
        client.publish(
            status_topic(self.agent_id), self._status("online"), qos=QOS_STATUS, retain=True
        )
        self._backoff.reset()
        self.connected.set()
        self._on_connected()

    def _on_disconnect(
        self,
        client: mqtt.Client,
        userdata: object,
        flags: mqtt.DisconnectFlags,
        reason_code: mqtt.ReasonCode,
        properties: mqtt.Properties | None,
    ) -> None:
        self.connected.clear()
        if reason_code.is_failure and not self._stop.is_set():
            log.warning("%s: lost the broker: %s", self.agent_id, reason_code)

    def _on_message(self, client: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
        if message.topic == schedule_topic(self.agent_id):
            self._on_schedule(bytes(message.payload))
            return
        if message.topic != replay_topic(self.agent_id):
            return  # a broker may send what we never asked for; ignore it
        try:
            request = decode_replay(bytes(message.payload))
        except ProtocolError as exc:
            log.warning("%s: bad replay request ignored: %s", self.agent_id, exc)
            return
        if request.agent == self.agent_id:
            self._on_replay(request.from_seq, request.to_seq)

    def _on_publish(
        self,
        client: mqtt.Client,
        userdata: object,
        mid: int,
        reason_code: mqtt.ReasonCode,
        properties: mqtt.Properties | None,
    ) -> None:
        # Over MQTT 5 a PUBACK carries the broker's verdict: "Not authorized" (its ACL)
        # or a quota is no delivery, and the record must stay queued.
        if reason_code.is_failure:
            self._on_refused(mid, str(reason_code))
        else:
            self._on_published(mid)

    def _on_subscribe(
        self,
        client: mqtt.Client,
        userdata: object,
        mid: int,
        reason_codes: list[mqtt.ReasonCode],
        properties: mqtt.Properties | None,
    ) -> None:
        refused = [str(code) for code in reason_codes if code.is_failure]
        if refused:
            # Without its replay and schedule channels a gateway plays nothing new and
            # cannot fill the server's gaps: the broker's ACL must allow both.
            log.error(
                "%s: the broker refused our subscriptions (%s); check its ACL",
                self.agent_id,
                ", ".join(refused),
            )
