"""The real agent plays a schedule set that arrives over a real Mosquitto, and its
broadcast events leave through the on-disk outbox with the agent's numbering."""

from __future__ import annotations

import contextlib
import queue
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import msgspec
import paho.mqtt.client as mqtt
import pytest

from tests.playout_helpers import now_ms
from xaso.agent.collectors.base import Collector, CollectorResult
from xaso.agent.config import AgentConfig, AgentSection, MqttSection
from xaso.agent.outbox import OutboxFull
from xaso.agent.playout import PlayoutConfig
from xaso.agent.playout.config import SimulatedPlayer
from xaso.agent.runner import Agent
from xaso.protocol import (
    AGENTS_PREFIX,
    SCHEMA_VERSION,
    BroadcastEvent,
    DeviceReading,
    RadioStatus,
    ScheduledContent,
    decode_broadcast_event,
    decode_heartbeat,
    decode_status,
    encode,
    schedule_topic,
)
from xaso.server.monitoring.ingest import broadcast_record
from xaso.server.store.sqlite import SqliteStore
from xaso.testbed.mosquitto import MosquittoServer
from xaso.testbed.schedule_sets import item, schedule_set

AGENT_ID = "gw-radio"
WAIT_S = 20


class ClockReport:
    """A collector that only reports the gateway's clock offset."""

    name = "clock"

    def collect(self) -> CollectorResult:
        return CollectorResult(health={"clock_offset_ms": 12.5})

    def close(self) -> None:
        pass


@contextlib.contextmanager
def running_agent(
    tmp_path: Path,
    mosquitto: MosquittoServer,
    playout: PlayoutConfig,
    collectors: list[Collector],
    heartbeat_s: float,
) -> Iterator[tuple[queue.SimpleQueue[tuple[str, bytes]], mqtt.Client]]:
    """The real agent in a thread, and an observer on its topics: (what the observer
    receives, the observer to publish with). Both stop on leaving."""
    messages: queue.SimpleQueue[tuple[str, bytes]] = queue.SimpleQueue()
    observer = mqtt.Client(
        callback_api_version=mqtt.CallbackAPIVersion.VERSION2,
        client_id=f"observer-{uuid.uuid4().hex[:6]}",
    )
    observer.on_message = lambda c, u, m: messages.put((m.topic, m.payload))
    observer.connect("127.0.0.1", mosquitto.port)
    observer.subscribe(f"{AGENTS_PREFIX}/{AGENT_ID}/#", qos=1)
    observer.loop_start()
    config = AgentConfig(
        agent=AgentSection(id=AGENT_ID, heartbeat_interval_s=heartbeat_s),
        mqtt=MqttSection(url=mosquitto.url, keepalive_s=5, reconnect_min_s=0.2),
        state_dir=str(tmp_path / "state"),
        playout=playout,
    )
    agent = Agent(config, collectors=collectors)
    stop = threading.Event()
    runner = threading.Thread(target=agent.run, args=(stop,), name="test-agent")
    runner.start()
    try:
        yield messages, observer
    finally:
        stop.set()
        runner.join(timeout=30)
        observer.loop_stop()
        observer.disconnect()


def test_a_schedule_over_mqtt_is_played_and_logged_through_the_outbox(
    tmp_path: Path, mosquitto: MosquittoServer
) -> None:
    playout = PlayoutConfig(simulated=SimulatedPlayer(fail_clusters=["rc-02"]))
    events: list[BroadcastEvent] = []
    session = None
    with running_agent(tmp_path, mosquitto, playout, [ClockReport()], 0.3) as (
        messages,
        observer,
    ):

        def receive_until(done: Callable[[str], bool]) -> None:
            """Read the agent's messages until ``done(channel)`` says so."""
            nonlocal session
            deadline = time.monotonic() + WAIT_S
            while True:
                topic, payload = messages.get(timeout=max(0.01, deadline - time.monotonic()))
                channel = topic.rsplit("/", 1)[1]
                if channel == "status":
                    session = decode_status(payload).session
                elif channel == "broadcast":
                    events.append(decode_broadcast_event(payload))
                if done(channel):
                    return

        # The schedule goes out once the agent has beaten: its clock offset is known.
        receive_until(lambda channel: channel == "heartbeat")
        start = now_ms()
        content = ScheduledContent(type="tts", duration_s=0.3, text="Thông báo")
        schedule = schedule_set(
            item("notice", [start], clusters=["rc-01", "rc-02"], content=content),
            ts_ms=start,
            agent=AGENT_ID,
        )
        observer.publish(schedule_topic(AGENT_ID), encode(schedule), qos=1, retain=True)

        def all_ended(channel: str) -> bool:
            return {(e.cluster, e.event) for e in events} >= {
                ("rc-01", "finished"),
                ("rc-02", "failed"),
            }

        receive_until(all_ended)
    steps = sorted((e.cluster, e.seq, e.event) for e in events)
    assert [(c, k) for c, _, k in steps] == [
        ("rc-01", "received"),
        ("rc-01", "started"),
        ("rc-01", "finished"),
        ("rc-02", "received"),
        ("rc-02", "started"),
        ("rc-02", "failed"),
    ]
    seqs = [e.seq for e in events]
    assert len(set(seqs)) == len(seqs) and min(seqs) > 0
    for event in events:
        assert (event.agent, event.session, event.schedule) == (AGENT_ID, session, "notice")
        assert event.clock_offset_ms == 12.5 and not event.historical
        assert start - 1000 <= event.ts_ms
    finished = next(e for e in events if e.event == "finished")
    assert finished.occurrence_ms == start and finished.planned_end_ms == start + 300
    assert finished.played_s is not None and finished.content == content


async def test_events_sent_past_a_full_disk_keep_an_identity_each(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The outbox gives no number when the disk is full; the stores key events by
    # (agent, seq), so two such events of one tick must not carry the same one.
    config = AgentConfig(agent=AgentSection(id=AGENT_ID), state_dir=str(tmp_path / "state"))
    agent = Agent(config, collectors=[], clock=lambda: 1_800_000_000.0)  # one millisecond
    sent: list[bytes] = []

    def full(*args: object) -> int:
        raise OutboxFull("database or disk is full")

    monkeypatch.setattr(agent._outbox, "append", full)
    monkeypatch.setattr(agent.connection, "publish", lambda t, payload, q: sent.append(payload))
    content = ScheduledContent(type="tts", duration_s=60, text="Thông báo")
    try:
        for schedule in ("lt-sang", "lt-chieu"):  # a new set: one "received" per schedule
            agent.record_event(
                BroadcastEvent(
                    v=SCHEMA_VERSION,
                    agent=AGENT_ID,
                    session=0,
                    seq=0,
                    ts_ms=0,
                    event="received",
                    cluster="rc-01",
                    schedule=schedule,
                    revision=1,
                    priority="normal",
                    content=content,
                )
            )
    finally:
        agent._pool.close()  # never started: only what the constructor opened
        agent._outbox.close()
    events = [decode_broadcast_event(payload) for payload in sent]
    assert all(e.seq < 0 for e in events)  # not tracked as the agent's numbering
    store = await SqliteStore.open(":memory:")
    try:
        await store.write([broadcast_record(e, "alpha", None) for e in events])
        got = await store.broadcast_events(["alpha"], 0, 1, ["lt-sang", "lt-chieu"])
    finally:
        await store.close()
    assert sorted(r.schedule for r in got) == ["lt-chieu", "lt-sang"]


class ClusterPing:
    """A collector that finds both clusters reachable, and rc-02's controller paused."""

    name = "ping"

    def collect(self) -> CollectorResult:
        paused = RadioStatus(play_state="paused", volume=40)
        return CollectorResult(
            readings=[
                DeviceReading(id="rc-01", reachable=True),
                DeviceReading(id="rc-02", reachable=True, radio=paused),
            ]
        )

    def close(self) -> None:
        pass


def test_the_heartbeat_tells_which_clusters_play_now(
    tmp_path: Path, mosquitto: MosquittoServer
) -> None:
    playout = PlayoutConfig(simulated=SimulatedPlayer())
    radio: list[dict[str, RadioStatus | None]] = []  # per heartbeat, by cluster
    ended = False
    with running_agent(tmp_path, mosquitto, playout, [ClusterPing()], 0.2) as (
        messages,
        observer,
    ):
        start = now_ms()
        drill = item("drill", [start], priority="emergency", clusters=["rc-01", "rc-02"])
        drill = msgspec.structs.replace(
            drill, content=ScheduledContent(type="tts", duration_s=1.5, text="Diễn tập")
        )
        schedule = schedule_set(drill, ts_ms=start, agent=AGENT_ID)
        observer.publish(schedule_topic(AGENT_ID), encode(schedule), qos=1, retain=True)
        deadline = time.monotonic() + WAIT_S
        # Heartbeats until one after both plays ended.
        while not (ended and radio and radio[-1]["rc-01"] is None):
            topic, payload = messages.get(timeout=max(0.01, deadline - time.monotonic()))
            channel = topic.rsplit("/", 1)[1]
            if channel == "heartbeat":
                beat = decode_heartbeat(payload)
                radio.append({d.id: d.radio for d in beat.devices})
            elif channel == "broadcast":
                event = decode_broadcast_event(payload)
                ended = ended or (event.cluster == "rc-01" and event.event == "finished")
    during = next(beat for beat in radio if beat["rc-01"] is not None)
    assert during["rc-01"] == RadioStatus(play_state="playing", source="emergency")
    # The controller's own word comes first; the playout fills in what it left out.
    assert during["rc-02"] == RadioStatus(play_state="paused", source="emergency", volume=40)
    assert radio[-1] == {"rc-01": None, "rc-02": RadioStatus(play_state="paused", volume=40)}
