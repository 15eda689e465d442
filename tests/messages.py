"""Builders of wire messages for tests, through the real contract module, and a way to
publish them to a real broker."""

from __future__ import annotations

import datetime as dt
import uuid

import paho.mqtt.client as mqtt

from tests.paths import DATA
from xaso.inventory import InventoryIndex, load_inventory
from xaso.protocol import (
    QOS_RECORDS,
    SCHEMA_VERSION,
    AgentHealth,
    AgentState,
    DeviceReading,
    Heartbeat,
    Status,
    encode,
)
from xaso.server.broadcasts.schedule import Content, Schedule

SMALL_INVENTORY = DATA / "small-inventory.yaml"

# The small inventory's commune alpha: a ten-minute bulletin every morning at 06:00.
MORNING_NEWS = Schedule(
    id="lt-sang",
    commune="alpha",
    title="Bản tin sáng",
    content=Content(type="tts", text="Kính thưa bà con", duration_s=600),
    start=dt.datetime(2030, 1, 1, 6, 0),
    rrule="FREQ=DAILY",
)


def small_index() -> InventoryIndex:
    return load_inventory(SMALL_INVENTORY).index()


def status(agent: str, state: AgentState, session: int = 1, ts_ms: int = 1_000) -> Status:
    return Status(v=SCHEMA_VERSION, agent=agent, state=state, session=session, ts_ms=ts_ms)


def heartbeat(
    agent: str,
    seq: int,
    readings: dict[str, bool] | None = None,
    *,
    session: int = 1,
    ts_ms: int | None = None,
    historical: bool = False,
) -> Heartbeat:
    return Heartbeat(
        v=SCHEMA_VERSION,
        agent=agent,
        session=session,
        seq=seq,
        ts_ms=ts_ms if ts_ms is not None else 1_000 + seq * 1_000,
        interval_s=1.0,
        health=AgentHealth(uptime_s=100.0 + seq, load1=0.1),
        devices=[
            DeviceReading(
                id=d, reachable=up, rtt_ms=5.0 if up else None, error=None if up else "timeout"
            )
            for d, up in (readings or {}).items()
        ],
        historical=historical,
    )


def payload(message: Status | Heartbeat) -> bytes:
    return encode(message)


def publish_all(port: int, messages: list[tuple[str, bytes]], max_inflight: int = 20) -> None:
    """Publish at QoS 1 from a client of its own, and return once the broker has
    acknowledged every message."""
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"pub-{uuid.uuid4().hex}")
    client.max_inflight_messages_set(max_inflight)
    client.max_queued_messages_set(0)
    client.connect("127.0.0.1", port)
    client.loop_start()
    try:
        infos = [client.publish(topic, body, qos=QOS_RECORDS) for topic, body in messages]
        for info in infos:
            info.wait_for_publish(timeout=60)
    finally:
        client.loop_stop()
        client.disconnect()
