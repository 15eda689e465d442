"""An embedded, pure-Python MQTT broker for `xaso demo` (amqtt 0.12).

Production uses Mosquitto; the demo must run with nothing but the Python package installed,
so it embeds amqtt inside the demo's asyncio loop. Behaviour of amqtt 0.12 that matters to
the demo (measured, see tests/demo/test_embedded_broker.py):

* Retained messages and Last Will (incl. retained wills) work. Wills fire when the socket
  closes without DISCONNECT. amqtt never enforces keep-alive, so a *half-open* link (a peer
  that vanished without FIN/RST) never fires its will; on loopback that cannot happen.
* QoS 1 towards a subscriber has no in-flight window: every message is sent at once and
  the broker waits 5 s for its PUBACK, then gives up on it for good (no retry while
  connected, nothing queued for a reconnect). A consumer using paho's `manual_ack=True`
  must therefore ack within ~5 s; it still *receives* every message.
* Sessions with clean_session=False only keep subscriptions and queue QoS 1 messages while
  offline for sessions that amqtt does not consider "anonymous". amqtt's stock
  AnonymousAuthPlugin marks every session anonymous, which silently turns persistent
  sessions into clean ones; hence the small auth plugin below. Messages queued while
  offline are delivered on reconnect with the RETAIN flag set (amqtt quirk).
* On every CONNECT amqtt also pushes, at QoS 0 with RETAIN=1, the retained messages that
  match *any* session's subscriptions, even to a client that subscribed to nothing: clients
  must ignore topics they did not ask for.
* Sessions live in memory only: stopping the broker loses retained messages and queues.
* On CONNECT, amqtt walks its subscriptions dict while awaiting sends; a client
  subscribing meanwhile (14 simulated gateways and the server start at once) made it
  fail with "dictionary changed size during iteration" and drop the connecting client.
  ``_SubscriptionsSnapshot`` makes every walk over that dict a walk over a copy of its
  keys.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
from collections.abc import Iterator
from typing import Any

from amqtt.broker import Broker
from amqtt.contexts import BaseContext
from amqtt.plugins.base import BaseAuthPlugin
from amqtt.session import Session

__all__ = ["EmbeddedBroker", "OpenAuthPlugin"]

_log = logging.getLogger(__name__)

# amqtt (and the `transitions` state machine library it uses) log every connection and
# state change at INFO; the demo's console would drown in them.
_NOISY_LOGGERS = ("amqtt", "transitions")


class _SubscriptionsSnapshot(dict[str, Any]):
    """amqtt's topic filter -> subscribers map, whose ``for topic in ...`` walks a copy
    of the keys: a walk that awaits in between is not broken by a new subscription."""

    def __iter__(self) -> Iterator[str]:
        return iter(list(super().keys()))


class OpenAuthPlugin(BaseAuthPlugin):
    """Accept every client, without marking its session anonymous.

    The demo broker listens on loopback only, so there is nothing to authenticate. amqtt's
    own AnonymousAuthPlugin would do, except that it flags sessions `is_anonymous`, and
    amqtt then drops the session of a clean_session=False client as soon as it
    disconnects: the server's persistent session (and its offline queue) would be lost.
    """

    def __init__(self, context: BaseContext) -> None:
        super().__init__(context)

    async def authenticate(self, *, session: Session) -> bool | None:
        return True


class EmbeddedBroker:
    """amqtt broker bound to a loopback port, started and stopped inside a running loop.

    Usage::

        broker = EmbeddedBroker()          # port 0: the OS picks a free port
        await broker.start()
        ...  connect clients to broker.host / broker.port (or broker.url)
        await broker.stop()
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        session_expiry_interval: int | None = 3600,
        quiet: bool = True,
    ) -> None:
        """Configure (but do not start) the broker.

        host: a loopback IP address; the demo broker has no authentication, so binding
            anything else is refused.
        port: TCP port, 0 to let the OS pick a free one (read it from `.port` after start).
        session_expiry_interval: seconds a disconnected persistent session (and the QoS 1
            messages queued for it) is kept; None keeps it until the broker stops.
        quiet: lower amqtt's loggers to WARNING (they log every connection at INFO).
        """
        if not ipaddress.ip_address(host).is_loopback:
            msg = f"the embedded demo broker only binds loopback addresses, not {host!r}"
            raise ValueError(msg)
        self.host = host
        self.port = port
        self._session_expiry_interval = session_expiry_interval
        self._quiet = quiet
        self._broker: Broker | None = None

    @property
    def url(self) -> str:
        return f"mqtt://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._broker is not None

    def _config(self) -> dict[str, Any]:
        # amqtt 0.12 schema (amqtt.contexts.BrokerConfig). Giving `plugins` explicitly
        # replaces amqtt's defaults: no $SYS publisher (BrokerSysPlugin), no per-packet
        # logger plugins, and our own auth plugin instead of AnonymousAuthPlugin.
        config: dict[str, Any] = {
            "listeners": {
                # One plain TCP listener; no websockets, no TLS.
                "default": {"type": "tcp", "bind": f"{self.host}:{self.port}"},
            },
            "plugins": {f"{OpenAuthPlugin.__module__}.{OpenAuthPlugin.__qualname__}": {}},
        }
        if self._session_expiry_interval is not None:
            config["session_expiry_interval"] = self._session_expiry_interval
        return config

    async def start(self) -> None:
        """Start listening. Must be awaited inside the running loop that will serve it."""
        if self._broker is not None:
            msg = "broker already started"
            raise RuntimeError(msg)
        if self._quiet:
            for name in _NOISY_LOGGERS:
                logger = logging.getLogger(name)
                # Only when nobody chose a level: a user who set amqtt to DEBUG keeps it.
                if logger.level == logging.NOTSET:
                    logger.setLevel(logging.WARNING)
        broker = Broker(self._config())
        broker._subscriptions = _SubscriptionsSnapshot(broker._subscriptions)
        await broker.start()
        self._broker = broker
        if self.port == 0:
            self.port = self._bound_port(broker)
        _log.info("embedded MQTT broker listening on %s", self.url)

    @staticmethod
    def _bound_port(broker: Broker) -> int:
        # amqtt has no public accessor for the bound address; `_servers` maps listener name
        # to a wrapper whose `.instance` is the asyncio.Server (stable since hbmqtt).
        # Reading it back is race-free, unlike picking a free port before binding.
        server = broker._servers["default"].instance
        sockets = getattr(server, "sockets", None) or ()
        for sock in sockets:
            return int(sock.getsockname()[1])
        msg = "amqtt listener has no bound socket"
        raise RuntimeError(msg)

    async def stop(self) -> None:
        """Stop the broker, drop all sessions and wait for its connection tasks to end.

        Clients still connected see their socket closed (and their wills are broadcast to
        nobody, since every session goes away at the same time).
        """
        broker, self._broker = self._broker, None
        if broker is None:
            return
        await broker.shutdown()
        # shutdown() closes the listener and stops every session's protocol handler, but
        # the per-connection tasks asyncio.start_server spawned finish a few loop turns
        # later; wait for them so callers (and tests) do not see leftover tasks.
        await _wait_for_amqtt_tasks(timeout=2.0)


async def _wait_for_amqtt_tasks(timeout: float) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    current = asyncio.current_task()
    while True:
        pending = [
            t for t in asyncio.all_tasks() if t is not current and not t.done() and _is_amqtt(t)
        ]
        if not pending:
            return
        if loop.time() >= deadline:
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            return
        await asyncio.sleep(0.01)


def _is_amqtt(task: asyncio.Task[Any]) -> bool:
    code = getattr(task.get_coro(), "cr_code", None)
    filename = getattr(code, "co_filename", "")
    return "amqtt" in filename.replace("\\", "/").split("/")
