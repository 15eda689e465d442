"""The publisher's answer to a broker that refuses a topic (MQTT 5): the records stay,
the topic waits longer each time, the other topics flow, and a mended broker takes all."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from xaso.agent import publisher as publisher_module
from xaso.agent.outbox import Outbox
from xaso.agent.publisher import Publisher


class FakeConnection:
    """Hands out message ids; the test plays the broker's answers."""

    def __init__(self) -> None:
        self.connected = threading.Event()
        self.connected.set()
        self.sent: dict[int, str] = {}  # mid -> topic
        self._next_mid = 0

    def publish(self, topic: str, payload: bytes, qos: int, retain: bool = False) -> int:
        self._next_mid += 1
        self.sent[self._next_mid] = topic
        return self._next_mid


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    now = [1000.0]
    monkeypatch.setattr(publisher_module.time, "monotonic", lambda: now[0])
    return now


def answer(publisher: Publisher, connection: FakeConnection, refuse: str) -> None:
    """The broker answers everything in flight: refusing topic ``refuse``."""
    for mid, topic in list(connection.sent.items()):
        if topic == refuse:
            publisher.on_refused(mid, "Not authorized")
        else:
            publisher.on_published(mid)
    connection.sent.clear()
    publisher._handle_events()


def test_a_refused_topic_waits_longer_each_time_and_the_others_flow(
    tmp_path: Path, clock: list[float]
) -> None:
    outbox = Outbox.open(tmp_path / "outbox.db")
    connection = FakeConnection()
    publisher = Publisher(outbox, connection)  # type: ignore[arg-type]
    for i in range(3):
        outbox.append("event", "t/broadcast", lambda seq, ts, i=i: b"e%d" % i)
        outbox.append("heartbeat", "t/heartbeat", lambda seq, ts, i=i: b"h%d" % i)
    publisher._fill_window()
    answer(publisher, connection, refuse="t/broadcast")
    assert outbox.stats().depth == 3  # the three events kept
    assert "broker refused t/broadcast: Not authorized" in (publisher.refusals() or "")

    pauses = []
    for _ in range(4):
        outbox.append("heartbeat", "t/heartbeat", lambda seq, ts: b"h")
        publisher._fill_window()
        assert set(connection.sent.values()) == {"t/heartbeat"}  # events held back
        answer(publisher, connection, refuse="t/broadcast")
        held = publisher._held["t/broadcast"]
        pauses.append(held.pause_s)
        clock[0] = held.until  # the pause is over: one event tries, and is refused
        publisher._fill_window()
        assert list(connection.sent.values()) == ["t/broadcast"]
        answer(publisher, connection, refuse="t/broadcast")
    assert pauses == [30.0, 60.0, 120.0, 240.0]
    assert outbox.stats().depth == 3

    clock[0] = publisher._held["t/broadcast"].until  # the broker's ACL was mended
    publisher._fill_window()
    answer(publisher, connection, refuse="nothing")
    publisher._fill_window()
    answer(publisher, connection, refuse="nothing")
    assert outbox.stats().depth == 0 and publisher.refusals() is None
    outbox.close()
