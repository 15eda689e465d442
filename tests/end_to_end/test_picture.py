"""A camera covered with a cloth, end to end on real parts: heartbeats carrying its
picture's state through real Mosquitto to the real server app storing in real
InfluxDB, with alerts to a webhook on loopback and a province profile asking C2 for
the picture. The camera goes from a good picture to covered: a problem "picture"
(``picture_covered``) while it stays online, an alert for its commune with the cause,
its "picture usable" availability falling while online stays at 100 %, and C2 not met
(its key location's camera not working) while C3, which does not ask, is met.

The gateway's heartbeats are published here (the picture checks themselves are the
agent's and tested there): every 0.3 s, each camera reading carrying the picture of a
new snapshot.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.doubles import Receiver
from tests.messages import SMALL_INVENTORY, payload, status
from tests.waiting import eventually
from xaso.protocol import (
    QOS_RECORDS,
    SCHEMA_VERSION,
    AgentHealth,
    CameraStatus,
    DeviceReading,
    Heartbeat,
    PictureHealth,
    heartbeat_topic,
    status_topic,
)
from xaso.server.app import create_app
from xaso.server.database import ServerDatabase
from xaso.server.settings import Settings
from xaso.server.web.tokens import Role, TokenStore
from xaso.testbed.influxdb import InfluxServer
from xaso.testbed.mosquitto import MosquittoServer

CAM = "alpha-cam-1"
# C3 over the period asked for (not 30 days), so that a test's seconds decide it.
PROFILE = """schema: 1
name: Tỉnh Thử, C2 theo hình ảnh camera
area: prov
overrides:
  C2: {picture: required}
  C3: {window: period, min_known_pct: 50}
"""


class Gateway:
    """alpha's gateway as the broker sees it: a birth, then a heartbeat every 0.3 s,
    its camera's picture as ``picture`` says."""

    def __init__(self, port: int) -> None:
        self.picture = "ok"
        self.seq = 0
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2, client_id=f"gw-{uuid.uuid4().hex[:6]}"
        )
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()

    def publish(self, topic: str, body: bytes) -> None:
        self.client.publish(topic, body, qos=QOS_RECORDS).wait_for_publish(5)

    def beat(self) -> None:
        self.seq += 1
        now = int(time.time() * 1000)
        picture = PictureHealth(
            state=self.picture,  # type: ignore[arg-type]
            taken_ms=now,
            brightness=40.0,
            uniform_pct=97.0 if self.picture == "covered" else 15.0,
        )
        camera = CameraStatus(stream_ok=True, picture=picture)
        beat = Heartbeat(
            v=SCHEMA_VERSION,
            agent="alpha-gw",
            session=1,
            seq=self.seq,
            ts_ms=now,
            interval_s=0.3,
            health=AgentHealth(uptime_s=float(self.seq)),
            devices=[
                DeviceReading(id="alpha-rc-1", reachable=True, rtt_ms=3.0),
                DeviceReading(id=CAM, reachable=True, rtt_ms=5.0, camera=camera),
            ],
        )
        self.publish(heartbeat_topic("alpha-gw"), payload(beat))

    async def run(self) -> None:
        self.publish(status_topic("alpha-gw"), payload(status("alpha-gw", "online")))
        while True:
            await asyncio.to_thread(self.beat)
            await asyncio.sleep(0.3)

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


@pytest.fixture
async def server(
    tmp_path: Path,
    mosquitto: MosquittoServer,
    influxd: InfluxServer,
    receiver: tuple[Receiver, str],
    aiohttp_client: Callable[[web.Application], Awaitable[TestClient]],
) -> AsyncIterator[tuple[TestClient, dict[str, str]]]:
    _, url = receiver
    alerts = tmp_path / "alerts.yaml"
    alerts.write_text(
        f"""
interval_s: 0.1
channels:
  - {{name: hook, type: webhook, url: "{url}"}}
rules:
  - {{name: hinh-anh, type: picture_unusable, down_for_s: 0}}
""",
        encoding="utf-8",
    )
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    (profiles / "prov.yaml").write_text(PROFILE, encoding="utf-8")
    settings = Settings(
        inventory=str(SMALL_INVENTORY),
        mqtt=mosquitto.url,
        store=f"influxdb://127.0.0.1:{influxd.port}/picture_{uuid.uuid4().hex[:8]}",
        data_dir=str(tmp_path / "server"),
        mqtt_client_id=f"xaso-test-{uuid.uuid4().hex[:6]}",
        sweep_interval_s=0.2,
        alerts=str(alerts),
        indicator_profiles=str(profiles),
    )
    client = await aiohttp_client(create_app(settings))
    with ServerDatabase(settings.database_path) as server_db:
        headers = {"Authorization": f"Bearer {TokenStore(server_db.connection).create(Role.ADMIN)}"}
    yield client, headers


async def _json(client: TestClient, path: str, headers: dict[str, str]) -> Any:
    response = await client.get(path, headers=headers)
    assert response.status == 200, await response.text()
    return await response.json()


async def test_a_covered_camera_end_to_end(
    server: tuple[TestClient, dict[str, str]],
    mosquitto: MosquittoServer,
    receiver: tuple[Receiver, str],
) -> None:
    client, headers = server
    hook, _ = receiver
    gateway = Gateway(mosquitto.port)
    beating = asyncio.create_task(gateway.run())
    try:
        start_ms = int(time.time() * 1000)

        async def picture_of_camera() -> Any:
            body = await _json(client, "/api/v1/devices?commune=alpha", headers)
            found = {d["id"]: d for d in body["devices"]}
            return found[CAM]["status"] == "online" and found[CAM].get("picture")

        seen = await eventually(picture_of_camera, "the camera online with its picture")
        assert seen["status"] in ("usable", "unknown")
        await eventually(
            lambda: _usable(client, headers), "the camera's picture usable", timeout_s=10
        )
        await asyncio.sleep(2)  # a stretch of usable picture

        # A cloth over the lens.
        gateway.picture = "covered"

        async def the_problem() -> Any:
            body = await _json(client, "/api/v1/problems?commune=alpha", headers)
            return [p for p in body["problems"] if p["id"] == CAM and p["problem"] == "picture"]

        (problem,) = await eventually(the_problem, "the covered camera as a problem")
        assert problem["status"] == "online"
        assert problem["problem_cause"] == "picture_covered"
        assert problem["picture"]["last"]["uniform_pct"] == 97.0

        (firing,) = await hook.wait_for(1, timeout_s=10)
        assert (firing["state"], firing["rule"], firing["key"]) == (
            "firing",
            "picture_unusable",
            "hinh-anh:alpha",
        )
        assert [(d["id"], d["status"], d["cause"]) for d in firing["devices"]] == [
            (CAM, "picture", "picture_covered")
        ]
        assert "Camera UBND: hình ảnh bị che" in firing["subject"]

        await asyncio.sleep(2)  # covered for a while: a longer down stretch
        now_ms = int(time.time() * 1000)
        availability = await _json(
            client, f"/api/v1/devices/{CAM}/availability?from={start_ms}&to={now_ms}", headers
        )
        assert availability["availability_pct"] == 100.0  # online throughout
        picture = availability["picture"]
        assert 0 < picture["availability_pct"] < 90
        assert picture["outages"][-1]["cause"] == "covered"

        evaluation = await _json(
            client, f"/api/v1/indicators?commune=alpha&from={start_ms}&to={now_ms}", headers
        )
        results = {r["indicator"]: r for r in evaluation["results"]}
        assert results["C3"]["verdict"] == "met", results["C3"]  # online: the picture ignored
        c2 = results["C2"]
        assert (c2["verdict"], c2["numerator"], c2["denominator"]) == ("not_met", 0, 1), c2
        camera = next(e for e in c2["evidence"] if e["kind"] == "device" and e["id"] == CAM)
        assert camera["counted"] is False
        assert "hình ảnh dùng được" in c2["method"]

        # The cloth is taken off: usable again, the alert resolved.
        gateway.picture = "ok"
        resolved = await hook.wait_for(2, timeout_s=10)
        assert resolved[1]["state"] == "resolved"
        assert await _json(client, "/api/v1/problems?status=picture", headers) == {
            "problems": [],
            "count": 0,
        }
    finally:
        beating.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await beating
        gateway.close()


async def _usable(client: TestClient, headers: dict[str, str]) -> bool:
    body = await _json(client, "/api/v1/devices?commune=alpha", headers)
    camera = next(d for d in body["devices"] if d["id"] == CAM)
    return camera["picture"]["status"] == "usable"
