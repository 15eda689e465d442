"""After a merger the successor commune is operated: its officers act on what it holds
today (its predecessors' villages and clusters), read its predecessors' past periods,
and a token of a predecessor carries to it from the merger day; nothing reaches a
commune outside the merger, and nothing of the merger before its day.

tests/data/merger-inventory.yaml: an + binh form an-binh and nho joins dai on
16 August 2026; ben is a neighbour in none of them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.apps import app_without_broker, bearer, page_cookie
from tests.audio import wav
from tests.paths import DATA
from xaso.inventory import load_inventory
from xaso.server.broadcasts.distribution import ScheduleDistributor, schedule_sets
from xaso.server.broadcasts.keys import DISTRIBUTOR, SYNC_SCHEDULES
from xaso.server.broadcasts.reconcile import reconcile
from xaso.server.broadcasts.schedule import Content, Schedule
from xaso.server.web.tokens import Role

INVENTORY = DATA / "merger-inventory.yaml"
TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def ms(local: str) -> int:
    return int(dt.datetime.fromisoformat(local).replace(tzinfo=TZ).timestamp() * 1000)


BEFORE = ms("2026-08-01T09:00")  # two weeks before the mergers
AFTER = ms("2026-10-05T09:00")  # in the quarter after them
AN_BINH = ["an-cam-1", "an-gw", "an-rc-1", "an-rc-2", "binh-gw", "binh-rc-1"]

NEWS: dict[str, Any] = {
    "title": "Bản tin sáng",
    "content": {"type": "tts", "text": "Kính thưa bà con", "duration_s": 600},
    "start": "2030-01-01T06:00:00",
    "rrule": "FREQ=DAILY",
}


class Clock:
    """The server's clock, moved by the test."""

    def __init__(self, now_ms: int) -> None:
        self.now_ms = now_ms

    def __call__(self) -> int:
        return self.now_ms


@pytest.fixture
def clock() -> Clock:
    return Clock(AFTER)


@pytest.fixture
async def app(tmp_path: Path, clock: Clock) -> AsyncIterator[web.Application]:
    async with app_without_broker(tmp_path, INVENTORY, clock_ms=clock) as application:
        yield application


@pytest.fixture
async def before(
    tmp_path: Path, aiohttp_client: Callable[[web.Application], Awaitable[TestClient]]
) -> AsyncIterator[TestClient]:
    """A client on the same inventory, two weeks before the mergers."""
    async with app_without_broker(tmp_path, INVENTORY, clock_ms=Clock(BEFORE)) as application:
        yield await aiohttp_client(application)


def due_items(app: web.Application, agent: str) -> set[str]:
    return {item.id for item in app[DISTRIBUTOR].due[agent].items}


async def device_ids(client: TestClient, headers: dict[str, str]) -> list[str]:
    response = await client.get("/api/v1/devices", headers=headers)
    assert response.status == 200, await response.text()
    return sorted(d["id"] for d in (await response.json())["devices"])


async def schedule(
    client: TestClient, headers: dict[str, str], commune: str, **targets: list[str]
) -> tuple[int, dict[str, Any]]:
    body = {**NEWS, "commune": commune, "targets": targets}
    response = await client.post("/api/v1/schedules", json=body, headers=headers)
    return response.status, await response.json()


# -- the four symptoms ------------------------------------------------------------------


async def test_the_successor_schedules_on_its_predecessors_villages_and_clusters(
    client: TestClient, app: web.Application
) -> None:
    officer = bearer(app, Role.OPERATOR, "an-binh")
    status, body = await schedule(client, officer, "an-binh", zones=["an.t1"])
    assert status == 201, body
    assert body["clusters"] == ["an-rc-1"]
    status, body = await schedule(client, officer, "an-binh", clusters=["binh-rc-1"])
    assert status == 201, body
    status, whole = await schedule(client, officer, "an-binh")
    assert status == 201 and whole["clusters"] == ["an-rc-1", "an-rc-2", "binh-rc-1"]
    # ...and it reaches the predecessors' gateways, no other.
    assert whole["schedule"]["id"] in due_items(app, "an-gw") & due_items(app, "binh-gw")
    assert not due_items(app, "dai-gw") | due_items(app, "nho-gw") | due_items(app, "ben-gw")


async def test_the_successor_shows_the_villages_and_devices_it_holds(
    client: TestClient, app: web.Application
) -> None:
    viewer = bearer(app, Role.VIEWER, "an-binh")
    response = await client.get("/api/v1/communes/an-binh", headers=viewer)
    assert response.status == 200, await response.text()
    body = await response.json()
    assert [v["code"] for v in body["villages"]] == ["an.t1", "an.t2", "binh.t1"]
    assert [k["code"] for k in body["key_locations"]] == ["an.ubnd"]
    assert sorted(d["id"] for d in body["device_list"]) == AN_BINH
    assert body["devices"] == len(AN_BINH)
    # dai holds nho's village since the merger, as well as its own.
    admin = bearer(app, Role.ADMIN)
    body = await (await client.get("/api/v1/communes/dai", headers=admin)).json()
    assert [v["code"] for v in body["villages"]] == ["dai.t1", "nho.t1"]


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.VIEWER, Role.VERIFIER])
async def test_the_successor_reads_its_predecessors_periods(
    client: TestClient, app: web.Application, role: Role
) -> None:
    headers = bearer(app, role, "an-binh")
    # A quarter before the merger, and the one it falls in.
    for period in ("2026-Q2", "2026-Q3"):
        for path in ("/api/v1/indicators/report", "/api/v1/indicators"):
            url = f"{path}?commune=an&period={period}&format=json"
            response = await client.get(url, headers=headers)
            assert response.status == 200, (url, await response.text())
    period = "from=2026-07-01T00:00&to=2026-09-30T00:00"
    response = await client.get(f"/api/v1/playout?commune=an&{period}", headers=headers)
    assert response.status == 200, await response.text()
    response = await client.get(f"/api/v1/communes/an/availability?{period}", headers=headers)
    assert response.status == 200, await response.text()
    devices = [d["device"] for d in (await response.json())["devices"]]
    assert sorted(devices) == ["an-cam-1", "an-gw", "an-rc-1", "an-rc-2"]


async def test_the_successors_verifier_signs_off_a_predecessors_quarter(
    client: TestClient, app: web.Application
) -> None:
    verifier = bearer(app, Role.VERIFIER, "an-binh")
    url = "/api/v1/indicators/report?commune=binh&period=2026-Q2&format=json"
    report = await (await client.get(url, headers=verifier)).json()
    signoff = {"commune": "binh", "period": "2026-Q2", "sha256": report["sha256"]}
    response = await client.post("/api/v1/indicators/signoff", json=signoff, headers=verifier)
    assert response.status == 201, await response.text()


async def test_a_predecessors_old_token_sees_the_successors_devices(
    client: TestClient, app: web.Application
) -> None:
    viewer = bearer(app, Role.VIEWER, "an")
    assert await device_ids(client, viewer) == AN_BINH
    assert (await client.get("/api/v1/devices/binh-rc-1", headers=viewer)).status == 200
    response = await client.get("/api/v1/devices?commune=an-binh", headers=viewer)
    assert sorted(d["id"] for d in (await response.json())["devices"]) == AN_BINH
    response = await client.get("/api/v1/communes/an-binh", headers=viewer)
    assert response.status == 200


# -- tokens carry, scopes do not leak ---------------------------------------------------


async def test_a_predecessors_operator_acts_on_the_successor(
    client: TestClient, app: web.Application
) -> None:
    officer = bearer(app, Role.OPERATOR, "binh")
    status, body = await schedule(client, officer, "an-binh", zones=["an.t2"])
    assert status == 201, body
    assert body["clusters"] == ["an-rc-2"]
    flood = {
        "commune": "an-binh",
        "zones": ["an.t1"],
        "title": "Cảnh báo lũ",
        "content": {"type": "tts", "text": "Lũ đang lên", "duration_s": 60},
    }
    response = await client.post("/api/v1/broadcasts/emergency", json=flood, headers=officer)
    assert response.status == 201, await response.text()
    assert (await response.json())["clusters"] == ["an-rc-1"]
    quiet = {"commune": "an-binh", "minutes": 30}
    response = await client.post("/api/v1/broadcasts/silence", json=quiet, headers=officer)
    assert response.status == 201, await response.text()
    assert (await response.json())["clusters"] == ["an-rc-1", "an-rc-2", "binh-rc-1"]
    window = {
        "scope": "device",
        "target": "an-rc-1",
        "start": "2026-10-06T08:00:00",
        "duration_s": 3600,
        "reason": "thay loa",
    }
    response = await client.post("/api/v1/maintenance", json=window, headers=officer)
    assert response.status == 201, await response.text()


async def test_the_successor_manages_its_predecessors_schedules(
    client: TestClient, app: web.Application, clock: Clock
) -> None:
    """A daily bulletin the predecessor scheduled before the merger goes on playing on
    its clusters, and the successor's officers pause it."""
    clock.now_ms = ms("2026-06-01T09:00")
    old = {**NEWS, "commune": "an", "start": "2026-06-02T06:00:00"}
    response = await client.post("/api/v1/schedules", json=old, headers=bearer(app, Role.ADMIN))
    assert response.status == 201, await response.text()
    schedule_id = (await response.json())["schedule"]["id"]
    clock.now_ms = AFTER
    app[SYNC_SCHEDULES]()
    assert schedule_id in due_items(app, "an-gw")
    assert schedule_id not in due_items(app, "binh-gw")

    viewer = bearer(app, Role.VIEWER, "an-binh")
    period = "from=2026-07-01T00:00&to=2026-07-03T00:00"
    response = await client.get(f"/api/v1/playout?commune=an&{period}", headers=viewer)
    body = await response.json()
    planned = sorted({(o["cluster"], o["status"]) for o in body["outcomes"]})
    assert planned == [("an-rc-1", "not_received"), ("an-rc-2", "not_received")]

    officer = bearer(app, Role.OPERATOR, "an-binh")
    response = await client.patch(
        f"/api/v1/schedules/{schedule_id}", json={"paused": True}, headers=officer
    )
    assert response.status == 200, await response.text()


async def test_audio_uploaded_before_the_merger_plays_on_the_successor(
    client: TestClient, app: web.Application, clock: Clock
) -> None:
    """Uploaded by a predecessor's officer, kept for that commune: the successor's
    schedules use it, and the successor's gateways (their agent tokens name a
    predecessor) fetch it."""
    clock.now_ms = ms("2026-06-01T09:00")
    an = bearer(app, Role.OPERATOR, "an")
    uploaded = await client.post("/api/v1/content?name=tin.wav", data=wav(30.0), headers=an)
    assert uploaded.status == 201, await uploaded.text()
    sha256 = (await uploaded.json())["id"]
    clock.now_ms = AFTER
    officer = bearer(app, Role.OPERATOR, "an-binh")
    body = {
        **NEWS,
        "commune": "an-binh",
        "content": {"type": "file", "sha256": sha256, "duration_s": 30},
    }
    response = await client.post("/api/v1/schedules", json=body, headers=officer)
    assert response.status == 201, await response.text()
    gateway = bearer(app, Role.AGENT, "binh")
    assert (await client.get(f"/api/v1/content/{sha256}", headers=gateway)).status == 200
    # Not the neighbour's.
    body["commune"] = "ben"
    response = await client.post("/api/v1/schedules", json=body, headers=bearer(app, Role.ADMIN))
    assert response.status == 400


async def test_a_scope_never_reaches_a_commune_outside_the_merger(
    client: TestClient, app: web.Application
) -> None:
    outside = {
        "an": ("ben", "dai", "nho"),
        "an-binh": ("ben", "dai", "nho"),
        "dai": ("ben", "an", "an-binh"),
        "nho": ("ben", "binh", "an-binh"),
    }
    for named, others in outside.items():
        officer = bearer(app, Role.OPERATOR, named)
        seen = await device_ids(client, officer)
        for other in others:
            assert (await client.get(f"/api/v1/communes/{other}", headers=officer)).status == 404
            url = f"/api/v1/indicators/report?commune={other}&period=2026-Q2&format=json"
            assert (await client.get(url, headers=officer)).status == 404
            status, _ = await schedule(client, officer, other)
            assert status == 403, (named, other)
            assert not [d for d in seen if d.startswith(f"{other}-")], (named, seen)
        assert (await client.get("/api/v1/devices/ben-rc-1", headers=officer)).status == 404
    listed = await client.get("/api/v1/communes", headers=bearer(app, Role.VIEWER, "an"))
    codes = [c["code"] for c in (await listed.json())["communes"]]
    assert sorted(codes) == ["an", "an-binh", "binh"]


async def test_the_pages_of_a_predecessors_login_show_the_successor(
    client: TestClient, app: web.Application
) -> None:
    cookie = page_cookie(app, Role.VIEWER, "an")
    page = await (await client.get("/", headers=cookie)).text()
    assert "Xã An Bình" in page
    # Its devices (never heard from here: unknown) are among the problems it sees.
    page = await (await client.get("/problems", headers=cookie)).text()
    assert "Cụm loa Bình" in page and "Cụm loa Bên" not in page


# -- before the merger day --------------------------------------------------------------


async def test_before_the_merger_the_absorbing_commune_does_not_act_on_the_other(
    before: TestClient,
) -> None:
    app = before.app
    dai = bearer(app, Role.OPERATOR, "dai")
    status, body = await schedule(before, dai, "dai", zones=["nho.t1"])
    assert status == 400 and "nho.t1" in str(body["problems"])
    status, body = await schedule(before, dai, "dai", clusters=["nho-rc-1"])
    assert status == 400 and "nho-rc-1" in str(body["problems"])
    status, body = await schedule(before, dai, "dai")
    assert status == 201 and body["clusters"] == ["dai-rc-1"]
    assert body["schedule"]["id"] not in due_items(app, "nho-gw")
    quiet = {"commune": "dai", "minutes": 30}
    response = await before.post("/api/v1/broadcasts/silence", json=quiet, headers=dai)
    assert (await response.json())["clusters"] == ["dai-rc-1"]
    assert await device_ids(before, dai) == ["dai-gw", "dai-rc-1"]
    assert (await before.get("/api/v1/devices/nho-rc-1", headers=dai)).status == 404
    body = await (await before.get("/api/v1/communes/dai", headers=dai)).json()
    assert [v["code"] for v in body["villages"]] == ["dai.t1"]
    assert sorted(d["id"] for d in body["device_list"]) == ["dai-gw", "dai-rc-1"]

    # nho still runs its own until the day.
    nho = bearer(app, Role.OPERATOR, "nho")
    assert await device_ids(before, nho) == ["nho-gw", "nho-rc-1"]
    status, body = await schedule(before, nho, "nho")
    assert status == 201 and body["clusters"] == ["nho-rc-1"]
    assert body["schedule"]["id"] in due_items(app, "nho-gw")


async def test_before_the_merger_a_new_successor_holds_nothing(before: TestClient) -> None:
    """an-binh does not exist before 16 August: its token covers its own (empty) commune
    only, and an's token still covers an alone."""
    app = before.app
    an_binh = bearer(app, Role.OPERATOR, "an-binh")
    assert await device_ids(before, an_binh) == []
    status, _ = await schedule(before, an_binh, "an-binh", zones=["an.t1"])
    assert status == 400
    an = bearer(app, Role.OPERATOR, "an")
    assert await device_ids(before, an) == ["an-cam-1", "an-gw", "an-rc-1", "an-rc-2"]
    status, _ = await schedule(before, an, "an-binh")
    assert status == 403


# -- the rule, without the server ---------------------------------------------------------


def daily(commune: str) -> Schedule:
    return Schedule(
        id=f"lt-{commune}",
        commune=commune,
        title="Bản tin",
        content=Content(type="tts", text="Kính thưa bà con", duration_s=600),
        start=dt.datetime(2026, 6, 2, 6, 0),
        rrule="FREQ=DAILY",
    )


def test_a_predecessors_schedule_reaches_its_own_gateway_after_the_merger() -> None:
    index = load_inventory(INVENTORY).index()
    sets = schedule_sets([daily("an")], [], index, AFTER, horizon_days=2)
    assert [i.clusters for i in sets["an-gw"].items] == [["an-rc-1", "an-rc-2"]]
    assert sets["binh-gw"].items == []


def test_the_absorbing_communes_schedule_reaches_the_other_gateway_from_the_merger_day() -> None:
    """The set planned on the eve leaves nho's gateway out; the one planned just after
    local midnight (the window moves on) brings it in."""
    index = load_inventory(INVENTORY).index()
    distributor = ScheduleDistributor(index, horizon_days=2)
    distributor.sync([daily("dai")], [], ms("2026-08-15T23:59"))
    assert distributor.due["nho-gw"].items == []
    assert [i.id for i in distributor.due["dai-gw"].items] == ["lt-dai"]
    distributor.sync([daily("dai")], [], ms("2026-08-16T00:00:30"))
    assert [i.clusters for i in distributor.due["nho-gw"].items] == [["nho-rc-1"]]


def test_the_playout_log_plans_on_what_the_commune_held_each_day() -> None:
    index = load_inventory(INVENTORY).index()
    outcomes = reconcile(
        [daily("dai")], index, [], ms("2026-08-14T00:00"), ms("2026-08-18T00:00"), AFTER
    )
    planned = sorted(
        (o.cluster, dt.datetime.fromtimestamp(o.planned_start_ms / 1000, TZ).day) for o in outcomes
    )
    assert planned == [
        ("dai-rc-1", 14),
        ("dai-rc-1", 15),
        ("dai-rc-1", 16),
        ("dai-rc-1", 17),
        ("nho-rc-1", 16),
        ("nho-rc-1", 17),
    ]
