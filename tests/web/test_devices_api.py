"""The HTTP API and page on the real app (no broker: messages go straight to ingest)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import msgspec
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.apps import sign_in
from tests.messages import SMALL_INVENTORY, heartbeat, payload, small_index, status
from xaso.protocol import RadioStatus, heartbeat_topic, status_topic
from xaso.server.app import Deps, create_app
from xaso.server.database import ServerDatabase
from xaso.server.keys import SETTINGS, STORE
from xaso.server.monitoring.keys import INGEST
from xaso.server.settings import Settings
from xaso.server.store.sqlite import SqliteStore
from xaso.server.web.tokens import Role, TokenStore

NOW = 1_800_000_000_000

ClientFactory = Callable[[web.Application], Any]


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[web.Application]:
    store = await SqliteStore.open(":memory:")
    settings = Settings(inventory=str(SMALL_INVENTORY), data_dir=str(tmp_path))
    application = create_app(
        settings, Deps(store=store, index=small_index(), clock_ms=lambda: NOW, connect_mqtt=False)
    )
    yield application
    await store.close()


@pytest.fixture
async def client(app: web.Application, aiohttp_client: ClientFactory) -> TestClient:
    client: TestClient = await aiohttp_client(app)
    # Alpha online with one cluster up and one camera down; beta never heard from.
    ingest = app[INGEST]
    ingest.handle(status_topic("alpha-gw"), payload(status("alpha-gw", "online")), NOW)
    # Two beats a heartbeat interval apart: the camera fails both, so it is offline.
    for seq, at in ((1, NOW - 1000), (2, NOW)):
        beat = heartbeat(
            "alpha-gw", seq, {"alpha-rc-1": True, "alpha-cam-1": False}, ts_ms=at - 500
        )
        await app[STORE].write(
            ingest.handle(heartbeat_topic("alpha-gw"), payload(beat), at).records
        )
    return client


def token(
    app: web.Application, role: Role, communes: frozenset[str] = frozenset()
) -> dict[str, str]:
    with ServerDatabase(app[SETTINGS].database_path) as server_db:
        tokens = TokenStore(server_db.connection)
        value = tokens.create(role, communes)
    return {"Authorization": f"Bearer {value}"}


async def test_api_requires_a_valid_token(client: TestClient) -> None:
    response = await client.get("/api/v1/devices")
    assert response.status == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    response = await client.get("/api/v1/devices", headers={"Authorization": "Bearer xaso_x_y"})
    assert response.status == 401


async def test_revoked_token_is_refused(client: TestClient, app: web.Application) -> None:
    with ServerDatabase(app[SETTINGS].database_path) as server_db:
        tokens = TokenStore(server_db.connection)
        value = tokens.create(Role.VIEWER)
        token_id = value.split("_")[1]
        assert tokens.revoke(token_id)
    response = await client.get("/api/v1/devices", headers={"Authorization": f"Bearer {value}"})
    assert response.status == 401


async def test_tokens_are_stored_hashed(app: web.Application, client: TestClient) -> None:
    headers = token(app, Role.ADMIN)
    secret = headers["Authorization"].split()[1]
    raw = Path(app[SETTINGS].database_path).read_bytes()
    assert secret.encode() not in raw


async def test_devices_list_with_filters(client: TestClient, app: web.Application) -> None:
    headers = token(app, Role.ADMIN)
    body = await (await client.get("/api/v1/devices", headers=headers)).json()
    statuses = {d["id"]: d["status"] for d in body["devices"]}
    assert statuses == {
        "alpha-gw": "online",
        "alpha-rc-1": "online",
        "alpha-cam-1": "offline",
        "alpha-rc-2": "planned",
        "beta-gw": "unknown",
        "beta-rc-1": "unknown",
    }
    body = await (
        await client.get("/api/v1/devices?commune=alpha&kind=camera", headers=headers)
    ).json()
    assert [d["id"] for d in body["devices"]] == ["alpha-cam-1"]
    body = await (await client.get("/api/v1/devices?status=offline", headers=headers)).json()
    assert [d["id"] for d in body["devices"]] == ["alpha-cam-1"]
    response = await client.get("/api/v1/devices?status=sleepy", headers=headers)
    assert response.status == 400


async def test_device_detail_and_history(client: TestClient, app: web.Application) -> None:
    headers = token(app, Role.VIEWER)
    detail = await (await client.get("/api/v1/devices/alpha-cam-1", headers=headers)).json()
    assert detail["status"] == "offline"
    assert detail["cause"] == "probe_failed: timeout"
    assert detail["last_reading"]["error"] == "timeout"
    history = await (
        await client.get(
            f"/api/v1/devices/alpha-cam-1/history?from={NOW - 60_000}&to={NOW + 1}",
            headers=headers,
        )
    ).json()
    assert [r["reachable"] for r in history["readings"]] == [False, False]
    assert [t["status"] for t in history["transitions"]] == ["pending", "offline"]
    gateway = await (
        await client.get(
            "/api/v1/devices/alpha-gw/history?from=2027-01-15T00:00:00&to=2027-01-16T00:00:00",
            headers=headers,
        )
    ).json()
    assert gateway["from"] == "2027-01-14T17:00:00.000+00:00"  # local midnight, UTC+7
    assert "health" in gateway
    response = await client.get("/api/v1/devices/alpha-gw/history?from=yesterday", headers=headers)
    assert response.status == 400
    response = await client.get("/api/v1/devices/nope", headers=headers)
    assert response.status == 404


async def test_communes_counts(client: TestClient, app: web.Application) -> None:
    headers = token(app, Role.ADMIN)
    body = await (await client.get("/api/v1/communes", headers=headers)).json()
    alpha = next(c for c in body["communes"] if c["code"] == "alpha")
    assert alpha["by_status"] == {"offline": 1, "online": 2, "planned": 1}
    detail = await (await client.get("/api/v1/communes/alpha", headers=headers)).json()
    assert detail["villages"] == [{"code": "alpha.t1", "name": "Thôn 1"}]
    assert len(detail["device_list"]) == 4


async def test_operator_sees_only_its_communes(client: TestClient, app: web.Application) -> None:
    headers = token(app, Role.OPERATOR, frozenset({"beta"}))
    body = await (await client.get("/api/v1/devices", headers=headers)).json()
    assert {d["commune"] for d in body["devices"]} == {"beta"}
    assert (await client.get("/api/v1/devices/alpha-rc-1", headers=headers)).status == 404
    assert (await client.get("/api/v1/communes/alpha", headers=headers)).status == 404
    body = await (await client.get("/api/v1/communes", headers=headers)).json()
    assert [c["code"] for c in body["communes"]] == ["beta"]


async def test_healthz_and_metrics_are_open(client: TestClient) -> None:
    response = await client.get("/healthz")
    # No broker in this test: the server says it is not healthy, and why.
    assert response.status == 503
    assert (await response.json())["mqtt_connected"] is False
    text = await (await client.get("/metrics")).text()
    assert 'xaso_messages_received_total{channel="heartbeat"} 2.0' in text
    assert 'xaso_devices{kind="camera",status="offline"} 1.0' in text


async def test_page_needs_login_and_speaks_vietnamese(
    client: TestClient, app: web.Application
) -> None:
    response = await client.get("/", allow_redirects=False)
    assert response.status == 303
    assert response.headers["Location"] == "/login"
    await sign_in(client, Role.ADMIN)
    html = await (await client.get("/")).text()
    assert "Xã Alpha" in html
    html = await (await client.get("/problems")).text()
    assert "Mất kết nối" in html  # the offline camera, in Vietnamese
    assert "Không phản hồi: quá thời gian chờ" in html  # and why, in words
    assert '<code class="raw" title="Nguyên văn gateway báo">timeout</code>' in html
    html = await (await client.get("/problems?lang=en")).text()
    assert "Offline" in html
    html = await (await client.get("/problems")).text()  # the choice is remembered
    assert "Offline" in html


async def test_overview_counts_the_clusters_playing_now(
    client: TestClient, app: web.Application
) -> None:
    await sign_in(client, Role.ADMIN)
    playing_cell = '<td data-label="Đang phát">1</td>'
    assert playing_cell not in await (await client.get("/")).text()
    beat = heartbeat("alpha-gw", 3, {"alpha-rc-1": True}, ts_ms=NOW)
    playing = RadioStatus(play_state="playing", source="emergency", volume=80)
    beat = msgspec.structs.replace(
        beat, devices=[msgspec.structs.replace(beat.devices[0], radio=playing)]
    )
    app[INGEST].handle(heartbeat_topic("alpha-gw"), payload(beat), NOW + 1)
    html = await (await client.get("/")).text()
    assert html.count(playing_cell) == 2  # the province's line and alpha's
    # What it plays, on the cluster's row of its commune's page and on its own page.
    commune = await (await client.get("/communes/alpha")).text()
    assert commune.count("Đang phát khẩn cấp") == 1
    device = await (await client.get("/devices/alpha-rc-1?lang=en")).text()
    assert "Playing an emergency" in device


async def test_page_escapes_names(client: TestClient, app: web.Application) -> None:
    # Agents' error strings end up in the page: they must never become markup.
    ingest = app[INGEST]
    beat = heartbeat("alpha-gw", 2, {"alpha-cam-1": False}, ts_ms=NOW)
    evil = payload(beat).replace(b'"timeout"', b'"<script>alert(1)</script>"')
    ingest.handle(heartbeat_topic("alpha-gw"), evil, NOW + 1)
    await sign_in(client, Role.ADMIN)
    html = await (await client.get("/problems")).text()
    assert "Xã Alpha" in html  # the page itself, signed in
    assert "<script>alert" not in html


async def test_alerts_endpoint_is_empty_when_alerting_is_off(
    client: TestClient, app: web.Application
) -> None:
    body = await (await client.get("/api/v1/alerts", headers=token(app, Role.VIEWER))).json()
    assert body == {"alerts": [], "count": 0}


async def test_page_lists_alerts_firing_in_scope(
    client: TestClient, app: web.Application, monkeypatch: pytest.MonkeyPatch
) -> None:
    firing = [
        {
            "commune": "alpha",
            "commune_name": "Xã Alpha",
            "severity": "critical",
            "summary": "3 thiết bị <mất kết nối>",
            "started_ms": NOW,
            "devices": [{}, {}, {}],
        },
        {
            "commune": "beta",
            "commune_name": "Xã Beta",
            "severity": "warning",
            "summary": "Beta only",
            "started_ms": NOW,
            "devices": [{}],
        },
    ]
    monkeypatch.setattr("xaso.server.web.pages.overview.active_alerts", lambda _app: firing)
    await sign_in(client, Role.OPERATOR, "alpha")
    html = await (await client.get("/")).text()
    assert "Cảnh báo đang hoạt động" in html
    assert "3 thiết bị &lt;mất kết nối&gt;" in html  # escaped
    assert "Beta only" not in html  # another commune's alert
