"""Back-pressure on real parts: a burst far larger than the writer's bound, through real
Mosquitto into the real server app on SQLite. The server stops reading while the writer
is full, holds no more than its bound (plus one message), and loses nothing."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.apps import broker_settings
from tests.messages import heartbeat, payload, publish_all
from tests.waiting import eventually
from xaso.protocol import heartbeat_topic
from xaso.server.app import create_app
from xaso.server.keys import METRICS, STORE
from xaso.server.monitoring.keys import WRITER
from xaso.server.monitoring.writer import Intake
from xaso.testbed.mosquitto import MosquittoServer

BURST = 600
BOUND = 30  # records: ten heartbeats of two readings


async def test_a_burst_past_the_bound_pauses_reading_and_is_stored_whole(
    tmp_path: Path,
    mosquitto: MosquittoServer,
    aiohttp_client: Callable[[web.Application], Awaitable[TestClient]],
) -> None:
    client = await aiohttp_client(
        create_app(broker_settings(tmp_path, mosquitto.url, max_pending_records=BOUND))
    )
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
    burst = [
        (
            heartbeat_topic("alpha-gw"),
            payload(
                heartbeat(
                    "alpha-gw",
                    seq,
                    {"alpha-rc-1": True, "alpha-cam-1": seq % 2 == 0},
                    ts_ms=first_ms + seq * 1_000,
                    historical=True,
                )
            ),
        )
        for seq in range(1, BURST + 1)
    ]
    await asyncio.to_thread(publish_all, port, burst, 200)

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
