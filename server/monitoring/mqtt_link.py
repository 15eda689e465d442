"""The server's MQTT connection: paho's thread only hands messages to the event loop.

Parsing, state and storage happen on the loop: paho's callbacks run on its network
thread, where anything slow would hold up keepalives and acknowledgements and touching
the loop's state would race with it (docs/operations.md#libraries-xaso-relies-on).

The session is persistent (clean_session=False, fixed client id) so the broker keeps
QoS 1 messages while the server is away, and acknowledgement is manual: sent after the
store wrote.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Callable
from urllib.parse import unquote, urlsplit

import paho.mqtt.client as mqtt

from xaso.paho_log import paho_logger
from xaso.protocol import QOS_RECORDS, SUBSCRIPTION

log = logging.getLogger("xaso.mqtt")

# (topic, payload, ack, retained) delivered on the loop; ack is None for QoS 0
# messages; retained: the broker kept it and sends it on subscribing (not news).
MessageHandler = Callable[[str, bytes, Callable[[], object] | None, bool], None]


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
    ) -> None:
        """``password`` overrides the URL's (it comes from a file or the environment,
        so that it shows neither on the command line nor in ``ps``)."""
        self._host, self._port, user, url_password = parse_mqtt_url(url)
        password = password if password is not None else url_password
        self._loop = loop
        self._on_message = on_message
        self._on_link = on_link
        client = mqtt.Client(
            callback_api_version=mqtt.CallbackAPIVersion.VERSION2,
            client_id=client_id,
            clean_session=False,
            protocol=mqtt.MQTTv311,
            manual_ack=True,
        )
        client.suppress_exceptions = True
        client.enable_logger(paho_logger("xaso.mqtt.paho"))
        client.reconnect_delay_set(min_delay=1, max_delay=30)
        if user:
            client.username_pw_set(user, password)
        client.on_connect = self._paho_connect
        client.on_connect_fail = self._paho_connect_fail
        client.on_disconnect = self._paho_disconnect
        client.on_message = self._paho_message
        self._client = client
        self._unreachable_logged_at: float | None = None

    def start(self) -> None:
        self._client.connect_async(self._host, self._port, keepalive=30)
        self._client.loop_start()

    def stop(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()

    def publish(self, topic: str, payload: bytes, qos: int, retain: bool = False) -> None:
        """Send a message to an agent (paho's publish is thread-safe); while the link is
        down paho keeps it until the connection returns."""
        self._client.publish(topic, payload, qos=qos, retain=retain)

    def _reachable_again(self) -> None:
        self._unreachable_logged_at = None

    def _connect_failed(self) -> None:
        """On the loop: the broker could not be reached (paho retries on its own). Said
        at once, then at most every few minutes while it lasts."""
        now = time.monotonic()
        if self._unreachable_logged_at is None or now - self._unreachable_logged_at > 300:
            self._unreachable_logged_at = now
            log.warning(
                "cannot reach the broker at %s:%d; retrying (no device is timed out meanwhile)",
                self._host,
                self._port,
            )

    # -- paho's thread: hand over, nothing else ---------------------------------------

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
        client.subscribe(SUBSCRIPTION, qos=QOS_RECORDS)
        self._loop.call_soon_threadsafe(self._reachable_again)
        self._loop.call_soon_threadsafe(self._on_link, True)

    def _paho_connect_fail(self, client: mqtt.Client, userdata: object) -> None:
        self._loop.call_soon_threadsafe(self._connect_failed)

    def _paho_disconnect(
        self,
        client: mqtt.Client,
        userdata: object,
        flags: mqtt.DisconnectFlags,
        reason_code: mqtt.ReasonCode,
        properties: mqtt.Properties | None,
    ) -> None:
        self._loop.call_soon_threadsafe(self._on_link, False)

    def _paho_message(
        self, client: mqtt.Client, userdata: object, message: mqtt.MQTTMessage
    ) -> None:
        ack = functools.partial(client.ack, message.mid, message.qos) if message.qos else None
        try:
            topic = message.topic
        except UnicodeDecodeError:
            # Not a topic of ours; ingest rejects and counts it (and it is still acked).
            topic = "<invalid utf-8>"
        self._loop.call_soon_threadsafe(
            self._on_message, topic, bytes(message.payload), ack, bool(message.retain)
        )
