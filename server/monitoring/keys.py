"""The monitoring capability's application state."""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

from xaso.server.monitoring.acknowledgements import AcknowledgementStore
from xaso.server.monitoring.exclusions import ExclusionStore
from xaso.server.monitoring.fleet_state import FleetState
from xaso.server.monitoring.ingest import Ingest
from xaso.server.monitoring.intake_journal import IntakeJournal
from xaso.server.monitoring.pipeline import IntakeHealth, Pipeline
from xaso.server.monitoring.recording_ledger import RecordingLedger
from xaso.server.monitoring.sequence import SequenceTracker
from xaso.server.monitoring.worker_pool import IngestWorkers
from xaso.server.monitoring.writer import StoreWriter

STATE = web.AppKey("state", FleetState)
INGEST = web.AppKey("ingest", Ingest)
WRITER = web.AppKey("writer", StoreWriter)
# Link -> ingest -> writer -> ack, the sweeper and the replays (pipeline.py).
PIPELINE = web.AppKey("pipeline", Pipeline)
# How intake is doing (/healthz): the pipeline's, or the ingest workers' together.
INTAKE_HEALTH = web.AppKey[Callable[[], IntakeHealth]]("intake_health")
# The ingest worker processes (--ingest-workers above 1; worker_pool.py).
WORKERS = web.AppKey("workers", IngestWorkers)
# Each agent's numbering as stored: gaps, losses (sequence.py).
SEQUENCES = web.AppKey("sequences", SequenceTracker)
# Dead letters and the saved numbering (intake_journal.py).
JOURNAL = web.AppKey("journal", IntakeJournal)
EXCLUSIONS = web.AppKey("exclusions", ExclusionStore)
# Problems someone has acknowledged (acknowledgements.py).
ACKNOWLEDGEMENTS = web.AppKey("acknowledgements", AcknowledgementStore)
# Re-evaluates which devices are in maintenance now (after a window changed).
APPLY_MAINTENANCE = web.AppKey[Callable[[], None]]("apply_maintenance")
# What the recorders said of each camera, per day (recording_ledger.py).
RECORDINGS = web.AppKey("recordings", RecordingLedger)
