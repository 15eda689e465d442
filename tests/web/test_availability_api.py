"""Availability and outages through the API, identical on SQLite and InfluxDB."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.messages import SMALL_INVENTORY, small_index
from xaso.server.app import Deps, create_app
from xaso.server.database import ServerDatabase
from xaso.server.keys import SETTINGS
from xaso.server.records import TransitionRecord
from xaso.server.settings import Settings
from xaso.server.store.base import Store
from xaso.server.store.influx import InfluxStore
from xaso.server.store.sqlite import SqliteStore
from xaso.server.web.tokens import Role, TokenStore
from xaso.testbed.influxdb import InfluxServer

H = 3_600_000
DAY0 = 1_798_761_600_000  # 2027-01-01T00:00:00Z


def tr(device: str, hour: float, status: str, cause: str = "") -> TransitionRecord:
    kind = "camera" if "cam" in device else "radio_cluster"
    return TransitionRecord(
        device_id=device,
        commune="alpha",
        kind=kind,
        ts_ms=DAY0 + int(hour * H),
        status=status,
        previous="",
        cause=cause or status,
    )


HISTORY = [
    tr("alpha-rc-1", -30, "online", "probe_ok"),  # before the period: its status at 00:00
    tr("alpha-rc-1", 10, "offline", "probe_failed: timeout"),
    tr("alpha-rc-1", 12, "online", "probe_ok"),
    tr("alpha-cam-1", 6, "online", "probe_ok"),  # unknown until 06:00
    tr("alpha-cam-1", 18, "offline", "gateway_offline"),
]


@pytest.fixture(params=["sqlite", "influxdb"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    opened: Store
    if request.param == "sqlite":
        opened = await SqliteStore.open(str(tmp_path / "ts.db"))
    else:
        server: InfluxServer = request.getfixturevalue("influxd")
        opened = await InfluxStore.open(server.url, f"avail_{uuid.uuid4().hex[:8]}")
    await opened.write(HISTORY)
    yield opened
    await opened.close()


@pytest.fixture
async def client(
    store: Store,
    tmp_path: Path,
    aiohttp_client: Callable[[web.Application], Awaitable[TestClient]],
) -> TestClient:
    settings = Settings(inventory=str(SMALL_INVENTORY), data_dir=str(tmp_path / "data"))
    app = create_app(settings, Deps(store=store, index=small_index(), connect_mqtt=False))
    return await aiohttp_client(app)


async def get(client: TestClient, path: str) -> Any:
    app = client.server.app
    assert app is not None
    with ServerDatabase(app[SETTINGS].database_path) as server_db:
        tokens = TokenStore(server_db.connection)
        token = tokens.create(Role.VIEWER)
    response = await client.get(path, headers={"Authorization": f"Bearer {token}"})
    assert response.status == 200, await response.text()
    return await response.json()


PERIOD = f"from={DAY0}&to={DAY0 + 24 * H}"


async def test_device_availability_and_outages(client: TestClient) -> None:
    body = await get(client, f"/api/v1/devices/alpha-rc-1/availability?{PERIOD}")
    assert body["availability_pct"] == pytest.approx(100 * 22 / 24, abs=1e-3)
    assert (body["up_s"], body["down_s"], body["unknown_s"]) == (22 * 3600, 2 * 3600, 0)
    (outage,) = body["outages"]
    assert outage["start"] == "2027-01-01T10:00:00.000+00:00"
    assert outage["end"] == "2027-01-01T12:00:00.000+00:00"
    assert (outage["duration_s"], outage["cause"]) == (7200, "probe_failed: timeout")


async def test_commune_availability_is_time_weighted_over_devices(client: TestClient) -> None:
    body = await get(client, f"/api/v1/communes/alpha/availability?{PERIOD}")
    # rc-1: 22 h up of 24 known; cam-1: 12 h up, 6 h down, 6 h unknown; the gateway:
    # never heard, all unknown. Known device-hours: 24 + 18 = 42, down: 2 + 6 = 8.
    assert body["availability_pct"] == pytest.approx(100 * (1 - 8 / 42), abs=1e-3)
    assert body["by_kind"]["camera"]["availability_pct"] == pytest.approx(100 * 12 / 18, abs=1e-3)
    assert body["by_kind"]["gateway"]["availability_pct"] is None  # not enough data
    assert {d["device"] for d in body["devices"]} == {"alpha-gw", "alpha-rc-1", "alpha-cam-1"}


async def test_fleet_availability_per_kind(client: TestClient) -> None:
    body = await get(client, f"/api/v1/availability?kind=camera&{PERIOD}")
    assert body["devices"] == 1  # alpha-cam-1 (beta has no camera)
    assert body["availability_pct"] == pytest.approx(100 * 12 / 18, abs=1e-3)
    body = await get(client, f"/api/v1/availability?{PERIOD}")
    assert set(body["by_commune"]) == {"alpha", "beta"}
    assert body["by_commune"]["beta"]["availability_pct"] is None  # nothing known


async def test_outage_list_across_devices_newest_first(client: TestClient) -> None:
    body = await get(client, f"/api/v1/outages?commune=alpha&{PERIOD}")
    assert [(o["device"], o["cause"]) for o in body["outages"]] == [
        ("alpha-cam-1", "gateway_offline"),
        ("alpha-rc-1", "probe_failed: timeout"),
    ]


async def test_an_outage_going_on_now_has_no_end(client: TestClient, store: Store) -> None:
    now_ms = int(time.time() * 1000)
    await store.write(
        [
            TransitionRecord(
                device_id="beta-rc-1",
                commune="beta",
                kind="radio_cluster",
                ts_ms=now_ms - H,
                status="offline",
                previous="online",
                cause="will",
            )
        ]
    )
    body = await get(client, "/api/v1/devices/beta-rc-1/availability")  # the last 30 days
    (outage,) = body["outages"]
    assert outage["ongoing"] is True and outage["end"] is None
    assert outage["duration_s"] == pytest.approx(3600, abs=60)
