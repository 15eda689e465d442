"""What the web tier makes of its ingest workers' reports (the workers themselves run in
tests/end_to_end/test_ingest_workers.py)."""

from __future__ import annotations

import time

from tests.messages import SMALL_INVENTORY, small_index
from xaso.server.monitoring.fleet_state import FleetState
from xaso.server.monitoring.ingest_worker import WorkerReport
from xaso.server.monitoring.pipeline import IntakeHealth
from xaso.server.monitoring.worker_pool import SILENT_AFTER_S, IngestWorkers
from xaso.server.settings import Settings

FINE = IntakeHealth(stalled=False, waiting_s=0.1, store_failing_s=0.0, last_failure="")


def reported(workers: IngestWorkers, *reports: WorkerReport) -> None:
    now = time.monotonic()
    for worker, report in zip(workers._workers, reports, strict=True):
        worker.report, worker.reported_at = report, now
        worker.started_at = now - 2 * SILENT_AFTER_S


async def test_intake_is_healthy_only_when_every_worker_is_and_has_its_link() -> None:
    settings = Settings(inventory=str(SMALL_INVENTORY), ingest_workers=2)
    workers = IngestWorkers(settings, FleetState(small_index(), 0))
    reported(workers, WorkerReport(FINE, True, b""), WorkerReport(FINE, True, b""))
    assert workers.health().problems() == []

    reported(workers, WorkerReport(FINE, True, b""), WorkerReport(FINE, False, b""))
    health = workers.health()
    assert health.stalled and "ingest worker 2of2 has no broker link" in health.last_failure

    failing = IntakeHealth(stalled=True, waiting_s=9.0, store_failing_s=7.0, last_failure="disk")
    reported(workers, WorkerReport(failing, True, b""), WorkerReport(FINE, True, b""))
    health = workers.health()
    assert health.stalled and health.waiting_s == 9.0 and health.last_failure == "disk"


async def test_a_worker_silent_past_its_start_counts_as_not_running() -> None:
    settings = Settings(inventory=str(SMALL_INVENTORY), ingest_workers=2)
    workers = IngestWorkers(settings, FleetState(small_index(), 0))
    reported(workers, WorkerReport(FINE, True, b""), WorkerReport(FINE, True, b""))
    workers._workers[1].reported_at -= 2 * SILENT_AFTER_S
    health = workers.health()
    assert health.stalled and "ingest worker 2of2 is not running" in health.last_failure
