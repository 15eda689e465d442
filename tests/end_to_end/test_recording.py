"""Recording continuity end to end on real parts: a real agent process asks a real ONVIF
Recording Search responder on loopback about its camera, sends the answer through real
Mosquitto, the server stores it (SQLite store) and keeps it in its recording ledger; the
API and the device page show the hours recorded per day and the gaps."""

from __future__ import annotations

import datetime as dt
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.agent.device_servers import RecorderState, http_server, onvif_search_route, rtsp_server
from tests.messages import SMALL_INVENTORY
from tests.waiting import eventually
from xaso.server.app import create_app
from xaso.server.database import ServerDatabase
from xaso.server.settings import Settings
from xaso.server.web.tokens import Role, TokenStore
from xaso.testbed.mosquitto import MosquittoServer

H = 3_600_000
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
USER, PASSWORD = "nvr", "Ghi#hinh1"


@pytest.fixture
def recorder() -> Iterator[tuple[str, int, int]]:
    """An NVR holding the camera's footage but for a 2-hour gap ending 3 hours ago; the
    search URL, the gap's bounds (ms)."""
    now = int(time.time()) * 1000
    gap = (now - 5 * H, now - 3 * H)
    state = RecorderState({"CH01": ("alpha-cam-1", [(now - 30 * H, gap[0]), (gap[1], now + H)])})
    with http_server(
        {"/onvif/search": onvif_search_route(state, user=USER, password=PASSWORD)}
    ) as nvr:
        yield nvr.url("/onvif/search"), gap[0], gap[1]


@pytest.fixture
def agent(
    tmp_path: Path, mosquitto: MosquittoServer, recorder: tuple[str, int, int]
) -> Iterator[None]:
    (tmp_path / "nvr.pw").write_text(PASSWORD + "\n")
    with rtsp_server("ok") as camera:
        config = tmp_path / "agent.yaml"
        config.write_text(
            f"""
agent: {{id: alpha-gw, heartbeat_interval_s: 0.5}}
mqtt: {{url: "{mosquitto.url}", keepalive_s: 5, reconnect_max_s: 2}}
state_dir: {tmp_path / "agent-state"}
collectors:
  camera:
    timeout_s: 2
    devices:
      - id: alpha-cam-1
        url: rtsp://127.0.0.1:{camera.port}/live
        recorder:
          onvif_search_url: {recorder[0]}
          source: alpha-cam-1
          username: {USER}
          password_file: {tmp_path / "nvr.pw"}
""",
            encoding="utf-8",
        )
        process = subprocess.Popen(
            [sys.executable, "-m", "xaso", "agent", "--config", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            yield
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=15)


@pytest.fixture
async def server(
    tmp_path: Path,
    mosquitto: MosquittoServer,
    aiohttp_client: Callable[[web.Application], Awaitable[TestClient]],
) -> AsyncIterator[tuple[TestClient, dict[str, str]]]:
    settings = Settings(
        inventory=str(SMALL_INVENTORY),
        mqtt=mosquitto.url,
        store=f"sqlite:///{tmp_path / 'ts.db'}",
        data_dir=str(tmp_path / "server"),
        mqtt_client_id=f"xaso-test-{uuid.uuid4().hex[:6]}",
        sweep_interval_s=0.2,
    )
    client = await aiohttp_client(create_app(settings))
    with ServerDatabase(settings.database_path) as server_db:
        headers = {"Authorization": f"Bearer {TokenStore(server_db.connection).create(Role.ADMIN)}"}
    yield client, headers


async def test_recorder_gaps_reach_the_api_and_the_device_page(
    server: tuple[TestClient, dict[str, str]], agent: None, recorder: tuple[str, int, int]
) -> None:
    client, headers = server
    _, gap_from, gap_to = recorder

    async def reported() -> Any:
        response = await client.get("/api/v1/devices/alpha-cam-1/recording?days=2", headers=headers)
        body = await response.json()
        return sum(d["known_h"] for d in body["days"]) > 23.9 and body

    body = await eventually(reported, what="the recorder's report stored", timeout_s=20)
    gaps = [g for d in body["days"] for g in d["gaps"]]
    # The gap may straddle local midnight: its pieces, joined, are the recorder's gap.
    starts = [dt.datetime.fromisoformat(g["from"].replace("Z", "+00:00")) for g in gaps]
    ends = [dt.datetime.fromisoformat(g["to"].replace("Z", "+00:00")) for g in gaps]
    assert abs(min(starts).timestamp() * 1000 - gap_from) <= 1000
    assert abs(max(ends).timestamp() * 1000 - gap_to) <= 1000
    assert round(sum(g["minutes"] for g in gaps)) == 120
    recorded_h = sum(d["recorded_h"] or 0 for d in body["days"])
    known_h = sum(d["known_h"] for d in body["days"])
    assert abs(known_h - recorded_h - 2) < 0.01

    # The stored reading carries the flattened report.
    history = await (
        await client.get("/api/v1/devices/alpha-cam-1/history", headers=headers)
    ).json()
    flat = [r["detail"] for r in history["readings"] if "camera.recorded.gap_count" in r["detail"]]
    assert flat and flat[0]["camera.recorded.gap_count"] == 1.0
    assert flat[0]["camera.recorded.longest_gap_s"] == pytest.approx(7200, abs=2)

    page = await client.get("/devices/alpha-cam-1", headers=headers)
    html = await page.text()
    assert page.status == 200
    assert "Ghi hình 7 ngày qua" in html
    start_text = dt.datetime.fromtimestamp(gap_from / 1000, TZ).strftime("%H:%M")
    assert start_text in html and "Khoảng mất ghi hình" in html
