"""Broadcast schedules through the API: roles, checks, collisions, pause, occurrences,
and the distribution view."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.apps import app_without_broker, bearer
from tests.audio import wav
from tests.messages import SMALL_INVENTORY, heartbeat, payload, small_index
from tests.paths import REPO
from xaso.protocol import AgentHealth, heartbeat_topic
from xaso.server.app import Deps, create_app
from xaso.server.broadcasts.keys import SCHEDULES, SYNC_SCHEDULES
from xaso.server.monitoring.keys import INGEST
from xaso.server.settings import Settings
from xaso.server.store.sqlite import SqliteStore
from xaso.server.web.tokens import Role

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")

NEWS = {
    "commune": "xuan-hong",
    "title": "Bản tin sáng",
    "content": {"type": "tts", "text": "Kính thưa bà con nhân dân...", "duration_s": 1200},
    "start": "2030-01-01T06:00:00",
    "rrule": "FREQ=DAILY",
}


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[web.Application]:
    async with app_without_broker(tmp_path, REPO / "devices.yaml") as application:
        yield application


async def test_an_officer_schedules_for_their_commune_and_sees_collisions(
    client: TestClient, app: web.Application
) -> None:
    officer = bearer(app, Role.OPERATOR, "xuan-hong")
    response = await client.post("/api/v1/schedules", json=NEWS, headers=officer)
    assert response.status == 201, await response.text()
    first = await response.json()
    assert len(first["clusters"]) == 14 and first["conflicts"] == []
    emergency = {
        **NEWS,
        "title": "Cảnh báo lũ",
        "priority": "emergency",
        "rrule": None,
        "start": "2030-01-03T06:10:00",
        "targets": {"zones": ["xuan-hong.thon-1"]},
        "content": {"type": "tts", "text": "Lũ đang lên, bà con sơ tán", "duration_s": 300},
    }
    response = await client.post("/api/v1/schedules", json=emergency, headers=officer)
    body = await response.json()
    (conflict,) = body["conflicts"]
    assert conflict["other"] == first["schedule"]["id"] and conflict["first"] == "this"
    assert conflict["start"] == "2030-01-02T23:10:00.000+00:00"

    listed = await (await client.get("/api/v1/schedules", headers=officer)).json()
    assert listed["count"] == 2


async def test_roles_and_communes_are_enforced(client: TestClient, app: web.Application) -> None:
    other_officer = bearer(app, Role.OPERATOR, "xuan-lai")
    assert (await client.post("/api/v1/schedules", json=NEWS, headers=other_officer)).status == 403
    viewer = bearer(app, Role.VIEWER)
    assert (await client.post("/api/v1/schedules", json=NEWS, headers=viewer)).status == 403
    admin = bearer(app, Role.ADMIN)
    created = await (await client.post("/api/v1/schedules", json=NEWS, headers=admin)).json()
    schedule_id = created["schedule"]["id"]
    # Not visible to another commune's officer, so not found rather than forbidden.
    response = await client.delete(f"/api/v1/schedules/{schedule_id}", headers=other_officer)
    assert response.status == 404


async def test_every_problem_is_named(client: TestClient, app: web.Application) -> None:
    bad = {
        **NEWS,
        "targets": {"zones": ["nowhere"]},
        "content": {"type": "relay", "duration_s": 99999},
        "rrule": "FREQ=DAILY;COUNT=0",
        "volume": 120,
    }
    response = await client.post("/api/v1/schedules", json=bad, headers=bearer(app, Role.ADMIN))
    assert response.status == 400
    fields = [p.split(":")[0] for p in (await response.json())["problems"]]
    assert fields == ["targets.zones", "content.duration_s", "content.url", "volume", "rrule"]


async def test_a_schedules_volume_is_kept_and_changed(
    client: TestClient, app: web.Application
) -> None:
    admin = bearer(app, Role.ADMIN)
    response = await client.post("/api/v1/schedules", json={**NEWS, "volume": 40}, headers=admin)
    assert response.status == 201, await response.text()
    created = (await response.json())["schedule"]
    assert created["volume"] == 40
    response = await client.patch(
        f"/api/v1/schedules/{created['id']}", json={"volume": None}, headers=admin
    )
    assert (await response.json())["schedule"]["volume"] is None


async def test_pause_bumps_the_revision_and_silences_occurrences(
    client: TestClient, app: web.Application
) -> None:
    admin = bearer(app, Role.ADMIN)
    created = await (await client.post("/api/v1/schedules", json=NEWS, headers=admin)).json()
    schedule_id = created["schedule"]["id"]
    window = "from=2030-01-01T00:00:00&to=2030-01-04T00:00:00"
    body = await (
        await client.get(f"/api/v1/schedules/{schedule_id}/occurrences?{window}", headers=admin)
    ).json()
    assert [o["start"] for o in body["occurrences"]] == [
        "2029-12-31T23:00:00.000+00:00",
        "2030-01-01T23:00:00.000+00:00",
        "2030-01-02T23:00:00.000+00:00",
    ]
    response = await client.patch(
        f"/api/v1/schedules/{schedule_id}", json={"paused": True}, headers=admin
    )
    assert (await response.json())["schedule"]["revision"] == 2
    body = await (
        await client.get(f"/api/v1/schedules/{schedule_id}/occurrences?{window}", headers=admin)
    ).json()
    assert body["occurrences"] == []
    response = await client.patch(
        f"/api/v1/schedules/{schedule_id}", json={"commune": "xuan-lai"}, headers=admin
    )
    assert response.status == 400


async def test_inputs_that_once_broke_a_commune_are_refused_and_leave_nothing(
    client: TestClient, app: web.Application
) -> None:
    admin = bearer(app, Role.ADMIN)
    for bad in (
        {"rrule": "FREQ=DAILY;INTERVAL=1000000000"},
        {"start": "0001-01-01T00:00:00+14:00", "rrule": None},
        {"start": "9999-12-31T23:00:00-10:00", "rrule": None},
    ):
        response = await client.post("/api/v1/schedules", json={**NEWS, **bad}, headers=admin)
        assert response.status == 400, (bad, await response.text())
    assert (await (await client.get("/api/v1/schedules", headers=admin)).json())["count"] == 0


async def test_naive_and_aware_starts_list_together(
    client: TestClient, app: web.Application
) -> None:
    admin = bearer(app, Role.ADMIN)
    for start in ("2030-01-01T06:00:00", "2030-01-01T07:00:00+07:00"):
        response = await client.post(
            "/api/v1/schedules", json={**NEWS, "start": start}, headers=admin
        )
        assert response.status == 201
    assert (await client.get("/api/v1/schedules", headers=admin)).status == 200


async def test_occurrences_are_asked_a_year_at_most(
    client: TestClient, app: web.Application
) -> None:
    admin = bearer(app, Role.ADMIN)
    created = await (await client.post("/api/v1/schedules", json=NEWS, headers=admin)).json()
    path = f"/api/v1/schedules/{created['schedule']['id']}/occurrences"
    response = await client.get(
        f"{path}?from=1900-01-01T00:00:00&to=2100-01-01T00:00:00", headers=admin
    )
    assert response.status == 400
    assert (await client.get(f"{path}?from=²", headers=admin)).status == 400


async def test_the_distribution_view_shows_horizons_and_outdated_gateways(
    tmp_path: Path, aiohttp_client: Callable[[web.Application], Awaitable[TestClient]]
) -> None:
    now = [int(dt.datetime(2030, 3, 4, 9, 0, tzinfo=HANOI).timestamp() * 1000)]
    store = await SqliteStore.open(":memory:")
    settings = Settings(inventory=str(SMALL_INVENTORY), data_dir=str(tmp_path))
    app = create_app(
        settings,
        Deps(store=store, index=small_index(), clock_ms=lambda: now[0], connect_mqtt=False),
    )
    client = await aiohttp_client(app)
    officer = bearer(app, Role.OPERATOR, "alpha")
    seq = iter(range(1, 100))

    def gateway_holds(version: str) -> None:
        beat = msgspec.structs.replace(
            heartbeat("alpha-gw", next(seq), ts_ms=now[0]),
            health=AgentHealth(uptime_s=5.0, schedule_version=version),
        )
        app[INGEST].handle(heartbeat_topic("alpha-gw"), payload(beat), now[0])

    async def row() -> dict[str, Any]:
        response = await client.get("/api/v1/schedules/distribution", headers=officer)
        (only,) = (await response.json())["agents"]  # beta's gateway is not the officer's
        return only

    news = {**NEWS, "commune": "alpha", "start": "2030-03-04T06:00:00"}
    assert (await client.post("/api/v1/schedules", json=news, headers=officer)).status == 201
    first = await row()
    # The window ends 8 local midnights ahead: 12 March 00:00 in Hà Nội.
    assert first["horizon"] == "2030-03-11T17:00:00.000+00:00"
    assert first["reported_version"] is None and not first["outdated"]
    gateway_holds(first["expected_version"])
    held = await row()
    assert held["in_sync"] and not held["outdated"]
    assert held["held_horizon"] == first["horizon"] and held["held_horizon_passed"] is False

    # A change the gateway has not got: outdated, and it still knows how far it can play.
    changed = {**news, "title": "Bản tin trưa", "start": "2030-03-04T11:00:00"}
    assert (await client.post("/api/v1/schedules", json=changed, headers=officer)).status == 201
    outdated = await row()
    assert outdated["outdated"] and not outdated["in_sync"]
    assert outdated["held_horizon"] == first["horizon"]
    # Cut off for longer than the horizon: it has run out of occurrences.
    now[0] += 9 * 24 * 3600 * 1000
    app[SYNC_SCHEDULES]()
    stale = await row()
    assert stale["held_horizon_passed"] is True
    assert stale["horizon"] == "2030-03-20T17:00:00.000+00:00"
    # A version the server never planned (from before it started): horizon unknown.
    gateway_holds("0123456789abcdef")
    unknown = await row()
    assert unknown["outdated"] and unknown["held_horizon"] is None
    assert unknown["held_horizon_passed"] is None
    await store.close()


async def test_a_file_must_be_the_communes_and_fit_its_slot(
    client: TestClient, app: web.Application
) -> None:
    # The commune's gateways fetch the file with the commune's tokens: one uploaded for
    # another commune only would be a content_missing failure at 06:00, and a slot
    # shorter than the file a player stopped as overrun.
    other = bearer(app, Role.OPERATOR, "xuan-lai")
    audio = wav(3.0)
    uploaded = await client.post("/api/v1/content?name=a.wav", data=audio, headers=other)
    sha = (await uploaded.json())["id"]
    file_news = {**NEWS, "content": {"type": "file", "sha256": sha, "duration_s": 3}}
    admin = bearer(app, Role.ADMIN)
    response = await client.post("/api/v1/schedules", json=file_news, headers=admin)
    assert response.status == 400
    assert [p.split(":")[0] for p in (await response.json())["problems"]] == ["content.sha256"]
    emergency = {"commune": "xuan-hong", "content": {"type": "file", "sha256": sha}}
    response = await client.post("/api/v1/broadcasts/emergency", json=emergency, headers=admin)
    assert response.status == 400
    mine = bearer(app, Role.OPERATOR, "xuan-hong")
    uploaded = await client.post("/api/v1/content?name=b.wav", data=wav(30.0), headers=mine)
    long_sha = (await uploaded.json())["id"]
    cut = {**NEWS, "content": {"type": "file", "sha256": long_sha, "duration_s": 10}}
    response = await client.post("/api/v1/schedules", json=cut, headers=mine)
    assert response.status == 400
    assert (await response.json())["problems"] == [
        "content.duration_s: the file lasts 30 s: give at least that"
    ]
    whole = {**NEWS, "content": {"type": "file", "sha256": long_sha, "duration_s": 30}}
    assert (await client.post("/api/v1/schedules", json=whole, headers=mine)).status == 201
    assert len(app[SCHEDULES].items) == 1
