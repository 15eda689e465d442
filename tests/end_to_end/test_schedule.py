"""A schedule created through the API reaches the real agent process, which keeps it on
disk, fetches its audio ahead (checked by hash) and reports its version; the API shows
the gateway in sync."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.apps import broker_settings
from tests.audio import wav
from tests.waiting import eventually
from xaso.protocol import decode_schedule_set
from xaso.server.app import create_app
from xaso.server.database import ServerDatabase
from xaso.server.web.tokens import Role, TokenStore
from xaso.testbed.mosquitto import MosquittoServer


async def test_a_schedule_reaches_the_gateway_and_the_api_shows_it_in_sync(
    tmp_path: Path,
    mosquitto: MosquittoServer,
    aiohttp_client: Callable[[web.Application], Awaitable[TestClient]],
) -> None:
    settings = broker_settings(tmp_path, mosquitto.url)
    client = await aiohttp_client(create_app(settings))
    with ServerDatabase(settings.database_path) as server_db:
        tokens = TokenStore(server_db.connection)
        headers = {"Authorization": f"Bearer {tokens.create(Role.OPERATOR, frozenset({'alpha'}))}"}
        gateway_token = tokens.create(Role.AGENT, frozenset({"alpha"}))
    audio = wav(1.5)
    response = await client.post("/api/v1/content?name=ban-tin.wav", data=audio, headers=headers)
    audio_id = (await response.json())["id"]

    state_dir = tmp_path / "agent-state"
    config = tmp_path / "agent.yaml"
    config.write_text(
        f"agent: {{id: alpha-gw, heartbeat_interval_s: 0.3}}\n"
        f'mqtt: {{url: "{mosquitto.url}", keepalive_s: 5}}\n'
        f"state_dir: {state_dir}\ncollectors: {{system: null}}\n"
        f'content: {{url: "{client.make_url("")}", token_env: XASO_TEST_CONTENT_TOKEN}}\n',
        encoding="utf-8",
    )
    agent = subprocess.Popen(
        [sys.executable, "-m", "xaso", "agent", "--config", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "XASO_TEST_CONTENT_TOKEN": gateway_token},
    )
    try:
        response = await client.post(
            "/api/v1/schedules",
            headers=headers,
            json={
                "commune": "alpha",
                "title": "Bản tin sáng",
                "content": {"type": "file", "sha256": audio_id, "duration_s": 1.5},
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
        # The audio was fetched ahead, checked by its hash.
        fetched = state_dir / "content" / audio_id

        async def on_disk() -> bool:
            return fetched.is_file()

        await eventually(on_disk, "the audio to be fetched")
        assert fetched.read_bytes() == audio
    finally:
        agent.send_signal(signal.SIGTERM)
        agent.wait(timeout=15)
