"""Back-pressure on real parts: a burst far larger than the writer's bound, through real
Mosquitto into the real server app on SQLite. The server stops reading while the writer
is full, holds no more than its bound (plus one message), and loses nothing."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.messages import SMALL_INVENTORY, heartbeat, payload
from tests.waiting import eventually
from xaso.protocol import QOS_RECORDS, heartbeat_topic
from xaso.server.app import create_app
from xaso.server.keys import METRICS, STORE
from xaso.server.monitoring.keys import WRITER
from xaso.server.monitoring.writer import Intake
from xaso.server.settings import Settings
from xaso.testbed.mosquitto import MosquittoServer

BURST = 600
BOUND = 30  # records: ten heartbeats of two readings


def publish_burst(url_port: int, agent: str, first_ms: int) -> None:
    """Every heartbeat published at QoS 1 and acknowledged by the broker."""
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"burst-{uuid.uuid4().hex}")
    client.max_inflight_messages_set(200)
    client.max_queued_messages_set(0)
    client.connect("127.0.0.1", url_port)
    client.loop_start()
    try:
        infos = [
            client.publish(
                heartbeat_topic(agent),
                payload(
                    heartbeat(
                        agent,
                        seq,
                        {"alpha-rc-1": True, "alpha-cam-1": seq % 2 == 0},
                        ts_ms=first_ms + seq * 1_000,
                        historical=True,
                    )
                ),
                qos=QOS_RECORDS,
            )
            for seq in range(1, BURST + 1)
        ]
        for info in infos:
            info.wait_for_publish(timeout=60)
    finally:
        client.loop_stop()
        client.disconnect()


async def test_a_burst_past_the_bound_pauses_reading_and_is_stored_whole(
    tmp_path: Path,
    mosquitto: MosquittoServer,
    aiohttp_client: Callable[[web.Application], Awaitable[TestClient]],
) -> None:
    settings = Settings(
        inventory=str(SMALL_INVENTORY),
        mqtt=mosquitto.url,
        store=f"sqlite:///{tmp_path / 'timeseries.db'}",
        data_dir=str(tmp_path / "server"),
        mqtt_client_id=f"xaso-test-{uuid.uuid4().hex[:6]}",
        max_pending_records=BOUND,
    )
    client = await aiohttp_client(create_app(settings))
    app = client.server.app
    assert app is not None
    writer = app[WRITER]
    pauses: list[bool] = []
    peak = largest = 0
    link_full = writer.on_full

    def watched_full(full: bool) -> None:
        pauses.append(full)
        link_full(full)

    writer.on_full = watched_full
    submit = writer.submit

    def watched_submit(intake: Intake) -> None:
        nonlocal peak, largest
        submit(intake)
        peak = max(peak, writer.pending_records)
        largest = max(largest, len(intake.records))

    writer.submit = watched_submit  # type: ignore[method-assign]

    # The schedule sets the server publishes on connecting come back through its own
    # subscription: from then on the broker keeps what is published for it.
    received = app[METRICS].messages_received
    await eventually(
        lambda: received.labels("schedule")._value.get() > 0, what="the server subscribed"
    )
    first_ms = int(time.time() * 1000) - (BURST + 10) * 1_000
    port = int(mosquitto.url.rsplit(":", 1)[1])
    await asyncio.to_thread(publish_burst, port, "alpha-gw", first_ms)

    store = app[STORE]

    async def all_stored() -> Any:
        rows = await store.agent_health("alpha-gw", 0, 2**62)
        return len(rows) >= BURST and rows

    rows = await eventually(all_stored, what="the whole burst stored", timeout_s=60)
    assert sorted(r.seq for r in rows) == list(range(1, BURST + 1))
    readings = await store.device_readings("alpha-rc-1", 0, 2**62)
    assert len(readings) == BURST
    # The bound is passed by at most one message's records (a heartbeat, two readings
    # and the transitions its readings cause).
    assert peak < BOUND + largest, (peak, largest)
    await eventually(lambda: writer.pending == 0, what="the last batch settled")
    assert pauses.count(True) >= 2 and pauses[-1] is False, pauses
    assert not writer.full
