"""The server's MQTT connection, driven from the event loop, reading only while the
writer has room.

paho runs without a thread of its own: its socket is watched by the event loop
(``add_reader``/``add_writer``, paho's "external loop" API) and its callbacks run on the
loop, so a message goes from the socket to ingest with no hand-over between threads.
That is what makes back-pressure possible: while the writer holds more records than
its bound (server/monitoring/writer.py), ``hold_reading`` takes the socket off the
loop; the kernel's buffer fills, the broker stops sending and keeps the rest in our
persistent session, where it survives a restart. The server's memory stays bounded
whatever the agents send (docs/operations.md, "Back-pressure"). Acknowledgements and
pings still go out while reading is paused.

The session is persistent (clean_session=False, fixed client id) so the broker keeps
QoS 1 messages while the server is away, and acknowledgement is manual: sent after the
store wrote.

Connecting (name lookup, TCP) can block for seconds on a broker that does not answer,
so it runs in a worker thread; paho's socket callbacks from there are handed to the loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import random
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import unquote, urlsplit

import paho.mqtt.client as mqtt

from xaso.paho_log import paho_logger
from xaso.protocol import QOS_RECORDS, SUBSCRIPTION

log = logging.getLogger("xaso.mqtt")

# (topic, payload, ack, retained) delivered on the loop; ack is None for QoS 0
# messages; retained: the broker kept it and sends it on subscribing (not news).
MessageHandler = Callable[[str, bytes, Callable[[], object] | None, bool], None]

KEEPALIVE_S = 30
# paho's loop_read reads one packet; a wake-up of the loop reads up to this many while
# they keep coming, so a burst costs one pass of the loop per batch, not per message.
PACKETS_PER_WAKE = 64
# Topics per SUBSCRIBE packet: a worker subscribing to thousands of agents' topics
# stays far under the broker's packet size limit.
TOPICS_PER_SUBSCRIBE = 500
MIN_RECONNECT_S, MAX_RECONNECT_S = 1.0, 30.0


def parse_mqtt_url(url: str) -> tuple[str, int, str | None, str | None]:
    parts = urlsplit(url)
    if parts.scheme != "mqtt" or not parts.hostname:
        raise ValueError(f"MQTT URL must look like mqtt://[user:pass@]host:port, not {url!r}")
    user = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password else None
    return parts.hostname, parts.port or 1883, user, password


class MqttLink:
    def __init__(
        self,
        url: str,
        client_id: str,
        loop: asyncio.AbstractEventLoop,
        on_message: MessageHandler,
        on_link: Callable[[bool], None],
        *,
        password: str | None = None,
        subscriptions: Sequence[str] = (SUBSCRIPTION,),
        clean_session: bool = False,
    ) -> None:
        """``password`` overrides the URL's (it comes from a file or the environment,
        so that it shows neither on the command line nor in ``ps``). ``subscriptions``:
        the topic filters taken in (an ingest worker's share of the agents; none for a
        connection that only sends). ``clean_session``: keep nothing for us at the
        broker while we are away (for a connection that takes nothing in)."""
        self._host, self._port, user, url_password = parse_mqtt_url(url)
        password = password if password is not None else url_password
        self._loop = loop
        self._loop_thread = threading.get_ident()
        self._on_message = on_message
        self._on_link = on_link
        self._subscriptions = list(subscriptions)
        client = mqtt.Client(
            callback_api_version=mqtt.CallbackAPIVersion.VERSION2,
            client_id=client_id,
            clean_session=clean_session,
            protocol=mqtt.MQTTv311,
            manual_ack=True,
        )
        client.suppress_exceptions = True
        client.enable_logger(paho_logger("xaso.mqtt.paho"))
        if user:
            client.username_pw_set(user, password)
        client.on_connect = self._paho_connect
        client.on_disconnect = self._paho_disconnect
        client.on_message = self._paho_message
        client.on_socket_open = self._socket_opened
        client.on_socket_close = self._socket_closed
        client.on_socket_register_write = self._socket_wants_write
        client.on_socket_unregister_write = self._socket_wrote_all
        self._client = client
        self._sock: Any = None  # the socket the loop watches, while connected
        self._reading = asyncio.Event()  # set while reading is allowed
        self._reading.set()
        self._delivered = 0  # messages handed to on_message, to tell a wake-up's progress
        self._connected = False
        self._task: asyncio.Task[None] | None = None
        self._unreachable_logged_at: float | None = None

    # -- the owner's side --------------------------------------------------------------

    def start(self) -> None:
        self._client.connect_async(self._host, self._port, keepalive=KEEPALIVE_S)
        self._task = self._loop.create_task(self._keep_connected(), name="mqtt-link")

    async def stop(self) -> None:
        """Say goodbye to the broker (what is not acknowledged stays in our session)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._sock is not None:
            self._client.disconnect()
            self._client.loop_write()  # the DISCONNECT now: paho then closes the socket
        self._forget_socket()

    def publish(self, topic: str, payload: bytes, qos: int, retain: bool = False) -> None:
        """Send a message to an agent; while the link is down paho keeps it until the
        connection returns."""
        self._client.publish(topic, payload, qos=qos, retain=retain)

    def hold_reading(self, hold: bool) -> None:
        """While ``hold``, take no more messages: the broker keeps them. The writer's
        ``on_full`` (server/monitoring/writer.py)."""
        if hold and self._reading.is_set():
            self._reading.clear()
            if self._sock is not None:
                self._loop.remove_reader(self._sock)
        elif not hold and not self._reading.is_set():
            self._reading.set()
            if self._sock is not None:
                self._loop.add_reader(self._sock, self._readable)

    # -- the connection's upkeep on the loop -------------------------------------------

    async def _keep_connected(self) -> None:
        """Connect, reconnect with jittered backoff, and give paho its keepalive tick.
        While reading is paused a lost connection is not taken up again: a new session
        would have the broker send everything it holds for us at once."""
        delay_s = MIN_RECONNECT_S
        while True:
            if self._sock is None:
                await self._reading.wait()
                if not await self._connect():
                    await asyncio.sleep(random.uniform(MIN_RECONNECT_S, delay_s))
                    delay_s = min(delay_s * 2, MAX_RECONNECT_S)
                    continue
                delay_s = MIN_RECONNECT_S
            await asyncio.sleep(1.0)
            if self._sock is not None:
                self._client.loop_misc()  # pings, and a dead connection noticed

    async def _connect(self) -> bool:
        try:
            await self._loop.run_in_executor(None, self._client.reconnect)
        except (OSError, mqtt.WebsocketConnectionError) as exc:
            self._connect_failed(exc)
            return False
        return True

    def _connect_failed(self, exc: BaseException) -> None:
        """The broker could not be reached. Said at once, then at most every few
        minutes while it lasts."""
        now = time.monotonic()
        if self._unreachable_logged_at is None or now - self._unreachable_logged_at > 300:
            self._unreachable_logged_at = now
            log.warning(
                "cannot reach the broker at %s:%d (%s); retrying (no device is timed out "
                "meanwhile)",
                self._host,
                self._port,
                exc,
            )

    def _readable(self) -> None:
        for _ in range(PACKETS_PER_WAKE):
            before = self._delivered
            self._client.loop_read()
            if self._delivered == before or self._sock is None or not self._reading.is_set():
                return

    def _writable(self) -> None:
        self._client.loop_write()

    def _watch(self, sock: Any) -> None:
        self._sock = sock
        if self._reading.is_set():
            self._loop.add_reader(sock, self._readable)

    def _forget_socket(self, sock: Any = None) -> None:
        sock = sock if sock is not None else self._sock
        if sock is None:
            return
        self._loop.remove_reader(sock)
        self._loop.remove_writer(sock)
        if sock is self._sock:
            self._sock = None

    def _on_loop(self, fn: Callable[..., object], *args: object) -> None:
        """Run ``fn`` on the loop: at once from the loop's thread, else handed over (the
        connect runs in a worker thread)."""
        if threading.get_ident() == self._loop_thread:
            fn(*args)
        else:
            self._loop.call_soon_threadsafe(fn, *args)

    # -- paho's callbacks --------------------------------------------------------------

    def _socket_opened(self, client: mqtt.Client, userdata: object, sock: Any) -> None:
        self._on_loop(self._watch, sock)

    def _socket_closed(self, client: mqtt.Client, userdata: object, sock: Any) -> None:
        self._on_loop(self._forget_socket, sock)

    def _socket_wants_write(self, client: mqtt.Client, userdata: object, sock: Any) -> None:
        self._on_loop(self._loop.add_writer, sock, self._writable)

    def _socket_wrote_all(self, client: mqtt.Client, userdata: object, sock: Any) -> None:
        self._on_loop(self._loop.remove_writer, sock)

    def _paho_connect(
        self,
        client: mqtt.Client,
        userdata: object,
        flags: mqtt.ConnectFlags,
        reason_code: mqtt.ReasonCode,
        properties: mqtt.Properties | None,
    ) -> None:
        if reason_code.is_failure:
            log.error("broker refused the server's connection: %s", reason_code)
            return
        # Subscribing on every connect is harmless and covers a broker that lost state.
        for first in range(0, len(self._subscriptions), TOPICS_PER_SUBSCRIBE):
            chunk = self._subscriptions[first : first + TOPICS_PER_SUBSCRIBE]
            client.subscribe([(topic, QOS_RECORDS) for topic in chunk])
        self._unreachable_logged_at = None
        self._connected = True
        self._on_link(True)

    def _paho_disconnect(
        self,
        client: mqtt.Client,
        userdata: object,
        flags: mqtt.DisconnectFlags,
        reason_code: mqtt.ReasonCode,
        properties: mqtt.Properties | None,
    ) -> None:
        if self._connected:
            self._connected = False
            self._on_loop(self._on_link, False)

    def _paho_message(
        self, client: mqtt.Client, userdata: object, message: mqtt.MQTTMessage
    ) -> None:
        self._delivered += 1
        ack = functools.partial(client.ack, message.mid, message.qos) if message.qos else None
        try:
            topic = message.topic
        except UnicodeDecodeError:
            # Not a topic of ours; ingest rejects and counts it (and it is still acked).
            topic = "<invalid utf-8>"
        self._on_message(topic, bytes(message.payload), ack, bool(message.retain))
