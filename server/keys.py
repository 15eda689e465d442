"""Typed application state, in one place (house style 2)."""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

from xaso.inventory import InventoryIndex
from xaso.server.broadcasts.content import ContentStore
from xaso.server.broadcasts.distribution import ScheduleDistributor
from xaso.server.broadcasts.manual_entries import ManualEntry
from xaso.server.broadcasts.schedule_table import ScheduleTable
from xaso.server.broadcasts.silence import SilenceOrder
from xaso.server.indicators.evidence import Evaluate
from xaso.server.indicators.gather.declared import DeclaredStore
from xaso.server.indicators.gather.documents import DocumentStore
from xaso.server.indicators.gather.signoff import SignOffStore
from xaso.server.indicators.profile import ProfileSet
from xaso.server.json_table import JsonTable
from xaso.server.monitoring.exclusions import ExclusionStore
from xaso.server.monitoring.fleet_state import FleetState
from xaso.server.monitoring.ingest import Ingest
from xaso.server.monitoring.intake_journal import IntakeJournal
from xaso.server.monitoring.metrics import Metrics
from xaso.server.monitoring.pipeline import Pipeline
from xaso.server.monitoring.sequence import SequenceTracker
from xaso.server.monitoring.writer import StoreWriter
from xaso.server.settings import Settings
from xaso.server.store.base import Store
from xaso.server.web.tokens import TokenStore

SETTINGS = web.AppKey("settings", Settings)
INDEX = web.AppKey("index", InventoryIndex)
METRICS = web.AppKey("metrics", Metrics)
STORE = web.AppKey("store", Store)
TOKENS = web.AppKey("tokens", TokenStore)
STATE = web.AppKey("state", FleetState)
INGEST = web.AppKey("ingest", Ingest)
WRITER = web.AppKey("writer", StoreWriter)
# Link -> ingest -> writer -> ack, the sweeper and the replays (server/pipeline.py).
PIPELINE = web.AppKey("pipeline", Pipeline)
# Each agent's numbering as stored: gaps, losses (server/sequence.py).
SEQUENCES = web.AppKey("sequences", SequenceTracker)
# Dead letters and the saved numbering (server/intake_journal.py).
JOURNAL = web.AppKey("journal", IntakeJournal)
EXCLUSIONS = web.AppKey("exclusions", ExclusionStore)
# Re-evaluates which devices are in maintenance now (after a window changed).
APPLY_MAINTENANCE = web.AppKey[Callable[[], None]]("apply_maintenance")
SCHEDULES = web.AppKey("schedules", ScheduleTable)
# Plans every gateway's schedule set and publishes those that changed (none without a
# broker link); answers the gateways whose set was published.
SYNC_SCHEDULES = web.AppKey[Callable[[], list[str]]]("sync_schedules")
SILENCES = web.AppKey[JsonTable[SilenceOrder]]("silences")
# Live announcements entered by hand into the playout log (server/manual_entries.py).
PLAYOUT_MANUAL = web.AppKey[JsonTable[ManualEntry]]("playout_manual")
# The server's clock (epoch ms), injected so tests decide what "now" is.
CLOCK_MS = web.AppKey[Callable[[], int]]("clock_ms")
DISTRIBUTOR = web.AppKey("distributor", ScheduleDistributor)
CONTENT = web.AppKey("content", ContentStore)
# Declared indicators (N1–N4, N6) and their evidence documents.
DECLARED = web.AppKey("declared", DeclaredStore)
DOCUMENTS = web.AppKey("documents", DocumentStore)
SIGNOFFS = web.AppKey("signoffs", SignOffStore)
# The indicator evaluation as reports, sign-off and the overview call it.
EVALUATE = web.AppKey("evaluate", Evaluate)
# The indicator profiles: the default and the provinces' (server/indicators/profile.py).
INDICATOR_PROFILES = web.AppKey("indicator_profiles", ProfileSet)
