"""What the map's tests share: the app on the map's inventory (tests/data/map-inventory.yaml)
with the settings a test asks for (a tile source), and a fleet in known states."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Final

from aiohttp import web

from tests.apps import WILLS_AT_ONCE
from tests.messages import heartbeat, payload, status
from tests.paths import REPO
from xaso.inventory import load_inventory
from xaso.protocol import heartbeat_topic, status_topic
from xaso.server.app import Deps, create_app
from xaso.server.keys import CLOCK_MS
from xaso.server.monitoring.keys import INGEST, STATE
from xaso.server.settings import Settings
from xaso.server.store.sqlite import SqliteStore

MAP_INVENTORY: Final = REPO / "tests" / "data" / "map-inventory.yaml"
# What ``bring_up`` leaves, by device: the rest stay unknown (never heard of).
STATUSES: Final = {
    "alpha-gw": "online",
    "alpha-rc-1": "online",
    "alpha-rc-2": "offline",
    "alpha-cam-1": "online",
    "beta-gw": "online",
    "beta-rc-1": "online",
    "beta-rc-2": "offline",
    "beta-cam-1": "online",
}


@contextlib.asynccontextmanager
async def map_app(data_dir: Path, **changes: object) -> AsyncIterator[web.Application]:
    """The real app on the map's inventory, an in-memory store, no broker; ``changes``
    to the settings (``map_tiles=...``)."""
    store = await SqliteStore.open(":memory:")
    settings = Settings(inventory=str(MAP_INVENTORY), data_dir=str(data_dir), **changes)  # type: ignore[arg-type]
    try:
        index = load_inventory(MAP_INVENTORY).index()
        deps = Deps(store=store, index=index, connect_mqtt=False, state_rules=WILLS_AT_ONCE)
        yield create_app(settings, deps)
    finally:
        await store.close()


def bring_up(app: web.Application) -> None:
    """The gateways of alpha and beta connect and report their devices as ``STATUSES``
    says (a device that fails enough probes in a row is offline)."""
    now_ms = app[CLOCK_MS]()
    ingest = app[INGEST]
    for agent in ("alpha-gw", "beta-gw"):
        start_ms = now_ms - 10_000
        birth = payload(status(agent, "online", session=3, ts_ms=start_ms))
        ingest.handle(status_topic(agent), birth, start_ms)
        readings = {
            device: up == "online"
            for device, up in STATUSES.items()
            if device.startswith(agent.split("-")[0]) and device != agent
        }
        # A probe failing for longer than the grace makes a device offline: ten seconds.
        for seq in range(1, 6):
            at_ms = start_ms + seq * 2_000
            beat = heartbeat(agent, seq, readings, session=3, ts_ms=at_ms)
            ingest.handle(heartbeat_topic(agent), payload(beat), at_ms)
    fleet = app[STATE]
    for device, expected in STATUSES.items():
        assert str(fleet.devices[device].status) == expected, device
