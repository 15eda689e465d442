"""The broker as we ship it (deploy/mosquitto/xaso.conf and xaso.acl, only its port and
file paths changed), against every channel the agent and the server use, against one
gateway's credentials used to take another's session, and with an ACL that refuses a
channel: what the agent cannot deliver it keeps, and says why."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest

from xaso.agent.config import AgentConfig, AgentSection, MqttSection
from xaso.agent.connection import BrokerConnection
from xaso.agent.outbox import Outbox
from xaso.agent.publisher import Publisher
from xaso.agent.session import SessionCounter
from xaso.protocol import (
    broadcast_topic,
    heartbeat_topic,
    replay_topic,
    schedule_topic,
    status_topic,
)
from xaso.testbed.mosquitto import MosquittoServer, running_deployed

PASSWORDS = {"alpha-gw": "alpha-Zq9-secret", "beta-gw": "beta-Xw2-secret", "xaso-server": "s-9"}


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[MosquittoServer]:
    with running_deployed(tmp_path / "mosquitto", PASSWORDS) as server:
        yield server


class Client:
    """A paho client logged in as ``user``, keeping what it receives, what the broker
    said to its publishes (MQTT 5 reason codes) and how often it was disconnected."""

    def __init__(
        self,
        port: int,
        user: str,
        *,
        client_id: str = "",
        clean: bool = True,
        protocol: int = mqtt.MQTTv5,
    ) -> None:
        self.received: list[tuple[str, bytes, bool]] = []
        self.published: dict[int, str] = {}  # mid -> reason
        self.disconnects = 0
        self.connected = threading.Event()
        self.subscribed = threading.Event()
        self.client = mqtt.Client(
            callback_api_version=mqtt.CallbackAPIVersion.VERSION2,
            client_id=client_id,
            protocol=protocol,
            **({} if protocol == mqtt.MQTTv5 else {"clean_session": clean}),
        )
        self.client.username_pw_set(user, PASSWORDS[user])
        self.client.on_connect = lambda c, u, f, rc, p: self.connected.set()
        self.client.on_disconnect = self._disconnected
        self.client.on_subscribe = lambda *args: self.subscribed.set()
        self.client.on_publish = self._published
        self.client.on_message = lambda c, u, m: self.received.append(
            (m.topic, m.payload, m.retain)
        )
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        assert self.connected.wait(10), f"{user} could not connect"

    def _disconnected(self, *args: object) -> None:
        self.disconnects += 1
        self.connected.clear()

    def _published(self, client: object, userdata: object, mid: int, rc, props) -> None:  # type: ignore[no-untyped-def]
        self.published[mid] = str(rc)

    def subscribe(self, topic: str) -> None:
        self.subscribed.clear()
        self.client.subscribe(topic, qos=1)
        assert self.subscribed.wait(10)

    def publish(self, topic: str, payload: bytes = b"{}", retain: bool = False) -> str:
        """Publish at QoS 1 and return the broker's answer to it."""
        info = self.client.publish(topic, payload, qos=1, retain=retain)
        info.wait_for_publish(10)
        deadline = time.monotonic() + 5
        while info.mid not in self.published:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        return self.published[info.mid]

    def topics(self) -> set[str]:
        return {topic for topic, _, _ in self.received}

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def wait_for(condition, what: str, timeout_s: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def test_every_channel_of_the_agent_and_the_server_passes(broker: MosquittoServer) -> None:
    server = Client(broker.port, "xaso-server", client_id="xaso-server")
    server.subscribe("xaso/v1/agents/+/+")
    agent = Client(broker.port, "alpha-gw", client_id="alpha-gw")
    agent.subscribe(replay_topic("alpha-gw"))
    agent.subscribe(schedule_topic("alpha-gw"))
    try:
        for topic in (
            status_topic("alpha-gw"),
            heartbeat_topic("alpha-gw"),
            broadcast_topic("alpha-gw"),  # proof of play
        ):
            assert agent.publish(topic) in ("Success", "No matching subscribers"), topic
        wait_for(lambda: len(server.topics()) == 3, "the agent's three channels")
        assert server.publish(replay_topic("alpha-gw")) == "Success"
        assert server.publish(schedule_topic("alpha-gw"), retain=True) == "Success"
        wait_for(lambda: len(agent.topics()) == 2, "the server's two channels")
    finally:
        agent.close()
        server.close()


def test_an_agent_can_neither_speak_for_another_nor_pose_as_the_server(
    broker: MosquittoServer,
) -> None:
    server = Client(broker.port, "xaso-server")
    server.subscribe("xaso/v1/agents/#")
    impostor = Client(broker.port, "alpha-gw")
    try:
        for topic in (
            heartbeat_topic("beta-gw"),  # another commune's gateway
            status_topic("beta-gw"),
            broadcast_topic("beta-gw"),
            replay_topic("alpha-gw"),  # only the server asks for replays...
            schedule_topic("alpha-gw"),  # ...and plans what plays
        ):
            assert impostor.publish(topic) == "Not authorized", topic
        impostor.subscribe(schedule_topic("beta-gw"))  # another gateway's programme
        server.publish(schedule_topic("beta-gw"), b"secret plan")
        time.sleep(0.3)
        assert impostor.received == []
        assert server.topics() == {schedule_topic("beta-gw")}  # its own, none of the impostor's
    finally:
        impostor.close()
        server.close()


def test_one_gateways_credentials_cannot_take_another_gateways_session(
    broker: MosquittoServer,
) -> None:
    beta = Client(broker.port, "beta-gw", client_id="beta-gw")
    try:
        for _ in range(5):
            thief = Client(broker.port, "alpha-gw", client_id="beta-gw")
            thief.close()
        time.sleep(0.3)
        assert beta.disconnects == 0
    finally:
        beta.close()


def test_a_gateways_credentials_cannot_wipe_the_servers_session(
    broker: MosquittoServer,
) -> None:
    """The server's persistent session keeps what arrives while it is away; connecting
    as "xaso-server" with a clean session would throw that away."""
    server = Client(
        broker.port, "xaso-server", client_id="xaso-server", clean=False, protocol=mqtt.MQTTv311
    )
    server.subscribe("xaso/v1/agents/+/+")
    server.close()
    agent = Client(broker.port, "alpha-gw")
    agent.publish(heartbeat_topic("alpha-gw"), b"kept for the server")
    thief = Client(
        broker.port, "alpha-gw", client_id="xaso-server", clean=True, protocol=mqtt.MQTTv311
    )
    thief.close()
    agent.close()
    server = Client(
        broker.port, "xaso-server", client_id="xaso-server", clean=False, protocol=mqtt.MQTTv311
    )
    try:
        wait_for(lambda: server.received, "the message kept while the server was away")
        assert server.received[0][1] == b"kept for the server"
    finally:
        server.close()


# -- a broker that refuses a channel ----------------------------------------------------


def test_what_the_broker_refuses_stays_queued_and_is_told(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The ACL we shipped before let agents write status and heartbeat only: every
    broadcast event was acknowledged by the broker, then dropped as delivered. Over
    MQTT 5 the refusal is told: the event stays in the outbox, the heartbeat says why,
    and it goes out once the broker takes it."""
    old_acl = tmp_path / "old.acl"
    old_acl.write_text(
        "pattern write xaso/v1/agents/%u/status\n"
        "pattern write xaso/v1/agents/%u/heartbeat\n"
        "user xaso-server\ntopic read xaso/v1/agents/#\n",
        encoding="ascii",
    )
    broker = MosquittoServer.deployed(tmp_path / "old", PASSWORDS, acl=old_acl)
    broker.start()
    monkeypatch.setenv("XASO_TEST_PW", PASSWORDS["alpha-gw"])
    config = AgentConfig(
        agent=AgentSection(id="alpha-gw"),
        mqtt=MqttSection(
            url=broker.url,
            username="alpha-gw",
            password_env="XASO_TEST_PW",
            keepalive_s=5,
            reconnect_min_s=0.2,
            reconnect_max_s=0.5,
        ),
        state_dir=str(tmp_path / "agent"),
    )
    outbox = Outbox.open(tmp_path / "agent" / "outbox.db")
    publisher: Publisher | None = None
    connection = BrokerConnection(
        config,
        SessionCounter(tmp_path / "agent"),
        lambda: int(time.time() * 1000),
        on_connected=lambda: publisher.on_connected() if publisher else None,
        on_disconnected=lambda: publisher.on_disconnected() if publisher else None,
        on_published=lambda mid: publisher.on_published(mid) if publisher else None,
        on_refused=lambda mid, why: publisher.on_refused(mid, why) if publisher else None,
    )
    publisher = Publisher(outbox, connection)
    server = Client(broker.port, "xaso-server")
    server.subscribe("xaso/v1/agents/+/+")
    connection.start()
    publisher.start()
    mended = None
    try:
        outbox.append("event", broadcast_topic("alpha-gw"), lambda seq, ts: b'{"event": 1}')
        outbox.append("heartbeat", heartbeat_topic("alpha-gw"), lambda seq, ts: b'{"beat": 2}')
        publisher.wake()
        wait_for(lambda: heartbeat_topic("alpha-gw") in server.topics(), "the heartbeat")
        wait_for(lambda: publisher.refusals() is not None, "the refusal to be known")
        assert "broadcast: Not authorized" in (publisher.refusals() or "")
        assert outbox.stats().depth == 1  # the event is kept, not dropped as delivered
        assert broadcast_topic("alpha-gw") not in server.topics()

        # The ACL is mended and the broker restarted on the same port: the event goes out.
        server.close()
        broker.stop()
        mended = MosquittoServer.deployed(tmp_path / "mended", PASSWORDS, port=broker.port)
        mended.start()
        server = Client(mended.port, "xaso-server")
        server.subscribe("xaso/v1/agents/+/+")
        # Acknowledged without a refusal: the mended ACL took it. (Whether the watcher
        # had subscribed again before the agent reconnected is a race; the broker's
        # answer is what the agent goes by.)
        wait_for(lambda: outbox.stats().depth == 0, "the event to be delivered", 20)
        assert publisher.refusals() is None
    finally:
        publisher.stop()
        connection.stop()
        outbox.close()
        server.close()
        broker.stop()
        if mended is not None:
            mended.stop()
