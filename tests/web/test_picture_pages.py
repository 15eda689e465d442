"""A covered camera on the pages and in the API: a problem "Bị che" (problems page and
its JSON), its picture on the device page (state word and measures, "picture usable"
availability beside online) and beside it on the commune page; in a real browser at a
desktop's and a phone's width.

Messages go straight to ingest (no broker: no timeouts either). The small inventory's
cameras beat every second, so a bad picture is unusable once seen in two snapshots a
second apart.

``XASO_SCREENSHOTS=folder`` keeps the screenshots there, to look at them.
"""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.apps import PASSWORD, bearer, small_deps
from tests.messages import SMALL_INVENTORY, payload, status
from tests.web.browser import check_page, chromium, served_on_loopback, shots_folder, signed_in
from xaso.protocol import (
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
from xaso.server.keys import STORE
from xaso.server.monitoring.fleet_state import DeviceStatus
from xaso.server.monitoring.keys import ACKNOWLEDGEMENTS, INGEST
from xaso.server.settings import Settings
from xaso.server.store.sqlite import SqliteStore
from xaso.server.web.keys import ACCOUNTS
from xaso.server.web.tokens import Role
from xaso.server.words import translator

S = 1000
ADMIN = "so.tttt"
CAM = "alpha-cam-1"


async def feed(app: web.Application, topic: str, message: Any, at_ms: int) -> None:
    handled = app[INGEST].handle(topic, payload(message), at_ms)
    assert handled.refused is None, handled.refused
    await app[STORE].write(handled.records)


def camera_beat(seq: int, at_ms: int, picture: str) -> Heartbeat:
    health = PictureHealth(
        state=picture,  # type: ignore[arg-type]
        taken_ms=at_ms,
        brightness=41.5,
        sharpness=3.2,
        uniform_pct=96.4 if picture == "covered" else 12.0,
        change=0.8,
    )
    readings = [
        DeviceReading(id="alpha-rc-1", reachable=True, rtt_ms=4.0),
        DeviceReading(
            id=CAM, reachable=True, rtt_ms=6.0, camera=CameraStatus(stream_ok=True, picture=health)
        ),
    ]
    return Heartbeat(
        v=SCHEMA_VERSION,
        agent="alpha-gw",
        session=1,
        seq=seq,
        ts_ms=at_ms,
        interval_s=1.0,
        health=AgentHealth(uptime_s=100.0 + seq),
        devices=readings,
    )


async def a_covered_camera(app: web.Application, now_ms: int) -> None:
    """alpha's camera online since 30 s ago with a good picture, covered since 10 s."""
    start = now_ms - 30 * S
    await feed(app, status_topic("alpha-gw"), status("alpha-gw", "online"), start)
    topic = heartbeat_topic("alpha-gw")
    await feed(app, topic, camera_beat(1, start, "ok"), start)
    await feed(app, topic, camera_beat(2, now_ms - 12 * S, "covered"), now_ms - 12 * S)
    await feed(app, topic, camera_beat(3, now_ms - 10 * S, "covered"), now_ms - 10 * S)


@pytest.fixture
async def client(tmp_path: Path, aiohttp_client: Any) -> AsyncIterator[TestClient]:
    store = await SqliteStore.open(":memory:")
    settings = Settings(inventory=str(SMALL_INVENTORY), data_dir=str(tmp_path))
    app = create_app(settings, small_deps(store))
    started: TestClient = await aiohttp_client(app)
    await a_covered_camera(app, int(time.time() * 1000))
    yield started
    await store.close()


async def test_a_covered_camera_is_a_problem_bi_che_in_the_json(client: TestClient) -> None:
    admin = bearer(client.app, Role.ADMIN)
    body = await (await client.get("/api/v1/problems", headers=admin)).json()
    found = {p["id"]: p for p in body["problems"]}
    camera = found[CAM]
    assert (camera["status"], camera["problem"], camera["problem_cause"]) == (
        "online",
        "picture",
        "picture_covered",
    )
    assert camera["picture"]["status"] == "unusable"
    assert camera["picture"]["cause"] == "covered"
    assert camera["picture"]["last"]["uniform_pct"] == 96.4
    narrowed = await (await client.get("/api/v1/problems?status=picture", headers=admin)).json()
    assert [p["id"] for p in narrowed["problems"]] == [CAM]
    narrowed = await (
        await client.get("/api/v1/problems?cause=picture_covered", headers=admin)
    ).json()
    assert [p["id"] for p in narrowed["problems"]] == [CAM]
    # The measures are kept per reading, as flat keys.
    stored = await client.app[STORE].device_readings(CAM, 0, int(time.time() * 1000) + 1)
    assert stored[-1].detail["camera.picture.state"] == "covered"
    assert stored[-1].detail["camera.picture.uniform_pct"] == 96.4
    assert stored[-1].detail["camera.picture.learning"] is False


async def test_the_picture_usable_availability_beside_online(client: TestClient) -> None:
    admin = bearer(client.app, Role.ADMIN)
    body = await (await client.get(f"/api/v1/devices/{CAM}/availability", headers=admin)).json()
    assert body["availability_pct"] == 100.0  # online throughout
    picture = body["picture"]
    assert 0 < picture["availability_pct"] < 100  # covered for the last 10 s of 30
    assert picture["down_s"] == pytest.approx(10, abs=2)
    (outage,) = picture["outages"]
    assert (outage["cause"], outage["ongoing"]) == ("covered", True)


async def test_the_pages_say_bi_che(client: TestClient) -> None:
    from tests.web.test_problems import person

    cookie = person(client.app, Role.ADMIN)
    html = await (await client.get("/problems", headers=cookie)).text()
    assert '<span class="status picture">Bị che</span>' in html
    assert "Camera vẫn kết nối nhưng hình ảnh không dùng được" in html
    html = await (await client.get(f"/devices/{CAM}", headers=cookie)).text()
    assert 'id="picture"' in html and "Bị che" in html
    assert "Một màu (%)" in html and "96,4" in html
    assert "Hình ảnh dùng được" in html
    # The picture's down time is time unusable, most of it online: not "Mất kết nối".
    (table,) = re.findall(
        r'<table class="availability picture-availability">.*?</table>', html, re.S
    )
    assert "<th>Không dùng được</th>" in table and "Mất kết nối" not in table
    html = await (await client.get("/communes/alpha", headers=cookie)).text()
    assert "Bị che" in html
    # The overview counts it among alpha's problems, linked to them.
    html = await (await client.get("/?fragment=1", headers=cookie)).text()
    assert 'href="/problems?commune=alpha&amp;status=picture">1</a>' in html


async def test_the_pages_in_a_browser(tmp_path: Path) -> None:
    pytest.importorskip("playwright.async_api")
    shots = shots_folder(tmp_path)
    problems: list[str] = []
    store = await SqliteStore.open(":memory:")
    settings = Settings(inventory=str(SMALL_INVENTORY), data_dir=str(tmp_path))
    app = create_app(settings, small_deps(store))
    try:
        async with served_on_loopback(app) as base_url:
            now_ms = int(time.time() * 1000)
            await a_covered_camera(app, now_ms)
            app[ACCOUNTS].create(ADMIN, PASSWORD, Role.ADMIN, now_ms, "Sở TT&TT")
            async with chromium() as browser:
                for width in (1400, 390):
                    page = await signed_in(browser, base_url, ADMIN, problems, width=width)
                    await page.goto(f"{base_url}/")
                    await check_page(page, f"picture-overview-{width}", shots, problems)
                    await page.goto(f"{base_url}/problems")
                    badge = page.locator("#problem-results span.status.picture")
                    assert await badge.inner_text() == "Bị che"
                    await check_page(page, f"picture-problems-{width}", shots, problems)
                    await page.goto(f"{base_url}/devices/{CAM}")
                    assert "Bị che" in await page.locator("#picture").inner_text()
                    await check_page(page, f"picture-device-{width}", shots, problems)
                    await page.goto(f"{base_url}/communes/alpha")
                    await check_page(page, f"picture-commune-{width}", shots, problems)
                    await page.context.close()
    finally:
        await store.close()
    assert problems == []


async def test_acknowledged_until_the_picture_is_usable_again(client: TestClient) -> None:
    app = client.app
    admin = bearer(app, Role.ADMIN)
    response = await client.post(
        f"/api/v1/problems/{CAM}/ack", json={"comment": "đã báo xã"}, headers=admin
    )
    assert response.status in (200, 201), await response.text()
    body = await (await client.get("/api/v1/problems?status=picture", headers=admin)).json()
    assert body["problems"][0]["acknowledged"]["comment"] == "đã báo xã"
    now_ms = int(time.time() * 1000)
    await feed(app, heartbeat_topic("alpha-gw"), camera_beat(4, now_ms, "ok"), now_ms)
    body = await (await client.get("/api/v1/problems?status=picture", headers=admin)).json()
    assert body["count"] == 0
    assert CAM not in app[ACKNOWLEDGEMENTS].current  # ended when it was seen again


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_picture_cause_has_words(lang: str) -> None:
    # The device page shows the cause of a picture status in words, never as its code
    # ("camera_unknown" was once shown as such). A camera up, offline or in maintenance
    # gives its picture a cause of its own; any other status gives "camera_<status>".
    words = translator(lang)
    own_cause = {
        DeviceStatus.ONLINE,
        DeviceStatus.PENDING,
        DeviceStatus.OFFLINE,
        DeviceStatus.MAINTENANCE,
    }
    causes = [f"camera_{status}" for status in DeviceStatus if status not in own_cause]
    causes += ["offline", "checking", "not_measured"]
    assert [c for c in causes if f"picture.cause.{c}" not in words] == []
