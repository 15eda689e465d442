"""Batches records into the store and acknowledges MQTT messages only once stored.

The broker keeps a message until we acknowledge it (paho ``manual_ack``), so a record
is never acknowledged before it is durable: if the store is down, we retry with
backoff and the broker holds the rest; if the server dies, the broker redelivers.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Sequence

from server.metrics import Metrics
from server.store.base import Record, Store, StoreUnavailable

log = logging.getLogger("xaso.writer")

Ack = Callable[[], object]


class StoreWriter:
    def __init__(
        self,
        store: Store,
        metrics: Metrics,
        *,
        max_batch: int = 5000,
        linger_s: float = 0.05,
        max_backoff_s: float = 30.0,
    ) -> None:
        self._store = store
        self._metrics = metrics
        self._queue: asyncio.Queue[tuple[Sequence[Record], Ack | None]] = asyncio.Queue()
        self._max_batch = max_batch
        self._linger_s = linger_s
        self._max_backoff_s = max_backoff_s
        self._pending_records = 0
        # The batch being written: a cancelled run() must not take it with it.
        self._current: list[tuple[Sequence[Record], Ack | None]] = []

    def submit(self, records: Sequence[Record], ack: Ack | None = None) -> None:
        """Queue records (possibly none) and the acknowledgement due once they are stored."""
        self._queue.put_nowait((records, ack))
        self._pending_records += len(records)
        self._metrics.queue_depth.set(self._pending_records)

    @property
    def pending(self) -> int:
        return self._queue.qsize()

    async def run(self) -> None:
        while True:
            self._current = [await self._queue.get()]
            if self._pending_records < self._max_batch:
                await asyncio.sleep(self._linger_s)  # let a burst gather into one write
            size = len(self._current[0][0])
            while size < self._max_batch and not self._queue.empty():
                item = self._queue.get_nowait()
                self._current.append(item)
                size += len(item[0])
            await self._write_until_done([r for records, _ in self._current for r in records])
            for _, ack in self._current:
                if ack is not None:
                    ack()
            self._current = []
            self._pending_records -= size
            self._metrics.queue_depth.set(self._pending_records)

    async def flush(self, deadline_s: float = 10.0) -> None:
        """At shutdown: write the batch run() was writing and whatever is queued, as one
        write, tried for at most ``deadline_s``. What cannot be written is not
        acknowledged (the broker keeps it for the next start) and is logged."""
        items = self._current
        self._current = []
        while not self._queue.empty():
            items.append(self._queue.get_nowait())
        records = [r for batch, _ in items for r in batch]
        try:
            written = await asyncio.wait_for(
                self._write_until_done(records, attempts=3), timeout=deadline_s
            )
        except TimeoutError:
            written = False
        if not written:
            log.error("shutting down with %d records not written", len(records))
            return
        for _, ack in items:
            if ack is not None:
                ack()

    async def _write_until_done(self, records: Sequence[Record], attempts: int = 0) -> bool:
        """Write, retrying with backoff (at most ``attempts`` times if given); True once
        the store has taken the records (or refused some for good)."""
        if not records:
            return True
        delay_s = 0.5
        tried = 0
        while True:
            tried += 1
            try:
                result = await self._store.write(records)
            except Exception as exc:  # CancelledError is not an Exception: it passes
                # StoreUnavailable is expected; anything else is a bug, logged loudly,
                # but it must not end this task silently and stall every later write.
                self._metrics.store_writes.labels("unavailable").inc()
                if not isinstance(exc, StoreUnavailable):
                    log.exception("unexpected error writing %d records", len(records))
                if attempts and tried >= attempts:
                    log.error("store unavailable, %d records not written: %s", len(records), exc)
                    return False
                log.warning("store unavailable (%s); retrying in %.1fs", exc, delay_s)
                # Full jitter, so several servers do not hammer a recovering store in step.
                await asyncio.sleep(random.uniform(0, delay_s))
                delay_s = min(delay_s * 2, self._max_backoff_s)
                continue
            self._metrics.store_records_written.inc(result.written)
            if result.rejected:
                self._metrics.store_writes.labels("partial").inc()
                self._metrics.store_records_rejected.inc(result.rejected)
                log.error("store rejected %d records for good: %s", result.rejected, result.detail)
            else:
                self._metrics.store_writes.labels("ok").inc()
            return True
