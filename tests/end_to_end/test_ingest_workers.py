"""Ingest in worker processes, on real parts: real Mosquitto, the real server app with
``--ingest-workers 3`` on SQLite, each worker a real process with its own broker session.
Each agent's records go through the worker that owns it; the web tier's live state,
health and metrics come from the workers; a worker that dies is started again and
the broker gives it what arrived meanwhile."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.apps import broker_settings
from tests.jpegs import jpeg
from tests.messages import heartbeat, payload, publish_all
from tests.waiting import eventually
from xaso.protocol import SCHEMA_VERSION, Snapshot, encode, heartbeat_topic, snapshot_topic
from xaso.server.app import create_app
from xaso.server.database import ServerDatabase
from xaso.server.keys import STORE
from xaso.server.monitoring.keys import WORKERS
from xaso.server.monitoring.partition import worker_of
from xaso.server.web.tokens import Role, TokenStore
from xaso.testbed.mosquitto import MosquittoServer

WORKERS_COUNT = 3  # alpha-gw and beta-gw fall to different workers of three


def publish(port: int, beats: list[tuple[str, int, dict[str, bool]]]) -> None:
    now_ms = int(time.time() * 1000)
    publish_all(
        port,
        [
            (
                heartbeat_topic(agent),
                payload(heartbeat(agent, seq, readings, ts_ms=now_ms - (10 - seq) * 1_000)),
            )
            for agent, seq, readings in beats
        ],
    )


async def test_workers_share_the_agents_and_the_web_tier_sees_their_state(
    tmp_path: Path,
    mosquitto: MosquittoServer,
    aiohttp_client: Callable[[web.Application], Awaitable[TestClient]],
) -> None:
    assert worker_of("alpha-gw", WORKERS_COUNT) != worker_of("beta-gw", WORKERS_COUNT)
    settings = broker_settings(
        tmp_path, mosquitto.url, sweep_interval_s=0.2, ingest_workers=WORKERS_COUNT
    )
    client = await aiohttp_client(create_app(settings))
    app = client.server.app
    assert app is not None
    with ServerDatabase(settings.database_path) as server_db:
        headers = {"Authorization": f"Bearer {TokenStore(server_db.connection).create(Role.ADMIN)}"}
    workers = app[WORKERS]
    await eventually(workers.links_up, what="every worker connected", timeout_s=30)
    await asyncio.sleep(0.5)  # their subscriptions acknowledged
    port = int(mosquitto.url.rsplit(":", 1)[1])

    beats = [("alpha-gw", seq, {"alpha-rc-1": True, "alpha-cam-1": False}) for seq in (1, 2, 3)]
    beats += [("beta-gw", seq, {"beta-rc-1": True}) for seq in (1, 2, 3)]
    await asyncio.to_thread(publish, port, beats)

    store = app[STORE]

    async def stored(agent: str, count: int) -> Any:
        rows = await store.agent_health(agent, 0, 2**62)
        return len(rows) >= count and sorted(r.seq for r in rows)

    assert await eventually(lambda: stored("alpha-gw", 3), what="alpha stored") == [1, 2, 3]
    assert await eventually(lambda: stored("beta-gw", 3), what="beta stored") == [1, 2, 3]

    # A camera's snapshot: taken in and kept (in xaso.db) by alpha's worker, served by
    # the web tier.
    picture = jpeg()
    now_ms = int(time.time() * 1000)
    snapshot = Snapshot(
        v=SCHEMA_VERSION,
        agent="alpha-gw",
        session=1,
        seq=4,
        ts_ms=now_ms,
        device="alpha-cam-1",
        taken_ms=now_ms,
        width=160,
        height=90,
        jpeg=picture,
    )
    await asyncio.to_thread(publish_all, port, [(snapshot_topic("alpha-gw"), encode(snapshot))])

    async def pictured() -> bool:
        url = "/api/v1/devices/alpha-cam-1/snapshots/latest"
        response = await client.get(url, headers=headers)
        return response.status == 200 and await response.read() == picture

    await eventually(pictured, what="alpha's picture kept by its worker, served here")

    async def device_status(device: str) -> str:
        response = await client.get(f"/api/v1/devices/{device}", headers=headers)
        return str((await response.json())["status"])

    # The live state made in the workers, seen by the web tier's API.
    await eventually(lambda: _is(device_status("alpha-rc-1"), "online"), what="alpha-rc-1 online")
    await eventually(lambda: _is(device_status("beta-rc-1"), "online"), what="beta-rc-1 online")

    # A maintenance window decided here reaches the worker that owns the device, and
    # its status comes back to the web tier.
    workers.apply_maintenance({"beta-rc-1"})
    await eventually(
        lambda: _is(device_status("beta-rc-1"), "maintenance"), what="beta-rc-1 in maintenance"
    )
    workers.apply_maintenance(set())

    async def healthy() -> bool:
        response = await client.get("/healthz")
        return response.status == 200

    await eventually(healthy, what="/healthz with every worker reporting")

    async def received() -> float:
        text = await (await client.get("/metrics", headers=headers)).text()
        for line in text.splitlines():
            if line.startswith('xaso_messages_received_total{channel="heartbeat"}'):
                return float(line.split()[-1])
        return 0.0

    # Summed over the workers, under the name one process would give it.
    await eventually(lambda: _at_least(received(), 6), what="the workers' metrics summed")

    # A worker killed outright is started again, and gets what came meanwhile from
    # its persistent session at the broker.
    victim = next(w for w in workers._workers if w.spec.worker == worker_of("beta-gw", 3))
    assert victim.process is not None and victim.process.pid is not None
    os.kill(victim.process.pid, signal.SIGKILL)
    await asyncio.to_thread(publish, port, [("beta-gw", 4, {"beta-rc-1": True})])
    assert await eventually(
        lambda: stored("beta-gw", 4), what="beta's beat stored by the new worker", timeout_s=30
    ) == [1, 2, 3, 4]


async def _is(value: Awaitable[str], expected: str) -> bool:
    return await value == expected


async def _at_least(value: Awaitable[float], expected: float) -> bool:
    return await value >= expected
