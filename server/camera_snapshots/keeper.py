"""Keeps the intake's snapshots off the event loop, before their messages are
acknowledged.

The pipeline hands each stored batch's snapshots here (``Pipeline.on_stored``), before
the agents' numbering is saved and the broker hears the acknowledgement: a snapshot is
acknowledged only once it is in ``xaso.db``, as records are once in the store. Writing
a few tens of kilobytes with an fsync takes milliseconds, so it runs in a worker thread
on a connection of its own; a failure (a full disk) is retried like the journal's, the
broker holding the rest meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from xaso.server.camera_snapshots.incoming import IncomingSnapshot
from xaso.server.camera_snapshots.store import SnapshotLimits, SnapshotStore
from xaso.server.database import connect
from xaso.server.monitoring.intake_journal import JournalUnavailable
from xaso.server.monitoring.metrics import Metrics

log = logging.getLogger("xaso.snapshots")


class SnapshotKeeper:
    def __init__(self, store: SnapshotStore, metrics: Metrics) -> None:
        self._store = store
        self._metrics = metrics
        # Write lanes may settle batches at once: one connection, one writer at a time.
        self._lock = threading.Lock()

    @classmethod
    def open(
        cls, database_path: str, tz: ZoneInfo, limits: SnapshotLimits, metrics: Metrics
    ) -> SnapshotKeeper:
        return cls(SnapshotStore(connect(database_path), tz, limits), metrics)

    async def keep(self, snapshots: Sequence[IncomingSnapshot]) -> None:
        if snapshots:
            await asyncio.to_thread(self._keep, snapshots)

    def _keep(self, snapshots: Sequence[IncomingSnapshot]) -> None:
        with self._lock:
            try:
                taken = self._store.keep(snapshots)
            except sqlite3.Error as exc:
                raise JournalUnavailable(f"snapshots not kept: {exc}") from exc
        for slots in taken:
            if not slots:
                self._metrics.snapshots_kept.labels("older").inc()
            for slot in slots:
                self._metrics.snapshots_kept.labels("latest" if slot == "latest" else "day").inc()

    def close(self) -> None:
        with self._lock:
            self._store.db.close()
