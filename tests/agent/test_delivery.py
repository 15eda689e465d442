"""The agent's promises on real parts: nothing lost, nothing doubled, never late.

A real agent process, real Mosquitto, the real server app writing to SQLite. Faults are
real too: the broker stopped or killed with SIGKILL while the agent keeps producing; the
agent killed with SIGKILL holding a queue; a device that does not answer, a camera whose
RTSP server refuses, a collector that hangs.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from tests.agent.device_servers import closed_port, rtsp_server
from tests.messages import SMALL_INVENTORY
from xaso.server.app import create_app
from xaso.server.records import AgentHealthRecord, DeviceReadingRecord
from xaso.server.settings import Settings
from xaso.server.store.sqlite import SqliteStore
from xaso.testbed.mosquitto import MosquittoServer

INTERVAL_S = 0.3


class Agent:
    """``xaso agent`` as a child process."""

    def __init__(self, config: Path) -> None:
        self.config = config
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, env: dict[str, str] | None = None) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "xaso", "agent", "--config", str(self.config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, **(env or {})},
        )

    def stop(self, signum: int = signal.SIGTERM) -> None:
        if self.process is not None:
            self.process.send_signal(signum)
            self.process.wait(timeout=15)
            self.process = None


def write_config(path: Path, mqtt_url: str, collectors: str) -> Path:
    path.write_text(
        f"""
agent: {{id: alpha-gw, heartbeat_interval_s: {INTERVAL_S}, collector_timeout_s: 0.2}}
mqtt: {{url: "{mqtt_url}", keepalive_s: 5, reconnect_min_s: 0.2, reconnect_max_s: 1}}
state_dir: {path.parent / "agent-state"}
# Short enough that the tests' few-second outages count as backlog.
queue: {{live_window_s: 0.25}}
collectors:
  system: null
{collectors}
""",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def agent(tmp_path: Path, mosquitto: MosquittoServer) -> Iterator[Agent]:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        port = listener.getsockname()[1]
        config = write_config(
            tmp_path / "agent.yaml",
            mosquitto.url,
            f"""  reachability:
    devices: [{{id: alpha-rc-1, address: 127.0.0.1, port: {port}}}]""",
        )
        process = Agent(config)
        yield process
        process.stop(signal.SIGKILL)


@pytest.fixture
async def store_path(tmp_path: Path, mosquitto: MosquittoServer) -> AsyncIterator[Path]:
    """The real server app, running, writing to a SQLite file the test reads back."""
    path = tmp_path / "ts.db"
    settings = Settings(
        inventory=str(SMALL_INVENTORY),
        mqtt=mosquitto.url,
        store=f"sqlite:///{path}",
        data_dir=str(tmp_path / "server"),
        mqtt_client_id=f"xaso-test-{uuid.uuid4().hex[:6]}",
        # A broker killed after acknowledging records loses them from its memory; the
        # server asks the agent for them again once the gap has had a second to fill.
        replay_after_s=1.0,
    )
    runner = web.AppRunner(create_app(settings))
    await runner.setup()
    yield path
    await runner.cleanup()


async def stored_health(path: Path) -> list[AgentHealthRecord]:
    store = await SqliteStore.open(str(path))
    try:
        return await store.agent_health("alpha-gw", 0, 2**62)
    finally:
        await store.close()


async def wait_for(check: Any, timeout_s: float, what: str) -> Any:
    deadline = time.monotonic() + timeout_s
    last = None
    while time.monotonic() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}; last saw {last!r}")


def produced_seqs(state_dir: Path) -> list[int]:
    """Every sequence number the agent's outbox has ever written (its own ledger)."""
    with sqlite3.connect(state_dir / "outbox.db") as db:
        return [row[0] for row in db.execute("SELECT seq FROM records ORDER BY seq")]


async def assert_every_record_stored_once(path: Path, state_dir: Path) -> list[AgentHealthRecord]:
    """The store holds every record the agent produced (by its own outbox), each once."""

    async def complete() -> Any:
        rows = await stored_health(path)
        stored = [r.seq for r in rows]
        wanted = produced_seqs(state_dir)
        return set(wanted) <= set(stored) and rows

    rows: list[AgentHealthRecord] = await wait_for(complete, 20, "every record stored")
    seqs = [r.seq for r in rows]
    assert len(seqs) == len(set(seqs)), "a record was stored twice"
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs))), "a hole in the sequence"
    return rows


@pytest.mark.parametrize("kill", [False, True], ids=["broker-stopped", "broker-killed"])
async def test_broker_outage_loses_nothing_and_keeps_original_timestamps(
    agent: Agent, mosquitto: MosquittoServer, store_path: Path, tmp_path: Path, kill: bool
) -> None:
    agent.start()
    await wait_for(lambda: _at_least(store_path, 3), 15, "first heartbeats")
    outage_started_ms = int(time.time() * 1000)
    mosquitto.stop(kill=kill)
    await asyncio.sleep(8 * INTERVAL_S)  # ~8 heartbeats queued on the agent's disk
    outage_ended_ms = int(time.time() * 1000)
    mosquitto.start()
    # Every record made until a little after the broker returned reaches the store —
    # after a SIGKILL, through the server asking the agent to send again what the
    # broker acknowledged and then lost with its memory.
    await wait_for(lambda: _newer_than(store_path, outage_ended_ms), 20, "live again")
    await wait_for(
        lambda: _all_stored(store_path, tmp_path / "agent-state"), 20, "every record stored"
    )
    agent.stop()

    rows = await assert_every_record_stored_once(store_path, tmp_path / "agent-state")
    # Made while the broker was away (and published well after): stored under the time
    # they were made, and marked as a backfill, not live data.
    during = [r for r in rows if outage_started_ms + 500 < r.ts_ms < outage_ended_ms - 500]
    assert len(during) >= 4, "heartbeats of the outage missing"
    assert all(r.historical for r in during), [r.seq for r in during if not r.historical]
    assert not rows[-1].historical


async def test_agent_killed_with_a_queue_loses_and_doubles_nothing(
    agent: Agent, mosquitto: MosquittoServer, store_path: Path, tmp_path: Path
) -> None:
    agent.start()
    await wait_for(lambda: _at_least(store_path, 2), 15, "first heartbeats")
    mosquitto.stop()
    await asyncio.sleep(6 * INTERVAL_S)
    agent.stop(signal.SIGKILL)  # power cut, with records queued
    queued = produced_seqs(tmp_path / "agent-state")
    mosquitto.start()
    agent.start()
    await wait_for(lambda: _at_least(store_path, len(queued) + 2), 20, "the queue drained")
    agent.stop()
    rows = await assert_every_record_stored_once(store_path, tmp_path / "agent-state")
    assert set(queued) <= {r.seq for r in rows}


async def test_failing_devices_and_a_hung_collector_leave_the_heartbeat_on_time(
    mosquitto: MosquittoServer, store_path: Path, tmp_path: Path
) -> None:
    with rtsp_server("digest", user="admin", password="right") as camera:
        config = write_config(
            tmp_path / "agent.yaml",
            mosquitto.url,
            f"""  reachability:
    devices: [{{id: alpha-rc-1, address: 127.0.0.1, port: {closed_port()}, timeout_s: 0.1}}]
  camera:
    username: admin
    password_env: XASO_TEST_CAMERA_PASSWORD
    timeout_s: 0.1
    devices: [{{id: alpha-cam-1, url: "rtsp://127.0.0.1:{camera.port}/stream1"}}]
  command:
    - {{name: stuck-vendor-tool, argv: [{sys.executable}, -c, "import time; time.sleep(60)"],
       timeout_s: 30}}""",
        )
        agent = Agent(config)
        agent.start(env={"XASO_TEST_CAMERA_PASSWORD": "wrong"})
        try:
            rows = await wait_for(lambda: _at_least(store_path, 8), 20, "eight heartbeats")
        finally:
            agent.stop()
        readings = await _readings(store_path, "alpha-cam-1")
        rc_readings = await _readings(store_path, "alpha-rc-1")

    beats = sorted(r.ts_ms for r in rows)
    gaps_s = [(b - a) / 1000 for a, b in itertools.pairwise(beats)]
    # The hung command holds its worker for 30 s; the beat keeps its 0.3 s rhythm.
    assert max(gaps_s) < 3 * INTERVAL_S, gaps_s
    latest = rows[-1].detail
    assert latest["collector.command_stuck-vendor-tool.ok".replace("-", "_")] is False
    assert "timed out" in str(latest["collector.command_stuck_vendor_tool.error"]) or (
        "still running" in str(latest["collector.command_stuck_vendor_tool.error"])
    )
    assert latest["collector.camera.ok"] is True
    assert rc_readings and not rc_readings[-1].reachable
    assert "connection refused" in (rc_readings[-1].error or "")
    camera_now = readings[-1]
    assert camera_now.reachable  # the camera answers TCP...
    assert camera_now.detail.get("camera.auth_ok") is False  # ...but refuses our credentials
    assert "401" in (camera_now.error or "")


async def _at_least(path: Path, n: int) -> list[AgentHealthRecord] | None:
    rows = await stored_health(path) if path.exists() else []
    return rows if len(rows) >= n else None


async def _newer_than(path: Path, ts_ms: int) -> bool:
    rows = await stored_health(path) if path.exists() else []
    return any(r.ts_ms > ts_ms + 1000 and not r.historical for r in rows)


async def _all_stored(path: Path, state_dir: Path) -> bool:
    """Everything the agent has produced so far, but the newest (maybe in flight), is in
    the store."""
    produced = produced_seqs(state_dir)[:-2]
    stored = {r.seq for r in await stored_health(path)}
    return bool(produced) and set(produced) <= stored


async def _readings(path: Path, device_id: str) -> list[DeviceReadingRecord]:
    store = await SqliteStore.open(str(path))
    try:
        return await store.device_readings(device_id, 0, 2**62)
    finally:
        await store.close()
