"""``GET /api/v1/devices/{device_id}/readings``: a device's readings brought down to at
most 1,000 points per series on the server, the period and the reads bounded, the scope
kept; the same on SQLite and InfluxDB."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.apps import app_without_broker, bearer
from tests.web.places_history import DAY, H
from xaso.server.records import AgentHealthRecord, DeviceReadingRecord
from xaso.server.store.base import Store
from xaso.server.store.influx import InfluxStore
from xaso.server.store.sqlite import SqliteStore
from xaso.server.web.api import readings
from xaso.server.web.chart_series import READING_SERIES, downsample
from xaso.server.web.tokens import Role
from xaso.testbed.influxdb import InfluxServer

NOW = 1_799_557_200_000  # 2027-01-10 12:00 in Asia/Ho_Chi_Minh
START = NOW - H


def reading(at_ms: int, rtt_ms: float | None, **detail: Any) -> DeviceReadingRecord:
    return DeviceReadingRecord(
        device_id="alpha-rc-1",
        agent_id="alpha-gw",
        commune="alpha",
        kind="radio_cluster",
        ts_ms=at_ms,
        seq=at_ms // 1000,
        reachable=rtt_ms is not None,
        rtt_ms=rtt_ms,
        detail=detail,
    )


@pytest.fixture(params=["sqlite", "influxdb"])
async def app(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[web.Application]:
    store: Store
    if request.param == "sqlite":
        store = await SqliteStore.open(":memory:")
    else:
        server: InfluxServer = request.getfixturevalue("influxd")
        store = await InfluxStore.open(server.url, f"readings_{uuid.uuid4().hex[:8]}")
    # One reading a second over the last hour: 3,600 of them. In each minute the round
    # trip is the minute's number (0 to 59) ms; the cluster plays the first 15 s of each
    # minute and does not answer in minute 30.
    records: list[Any] = []
    for second in range(3600):
        minute = second // 60
        records.append(
            reading(
                START + second * 1000,
                None if minute == 30 else float(minute),
                **{"radio.play_state": "playing" if second % 60 < 15 else "idle"},
            )
        )
    records.append(
        AgentHealthRecord("alpha-gw", "alpha", NOW - 10_000, 1, 1, temp_c=51.0, load1=0.5)
    )
    await store.write(records)
    async with app_without_broker(tmp_path, store=store, clock_ms=lambda: NOW) as application:
        yield application
    await store.close()


async def _get(client: TestClient, app: web.Application, query: str, status: int = 200) -> Any:
    response = await client.get(
        f"/api/v1/devices/alpha-rc-1/readings?{query}", headers=bearer(app, Role.VIEWER)
    )
    assert response.status == status, await response.text()
    return await response.json()


def _series(body: Any) -> dict[str, list[float | None]]:
    return {s["key"]: s["values"] for chart in body["charts"] for s in chart["series"]}


async def test_an_hour_of_readings_in_sixty_points(
    client: TestClient, app: web.Application
) -> None:
    body = await _get(client, app, f"from={START}&to={NOW}&points=60")
    assert body["read"] == 3600 and body["truncated"] is False
    assert body["bucket_s"] == 60
    assert len(body["time"]) == 60
    assert body["time"][0] == (START + 30_000) / 1000  # each bucket's middle
    series = _series(body)
    assert series["rtt_ms"][:3] == [0.0, 1.0, 2.0]
    assert series["rtt_ms"][30] is None  # no answer: a gap, not a zero
    assert series["rtt_ms_max"][59] == 59.0
    assert series["reachable"][30] == 0.0 and series["reachable"][31] == 100.0
    assert series["radio.playing"][0] == 25.0  # 15 s of 60
    assert [c["id"] for c in body["charts"]] == ["rtt", "shares"]
    assert body["charts"][0]["title"] == "Thời gian phản hồi (ms)"


async def test_the_default_is_the_last_day_in_at_most_a_thousand_points(
    client: TestClient, app: web.Application
) -> None:
    body = await _get(client, app, "lang=en")
    assert len(body["time"]) == 1000
    assert body["from"] == "2027-01-09T05:00:00.001+00:00"
    assert body["charts"][0]["title"] == "Round-trip time (ms)"
    values = _series(body)["rtt_ms"]
    assert sum(v is not None for v in values) == 42  # the last hour's buckets of 86.4 s


async def test_the_limits(client: TestClient, app: web.Application) -> None:
    for query in ("points=5", "points=1001", "points=many", f"from={NOW - 93 * DAY}&to={NOW}"):
        body = await _get(client, app, query, status=400)
        assert "error" in body
    body = await _get(client, app, f"from={NOW - 92 * DAY}&to={NOW}&points=10")
    assert len(body["time"]) == 10


async def test_a_chunk_past_its_cap_is_said(
    client: TestClient, app: web.Application, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(readings, "ROWS_PER_CHUNK", 1000)
    body = await _get(client, app, f"from={START}&to={NOW}&points=60")
    assert body["read"] == 1000 and body["truncated"] is True


def test_a_period_is_read_in_consecutive_chunks() -> None:
    assert readings.chunks(0, DAY) == [(0, DAY)]
    month = readings.chunks(0, 30 * DAY)
    assert len(month) == 20
    assert month[0][0] == 0 and month[-1][1] == 30 * DAY
    assert all(a[1] == b[0] for a, b in itertools.pairwise(month))
    assert len(readings.chunks(0, 92 * DAY)) == readings.MAX_CHUNKS


def test_downsampling_never_gives_more_points_than_milliseconds() -> None:
    found = downsample([reading(5, 1.0)], READING_SERIES, 0, 10, 1000)
    assert len(found.times_s) == 10 and found.bucket_ms == 1


async def test_a_gateway_charts_its_health(client: TestClient, app: web.Application) -> None:
    response = await client.get(
        "/api/v1/devices/alpha-gw/readings?points=10", headers=bearer(app, Role.ADMIN)
    )
    body = await response.json()
    series = _series(body)
    assert series["temp_c"][-1] == 51.0 and series["load1"][-1] == 0.5
    assert "rtt_ms" not in series


async def test_outside_the_scope_is_not_found(client: TestClient, app: web.Application) -> None:
    response = await client.get(
        "/api/v1/devices/alpha-rc-1/readings", headers=bearer(app, Role.VIEWER, "beta")
    )
    assert response.status == 404
    response = await client.get("/api/v1/devices/nothing/readings", headers=bearer(app, Role.ADMIN))
    assert response.status == 404
