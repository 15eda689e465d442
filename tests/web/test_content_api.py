"""Broadcast audio: upload with its real duration, download by hash, agent tokens."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.apps import app_without_broker, bearer
from tests.audio import wav
from xaso.server.database import ServerDatabase
from xaso.server.keys import SETTINGS
from xaso.server.web.tokens import Role


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[web.Application]:
    async with app_without_broker(tmp_path) as application:
        yield application


async def test_upload_then_schedule_then_a_gateway_downloads_it(
    client: TestClient, app: web.Application
) -> None:
    officer = bearer(app, Role.OPERATOR, "alpha")
    audio = wav(2.5)
    response = await client.post("/api/v1/content?name=ban-tin.wav", data=audio, headers=officer)
    assert response.status == 201, await response.text()
    info = await response.json()
    assert info["id"] == hashlib.sha256(audio).hexdigest()
    assert info["duration_s"] == pytest.approx(2.5, abs=0.01)

    schedule = {
        "commune": "alpha",
        "title": "Bản tin",
        "start": "2030-01-01T06:00:00",
        "content": {"type": "file", "sha256": info["id"], "duration_s": info["duration_s"]},
    }
    assert (await client.post("/api/v1/schedules", json=schedule, headers=officer)).status == 201
    unknown = {**schedule, "content": {**schedule["content"], "sha256": "0" * 64}}
    response = await client.post("/api/v1/schedules", json=unknown, headers=officer)
    assert response.status == 400
    assert "content.sha256" in (await response.json())["problems"][0]

    gateway = bearer(app, Role.AGENT, "alpha")
    response = await client.get(f"/api/v1/content/{info['id']}", headers=gateway)
    assert response.status == 200 and await response.read() == audio
    # A gateway's token opens the audio, nothing else.
    assert (await client.get("/api/v1/devices", headers=gateway)).status == 403
    assert (await client.get("/api/v1/content/" + "0" * 64, headers=gateway)).status == 404


async def test_only_audio_is_kept_and_only_officers_upload(
    client: TestClient, app: web.Application
) -> None:
    admin = bearer(app, Role.ADMIN)
    response = await client.post("/api/v1/content", data=b"not audio at all", headers=admin)
    assert response.status == 400
    assert list(Path(app[SETTINGS].data_dir, "content").iterdir()) == []
    viewer = bearer(app, Role.VIEWER)
    assert (await client.post("/api/v1/content", data=wav(1), headers=viewer)).status == 403


async def test_content_is_seen_within_the_uploaders_communes(
    client: TestClient, app: web.Application
) -> None:
    alpha = bearer(app, Role.OPERATOR, "alpha")
    info = await (await client.post("/api/v1/content", data=wav(1), headers=alpha)).json()
    beta_viewer = bearer(app, Role.VIEWER, "beta")
    assert (await (await client.get("/api/v1/content", headers=beta_viewer)).json()) == {
        "content": []
    }
    assert (await client.get(f"/api/v1/content/{info['id']}", headers=beta_viewer)).status == 404
    beta_gateway = bearer(app, Role.AGENT, "beta")
    assert (await client.get(f"/api/v1/content/{info['id']}", headers=beta_gateway)).status == 404
    alpha_gateway = bearer(app, Role.AGENT, "alpha")
    assert (await client.get(f"/api/v1/content/{info['id']}", headers=alpha_gateway)).status == 200


async def test_the_same_file_uploaded_by_another_commune_adds_it_and_takes_nothing_away(
    client: TestClient, app: web.Application
) -> None:
    audio = wav(1.5)
    alpha = bearer(app, Role.OPERATOR, "alpha")
    beta = bearer(app, Role.OPERATOR, "beta")
    first = await client.post("/api/v1/content?name=ban-tin-alpha.wav", data=audio, headers=alpha)
    assert first.status == 201
    sha256 = (await first.json())["id"]
    second = await client.post("/api/v1/content?name=tin-beta.wav", data=audio, headers=beta)
    assert second.status == 201
    # Beta is told only what is beta's: not alpha's title, officer nor commune.
    answer = await second.json()
    assert answer["id"] == sha256
    assert answer["name"] == "tin-beta.wav" and answer["communes"] == ["beta"]
    assert "alpha" not in str(answer)

    # Both communes' gateways fetch it; each commune schedules it.
    for commune, officer in (("alpha", alpha), ("beta", beta)):
        gateway = bearer(app, Role.AGENT, commune)
        response = await client.get(f"/api/v1/content/{sha256}", headers=gateway)
        assert response.status == 200, commune
        schedule = {
            "commune": commune,
            "title": "Bản tin",
            "start": "2030-01-01T06:00:00",
            "content": {"type": "file", "sha256": sha256, "duration_s": 2},
        }
        response = await client.post("/api/v1/schedules", json=schedule, headers=officer)
        assert response.status == 201, await response.text()

    # Each commune lists it under its own name; an admin sees both communes.
    listed = (await (await client.get("/api/v1/content", headers=alpha)).json())["content"]
    assert [(i["name"], i["communes"]) for i in listed] == [("ban-tin-alpha.wav", ["alpha"])]
    listed = (await (await client.get("/api/v1/content", headers=beta)).json())["content"]
    assert [(i["name"], i["communes"]) for i in listed] == [("tin-beta.wav", ["beta"])]
    admin = bearer(app, Role.ADMIN)
    listed = (await (await client.get("/api/v1/content", headers=admin)).json())["content"]
    assert [i["communes"] for i in listed] == [["alpha", "beta"]]

    # Alpha uploading it again changes nothing for beta.
    again = await client.post("/api/v1/content", data=audio, headers=alpha)
    assert again.status == 201 and "beta" not in str(await again.json())
    gateway = bearer(app, Role.AGENT, "beta")
    assert (await client.get(f"/api/v1/content/{sha256}", headers=gateway)).status == 200


async def test_uploads_survive_a_restart_with_every_commune(tmp_path: Path) -> None:
    """The communes a file was uploaded for are kept in the server's SQLite file."""
    from xaso.server.broadcasts.content import ContentStore

    async def chunks(data: bytes) -> AsyncIterator[bytes]:
        yield data

    with ServerDatabase(tmp_path / "xaso.db") as database:
        store = ContentStore(tmp_path / "content", database.connection)
        audio = wav(1)
        await store.save(chunks(audio), name="a.wav", uploaded_by="A", communes=["alpha"])
        await store.save(chunks(audio), name="b.wav", uploaded_by="B", communes=["beta"])
    with ServerDatabase(tmp_path / "xaso.db") as database:
        reopened = ContentStore(tmp_path / "content", database.connection)
        (info,) = reopened.table.items.values()
        assert info.serves("alpha") and info.serves("beta") and not info.serves("gamma")
