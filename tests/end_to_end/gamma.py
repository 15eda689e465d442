"""Commune gamma as the proof-of-play tests run it: the real server on
tests/data/playout-inventory.yaml, Mosquitto configured exactly as deploy/mosquitto
ships it (passwords, the ACL, client ids bound to user names), and a real agent process
whose player is a real program (sox, writing what it plays to a file).

The inventory has one commune with two radio gateways. The agent here, gamma-gw, is the
first and plays on two clusters: gamma-rc-1 through sox, and gamma-rc-2 through a player
that always fails (``false``). The second gateway is never started, so its cluster
gamma-rc-3 never receives a schedule.

A test starts the server (``running_server``), adds what it needs of its own (an
account, say), then starts the agent (``running_agent``) with its own collectors and
players beside the ones every test has.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
import pytest
from aiohttp.test_utils import TestClient, TestServer

from tests.audio import wav
from tests.paths import DATA
from tests.waiting import eventually
from xaso.server.app import create_app
from xaso.server.database import ServerDatabase
from xaso.server.settings import Settings
from xaso.server.web.tokens import Role, TokenStore
from xaso.testbed.binaries import require_binary
from xaso.testbed.mosquitto import MosquittoServer, running_deployed

INVENTORY = DATA / "playout-inventory.yaml"
ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
# sox writing the audio to a file, taking as long as the audio lasts (not its slot), as
# a loudspeaker would: a copy that ends at once would rightly be logged as a partial play.
REALTIME_PLAYER = DATA / "realtime_player.py"
PASSWORDS = {"gamma-gw": "gamma-Qx7-secret", "xaso-server": "server-Jk2-secret"}


class Gamma(msgspec.Struct):
    """The server as a test reaches it, the broker under it, and the API to watch what
    the agent does."""

    client: TestClient
    headers: dict[str, str]  # a bearer token of an operator of gamma, for the test's calls
    agent_token: str  # the gateway's bearer token, to fetch content with
    mosquitto: MosquittoServer
    out: Path  # what sox played, one file per cluster and occurrence
    state_dir: Path  # the agent's

    @property
    def base_url(self) -> str:
        """The server as a browser reaches it."""
        return str(self.client.make_url("")).rstrip("/")

    async def upload(self, seconds: float) -> str:
        response = await self.client.post(
            "/api/v1/content?name=ban-tin.wav", data=wav(seconds), headers=self.headers
        )
        assert response.status == 201, await response.text()
        return str((await response.json())["id"])

    async def schedule(self, audio: str, seconds: float, in_s: float, **extra: Any) -> dict:
        start = dt.datetime.now(ZONE).replace(tzinfo=None, microsecond=0)
        start += dt.timedelta(seconds=in_s)
        response = await self.client.post(
            "/api/v1/schedules",
            headers=self.headers,
            json={
                "commune": "gamma",
                "title": "Bản tin thử",
                "content": {"type": "file", "sha256": audio, "duration_s": seconds},
                "start": start.isoformat(),
                **extra,
            },
        )
        assert response.status == 201, await response.text()
        return dict((await response.json())["schedule"])

    async def outcomes(self, schedule_id: str) -> dict[str, dict[str, Any]]:
        response = await self.client.get("/api/v1/playout?commune=gamma", headers=self.headers)
        assert response.status == 200, await response.text()
        body = await response.json()
        return {o["cluster"]: o for o in body["outcomes"] if o["schedule"] == schedule_id}

    async def settled(
        self, schedule_id: str, expected: dict[str, set[str]], timeout_s: float = 40
    ) -> dict[str, dict[str, Any]]:
        """Wait until each cluster's outcome is one of the expected statuses."""

        seen: dict[str, str | None] = {}
        for _ in range(int(timeout_s / 0.2)):
            found = await self.outcomes(schedule_id)
            seen = {c: found.get(c, {}).get("status") for c in expected}
            if all(status in expected[c] for c, status in seen.items()):
                return found
            await asyncio.sleep(0.2)
        pytest.fail(f"timed out waiting for {expected}; last seen {seen}")

    async def in_sync(self) -> None:
        async def check() -> bool:
            response = await self.client.get("/api/v1/schedules/distribution", headers=self.headers)
            rows = {r["agent"]: r for r in (await response.json())["agents"]}
            return bool(rows["gamma-gw"]["in_sync"])

        await eventually(check, "gamma-gw to hold the current schedule", timeout_s=30)


@contextlib.asynccontextmanager
async def running_server(tmp_path: Path) -> AsyncIterator[Gamma]:
    """The broker as shipped (an agent's broadcast log must pass its ACL) and the server
    on it, with its tokens; no agent yet. Stopped in the reverse order: server, broker."""
    with running_deployed(tmp_path / "mosquitto", PASSWORDS) as mosquitto:
        password_file = tmp_path / "mqtt-password"
        password_file.write_text(PASSWORDS["xaso-server"] + "\n", encoding="utf-8")
        settings = Settings(
            inventory=str(INVENTORY),
            mqtt=f"mqtt://xaso-server@127.0.0.1:{mosquitto.port}",
            mqtt_password_file=str(password_file),
            store=f"sqlite:///{tmp_path / 'ts.db'}",
            data_dir=str(tmp_path / "server"),
            # The log of a gateway that never got the schedule is not awaited for minutes.
            playout_grace_s=1.0,
        )
        async with TestClient(TestServer(create_app(settings))) as client:
            with ServerDatabase(settings.database_path) as server_db:
                tokens = TokenStore(server_db.connection)
                operator = tokens.create(Role.OPERATOR, frozenset({"gamma"}))
                agent_token = tokens.create(Role.AGENT, frozenset({"gamma"}))
            out = tmp_path / "played"
            out.mkdir()
            headers = {"Authorization": f"Bearer {operator}"}
            yield Gamma(client, headers, agent_token, mosquitto, out, tmp_path / "agent-state")


@contextlib.contextmanager
def running_agent(
    tmp_path: Path,
    gamma: Gamma,
    collectors: dict[str, Any] | None = None,
    players: dict[str, list[str]] | None = None,
) -> Iterator[None]:
    """gamma-gw as a process, stopped as a service manager stops it (SIGTERM).

    ``collectors`` is its collectors section (none by default: the system collector off);
    ``players`` are commands beside the player, e.g. ``relay_player``. Both are written
    as JSON, which is YAML, so that no caller has to quote YAML by hand.
    """
    sox = require_binary("sox", "sox")
    out = gamma.out
    config = tmp_path / "agent.yaml"
    config.write_text(
        "agent: {id: gamma-gw, heartbeat_interval_s: 0.5}\n"
        f'mqtt: {{url: "{gamma.mosquitto.url}", keepalive_s: 5, username: gamma-gw,'
        " password_env: XASO_TEST_MQTT_PASSWORD}\n"
        f"state_dir: {gamma.state_dir}\n"
        f"collectors: {json.dumps(collectors or {'system': None})}\n"
        f'content: {{url: "{gamma.client.make_url("")}", token_env: XASO_TEST_CONTENT_TOKEN}}\n'
        "playout:\n"
        f'  player: ["{sys.executable}", "{REALTIME_PLAYER}", "{sox}", "{{file}}",'
        f' "{out}/{{cluster}}-{{occurrence_ms}}.wav"]\n'
        + "".join(f"  {name}: {json.dumps(command)}\n" for name, command in (players or {}).items())
        + "  clusters:\n"
        '    gamma-rc-2: {player: ["false"]}\n',
        encoding="utf-8",
    )
    agent = subprocess.Popen(
        [sys.executable, "-m", "xaso", "agent", "--config", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=open(os.environ.get("XASO_AGENT_LOG", os.devnull), "ab"),  # noqa: SIM115
        env={
            **os.environ,
            "XASO_TEST_CONTENT_TOKEN": gamma.agent_token,
            "XASO_TEST_MQTT_PASSWORD": PASSWORDS["gamma-gw"],
        },
    )
    try:
        yield
    finally:
        agent.send_signal(signal.SIGTERM)
        agent.wait(timeout=15)
