""" "Emergency now" and "silence now" through the API on the real app: what is stored,
what each gateway's set holds, who may do it, and every problem named. The last test
runs them against a real Mosquitto and a subscribed client."""

from __future__ import annotations

import asyncio
import datetime as dt
import queue
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from zoneinfo import ZoneInfo

import paho.mqtt.client as mqtt
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.apps import bearer, broker_settings
from tests.audio import wav
from tests.doubles import Clock
from tests.messages import SMALL_INVENTORY, small_index
from tests.waiting import eventually
from xaso.protocol import ScheduleSet, decode_schedule_set, schedule_topic
from xaso.server.app import Deps, create_app
from xaso.server.broadcasts.keys import DISTRIBUTOR, SCHEDULES, SILENCES, SYNC_SCHEDULES
from xaso.server.settings import Settings
from xaso.server.store.sqlite import SqliteStore
from xaso.server.web.tokens import Role
from xaso.testbed.mosquitto import MosquittoServer

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = int(dt.datetime(2030, 3, 4, 9, 15, 30, 250_000, tzinfo=HANOI).timestamp() * 1000)
MINUTE_MS = 60_000
FLOOD = {
    "commune": "alpha",
    "content": {"type": "tts", "text": "Lũ đang lên, bà con sơ tán ngay", "duration_s": 120},
    "title": "Cảnh báo lũ",
}


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
async def app(tmp_path: Path, clock: Clock) -> AsyncIterator[web.Application]:
    store = await SqliteStore.open(":memory:")
    settings = Settings(inventory=str(SMALL_INVENTORY), data_dir=str(tmp_path))
    yield create_app(
        settings, Deps(store=store, index=small_index(), clock_ms=clock, connect_mqtt=False)
    )
    await store.close()


def due(app: web.Application, agent: str = "alpha-gw") -> ScheduleSet:
    return app[DISTRIBUTOR].due[agent]


async def test_an_emergency_starts_now_is_stored_and_goes_first(
    client: TestClient, app: web.Application
) -> None:
    officer = bearer(app, Role.OPERATOR, "alpha")
    news = {
        "commune": "alpha",
        "title": "Bản tin sáng",
        "content": {"type": "tts", "text": "Kính thưa bà con", "duration_s": 3600},
        "start": "2030-03-04T09:00:00",
        "rrule": "FREQ=DAILY",
    }
    assert (await client.post("/api/v1/schedules", json=news, headers=officer)).status == 201

    response = await client.post("/api/v1/broadcasts/emergency", json=FLOOD, headers=officer)
    assert response.status == 201, await response.text()
    body = await response.json()
    schedule = body["schedule"]
    assert schedule["priority"] == "emergency" and schedule["rrule"] is None
    assert schedule["start"] == "2030-03-04T09:15:30.250000"  # the commune's wall clock
    assert schedule["title"] == "Cảnh báo lũ" and schedule["created_by"]
    assert body["clusters"] == ["alpha-rc-1"]
    # No broker in this app: nothing could go out now; it goes when the link is up.
    assert body["sent_to"] == [] and body["not_sent"] == ["alpha-gw"]
    # The collision with the morning news is reported, not a refusal: emergency first.
    (conflict,) = body["conflicts"]
    assert conflict["first"] == "this" and conflict["start"] == "2030-03-04T02:15:30.250+00:00"

    listed = await (await client.get("/api/v1/schedules", headers=officer)).json()
    assert schedule["id"] in [s["id"] for s in listed["schedules"]]
    items = {i.id: i for i in due(app).items}
    assert items[schedule["id"]].starts_ms == [NOW]
    assert items[schedule["id"]].priority == "emergency"
    assert due(app, "beta-gw").items == []


async def test_a_file_emergency_takes_the_uploaded_duration(
    client: TestClient, app: web.Application
) -> None:
    officer = bearer(app, Role.OPERATOR, "alpha")
    uploaded = await client.post("/api/v1/content?name=lu.wav", data=wav(2.5), headers=officer)
    sha256 = (await uploaded.json())["id"]
    ask = {"commune": "alpha", "content": {"type": "file", "sha256": sha256, "title": "Lũ"}}
    response = await client.post("/api/v1/broadcasts/emergency", json=ask, headers=officer)
    assert response.status == 201, await response.text()
    schedule = (await response.json())["schedule"]
    assert schedule["content"]["duration_s"] == 2.5
    assert schedule["title"] == "Lũ"  # the content's title when none is given


async def test_every_problem_of_an_emergency_is_named_and_nothing_is_stored(
    client: TestClient, app: web.Application
) -> None:
    admin = bearer(app, Role.ADMIN)
    cases = [
        (
            {"commune": "alpha", "zones": ["nowhere"], "content": {"type": "tts", "text": "x"}},
            ["content.duration_s", "zones", "title"],
        ),
        (
            {
                "commune": "alpha",
                "clusters": ["alpha-rc-2"],
                "title": "t",
                "content": {"type": "file", "sha256": "ab" * 32},
            },
            ["clusters", "content.sha256"],
        ),
        (
            {
                "commune": "alpha",
                "title": "t",
                "content": {"type": "relay", "url": "ftp://x", "duration_s": 0},
            },
            ["content.duration_s", "content.url"],
        ),
        ({"commune": "nowhere", "title": "t", "content": FLOOD["content"]}, ["commune"]),
        ({**FLOOD, "priority": "normal"}, ["Object contains unknown field `priority`"]),
        (
            {**FLOOD, "content": {"type": "live", "duration_s": 1}},
            ["Invalid enum value 'live' - at `$.content.type`"],
        ),
    ]
    for ask, fields in cases:
        response = await client.post("/api/v1/broadcasts/emergency", json=ask, headers=admin)
        assert response.status == 400, ask
        problems = (await response.json())["problems"]
        assert [p.split(":")[0] for p in problems] == fields, problems
    response = await client.post("/api/v1/broadcasts/emergency", data=b"[", headers=admin)
    assert response.status == 400
    assert app[SCHEDULES].items == {}


async def test_only_admins_and_the_communes_officers_may_command(
    client: TestClient, app: web.Application
) -> None:
    silence = {"commune": "alpha", "minutes": 30}
    for headers in (
        bearer(app, Role.OPERATOR, "beta"),
        bearer(app, Role.VIEWER, "alpha"),
        bearer(app, Role.AGENT, "alpha"),
    ):
        for path, body in (("emergency", FLOOD), ("silence", silence)):
            response = await client.post(f"/api/v1/broadcasts/{path}", json=body, headers=headers)
            assert response.status == 403, (path, headers)
    assert app[SCHEDULES].items == {} and app[SILENCES].items == {}
    admin = bearer(app, Role.ADMIN)
    assert (
        await client.post("/api/v1/broadcasts/emergency", json=FLOOD, headers=admin)
    ).status == 201
    assert (
        await client.post("/api/v1/broadcasts/silence", json=silence, headers=admin)
    ).status == 201


async def test_a_silence_reaches_the_set_until_lifted(
    client: TestClient, app: web.Application, clock: Clock
) -> None:
    officer = bearer(app, Role.OPERATOR, "alpha")
    ask = {"commune": "alpha", "zones": ["alpha.t1"], "minutes": 30, "reason": "Lễ tang thôn 1"}
    response = await client.post("/api/v1/broadcasts/silence", json=ask, headers=officer)
    assert response.status == 201, await response.text()
    body = await response.json()
    order = body["silence"]
    assert body["clusters"] == ["alpha-rc-1"]  # the planned cluster is not installed
    assert (order["from_ms"], order["to_ms"]) == (NOW, NOW + 30 * MINUTE_MS)
    assert order["reason"] == "Lễ tang thôn 1" and order["in_force"] is True
    assert body["not_sent"] == ["alpha-gw"]
    (held,) = due(app).silences
    assert (held.id, held.clusters, held.to_ms) == (
        order["id"],
        ["alpha-rc-1"],
        NOW + 30 * MINUTE_MS,
    )

    # Seen by the commune's viewers, not by another commune's.
    listed = await client.get(
        "/api/v1/broadcasts/silences", headers=bearer(app, Role.VIEWER, "alpha")
    )
    assert [s["id"] for s in (await listed.json())["silences"]] == [order["id"]]
    other = bearer(app, Role.OPERATOR, "beta")
    listed = await client.get("/api/v1/broadcasts/silences", headers=other)
    assert (await listed.json())["count"] == 0
    # An emergency there is created all the same (it plays through the silence).
    response = await client.post("/api/v1/broadcasts/emergency", json=FLOOD, headers=officer)
    assert response.status == 201
    path = f"/api/v1/broadcasts/silence/{order['id']}"
    assert (await client.delete(path, headers=other)).status == 404
    assert (await client.delete(path, headers=bearer(app, Role.VIEWER, "alpha"))).status == 403

    clock.now_ms += 5 * MINUTE_MS
    response = await client.delete(path, headers=officer)
    assert response.status == 200
    lifted = (await response.json())["silence"]
    assert lifted["lifted_ms"] == clock.now_ms and lifted["in_force"] is False
    assert due(app).silences == []
    listed = await client.get("/api/v1/broadcasts/silences", headers=officer)
    assert (await listed.json())["count"] == 0
    # Kept, with who lifted it: it explains what did not play.
    assert app[SILENCES].items[order["id"]].lifted_by == lifted["lifted_by"]


async def test_a_silence_ends_by_itself(
    client: TestClient, app: web.Application, clock: Clock
) -> None:
    admin = bearer(app, Role.ADMIN)
    ask = {"commune": "beta"}  # the whole commune, for the default hour
    order = (
        await (await client.post("/api/v1/broadcasts/silence", json=ask, headers=admin)).json()
    )["silence"]
    assert order["to_ms"] - order["from_ms"] == 60 * MINUTE_MS
    assert [s.id for s in due(app, "beta-gw").silences] == [order["id"]]
    clock.now_ms = order["to_ms"]
    listed = await client.get("/api/v1/broadcasts/silences", headers=admin)
    assert (await listed.json())["count"] == 0
    app[SYNC_SCHEDULES]()  # what the periodic re-sync does
    assert due(app, "beta-gw").silences == []
    # Lifting it now changes nothing.
    response = await client.delete(f"/api/v1/broadcasts/silence/{order['id']}", headers=admin)
    assert (await response.json())["silence"]["lifted_ms"] is None


async def test_a_stopped_emergency_is_silenced_for_the_rest_of_its_slot_and_withdrawn(
    client: TestClient, app: web.Application, clock: Clock
) -> None:
    officer = bearer(app, Role.OPERATOR, "alpha")
    long_flood = {**FLOOD, "content": {**FLOOD["content"], "duration_s": 600}}
    response = await client.post("/api/v1/broadcasts/emergency", json=long_flood, headers=officer)
    emergency_id = (await response.json())["schedule"]["id"]
    (item,) = due(app).items
    assert item.id == emergency_id
    path = f"/api/v1/broadcasts/emergency/{emergency_id}/stop"
    assert (await client.post(path, headers=bearer(app, Role.OPERATOR, "beta"))).status == 404
    assert (await client.post(path, headers=bearer(app, Role.VIEWER, "alpha"))).status == 403

    clock.now_ms += 4 * MINUTE_MS
    response = await client.post(path, headers=officer)
    assert response.status == 200, await response.text()
    body = await response.json()
    order = body["silence"]
    # The six minutes left of its slot, on its clusters; the schedule withdrawn.
    assert (order["from_ms"], order["to_ms"]) == (clock.now_ms, NOW + 10 * MINUTE_MS)
    assert order["clusters"] == body["clusters"] == ["alpha-rc-1"]
    assert order["reason"] == "Dừng phát khẩn cấp: Cảnh báo lũ"
    assert due(app).items == [] and [s.id for s in due(app).silences] == [order["id"]]
    assert emergency_id not in app[SCHEDULES].items
    assert app[SCHEDULES].versions(emergency_id)[-1].schedule is None  # its log stays
    # Stopped once: it is gone. A schedule that is no emergency now is not stopped here.
    assert (await client.post(path, headers=officer)).status == 404
    news = {**FLOOD, "start": "2030-03-05T06:00:00", "rrule": "FREQ=DAILY"}
    created = await client.post("/api/v1/schedules", json=news, headers=officer)
    news_id = (await created.json())["schedule"]["id"]
    stop_news = f"/api/v1/broadcasts/emergency/{news_id}/stop"
    assert (await client.post(stop_news, headers=officer)).status == 404


async def test_an_emergency_stopped_past_its_slot_still_gets_a_short_silence(
    client: TestClient, app: web.Application, clock: Clock
) -> None:
    admin = bearer(app, Role.ADMIN)
    response = await client.post("/api/v1/broadcasts/emergency", json=FLOOD, headers=admin)
    emergency_id = (await response.json())["schedule"]["id"]
    # Speech longer than its two-minute slot plays on: it can still be stopped.
    clock.now_ms += 3 * MINUTE_MS
    response = await client.post(f"/api/v1/broadcasts/emergency/{emergency_id}/stop", headers=admin)
    order = (await response.json())["silence"]
    assert order["to_ms"] - order["from_ms"] == 2 * MINUTE_MS


async def test_every_problem_of_a_silence_is_named(
    client: TestClient, app: web.Application
) -> None:
    admin = bearer(app, Role.ADMIN)
    cases = [
        ({"commune": "alpha", "minutes": 0}, ["minutes"]),
        ({"commune": "alpha", "minutes": 24 * 60 + 1, "reason": "x" * 501}, ["minutes", "reason"]),
        (
            {"commune": "alpha", "zones": ["beta.t1"], "clusters": ["beta-rc-1"]},
            ["zones", "clusters"],
        ),
        ({"commune": "alpha", "minutes": "soon"}, ["Expected `float`, got `str` - at `$.minutes`"]),
        ({"commune": "alpha", "until": 5}, ["Object contains unknown field `until`"]),
    ]
    for ask, fields in cases:
        response = await client.post("/api/v1/broadcasts/silence", json=ask, headers=admin)
        assert response.status == 400, ask
        problems = (await response.json())["problems"]
        assert [p.split(":")[0] for p in problems] == fields, problems
    assert app[SILENCES].items == {}
    response = await client.delete("/api/v1/broadcasts/silence/il-nothing", headers=admin)
    assert response.status == 404


# -- against a real broker --------------------------------------------------------------


async def test_commands_reach_a_subscribed_gateway_as_retained_sets(
    tmp_path: Path,
    mosquitto: MosquittoServer,
    aiohttp_client: Callable[[web.Application], Awaitable[TestClient]],
) -> None:
    settings = broker_settings(tmp_path, mosquitto.url)
    app = create_app(settings)
    client = await aiohttp_client(app)
    officer = bearer(app, Role.OPERATOR, "alpha")
    received: queue.Queue[tuple[bool, ScheduleSet]] = queue.Queue()
    gateway = mqtt.Client(
        callback_api_version=mqtt.CallbackAPIVersion.VERSION2,
        client_id=f"alpha-gw-{uuid.uuid4().hex[:6]}",
    )
    gateway.on_message = lambda _c, _u, m: received.put((m.retain, decode_schedule_set(m.payload)))
    gateway.connect("127.0.0.1", mosquitto.port)
    gateway.subscribe(schedule_topic("alpha-gw"), qos=1)
    gateway.loop_start()

    def arrived(accept: Callable[[ScheduleSet], bool]) -> ScheduleSet | None:
        """The first set received since the last call that ``accept`` takes."""
        while not received.empty():
            found = received.get()[1]
            if accept(found):
                return found
        return None

    try:
        # The server's first set, empty, is waiting for the gateway (retained).
        await eventually(lambda: arrived(lambda s: s.items == []), "the first set")
        before_ms = int(dt.datetime.now(dt.UTC).timestamp() * 1000)
        response = await client.post("/api/v1/broadcasts/emergency", json=FLOOD, headers=officer)
        after_ms = int(dt.datetime.now(dt.UTC).timestamp() * 1000)
        assert response.status == 201, await response.text()
        body = await response.json()
        assert body["sent_to"] == ["alpha-gw"] and body["not_sent"] == []
        emergency_id = body["schedule"]["id"]

        held = await eventually(
            lambda: arrived(lambda s: any(i.id == emergency_id for i in s.items)),
            "the emergency to reach the gateway",
        )
        (item,) = held.items
        (start_ms,) = item.starts_ms
        assert before_ms <= start_ms <= after_ms  # it starts now: the player plays it at once
        assert item.priority == "emergency" and held.horizon_ms > after_ms

        response = await client.post(
            "/api/v1/broadcasts/silence", json={"commune": "alpha", "minutes": 5}, headers=officer
        )
        silence_id = (await response.json())["silence"]["id"]
        held = await eventually(
            lambda: arrived(lambda s: [x.id for x in s.silences] == [silence_id]),
            "the silence to reach the gateway",
        )
        assert held.silences[0].clusters == ["alpha-rc-1"]
        await client.delete(f"/api/v1/broadcasts/silence/{silence_id}", headers=officer)
        await eventually(
            lambda: arrived(lambda s: s.silences == []),
            "the lifted silence to leave the set",
        )

        # What the broker keeps for a gateway that connects later is the newest set.
        late: queue.Queue[tuple[bool, ScheduleSet]] = queue.Queue()
        later = mqtt.Client(
            callback_api_version=mqtt.CallbackAPIVersion.VERSION2,
            client_id=f"alpha-gw-late-{uuid.uuid4().hex[:6]}",
        )
        later.on_message = lambda _c, _u, m: late.put((m.retain, decode_schedule_set(m.payload)))
        later.connect("127.0.0.1", mosquitto.port)
        later.subscribe(schedule_topic("alpha-gw"), qos=1)
        later.loop_start()
        try:
            retained, kept = await asyncio.to_thread(late.get, timeout=15)
        finally:
            later.disconnect()
            later.loop_stop()
        assert retained and kept.version == app[DISTRIBUTOR].due["alpha-gw"].version
        assert [i.id for i in kept.items] == [emergency_id] and kept.silences == []
    finally:
        gateway.disconnect()
        gateway.loop_stop()
