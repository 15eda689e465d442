"""A schedule created through the API reaches the real agent process, which keeps it on
disk and reports its version; the API shows the gateway in sync."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from server.app import create_app
from server.settings import Settings
from server.tokens import Role, TokenStore
from tests.messages import SMALL_INVENTORY
from tests.services.mosquitto import MosquittoServer
from xaso.protocol import decode_schedule_set

pytestmark = pytest.mark.integration


async def eventually(check: Callable[[], Awaitable[Any]], what: str, timeout_s: float = 15) -> Any:
    for _ in range(int(timeout_s / 0.1)):
        found = await check()
        if found:
            return found
        await asyncio.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}")


async def test_a_schedule_reaches_the_gateway_and_the_api_shows_it_in_sync(
    tmp_path: Path,
    mosquitto: MosquittoServer,
    aiohttp_client: Callable[[web.Application], Awaitable[TestClient]],
) -> None:
    settings = Settings(
        inventory=str(SMALL_INVENTORY),
        mqtt=mosquitto.url,
        store=f"sqlite:///{tmp_path / 'ts.db'}",
        data_dir=str(tmp_path / "server"),
        mqtt_client_id=f"xaso-test-{uuid.uuid4().hex[:6]}",
    )
    client = await aiohttp_client(create_app(settings))
    tokens = TokenStore(settings.tokens_path)
    headers = {"Authorization": f"Bearer {tokens.create(Role.OPERATOR, frozenset({'alpha'}))}"}
    tokens.close()

    state_dir = tmp_path / "agent-state"
    config = tmp_path / "agent.yaml"
    config.write_text(
        f"agent: {{id: alpha-gw, heartbeat_interval_s: 0.3}}\n"
        f'mqtt: {{url: "{mosquitto.url}", keepalive_s: 5}}\n'
        f"state_dir: {state_dir}\ncollectors: {{system: null}}\n",
        encoding="utf-8",
    )
    agent = subprocess.Popen(
        [sys.executable, "-m", "xaso", "agent", "--config", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        response = await client.post(
            "/api/v1/schedules",
            headers=headers,
            json={
                "commune": "alpha",
                "title": "Bản tin sáng",
                "content": {"type": "tts", "text": "Kính thưa bà con", "duration_s": 120},
                "start": "2030-01-01T06:00:00",
                "rrule": "FREQ=DAILY",
            },
        )
        assert response.status == 201, await response.text()

        async def in_sync() -> Any:
            body = await (
                await client.get("/api/v1/schedules/distribution", headers=headers)
            ).json()
            (row,) = body["agents"]
            return row["in_sync"] and row

        row = await eventually(in_sync, "the gateway to report the new schedule")
        assert row["clusters"] == ["alpha-rc-1"]
        held = decode_schedule_set((state_dir / "schedule.json").read_bytes())
        assert held.version == row["expected_version"]
        assert [(i.title, i.clusters) for i in held.items] == [("Bản tin sáng", ["alpha-rc-1"])]
    finally:
        agent.send_signal(signal.SIGTERM)
        agent.wait(timeout=15)
