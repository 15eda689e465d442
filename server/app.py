"""The application factory: ``create_app(settings, deps)`` wires the capabilities.

Each capability sets itself up (``<capability>/wiring.py``): its application state, one
cleanup context per resource or loop, its routes (the web capability holds them all).
Here: the state every capability shares (settings, inventory, clock, metrics), the
server's own database and the time-series store, then the capabilities in dependency
order — web, broadcasts, indicators, monitoring (its broker link hands the schedule
distributor its way out), alerts. aiohttp closes the contexts in reverse: the broker
link stops before the writer flushes, and the stores close last.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from aiohttp import web

from xaso.inventory import InventoryIndex, load_inventory
from xaso.server.alerts.wiring import alerts_cleanup_ctx
from xaso.server.broadcasts import wiring as broadcasts
from xaso.server.camera_snapshots import wiring as camera_snapshots
from xaso.server.database import ServerDatabase
from xaso.server.indicators import wiring as indicators
from xaso.server.keys import CLOCK_MS, DATABASE, INDEX, METRICS, SETTINGS, STORE
from xaso.server.monitoring import wiring as monitoring
from xaso.server.monitoring.fleet_state import StateRules
from xaso.server.monitoring.metrics import Metrics
from xaso.server.settings import Settings
from xaso.server.startup import StartupError, unwritable
from xaso.server.store import open_store
from xaso.server.store.base import Store
from xaso.server.web import wiring as web_wiring

log = logging.getLogger("xaso.server")

Context = Callable[[web.Application], AsyncIterator[None]]


def _wall_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class Deps:
    """What tests (and the demo) may hand in instead of the defaults."""

    store: Store | None = None
    index: InventoryIndex | None = None
    clock_ms: Callable[[], int] = _wall_ms
    connect_mqtt: bool = True
    # The live-state rules; tests without a broker link (so without the sweeper that
    # lets a will stand its grace) take wills at once with will_grace_s=0.
    state_rules: StateRules | None = None


def create_app(settings: Settings, deps: Deps | None = None) -> web.Application:
    deps = deps or Deps()
    app = web.Application(middlewares=web_wiring.MIDDLEWARES, client_max_size=1024**2)
    app[SETTINGS] = settings
    app[INDEX] = deps.index or load_inventory(settings.inventory).index()
    app[METRICS] = Metrics()
    app[CLOCK_MS] = deps.clock_ms
    app.cleanup_ctx.append(_database_ctx)
    app.cleanup_ctx.append(_store_ctx(deps.store))
    web_wiring.setup(app)
    broadcasts.setup(app, deps.clock_ms)
    indicators.setup(app)
    camera_snapshots.setup(app)
    monitoring.setup(
        app, deps.clock_ms, state_rules=deps.state_rules, connect_mqtt=deps.connect_mqtt
    )
    app.cleanup_ctx.append(alerts_cleanup_ctx(settings.alerts, clock_ms=deps.clock_ms))
    return app


async def _database_ctx(app: web.Application) -> AsyncIterator[None]:
    # The first to touch --data-dir: a folder it cannot write stops the server here.
    settings = app[SETTINGS]
    try:
        database = ServerDatabase(settings.database_path)
    except (OSError, sqlite3.Error) as exc:
        raise unwritable("the server's data", "--data-dir", settings.data_dir, exc) from exc
    app[DATABASE] = database
    yield
    database.close()


def _store_ctx(given: Store | None) -> Context:
    async def store_ctx(app: web.Application) -> AsyncIterator[None]:
        url = app[SETTINGS].store
        try:
            store = given or await open_store(url)
        except ValueError as exc:
            raise StartupError(f"--store: {exc}") from exc
        except (OSError, sqlite3.Error) as exc:
            raise unwritable("the time-series store", "--store", url, exc) from exc
        app[STORE] = store
        log.info("time-series store: %s", store.name)
        yield
        if given is None:
            await store.close()

    return store_ctx
