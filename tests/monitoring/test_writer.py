"""The batching writer acknowledges MQTT messages only once what they carried is durable,
and keeps poison aside instead of retrying it forever."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence

import pytest

from xaso.server.monitoring.intake_journal import DeadLetter, JournalUnavailable
from xaso.server.monitoring.metrics import Metrics
from xaso.server.monitoring.writer import Intake, StoreWriter
from xaso.server.records import Record, TransitionRecord
from xaso.server.store.base import RecordsRefused, StoreUnavailable, WriteResult


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


def message(i: int, acked: list[int]) -> Intake:
    return Intake([record(i)], lambda: acked.append(i), topic=f"t/{i}", payload=f"m{i}".encode())


class ScriptedStore:
    """A store whose failures are scripted: a unit-test double for the writer's logic
    (the real stores have their own contract tests on real databases). ``poison``
    records make any write that holds one fail the way ``refuse`` says."""

    name = "scripted"

    def __init__(
        self,
        failures: list[BaseException] | None = None,
        poison: frozenset[int] = frozenset(),
        refuse: str = "raise",
    ) -> None:
        self.failures = failures or []
        self.poison, self.refuse = poison, refuse
        self.written: list[Record] = []
        self.writes = 0

    async def write(self, records: Sequence[Record]) -> WriteResult:
        self.writes += 1
        if self.failures:
            raise self.failures.pop(0)
        bad = [r for r in records if r.ts_ms in self.poison]
        if bad and self.refuse == "raise":
            raise RecordsRefused("integer too large")
        if bad and self.refuse == "bug":
            raise RuntimeError("a bug")
        good = [r for r in records if r.ts_ms not in self.poison]
        self.written.extend(good)
        # InfluxDB's "partial write": the good points are in, the bad ones never will be.
        return WriteResult(written=len(good), rejected=len(bad), detail="partial write")


async def run_until(writer: StoreWriter, done: Callable[[], bool], timeout_s: float = 5) -> None:
    task = asyncio.create_task(writer.run())
    try:
        for _ in range(int(timeout_s / 0.01)):
            if done():
                return
            await asyncio.sleep(0.01)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_acks_wait_for_a_store_that_comes_back() -> None:
    store = ScriptedStore([StoreUnavailable("down"), StoreUnavailable("down")])
    writer = StoreWriter(store, Metrics(), linger_s=0.0)  # type: ignore[arg-type]
    acked: list[int] = []
    writer.submit(message(1, acked))
    await run_until(writer, lambda: bool(acked))
    assert acked == [1]
    assert [r.ts_ms for r in store.written] == [1]


async def test_a_failing_store_shows_in_how_long_intake_waits() -> None:
    store = ScriptedStore([StoreUnavailable("down")] * 100)
    writer = StoreWriter(store, Metrics(), linger_s=0.0, max_backoff_s=0.01)  # type: ignore[arg-type]
    writer.submit(message(1, []))
    await run_until(writer, lambda: store.writes > 3)
    assert writer.failing_since is not None and "down" in writer.last_failure
    assert writer.waiting_s() > 0


@pytest.mark.parametrize("refuse", ["raise", "bug", "partial"])
async def test_poison_is_found_kept_aside_and_the_rest_stored(refuse: str) -> None:
    store = ScriptedStore(poison=frozenset({13, 17}), refuse=refuse)
    kept: list[DeadLetter] = []

    async def on_stored(batch: Sequence[Intake], letters: Sequence[DeadLetter]) -> None:
        kept.extend(letters)

    writer = StoreWriter(store, Metrics(), on_stored=on_stored, linger_s=0.0)  # type: ignore[arg-type]
    acked: list[int] = []
    for i in range(1, 41):
        writer.submit(message(i, acked))
    await run_until(writer, lambda: len(acked) == 40)
    assert sorted(acked) == list(range(1, 41)), refuse  # every message acknowledged
    # (A partial write stores the good records again while halving: idempotent.)
    assert {r.ts_ms for r in store.written} == set(range(1, 41)) - {13, 17}
    assert sorted(letter.payload for letter in kept) == [b"m13", b"m17"], refuse
    assert {letter.reason for letter in kept} == {"store_refused"}


async def test_a_message_refused_before_the_store_is_kept_aside_and_acknowledged() -> None:
    store = ScriptedStore()
    kept: list[DeadLetter] = []

    async def on_stored(batch: Sequence[Intake], letters: Sequence[DeadLetter]) -> None:
        kept.extend(letters)

    writer = StoreWriter(store, Metrics(), on_stored=on_stored, linger_s=0.0)  # type: ignore[arg-type]
    acked: list[int] = []
    letter = DeadLetter(5, "t/x", "malformed_json", "broken", b"{")
    writer.submit(Intake((), lambda: acked.append(1), refused=letter))
    await run_until(writer, lambda: bool(acked))
    assert kept == [letter] and store.writes == 0


async def test_acks_wait_for_on_stored_too() -> None:
    store = ScriptedStore()
    calls: list[int] = []

    async def on_stored(batch: Sequence[Intake], letters: Sequence[DeadLetter]) -> None:
        calls.append(len(batch))
        if len(calls) < 3:
            raise JournalUnavailable("disk full")

    writer = StoreWriter(
        store,  # type: ignore[arg-type]
        Metrics(),
        on_stored=on_stored,
        linger_s=0.0,
        max_backoff_s=0.01,
    )
    acked: list[int] = []
    writer.submit(message(1, acked))
    await run_until(writer, lambda: bool(acked))
    assert acked == [1] and len(calls) == 3
    assert store.writes == 1  # the store write is not repeated for the journal's sake


async def test_flush_never_acknowledges_what_it_could_not_write() -> None:
    store = ScriptedStore([StoreUnavailable("down")] * 10)
    writer = StoreWriter(store, Metrics(), max_backoff_s=0.01)  # type: ignore[arg-type]
    acked: list[int] = []
    writer.submit(message(1, acked))
    await writer.flush()
    assert acked == []
    assert store.written == []


async def test_flush_writes_the_batch_a_cancelled_run_was_writing() -> None:
    store = ScriptedStore([StoreUnavailable("down")] * 2)
    writer = StoreWriter(store, Metrics(), linger_s=0.0, max_backoff_s=0.01)  # type: ignore[arg-type]
    writer.submit_records([record(1)])  # a timeout transition: no MQTT message to redeliver it
    task = asyncio.create_task(writer.run())
    await asyncio.sleep(0.05)  # run() has taken it and is retrying
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    writer.submit_records([record(2)])
    await writer.flush()
    assert sorted(r.ts_ms for r in store.written) == [1, 2]


async def test_reaching_the_bound_says_full_until_half_is_stored() -> None:
    store = ScriptedStore()
    writer = StoreWriter(store, Metrics(), linger_s=0.0, max_pending=4)  # type: ignore[arg-type]
    said: list[bool] = []
    writer.on_full = said.append
    acked: list[int] = []
    for i in range(1, 5):
        writer.submit(message(i, acked))
    assert said == [True] and writer.full
    await run_until(writer, lambda: len(acked) == 4)
    assert said == [True, False] and not writer.full


class GatedStore(ScriptedStore):
    """Writes wait until their first record's device is let through: one lane can be
    held while another goes on."""

    def __init__(self, held: set[str]) -> None:
        super().__init__()
        self.held = held
        self.in_flight = 0

    async def write(self, records: Sequence[Record]) -> WriteResult:
        self.in_flight += 1
        try:
            while any(getattr(r, "device_id", "") in self.held for r in records):
                await asyncio.sleep(0.005)
            return await super().write(records)
        finally:
            self.in_flight -= 1


def agents_in_two_lanes(writer: StoreWriter) -> tuple[str, str]:
    """Two agent ids that the writer puts in different lanes."""
    first = "gw-0"
    lane = writer._lane_of(first)
    second = next(f"gw-{i}" for i in range(1, 100) if writer._lane_of(f"gw-{i}") is not lane)
    return first, second


def transition(device_id: str, ts_ms: int) -> TransitionRecord:
    return TransitionRecord(device_id, "c", "radio_gateway", ts_ms, "stopped", "online", "will")


async def test_lanes_write_at_once_and_keep_each_agents_order() -> None:
    store = GatedStore(held=set())
    agent_of_device: dict[str, str] = {}
    writer = StoreWriter(
        store,  # type: ignore[arg-type]
        Metrics(),
        linger_s=0.0,
        lanes=2,
        agent_of=lambda r: agent_of_device[r.device_id],  # type: ignore[attr-defined]
    )
    slow, quick = agents_in_two_lanes(writer)
    agent_of_device.update({slow: slow, quick: quick})
    store.held.add(slow)
    acked: list[str] = []
    for seq in range(3):
        for agent in (slow, quick):
            writer.submit(
                Intake(
                    [transition(agent, seq)],
                    lambda a=agent, s=seq: acked.append(f"{a}/{s}"),  # type: ignore[misc]
                    agent_id=agent,
                )
            )
    # The server's own transitions go behind their agent's messages, in its lane.
    writer.submit_records([transition(slow, 10), transition(quick, 10)])
    # The quick agent's lane goes on while the slow agent's write waits...
    await run_until(writer, lambda: len(store.written) == 4 and store.in_flight == 1)
    assert [(r.device_id, r.ts_ms) for r in store.written] == [(quick, t) for t in (0, 1, 2, 10)]
    assert acked == [f"{quick}/{s}" for s in range(3)]
    store.held.clear()
    await writer.flush()  # (run_until cancelled the slow lane's write: shutdown's path)
    # ...and the slow one's come after, in the order it sent them.
    slow_times = [r.ts_ms for r in store.written if r.device_id == slow]
    assert slow_times == [0, 1, 2, 10]
    assert writer.pending == 0 and writer.pending_records == 0


async def test_flush_writes_every_lanes_batch() -> None:
    store = GatedStore(held=set())
    writer = StoreWriter(store, Metrics(), linger_s=0.0, lanes=3)  # type: ignore[arg-type]
    acked: list[int] = []
    for i in range(12):
        writer.submit(Intake([record(i)], lambda i=i: acked.append(i), agent_id=f"gw-{i}"))  # type: ignore[misc]
    await writer.flush()
    assert sorted(acked) == list(range(12))
    assert sorted(r.ts_ms for r in store.written) == list(range(12))


def test_a_writer_needs_a_lane() -> None:
    with pytest.raises(ValueError):
        StoreWriter(ScriptedStore(), Metrics(), lanes=0)  # type: ignore[arg-type]
