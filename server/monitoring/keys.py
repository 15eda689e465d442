"""The monitoring capability's application state."""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

from xaso.server.monitoring.acknowledgements import AcknowledgementStore
from xaso.server.monitoring.exclusions import ExclusionStore
from xaso.server.monitoring.fleet_state import FleetState
from xaso.server.monitoring.ingest import Ingest
from xaso.server.monitoring.intake_journal import IntakeJournal
from xaso.server.monitoring.pipeline import Pipeline
from xaso.server.monitoring.sequence import SequenceTracker
from xaso.server.monitoring.writer import StoreWriter

STATE = web.AppKey("state", FleetState)
INGEST = web.AppKey("ingest", Ingest)
WRITER = web.AppKey("writer", StoreWriter)
# Link -> ingest -> writer -> ack, the sweeper and the replays (pipeline.py).
PIPELINE = web.AppKey("pipeline", Pipeline)
# Each agent's numbering as stored: gaps, losses (sequence.py).
SEQUENCES = web.AppKey("sequences", SequenceTracker)
# Dead letters and the saved numbering (intake_journal.py).
JOURNAL = web.AppKey("journal", IntakeJournal)
EXCLUSIONS = web.AppKey("exclusions", ExclusionStore)
# Problems someone has acknowledged (acknowledgements.py).
ACKNOWLEDGEMENTS = web.AppKey("acknowledgements", AcknowledgementStore)
# Re-evaluates which devices are in maintenance now (after a window changed).
APPLY_MAINTENANCE = web.AppKey[Callable[[], None]]("apply_maintenance")
