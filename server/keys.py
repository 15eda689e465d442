"""Typed application state, in one place (house style 2)."""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

from server.content import ContentStore
from server.distribution import ScheduleDistributor
from server.exclusions import ExclusionStore
from server.fleet_state import FleetState
from server.ingest import Ingest
from server.json_table import JsonTable
from server.metrics import Metrics
from server.schedule import Schedule
from server.settings import Settings
from server.store.base import Store
from server.tokens import TokenStore
from server.writer import StoreWriter
from xaso.inventory import InventoryIndex

SETTINGS = web.AppKey("settings", Settings)
INDEX = web.AppKey("index", InventoryIndex)
METRICS = web.AppKey("metrics", Metrics)
STORE = web.AppKey("store", Store)
TOKENS = web.AppKey("tokens", TokenStore)
STATE = web.AppKey("state", FleetState)
INGEST = web.AppKey("ingest", Ingest)
WRITER = web.AppKey("writer", StoreWriter)
EXCLUSIONS = web.AppKey("exclusions", ExclusionStore)
# Re-evaluates which devices are in maintenance now (after a window changed).
APPLY_MAINTENANCE = web.AppKey[Callable[[], None]]("apply_maintenance")
SCHEDULES = web.AppKey[JsonTable[Schedule]]("schedules")
# Publishes the schedule sets that changed (a no-op without a broker link).
SYNC_SCHEDULES = web.AppKey[Callable[[], None]]("sync_schedules")
DISTRIBUTOR = web.AppKey("distributor", ScheduleDistributor)
CONTENT = web.AppKey("content", ContentStore)
