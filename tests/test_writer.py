"""The batching writer acknowledges MQTT messages only once their records are stored."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence

from server.metrics import Metrics
from server.store.base import Record, StoreUnavailable, TransitionRecord, WriteResult
from server.writer import StoreWriter


def record(i: int) -> TransitionRecord:
    return TransitionRecord(
        device_id=f"d{i}",
        commune="c",
        kind="camera",
        ts_ms=i,
        status="online",
        previous="unknown",
        cause="probe_ok",
    )


class ScriptedStore:
    """A store whose failures are scripted: a unit-test double for the writer's logic
    (the real stores have their own contract tests on real databases)."""

    name = "scripted"

    def __init__(self, failures: list[BaseException]) -> None:
        self.failures = failures
        self.written: list[Record] = []

    async def write(self, records: Sequence[Record]) -> WriteResult:
        if self.failures:
            raise self.failures.pop(0)
        self.written.extend(records)
        return WriteResult(written=len(records))


async def run_until(writer: StoreWriter, done: Callable[[], bool], timeout_s: float = 5) -> None:
    task = asyncio.create_task(writer.run())
    try:
        for _ in range(int(timeout_s / 0.05)):
            if done():
                return
            await asyncio.sleep(0.05)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_acks_wait_for_a_store_that_comes_back() -> None:
    store = ScriptedStore([StoreUnavailable("down"), StoreUnavailable("down")])
    writer = StoreWriter(store, Metrics(), linger_s=0.0)  # type: ignore[arg-type]
    acked: list[int] = []
    writer.submit([record(1)], lambda: acked.append(1))
    await run_until(writer, lambda: bool(acked))
    assert acked == [1]
    assert [r.ts_ms for r in store.written] == [1]


async def test_an_unexpected_error_does_not_stop_the_writer() -> None:
    store = ScriptedStore([RuntimeError("a bug")])
    writer = StoreWriter(store, Metrics(), linger_s=0.0)  # type: ignore[arg-type]
    acked: list[int] = []
    writer.submit([record(1)], lambda: acked.append(1))
    await run_until(writer, lambda: bool(acked))
    assert acked == [1]


async def test_flush_never_acknowledges_what_it_could_not_write() -> None:
    store = ScriptedStore([StoreUnavailable("down")] * 10)
    writer = StoreWriter(store, Metrics(), max_backoff_s=0.01)  # type: ignore[arg-type]
    acked: list[int] = []
    writer.submit([record(1)], lambda: acked.append(1))
    await writer.flush()
    assert acked == []
    assert store.written == []


async def test_flush_writes_the_batch_a_cancelled_run_was_writing() -> None:
    store = ScriptedStore([StoreUnavailable("down")] * 2)
    writer = StoreWriter(store, Metrics(), linger_s=0.0, max_backoff_s=0.01)  # type: ignore[arg-type]
    writer.submit([record(1)])  # a timeout transition: no MQTT message to redeliver it
    task = asyncio.create_task(writer.run())
    await asyncio.sleep(0.05)  # run() has taken it and is retrying
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    writer.submit([record(2)])
    await writer.flush()
    assert sorted(r.ts_ms for r in store.written) == [1, 2]
