"""After a merger the successor commune's schedules play on what it holds that day (its
predecessors' villages and clusters), a predecessor's schedules go on playing on its
own, and nothing of the merger applies before its day.

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

from server import keys
from server.distribution import ScheduleDistributor, schedule_sets
from server.reconcile import reconcile
from server.schedule import Content, Schedule
from server.tokens import Role
from tests.apps import app_without_broker, bearer
from xaso.inventory import load_inventory

INVENTORY = Path(__file__).parent / "data" / "merger-inventory.yaml"
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
    return {item.id for item in app[keys.DISTRIBUTOR].due[agent].items}


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


# -- through the API --------------------------------------------------------------------


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

    # nho still runs its own until the day.
    nho = bearer(app, Role.OPERATOR, "nho")
    status, body = await schedule(before, nho, "nho")
    assert status == 201 and body["clusters"] == ["nho-rc-1"]
    assert body["schedule"]["id"] in due_items(app, "nho-gw")


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
