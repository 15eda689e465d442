"""A commune's loudspeaker settings through the API: cluster volumes and the standing
relay, who may read and change them, every problem named, and the gateways' sets."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.apps import app_without_broker, bearer
from tests.paths import REPO
from xaso.protocol import DeviceReading, RadioStatus
from xaso.server.broadcasts.keys import DISTRIBUTOR, RADIO_SETTINGS, SCHEDULES
from xaso.server.monitoring.keys import STATE
from xaso.server.web.tokens import Role

GATEWAY = "xuan-hong-radio-gw"
RELAY: dict[str, Any] = {
    "url": "http://radio.example/tinh",
    "source": "provincial",
    "start_time": "05:00",
    "end_time": "07:00",
    "targets": {"zones": ["xuan-hong.thon-1"]},
}


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[web.Application]:
    async with app_without_broker(tmp_path, REPO / "devices.yaml") as application:
        yield application


async def put(client: TestClient, headers: dict[str, str], **body: Any) -> Any:
    return await client.put(
        "/api/v1/radio/settings", json={"commune": "xuan-hong", **body}, headers=headers
    )


async def test_an_officer_sets_volumes_and_a_relay_and_the_gateway_gets_them(
    client: TestClient, app: web.Application
) -> None:
    officer = bearer(app, Role.OPERATOR, "xuan-hong")
    response = await put(
        client, officer, volumes={"xuan-hong-rc-01": 80, "xuan-hong-rc-02": None}, relay=RELAY
    )
    assert response.status == 200, await response.text()
    body = await response.json()
    rows = {c["id"]: c for c in body["clusters"]}
    assert len(rows) == 14 and rows["xuan-hong-rc-01"]["volume"] == 80
    assert rows["xuan-hong-rc-02"]["volume"] is None
    assert rows["xuan-hong-rc-01"]["village_name"] == "Thôn 1"
    assert body["relay"]["url"] == RELAY["url"] and body["relay"]["on"] is True
    assert body["relay"]["title"] == "Tiếp sóng Đài tỉnh"
    assert body["revision"] == 1 and body["changed_by"] == "operator"
    # No broker link in this app: nothing was sent now, the gateway is named.
    assert body["sent_to"] == [] and body["not_sent"] == [GATEWAY]

    due = app[DISTRIBUTOR].due[GATEWAY]
    assert due.volumes == {"xuan-hong-rc-01": 80}
    [relay] = [i for i in due.items if i.priority == "background"]
    assert relay.id == body["relay_schedule"] and relay.content.url == RELAY["url"]
    assert relay.content.duration_s == 7200 and relay.clusters == [
        "xuan-hong-rc-01",
        "xuan-hong-rc-02",
    ]
    # The relay is a schedule like the others: listed, with its occurrences.
    listed = await (await client.get("/api/v1/schedules", headers=officer)).json()
    assert [s["priority"] for s in listed["schedules"]] == ["background"]

    # Saved again unchanged: no new version of the relay; switched off: paused.
    await put(client, officer, relay=RELAY)
    assert len(app[SCHEDULES].versions(relay.id)) == 1
    off = await (await put(client, officer, relay={**RELAY, "on": False})).json()
    assert off["relay"]["on"] is False
    assert app[SCHEDULES].items[relay.id].paused
    assert not [i for i in app[DISTRIBUTOR].due[GATEWAY].items if i.priority == "background"]
    # Volumes left out stay as they were; relay null removes it.
    gone = await (await put(client, officer, relay=None)).json()
    assert gone["relay"] is None and relay.id not in app[SCHEDULES].items
    assert app[RADIO_SETTINGS].of("xuan-hong").volumes == {"xuan-hong-rc-01": 80}
    # The settings' own versions: created, relay removed (the relay's changes are its
    # schedule's versions).
    assert [v.saved_by for v in app[RADIO_SETTINGS].versions("xuan-hong")] == ["operator"] * 2
    assert len(app[SCHEDULES].versions(relay.id)) == 3


async def test_every_problem_is_named(client: TestClient, app: web.Application) -> None:
    admin = bearer(app, Role.ADMIN)
    bad_relay = {**RELAY, "url": "ftp://x", "end_time": "7h"}
    response = await put(
        client, admin, volumes={"xuan-hong-rc-01": 120, "xuan-lai-rc-01": 50}, relay=bad_relay
    )
    assert response.status == 400
    problems = (await response.json())["problems"]
    assert [p.split(":")[0] for p in problems] == [
        "volumes.xuan-hong-rc-01",
        "volumes.xuan-lai-rc-01",
        "relay.url",
        "relay.end_time",
    ]
    nowhere = {**RELAY, "targets": {"zones": ["xuan-lai.thon-1"]}}
    response = await put(client, admin, relay=nowhere)
    assert [p.split(":")[0] for p in (await response.json())["problems"]] == ["relay.targets.zones"]
    response = await put(client, admin, volumes={"xuan-hong-rc-01": "loud"})
    assert response.status == 400
    assert app[RADIO_SETTINGS].of("xuan-hong").revision == 0  # nothing was saved


async def test_viewers_read_officers_act_in_their_communes_only(
    client: TestClient, app: web.Application
) -> None:
    state = app[STATE].devices["xuan-hong-rc-01"]
    state.last_reading = DeviceReading(
        id="xuan-hong-rc-01", reachable=True, radio=RadioStatus(volume=65)
    )
    state.last_seen_ms = 1_800_000_000_000
    viewer = bearer(app, Role.VIEWER, "xuan-hong")
    response = await client.get("/api/v1/radio/settings?commune=xuan-hong", headers=viewer)
    assert response.status == 200
    rows = {c["id"]: c for c in (await response.json())["clusters"]}
    assert rows["xuan-hong-rc-01"]["reported_volume"] == 65
    assert rows["xuan-hong-rc-01"]["reported"] == "2027-01-15T08:00:00.000+00:00"
    assert (await put(client, viewer, volumes={})).status == 403
    other = bearer(app, Role.OPERATOR, "xuan-lai")
    assert (await put(client, other, volumes={})).status == 404
    response = await client.get("/api/v1/radio/settings?commune=xuan-hong", headers=other)
    assert response.status == 404
    assert (await client.get("/api/v1/radio/settings", headers=other)).status == 400
