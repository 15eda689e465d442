"""Broadcast schedules through the API: roles, checks, collisions, pause, occurrences."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from server.tokens import Role
from tests.apps import app_without_broker, bearer

ROOT = Path(__file__).parent.parent
NEWS = {
    "commune": "xuan-hong",
    "title": "Bản tin sáng",
    "content": {"type": "tts", "text": "Kính thưa bà con nhân dân...", "duration_s": 1200},
    "start": "2030-01-01T06:00:00",
    "rrule": "FREQ=DAILY",
}


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[web.Application]:
    async with app_without_broker(tmp_path, ROOT / "devices.yaml") as application:
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
    }
    response = await client.post("/api/v1/schedules", json=bad, headers=bearer(app, Role.ADMIN))
    assert response.status == 400
    fields = [p.split(":")[0] for p in (await response.json())["problems"]]
    assert fields == ["targets.zones", "content.duration_s", "content.url", "rrule"]


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
