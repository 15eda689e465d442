"""The intake pipeline under poison, a stalled store and restarts: nothing wedges it,
nothing acknowledged is lost, and no device is timed out for the server's own trouble."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Sequence
from pathlib import Path

import paho.mqtt.client as mqtt
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.apps import bearer
from tests.doubles import Clock
from tests.messages import SMALL_INVENTORY, heartbeat, payload, small_index, status
from tests.waiting import eventually
from xaso.protocol import heartbeat_topic, status_topic
from xaso.server.app import Deps, create_app
from xaso.server.indicators.keys import ROLLUPS
from xaso.server.monitoring.fleet_state import DeviceStatus
from xaso.server.monitoring.keys import INGEST, JOURNAL, PIPELINE, SEQUENCES, STATE, WRITER
from xaso.server.records import Record
from xaso.server.settings import Settings
from xaso.server.store.base import Store, WriteResult
from xaso.server.store.sqlite import SqliteStore
from xaso.server.web.tokens import Role
from xaso.testbed.mosquitto import MosquittoServer

NOW = 1_795_000_000_000
NESTED = b'{"v": 1, "agent": "alpha-gw", "x": ' + b"[" * 1000 + b"]" * 1000 + b"}"


@contextlib.asynccontextmanager
async def running_app(
    data_dir: Path,
    aiohttp_client: Callable[[web.Application], Awaitable[TestClient]],
    store: Store,
    clock: Callable[[], int],
    **settings: object,
) -> AsyncIterator[TestClient]:
    app = create_app(
        Settings(inventory=str(SMALL_INVENTORY), data_dir=str(data_dir), **settings),  # type: ignore[arg-type]
        Deps(store=store, index=small_index(), clock_ms=clock, connect_mqtt=False),
    )
    client = await aiohttp_client(app)
    try:
        yield client
    finally:
        await client.close()


async def stored(client: TestClient) -> None:
    """Wait until the writer has settled everything handed to it."""
    writer = client.app[WRITER]
    await eventually(lambda: writer.pending == 0, "the writer to settle")


# -- poison ------------------------------------------------------------------------------


async def test_a_bug_on_one_message_keeps_it_aside_and_the_next_flows(
    tmp_path: Path, aiohttp_client: Callable[[web.Application], Awaitable[TestClient]]
) -> None:
    store = await SqliteStore.open(":memory:")
    async with running_app(tmp_path, aiohttp_client, store, Clock(NOW)) as client:
        app = client.app
        real_handle = app[INGEST].handle

        def handle(topic: str, raw: bytes, now_ms: int, retained: bool = False):  # type: ignore[no-untyped-def]
            if raw == b"boom":
                raise KeyError("a bug of ours")
            return real_handle(topic, raw, now_ms, retained)

        app[INGEST].handle = handle  # type: ignore[method-assign]
        acked: list[str] = []
        pipeline = app[PIPELINE]
        pipeline.on_message(heartbeat_topic("alpha-gw"), b"boom", lambda: acked.append("boom"))
        beat = payload(heartbeat("alpha-gw", 1, ts_ms=NOW))
        pipeline.on_message(heartbeat_topic("alpha-gw"), beat, lambda: acked.append("beat"))
        await stored(client)
        assert acked == ["boom", "beat"]
        assert [r.seq for r in await store.agent_health("alpha-gw", 0, NOW + 1)] == [1]
        [letter] = await app[JOURNAL].dead_letters()
        assert (letter.reason, letter.topic) == ("internal_error", heartbeat_topic("alpha-gw"))
        response = await client.get(
            f"/api/v1/intake/dead-letters/{letter.id}", headers=bearer(app, Role.ADMIN)
        )
        assert await response.read() == b"boom"
    await store.close()


async def test_dead_letters_are_for_admins_only(
    tmp_path: Path, aiohttp_client: Callable[[web.Application], Awaitable[TestClient]]
) -> None:
    store = await SqliteStore.open(":memory:")
    async with running_app(tmp_path, aiohttp_client, store, Clock(NOW)) as client:
        for role in (Role.VIEWER, Role.VERIFIER):
            response = await client.get(
                "/api/v1/intake/dead-letters", headers=bearer(client.app, role)
            )
            assert response.status == 403
    await store.close()


async def test_poison_never_wedges_the_broker_link(
    tmp_path: Path,
    mosquitto: MosquittoServer,
    aiohttp_client: Callable[[web.Application], Awaitable[TestClient]],
) -> None:
    """1,200 messages that broke the decoder (more than the broker's 1,000 in flight)
    and a number past 64 bits: each is kept aside and acknowledged, and the heartbeat
    behind them is stored."""
    store = await SqliteStore.open(str(tmp_path / "ts.db"))
    settings = Settings(
        inventory=str(SMALL_INVENTORY),
        mqtt=mosquitto.url,
        data_dir=str(tmp_path / "server"),
        mqtt_client_id=f"xaso-test-{uuid.uuid4().hex[:6]}",
    )
    client = await aiohttp_client(create_app(settings, Deps(store=store)))
    app = client.app
    await eventually(lambda: app[STATE].link_is_up, "the server to connect")
    publisher = mqtt.Client(callback_api_version=mqtt.CallbackAPIVersion.VERSION2)
    publisher.connect("127.0.0.1", mosquitto.port)
    publisher.loop_start()
    try:
        topic = heartbeat_topic("alpha-gw")
        for _ in range(1200):
            publisher.publish(topic, NESTED, qos=1)
        huge = payload(heartbeat("alpha-gw", 1)).replace(
            b'"seq":1,', b'"seq":18446744073709551616,'
        )
        publisher.publish(topic, huge, qos=1)
        now_ms = int(time.time() * 1000)
        publisher.publish(
            topic, payload(heartbeat("alpha-gw", 7, ts_ms=now_ms)), qos=1
        ).wait_for_publish(10)

        async def heartbeat_stored() -> bool:
            return bool(await store.agent_health("alpha-gw", now_ms - 1, now_ms + 1))

        await eventually(heartbeat_stored, "the heartbeat behind the poison", timeout_s=30)
        await eventually(lambda: app[WRITER].pending == 0, "the writer to settle")
        letters = await app[JOURNAL].dead_letters(limit=2000)
        reasons = [letter.reason for letter in letters]
        assert reasons.count("malformed_json") == 1200
        assert reasons.count("invalid_schema") == 1
        assert {bytes(letter.payload) for letter in letters} == {b""}  # listed without bytes
    finally:
        publisher.loop_stop()
        publisher.disconnect()
        await client.close()
        await store.close()


# -- gaps across restarts ------------------------------------------------------------------


async def test_gap_tracking_survives_a_restart(
    tmp_path: Path, aiohttp_client: Callable[[web.Application], Awaitable[TestClient]]
) -> None:
    """Server and broker lose power together: records 6..9, acknowledged by the broker
    but not yet saved, are gone from it. After the restart the first record seen is 10;
    the server must still know 5 was the last one stored, and ask for 6..9."""
    store = await SqliteStore.open(str(tmp_path / "ts.db"))
    clock = Clock(NOW)
    async with running_app(tmp_path / "server", aiohttp_client, store, clock) as client:
        for seq in range(1, 6):
            client.app[PIPELINE].on_message(
                heartbeat_topic("alpha-gw"),
                payload(heartbeat("alpha-gw", seq, ts_ms=NOW + seq)),
                None,
            )
        await stored(client)
    async with running_app(tmp_path / "server", aiohttp_client, store, clock) as client:
        client.app[PIPELINE].on_message(
            heartbeat_topic("alpha-gw"), payload(heartbeat("alpha-gw", 10, ts_ms=NOW + 10)), None
        )
        await stored(client)
        sequences = client.app[SEQUENCES]
        assert [(gap.lo, gap.hi) for _, gap in sequences.gaps()] == [(6, 9)]
        response = await client.get("/api/v1/intake/agents", headers=bearer(client.app, Role.ADMIN))
        [agent] = (await response.json())["agents"]
        assert (agent["highest_seq"], agent["missing"], agent["lost"]) == (10, 4, 0)
    await store.close()


# -- a stalled store -------------------------------------------------------------------------


class StallingStore:
    """A real SQLite store behind a gate: while closed, writes wait, as they do on an
    InfluxDB that was sent SIGSTOP."""

    def __init__(self, inner: SqliteStore) -> None:
        self.inner = inner
        self.name = "stalling"
        self.gate = asyncio.Event()
        self.gate.set()

    async def write(self, records: Sequence[Record]) -> WriteResult:
        await self.gate.wait()
        return await self.inner.write(records)

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)


async def test_a_stalled_store_times_nobody_out(
    tmp_path: Path, aiohttp_client: Callable[[web.Application], Awaitable[TestClient]]
) -> None:
    inner = await SqliteStore.open(":memory:")
    store = StallingStore(inner)
    clock = Clock(NOW)
    async with running_app(
        tmp_path,
        aiohttp_client,
        store,
        clock,
        intake_stall_s=0.2,  # type: ignore[arg-type]
    ) as client:
        app = client.app
        state, pipeline = app[STATE], app[PIPELINE]
        state.link_up(clock.now_ms)
        pipeline.on_message(status_topic("alpha-gw"), payload(status("alpha-gw", "online")), None)
        pipeline.on_message(
            heartbeat_topic("alpha-gw"), payload(heartbeat("alpha-gw", 1, ts_ms=NOW)), None
        )
        await stored(client)
        assert state.devices["alpha-gw"].status is DeviceStatus.ONLINE

        store.gate.clear()  # the store stops answering
        pipeline.on_message(
            heartbeat_topic("alpha-gw"), payload(heartbeat("alpha-gw", 2, ts_ms=NOW + 1)), None
        )
        await asyncio.sleep(0.4)  # longer than intake_stall_s: the broker holds the rest
        clock.advance(60)  # far past the gateway's 3 s timeout
        pipeline.tick(clock.now_ms)
        assert state.devices["alpha-gw"].status is DeviceStatus.ONLINE
        health = await client.get("/healthz")
        assert health.status == 503
        assert any("intake stalled" in p for p in (await health.json())["problems"])

        store.gate.set()  # the store is back: a full timeout from now, not from before
        await stored(client)
        pipeline.tick(clock.now_ms)
        assert state.devices["alpha-gw"].status is DeviceStatus.ONLINE
        assert (await client.get("/healthz")).status == 200
        clock.advance(4)  # a real silence after the stall still counts
        pipeline.tick(clock.now_ms)
        assert state.devices["alpha-gw"].status is DeviceStatus.OFFLINE
    await inner.close()


async def test_with_lanes_a_devices_transitions_follow_its_gateways_messages(
    tmp_path: Path, aiohttp_client: Callable[[web.Application], Awaitable[TestClient]]
) -> None:
    """In several lanes, a transition the server makes for a device (here: timed out
    with its gateway) is written in the lane of the gateway's messages, behind them."""
    store = await SqliteStore.open(":memory:")
    clock = Clock(NOW)
    async with running_app(
        tmp_path,
        aiohttp_client,
        store,
        clock,
        store_write_lanes=3,  # type: ignore[arg-type]
    ) as client:
        app = client.app
        state, pipeline, writer = app[STATE], app[PIPELINE], app[WRITER]
        assert writer.lanes == 3
        lane = writer._lane_of("alpha-gw")
        state.link_up(clock.now_ms)
        pipeline.on_message(status_topic("alpha-gw"), payload(status("alpha-gw", "online")), None)
        readings = {"alpha-rc-1": True, "alpha-cam-1": True}
        pipeline.on_message(
            heartbeat_topic("alpha-gw"),
            payload(heartbeat("alpha-gw", 1, readings, ts_ms=NOW)),
            None,
        )
        assert {i.agent_id for i in lane.queue} == {"alpha-gw"}
        queued = len(lane.queue)
        clock.advance(60)
        pipeline.tick(clock.now_ms)  # the gateway times out, its devices become unknown
        (swept,) = list(lane.queue)[queued:]  # behind the gateway's messages, in their lane
        assert swept.agent_id == "alpha-gw"
        assert {r.device_id for r in swept.records} == {"alpha-gw", "alpha-rc-1", "alpha-cam-1"}
        await stored(client)
    await store.close()


# -- what a stored record changes elsewhere ------------------------------------------------


async def test_a_late_reading_once_stored_drops_the_indicators_rollup_of_its_day(
    tmp_path: Path, aiohttp_client: Callable[[web.Application], Awaitable[TestClient]]
) -> None:
    store = await SqliteStore.open(":memory:")
    async with running_app(tmp_path, aiohttp_client, store, Clock(NOW)) as client:
        app = client.app
        table = app[ROLLUPS].table
        dropped: list[tuple[str, str, int]] = []
        real_drop = table.drop

        def drop(scope: str, unit: str, days: Collection[int]) -> int:
            dropped.extend((scope, unit, day) for day in days)
            return real_drop(scope, unit, days)

        table.drop = drop  # type: ignore[method-assign]
        three_days_ago = NOW - 3 * 86_400_000
        late = heartbeat("alpha-gw", 7, {"alpha-rc-1": True}, ts_ms=three_days_ago, historical=True)
        app[PIPELINE].on_message(heartbeat_topic("alpha-gw"), payload(late), None)
        await stored(client)
        assert [(scope, unit) for scope, unit, _ in dropped] == [
            ("availability:radio_cluster", "alpha")
        ]
        (day,) = [day for _, _, day in dropped]
        assert day <= three_days_ago < day + 86_400_000
    await store.close()
