"""The web tier's side of ``--ingest-workers``: start the ingest workers, take in what
they report, tell them of maintenance windows, restart one that dies, stop them.

The live state the pages, the API and the alerts read stays this process's
``FleetState``, kept up to date from the workers' reports (state_mirror.py). Intake
health (``/healthz``) is theirs together: stalled or failing if any worker is, or if a
worker is not running or has no broker link. Their metrics are summed into this
process's ``/metrics`` under the same names, so dashboards and alert rules read the same
series whatever the number of workers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from prometheus_client.metrics_core import Metric
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.registry import Collector

from xaso.server.monitoring.fleet_state import FleetState
from xaso.server.monitoring.ingest_worker import WorkerReport, WorkerSpec, worker_main
from xaso.server.monitoring.pipeline import IntakeHealth
from xaso.server.monitoring.state_mirror import apply_deltas
from xaso.server.settings import Settings

log = logging.getLogger("xaso.workers")

RESTART_AFTER_S = 2.0
STOP_WITHIN_S = 15.0
# A worker that has not reported for this long is counted as not running.
SILENT_AFTER_S = 10.0


@dataclass
class _Worker:
    spec: WorkerSpec
    process: BaseProcess | None = None
    conn: Connection | None = None
    report: WorkerReport | None = None
    reported_at: float = 0.0
    started_at: float = field(default_factory=time.monotonic)


class IngestWorkers:
    def __init__(self, settings: Settings, state: FleetState) -> None:
        self._settings = settings
        self._state = state
        self._loop = asyncio.get_running_loop()
        count = settings.ingest_workers
        self._workers = [_Worker(WorkerSpec(settings, k, count, state.index)) for k in range(count)]
        self._context = multiprocessing.get_context("spawn")
        self._stopping = False
        self._in_window: set[str] = set()
        self._watchdog: asyncio.Task[None] | None = None

    def start(self) -> None:
        for worker in self._workers:
            self._start(worker)
        self._watchdog = asyncio.create_task(self._restart_the_dead(), name="ingest-workers")

    def _start(self, worker: _Worker) -> None:
        ours, theirs = self._context.Pipe(duplex=True)
        process = self._context.Process(
            target=worker_main,
            args=(worker.spec, theirs),
            name=f"xaso-ingest-{worker.spec.name}",
            daemon=True,
        )
        process.start()
        theirs.close()
        worker.process, worker.conn = process, ours
        worker.report, worker.started_at = None, time.monotonic()
        self._loop.add_reader(ours.fileno(), self._readable, worker)
        if self._in_window:
            ours.send(("maintenance", sorted(self._in_window)))
        log.info("ingest worker %s started (pid %s)", worker.spec.name, process.pid)

    def _readable(self, worker: _Worker) -> None:
        conn = worker.conn
        assert conn is not None
        try:
            while conn.poll():
                self._heard(worker, conn.recv())
        except (EOFError, OSError):
            self._loop.remove_reader(conn.fileno())  # it died: the watchdog restarts it

    def _heard(self, worker: _Worker, message: Any) -> None:
        kind = message[0]
        if kind == "state":
            apply_deltas(self._state, message[1], message[2])
        elif kind == "report":
            worker.report, worker.reported_at = message[1], time.monotonic()

    def apply_maintenance(self, in_window: set[str]) -> None:
        """Which devices are in a maintenance window now: each worker takes its own.
        Checked every few seconds; sent only when it changed (a worker started again
        gets it when it starts)."""
        if in_window == self._in_window:
            return
        self._in_window = set(in_window)
        for worker in self._workers:
            if worker.conn is not None:
                with contextlib.suppress(OSError):
                    worker.conn.send(("maintenance", sorted(in_window)))

    async def _restart_the_dead(self) -> None:
        while True:
            await asyncio.sleep(RESTART_AFTER_S)
            for worker in self._workers:
                process = worker.process
                if process is not None and not process.is_alive() and not self._stopping:
                    log.error(
                        "ingest worker %s ended (exit code %s); starting it again",
                        worker.spec.name,
                        process.exitcode,
                    )
                    self._forget(worker)
                    self._start(worker)

    def _forget(self, worker: _Worker) -> None:
        if worker.conn is not None:
            self._loop.remove_reader(worker.conn.fileno())
            worker.conn.close()
        worker.conn = None

    async def stop(self) -> None:
        """Ask every worker to finish (each stores and acknowledges what it holds), then
        end those that do not within ``STOP_WITHIN_S``."""
        self._stopping = True
        if self._watchdog is not None:
            self._watchdog.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watchdog
        for worker in self._workers:
            if worker.conn is not None:
                with contextlib.suppress(OSError):
                    worker.conn.send(("stop",))
        for worker in self._workers:
            process = worker.process
            if process is None:
                continue
            await asyncio.to_thread(process.join, STOP_WITHIN_S)
            if process.is_alive():
                log.error("ingest worker %s did not stop; ending it", worker.spec.name)
                process.terminate()
                await asyncio.to_thread(process.join, 5)
            self._forget(worker)

    # -- what the workers say together ------------------------------------------------

    def health(self) -> IntakeHealth:
        now = time.monotonic()
        stalled, waiting, failing, failure = False, 0.0, 0.0, ""
        for worker in self._workers:
            report = worker.report
            alive = worker.process is not None and worker.process.is_alive()
            starting = now - worker.started_at < SILENT_AFTER_S
            if report is None or now - worker.reported_at > SILENT_AFTER_S:
                if not alive or not starting:
                    stalled = True
                    failure = failure or f"ingest worker {worker.spec.name} is not running"
                continue
            if not report.link_up and not starting:
                # Its agents' messages wait at the broker and none of them is timed out.
                stalled = True
                failure = failure or f"ingest worker {worker.spec.name} has no broker link"
            health = report.health
            stalled = stalled or health.stalled
            waiting = max(waiting, health.waiting_s)
            if health.store_failing_s > failing:
                failing, failure = health.store_failing_s, health.last_failure
        return IntakeHealth(
            stalled=stalled, waiting_s=waiting, store_failing_s=failing, last_failure=failure
        )

    def links_up(self) -> bool:
        return all(w.report is not None and w.report.link_up for w in self._workers)

    def reports(self) -> Iterator[WorkerReport]:
        for worker in self._workers:
            if worker.report is not None:
                yield worker.report


class WorkerMetrics(Collector):
    """The workers' metrics summed, series by series, under their own names."""

    def __init__(self, reports: Callable[[], Iterator[WorkerReport]], skip: frozenset[str]):
        self._reports = reports
        self._skip = skip  # families the web tier reports itself

    def collect(self) -> Iterator[Metric]:
        families: dict[str, Metric] = {}
        totals: dict[str, dict[tuple[str, tuple[tuple[str, str], ...]], float]] = {}
        for report in self._reports():
            for family in text_string_to_metric_families(report.metrics.decode("utf-8")):
                if family.name in self._skip:
                    continue
                if family.name not in families:
                    families[family.name] = Metric(family.name, family.documentation, family.type)
                samples = totals.setdefault(family.name, {})
                for sample in family.samples:
                    key = (sample.name, tuple(sorted(sample.labels.items())))
                    samples[key] = samples.get(key, 0.0) + sample.value
        for name, family in families.items():
            for (sample_name, labels), value in totals[name].items():
                family.add_sample(sample_name, dict(labels), value)
            yield family
