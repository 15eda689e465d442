"""Runs every collector once per cycle, concurrently, within a deadline.

Each run of a collector gets a thread of its own, so one that hangs (a camera that
accepts the connection and never answers, a vendor command stuck on a lock) blocks only
itself: it is reported as failed for that cycle, skipped while it is still running, and
the heartbeat leaves on time with what the others found. The threads are daemons: a
stuck collector must not keep the agent from exiting on SIGTERM either (an executor's
workers would, since the interpreter joins them at exit).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future, wait
from typing import Any

import msgspec

from xaso.agent.collectors.base import CameraSnapshot, Collector, CollectorResult
from xaso.protocol import CollectorStatus, DeviceReading

log = logging.getLogger("xaso.agent.collectors")


class CycleOutcome(msgspec.Struct, frozen=True):
    readings: list[DeviceReading]
    health: dict[str, Any]
    statuses: list[CollectorStatus]
    # Thumbnails the collectors took this cycle: queued beside the heartbeat.
    snapshots: list[CameraSnapshot] = []


class CollectorPool:
    def __init__(self, collectors: Sequence[Collector]) -> None:
        self._collectors = list(collectors)
        self._running: dict[str, Future[CollectorResult]] = {}

    def run_cycle(self, timeout_s: float) -> CycleOutcome:
        started = time.monotonic()
        statuses: dict[str, CollectorStatus] = {}
        futures: dict[str, Future[CollectorResult]] = {}
        for collector in self._collectors:
            previous = self._running.get(collector.name)
            if previous is not None and not previous.done():
                statuses[collector.name] = CollectorStatus(
                    name=collector.name, ok=False, error="still running from an earlier cycle"
                )
                continue
            futures[collector.name] = _run_in_daemon_thread(collector)
        self._running.update(futures)
        wait(futures.values(), timeout=timeout_s)

        results: list[CollectorResult] = []
        for name, future in futures.items():
            elapsed_ms = round((time.monotonic() - started) * 1000, 1)
            if not future.done():
                statuses[name] = CollectorStatus(
                    name=name, ok=False, error=f"timed out after {timeout_s:g}s"
                )
                log.warning("collector %s timed out after %gs", name, timeout_s)
                continue
            error = future.exception()
            if error is not None:
                statuses[name] = CollectorStatus(
                    name=name, ok=False, duration_ms=elapsed_ms, error=_describe(error)
                )
                log.warning("collector %s failed: %s", name, _describe(error))
                continue
            results.append(future.result())
            statuses[name] = CollectorStatus(name=name, ok=True, duration_ms=elapsed_ms)
        health: dict[str, Any] = {}
        for result in results:
            health.update(result.health)
        return CycleOutcome(
            readings=merge_readings(r for result in results for r in result.readings),
            health=health,
            statuses=[statuses[c.name] for c in self._collectors],
            snapshots=[s for result in results for s in result.snapshots],
        )

    def close(self) -> None:
        for collector in self._collectors:
            try:
                collector.close()
            except Exception:  # closing must go on for the others
                log.exception("collector %s failed to close", collector.name)


def _run_in_daemon_thread(collector: Collector) -> Future[CollectorResult]:
    future: Future[CollectorResult] = Future()

    def run() -> None:
        try:
            future.set_result(collector.collect())
        except BaseException as exc:  # reported by run_cycle, never lost in a thread
            future.set_exception(exc)

    threading.Thread(target=run, name=f"collect-{collector.name}", daemon=True).start()
    return future


def _describe(error: BaseException) -> str:
    text = str(error) or type(error).__name__
    return text[:300]


def _join_errors(first: str | None, second: str | None) -> str | None:
    if first and second and second not in first.split("; "):
        return f"{first}; {second}"
    return first or second


def merge_readings(readings: Any) -> list[DeviceReading]:
    """One reading per device: reachable if any collector reached it, every distinct
    error (a camera can answer TCP and still refuse RTSP: both matter), the first round
    trip given, and each collector's own section (camera, nvr, radio)."""
    merged: dict[str, DeviceReading] = {}
    for reading in readings:
        seen = merged.get(reading.id)
        if seen is None:
            merged[reading.id] = reading
            continue
        merged[reading.id] = DeviceReading(
            id=reading.id,
            reachable=seen.reachable or reading.reachable,
            rtt_ms=seen.rtt_ms if seen.rtt_ms is not None else reading.rtt_ms,
            error=_join_errors(seen.error, reading.error),
            camera=seen.camera or reading.camera,
            nvr=seen.nvr or reading.nvr,
            radio=seen.radio or reading.radio,
        )
    return list(merged.values())
