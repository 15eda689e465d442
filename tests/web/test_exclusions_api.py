"""Maintenance windows and excused periods through the API, and what they change."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.apps import app_without_broker, bearer
from xaso.server.records import TransitionRecord
from xaso.server.store.sqlite import SqliteStore
from xaso.server.web.tokens import Role

H = 3_600_000
DAY0 = 1_798_761_600_000  # 2027-01-01T00:00:00Z


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[web.Application]:
    store = await SqliteStore.open(":memory:")
    await store.write(
        [
            TransitionRecord(
                device_id="alpha-rc-1",
                commune="alpha",
                kind="radio_cluster",
                ts_ms=DAY0 - H,
                status="online",
                previous="",
                cause="probe_ok",
            ),
            TransitionRecord(
                device_id="alpha-rc-1",
                commune="alpha",
                kind="radio_cluster",
                ts_ms=DAY0 + 10 * H,
                status="offline",
                previous="online",
                cause="gateway_offline",
            ),
            TransitionRecord(
                device_id="alpha-rc-1",
                commune="alpha",
                kind="radio_cluster",
                ts_ms=DAY0 + 14 * H,
                status="online",
                previous="offline",
                cause="recovered",
            ),
        ]
    )
    async with app_without_broker(tmp_path, store=store) as application:
        yield application
    await store.close()


def now_local() -> str:
    return datetime.now(UTC).isoformat()


async def test_a_window_puts_devices_in_maintenance_until_it_is_removed(
    client: TestClient, app: web.Application
) -> None:
    admin = bearer(app, Role.ADMIN)
    response = await client.post(
        "/api/v1/maintenance",
        json={
            "scope": "device",
            "target": "alpha-cam-1",
            "start": now_local(),
            "duration_s": 3600,
            "reason": "thay camera",
        },
        headers=admin,
    )
    assert response.status == 201, await response.text()
    window = await response.json()
    assert window["id"].startswith("mw-") and window["created_by"]
    device = await (await client.get("/api/v1/devices/alpha-cam-1", headers=admin)).json()
    assert (device["status"], device["cause"]) == ("maintenance", "maintenance")
    listed = await (await client.get("/api/v1/maintenance", headers=admin)).json()
    assert [w["id"] for w in listed["windows"]] == [window["id"]]

    response = await client.delete(f"/api/v1/maintenance/{window['id']}?reason=Xong", headers=admin)
    assert response.status == 204
    device = await (await client.get("/api/v1/devices/alpha-cam-1", headers=admin)).json()
    assert (device["status"], device["cause"]) == ("unknown", "maintenance_ended")


async def test_operators_plan_only_within_their_communes(
    client: TestClient, app: web.Application
) -> None:
    window = {"start": now_local(), "duration_s": 600, "reason": "thay nguồn"}
    beta_operator = bearer(app, Role.OPERATOR, "beta")
    for scope, target in (("commune", "alpha"), ("device", "alpha-cam-1"), ("kind", "camera")):
        response = await client.post(
            "/api/v1/maintenance",
            json={**window, "scope": scope, "target": target},
            headers=beta_operator,
        )
        assert response.status == 403, (scope, target)
    response = await client.post(
        "/api/v1/maintenance",
        json={**window, "scope": "commune", "target": "beta"},
        headers=beta_operator,
    )
    assert response.status == 201
    viewer = bearer(app, Role.VIEWER)
    response = await client.post(
        "/api/v1/maintenance",
        json={**window, "scope": "commune", "target": "beta"},
        headers=viewer,
    )
    assert response.status == 403


async def test_a_bad_window_reports_every_problem(client: TestClient, app: web.Application) -> None:
    response = await client.post(
        "/api/v1/maintenance",
        json={
            "scope": "device",
            "target": "alpha-cam-1",
            "start": now_local(),
            "duration_s": -5,
            "rrule": "FREQ=SOMETIMES",
            "timezone": "Mars/Olympus",
            "reason": "thử",
        },
        headers=bearer(app, Role.ADMIN),
    )
    assert response.status == 400
    problems = (await response.json())["problems"]
    assert [p.split(":")[0] for p in problems] == ["duration_s", "timezone"]
    response = await client.post(
        "/api/v1/maintenance",
        json={
            "scope": "device",
            "target": "no-such-device",
            "start": now_local(),
            "duration_s": 60,
        },
        headers=bearer(app, Role.ADMIN),
    )
    assert response.status == 400


async def test_excused_periods_count_only_when_a_report_asks(
    client: TestClient, app: web.Application
) -> None:
    admin = bearer(app, Role.ADMIN)
    response = await client.post(
        "/api/v1/excused",
        json={
            "scope": "commune",
            "target": "alpha",
            "from_ms": DAY0 + 10 * H,
            "to_ms": DAY0 + 14 * H,
            "cause": "grid_power_cut",
            "reason": "EVN cắt điện theo lịch",
        },
        headers=admin,
    )
    assert response.status == 201, await response.text()
    period = f"from={DAY0}&to={DAY0 + 24 * H}"

    async def figure(extra: str = "") -> Any:
        body = await (
            await client.get(
                f"/api/v1/devices/alpha-rc-1/availability?{period}{extra}", headers=admin
            )
        ).json()
        return body["availability_pct"]

    assert await figure() == pytest.approx(100 * 20 / 24, abs=1e-3)
    assert await figure("&excused=1") == 100.0
    response = await client.post(
        "/api/v1/excused",
        json={
            "scope": "commune",
            "target": "alpha",
            "from_ms": 0,
            "to_ms": 1,
            "cause": "grid_power_cut",
            "reason": "mất điện",
        },
        headers=bearer(app, Role.OPERATOR, "alpha"),
    )
    # Excusing is the verifier's call: a commune's operator only proposes.
    assert response.status == 201 and (await response.json())["state"] == "pending"


async def test_a_verifier_excuses_within_its_communes_only(
    client: TestClient, app: web.Application
) -> None:
    power_cut = {
        "scope": "commune",
        "target": "alpha",
        "from_ms": DAY0 + 10 * H,
        "to_ms": DAY0 + 14 * H,
        "cause": "grid_power_cut",
        "reason": "EVN cắt điện",
    }
    alpha_verifier = bearer(app, Role.VERIFIER, "alpha")
    response = await client.post("/api/v1/excused", json=power_cut, headers=alpha_verifier)
    assert response.status == 201, await response.text()
    recorded = await response.json()
    beta_verifier = bearer(app, Role.VERIFIER, "beta")
    response = await client.post(
        "/api/v1/excused", json={**power_cut, "target": "beta"}, headers=alpha_verifier
    )
    assert response.status == 403
    response = await client.post(
        "/api/v1/excused",
        json={**power_cut, "scope": "kind", "target": "camera"},
        headers=alpha_verifier,
    )
    assert response.status == 403  # every commune's cameras: beyond its scope
    path = f"/api/v1/excused/{recorded['id']}?reason=Nhầm"
    assert (await client.delete(path, headers=beta_verifier)).status == 403
    assert (await client.delete(path, headers=alpha_verifier)).status == 204
