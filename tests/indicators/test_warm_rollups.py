"""The server rolls up the last full quarter ahead of the first verifier."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from pathlib import Path
from zoneinfo import ZoneInfo

from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.messages import SMALL_INVENTORY, small_index
from xaso.server.app import Deps, create_app
from xaso.server.indicators.keys import ROLLUPS
from xaso.server.indicators.warm_rollups import warm_once
from xaso.server.records import TransitionRecord
from xaso.server.settings import Settings
from xaso.server.store.sqlite import SqliteStore

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = dt.datetime(2026, 11, 20, 10, tzinfo=TZ)  # the last full quarter: 2026-Q3


async def test_the_last_full_quarter_is_rolled_up_before_anyone_asks(
    tmp_path: Path, aiohttp_client: Callable[[web.Application], Awaitable[TestClient]]
) -> None:
    store = await SqliteStore.open(":memory:")
    july = int(dt.datetime(2026, 7, 2, tzinfo=TZ).timestamp() * 1000)
    await store.write(
        [
            TransitionRecord(
                device_id="alpha-rc-1",
                commune="alpha",
                kind="radio_cluster",
                ts_ms=july,
                status="online",
                previous="unknown",
                cause="probe_ok",
            )
        ]
    )
    app = create_app(
        Settings(inventory=str(SMALL_INVENTORY), data_dir=str(tmp_path)),
        Deps(
            store=store,
            index=small_index(),
            clock_ms=lambda: int(NOW.timestamp() * 1000),
            connect_mqtt=False,
        ),
    )
    client = await aiohttp_client(app)
    table = client.app[ROLLUPS].table
    assert table.count() == 0
    await warm_once(client.app)
    # Every closed day of Q3 of the commune's loudspeakers, kept for the next evaluation.
    assert table.count() >= 92
    await client.close()
    await store.close()
