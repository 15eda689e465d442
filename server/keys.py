"""The application state every capability shares: settings, the inventory, the clock,
the time-series store, the server's own database and the metrics registry. Each
capability keeps its own (``monitoring/keys.py``, ``broadcasts/keys.py``,
``indicators/keys.py``, ``web/keys.py``)."""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

from xaso.inventory import InventoryIndex
from xaso.server.database import ServerDatabase
from xaso.server.monitoring.metrics import Metrics
from xaso.server.settings import Settings
from xaso.server.store.base import Store

SETTINGS = web.AppKey("settings", Settings)
INDEX = web.AppKey("index", InventoryIndex)
METRICS = web.AppKey("metrics", Metrics)
STORE = web.AppKey("store", Store)
# The server's own SQLite file: tokens, schedules, declared values... (database.py).
DATABASE = web.AppKey("database", ServerDatabase)
# The server's clock (epoch ms), injected so tests decide what "now" is.
CLOCK_MS = web.AppKey[Callable[[], int]]("clock_ms")
