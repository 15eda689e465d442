"""End to end on real parts: a real agent process, real Mosquitto, real InfluxDB, and
the real server app (in this process, on a test HTTP server)."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.messages import SMALL_INVENTORY
from tests.waiting import eventually
from xaso.server.app import create_app
from xaso.server.database import ServerDatabase
from xaso.server.keys import SETTINGS
from xaso.server.settings import Settings
from xaso.server.store.influx import InfluxStore
from xaso.server.web.tokens import Role, TokenStore
from xaso.testbed.influxdb import InfluxServer
from xaso.testbed.mosquitto import MosquittoServer
from xaso.testbed.ports import free_port


@pytest.fixture
def listening_device() -> Iterator[int]:
    """A device that answers TCP connects (a loudspeaker cluster's web port)."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(16)
        yield server.getsockname()[1]


@pytest.fixture
def agent_config(tmp_path: Path, mosquitto: MosquittoServer, listening_device: int) -> Path:
    path = tmp_path / "agent.yaml"
    path.write_text(
        f"""
agent: {{id: alpha-gw, heartbeat_interval_s: 0.5}}
mqtt: {{url: "{mosquitto.url}", keepalive_s: 5, reconnect_max_s: 2}}
state_dir: {tmp_path / "agent-state"}
collectors:
  reachability:
    devices:
      - {{id: alpha-rc-1, address: 127.0.0.1, port: {listening_device}}}
      # Nothing listens here: the camera is unreachable.
      - {{id: alpha-cam-1, address: 127.0.0.1, port: {free_port()}, timeout_s: 0.3}}
""",
        encoding="utf-8",
    )
    return path


class AgentProcess:
    def __init__(self, config: Path) -> None:
        self.config = config
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "xaso", "agent", "--config", str(self.config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def signal(self, signum: int) -> int:
        assert self.process is not None
        self.process.send_signal(signum)
        code = self.process.wait(timeout=15)
        if self.process.stderr:
            self.process.stderr.close()
        self.process = None
        return code

    def ensure_stopped(self) -> None:
        if self.process is not None:
            self.signal(signal.SIGKILL)


@pytest.fixture
def agent(agent_config: Path) -> Iterator[AgentProcess]:
    process = AgentProcess(agent_config)
    yield process
    process.ensure_stopped()


@pytest.fixture
async def server(
    tmp_path: Path,
    mosquitto: MosquittoServer,
    influxd: InfluxServer,
    aiohttp_client: Callable[[web.Application], Awaitable[TestClient]],
) -> AsyncIterator[tuple[TestClient, dict[str, str], str]]:
    database = f"e2e_{uuid.uuid4().hex[:8]}"
    settings = Settings(
        inventory=str(SMALL_INVENTORY),
        mqtt=mosquitto.url,
        store=f"influxdb://127.0.0.1:{influxd.port}/{database}",
        data_dir=str(tmp_path / "server"),
        mqtt_client_id=f"xaso-test-{uuid.uuid4().hex[:6]}",
        sweep_interval_s=0.2,
    )
    client = await aiohttp_client(create_app(settings))
    with ServerDatabase(settings.database_path) as server_db:
        tokens = TokenStore(server_db.connection)
        headers = {"Authorization": f"Bearer {tokens.create(Role.ADMIN)}"}
    yield client, headers, database


async def statuses(client: TestClient, headers: dict[str, str]) -> dict[str, tuple[str, str]]:
    body = await (await client.get("/api/v1/devices?commune=alpha", headers=headers)).json()
    return {d["id"]: (d["status"], d["cause"]) for d in body["devices"]}


async def test_agent_lifecycle_online_will_stopped_and_stored_heartbeats(
    server: tuple[TestClient, dict[str, str], str], agent: AgentProcess, influxd: InfluxServer
) -> None:
    client, headers, database = server
    agent.start()

    async def all_up() -> Any:
        now = await statuses(client, headers)
        return (
            now["alpha-gw"][0] == "online"
            and now["alpha-rc-1"][0] == "online"
            and now["alpha-cam-1"][0] == "offline"
            and now["alpha-cam-1"][1].endswith("connection refused")
        ) and now

    await eventually(all_up, what="gateway and devices reported")
    await asyncio.sleep(1.0)  # a few more heartbeats

    # Power cut: the kernel closes the socket, the broker sends the will at once,
    # well before the 3 s heartbeat timeout could.
    agent.signal(signal.SIGKILL)

    async def gateway_is(state: str, cause: str) -> Any:
        now = await statuses(client, headers)
        return now["alpha-gw"] == (state, cause) and now

    # The will stands its grace (2 s) before it counts.
    seen = await eventually(lambda: gateway_is("offline", "will"), "offline by will", 5)
    assert seen["alpha-rc-1"] == ("unknown", "gateway_offline")

    # Back, with a new session; then a clean stop says "stopped", not "offline".
    agent.start()
    # Back from an outage only after a minimum time up (one heartbeat interval).
    await eventually(lambda: gateway_is("online", "recovered"), what="back online")
    await eventually(lambda: _devices_online(client, headers), what="devices reported again")
    assert agent.signal(signal.SIGTERM) == 0
    await eventually(lambda: gateway_is("stopped", "stopped"), "stopped", 5)

    # The API reads the store; the last transition is written a moment after the live
    # state changed, and the heartbeats before it are written by then.
    async def history() -> Any:
        response = await client.get("/api/v1/devices/alpha-gw/history", headers=headers)
        body = await response.json()
        causes = [t["cause"] for t in body["transitions"]]
        return causes and causes[-1] == "stopped" and body

    body = await eventually(history, "stopped transition stored", 5)

    # The same heartbeats are in InfluxDB, read back through its HTTP API.
    store = await InfluxStore.open(influxd.url, database, create_database=False)
    try:
        stored = await store.agent_health("alpha-gw", 0, 2**62)
        readings = await store.device_readings("alpha-cam-1", 0, 2**62)
    finally:
        await store.close()
    assert len(stored) >= 3
    assert len({(h.session, h.seq) for h in stored}) == len(stored)
    assert len({h.session for h in stored}) == 2  # two agent runs, two sessions
    assert readings and not any(r.reachable for r in readings)
    assert [h["seq"] for h in body["health"]] == [h.seq for h in stored]
    # Beating every 0.5 s, the gateway misses one while its will stands its 2 s grace.
    assert [t["cause"] for t in body["transitions"]] == [
        "birth",
        "missed_heartbeat",
        "will",
        "recovered",
        "stopped",
    ]


async def _devices_online(client: TestClient, headers: dict[str, str]) -> bool:
    return (await statuses(client, headers))["alpha-rc-1"][0] == "online"


async def test_heartbeats_sent_while_the_server_was_away_are_stored_on_return(
    server: tuple[TestClient, dict[str, str], str],
    agent: AgentProcess,
    influxd: InfluxServer,
    mosquitto: MosquittoServer,
    tmp_path: Path,
) -> None:
    """The server's session is persistent and it acknowledges only stored messages, so
    the broker keeps what arrives while the server is down."""
    client, headers, database = server
    app = client.server.app
    assert app is not None
    agent.start()
    await eventually(lambda: _devices_online(client, headers), what="agent reporting")
    await client.close()  # the server stops: its cleanup contexts run

    await asyncio.sleep(2.0)  # about four heartbeats published with no server
    agent.signal(signal.SIGTERM)

    settings = app[SETTINGS]
    restarted = create_app(settings)  # same client id, same store
    runner = web.AppRunner(restarted)
    await runner.setup()
    try:
        store = await InfluxStore.open(influxd.url, database, create_database=False)
        try:

            async def contiguous() -> Any:
                rows = await store.agent_health("alpha-gw", 0, 2**62)
                seqs = [r.seq for r in rows]
                # Published while the server was away: ~4 beats, after ~2 before.
                return len(seqs) >= 5 and seqs

            seqs = await eventually(contiguous, what="the backlog stored")
            # From the agent's very first record (its outbox keeps them an hour), no hole.
            with sqlite3.connect(tmp_path / "agent-state" / "outbox.db") as outbox:
                (first,) = outbox.execute("SELECT min(seq) FROM records").fetchone()
            assert seqs == list(range(first, first + len(seqs))), "a heartbeat is missing"
        finally:
            await store.close()
    finally:
        with contextlib.suppress(Exception):
            await runner.cleanup()


@pytest.mark.parametrize("kill", [True, False], ids=["killed", "restarted"])
async def test_agent_and_server_reconnect_after_a_broker_restart(
    server: tuple[TestClient, dict[str, str], str],
    agent: AgentProcess,
    mosquitto: MosquittoServer,
    kill: bool,
) -> None:
    """Killed, the broker sends nothing; restarted cleanly, it sends every client's will
    on its way down (the gateway's too): neither is an outage of the gateway."""
    client, headers, _ = server
    agent.start()
    await eventually(lambda: _devices_online(client, headers), what="agent reporting")
    mosquitto.stop(kill=kill)
    await asyncio.sleep(1.0)
    # While the server is cut off from the broker it declares nothing offline.
    now = await statuses(client, headers)
    assert now["alpha-gw"][0] == "online"
    assert (await client.get("/healthz")).status == 503
    mosquitto.start()  # same port, same persistence folder
    restarted_at = datetime.now(UTC).isoformat()

    async def healthy() -> bool:
        return (await client.get("/healthz")).status == 200

    async def reported_since_restart() -> Any:
        response = await client.get("/api/v1/devices/alpha-rc-1", headers=headers)
        body = await response.json()
        return body["last_seen"] > restarted_at and body["status"] == "online" and body

    # paho retries after 1 s, then 2 s, 4 s: both sides are back within seconds.
    await eventually(healthy, "the server back on the broker", 20)
    await eventually(reported_since_restart, "the agent reporting again", 20)
    await asyncio.sleep(2.5)  # longer than a will's grace
    response = await client.get("/api/v1/devices/alpha-gw/history", headers=headers)
    causes = [(t["status"], t["cause"]) for t in (await response.json())["transitions"]]
    assert not [c for c in causes if c[0] == "offline"], causes
