"""Evaluations kept in memory (server/indicators/gather/evaluated.py) are always what a
fresh evaluation gives: any order of arrivals — late transitions and readings,
broadcast logs, schedules, silences, manual entries, maintenance windows, excused
periods, declared values — with the clock moving on (the period open, ended yesterday,
ended before yesterday) and evaluations at random points in between, each evaluation
served with the kept results equal to one from the raw store with neither rollups nor
kept results.

The world is ``test_rollups.py``'s (its fixture inventory, period and arrivals).
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import tempfile
import uuid
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import hypothesis.strategies as st
from hypothesis import HealthCheck, given, settings

from tests.indicators.test_rollups import (
    COMMUNES,
    DAY,
    FROM,
    INDEX,
    INFLUX_ARRIVALS,
    SEPT_FROM,
    TO,
    TZ_NAME,
    H,
    World,
    evaluate,
    excused,
    maintenance,
    manual,
    play,
    reading,
    schedule,
    silence,
    transition,
)
from xaso.server.indicators.gather.declared import DeclaredDocument, DeclaredStore, DeclaredValue
from xaso.server.indicators.gather.evaluate import evaluate_communes
from xaso.server.indicators.gather.evaluated import EvaluatedResults
from xaso.server.records import TransitionRecord
from xaso.server.store.base import Store
from xaso.server.store.influx import InfluxStore
from xaso.server.store.sqlite import SqliteStore
from xaso.testbed.influxdb import InfluxServer

# The period open (the 18th), ended at today's start (noon on the 20th), ended before
# yesterday (the 21st at midnight, the 22nd): the clock only moves on.
CLOCKS = (SEPT_FROM + 17 * DAY + 15 * H, TO + 12 * H, TO + DAY, TO + 2 * DAY + 9 * H)
DOCUMENT = DeclaredDocument("quyet-dinh.pdf", "0" * 64, 1000, "application/pdf")

tick = st.tuples(st.just("tick"))
declare = st.tuples(
    st.just("declare"), st.sampled_from(["hoa", "moi"]), st.sampled_from([40.0, 80.0, 100.0])
)
KEPT_ARRIVALS = st.lists(
    st.one_of(
        st.one_of(transition, reading, play, schedule, silence, manual, maintenance, excused),
        st.one_of(tick, declare),
        evaluate,
    ),
    min_size=1,
    max_size=40,
)


class KeptWorld(World):
    """``World`` with kept evaluations, declared values and a clock that moves on."""

    def __init__(self, store: Store, db_path: Path, clock_at: int) -> None:
        super().__init__(store, db_path, CLOCKS[clock_at])
        self.clock_at = clock_at
        self.declared = DeclaredStore(self.database.connection, ZoneInfo(TZ_NAME))
        self.kept = EvaluatedResults(INDEX)
        self.sources = dataclasses.replace(self.sources, declared=self.declared, results=self.kept)

    async def arrive(self, arrival: tuple[Any, ...]) -> None:
        if arrival[0] == "tick":
            if self.clock_at + 1 < len(CLOCKS):
                self.clock_at += 1
                self.now_ms = CLOCKS[self.clock_at]
        elif arrival[0] == "declare":
            _, commune, value = arrival
            self.declared.add(
                DeclaredValue(
                    id="",
                    seq=0,
                    commune=commune,
                    indicator="N1",
                    value=value,
                    valid_from=dt.date(2026, 9, 1),
                    documents=[DOCUMENT],
                    entered_by="test",
                    entered_ms=self.now_ms + self.seq,
                )
            )
            self.seq += 1
        else:
            await super().arrive(arrival)

    async def check(self, *, excused: bool) -> None:
        served = await evaluate_communes(self.sources, COMMUNES, FROM, TO, excused=excused)
        fresh_sources = dataclasses.replace(self.sources, rollups=None, results=None)
        fresh = await evaluate_communes(fresh_sources, COMMUNES, FROM, TO, excused=excused)
        assert served == fresh
        self.evaluations += 1


async def _scenario(store: Store, folder: Path, clock_at: int, arrivals: list[Any]) -> None:
    world = KeptWorld(store, folder / "xaso.db", clock_at)
    try:
        for arrival in arrivals:
            await world.arrive(arrival)
        await world.check(excused=False)
        await world.check(excused=True)
    finally:
        world.close()


async def _on_sqlite(clock_at: int, arrivals: list[Any]) -> None:
    with tempfile.TemporaryDirectory(prefix="xaso-evaluated-") as tmp:
        store = await SqliteStore.open(str(Path(tmp) / "ts.db"))
        try:
            await _scenario(store, Path(tmp), clock_at, arrivals)
        finally:
            await store.close()


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(clock_at=st.integers(0, len(CLOCKS) - 1), arrivals=KEPT_ARRIVALS)
def test_kept_evaluations_are_always_a_fresh_evaluation(clock_at: int, arrivals: list[Any]) -> None:
    asyncio.run(_on_sqlite(clock_at, arrivals))


async def test_one_late_record_recomputes_its_commune_only(tmp_path: Path) -> None:
    store = await SqliteStore.open(str(tmp_path / "ts.db"))
    world = KeptWorld(store, tmp_path / "xaso.db", 2)
    try:
        for arrival in INFLUX_ARRIVALS:
            if arrival[0] != "evaluate":
                await world.arrive(arrival)
        await world.check(excused=False)
        assert len(world.kept) == len(COMMUNES)
        world.kept.served = 0
        await world.check(excused=False)
        assert world.kept.served == len(COMMUNES)
        # A late transition of a cluster listed under hoa, on a closed day.
        world.kept.served = 0
        await world.write(
            [
                TransitionRecord(
                    device_id="hoa-rc-2",
                    commune="hoa",
                    kind="radio_cluster",
                    ts_ms=FROM + 3 * DAY + 5 * H,
                    status="offline",
                    previous="online",
                    cause="backfill: probe_failed",
                )
            ]
        )
        await world.check(excused=False)
        assert world.kept.served == len(COMMUNES) - 1
        # The same period while it is still open is never kept.
        world.now_ms = CLOCKS[0]
        opened = EvaluatedResults(INDEX)
        sources = dataclasses.replace(world.sources, results=opened)
        await evaluate_communes(sources, COMMUNES, FROM, TO)
        assert len(opened) == 0
    finally:
        world.close()
        await store.close()


async def test_kept_evaluations_on_influxdb_are_a_fresh_evaluation(
    influxd: InfluxServer, tmp_path: Path
) -> None:
    arrivals: list[Any] = []
    for arrival in INFLUX_ARRIVALS:
        arrivals.append(arrival)
        if arrival[0] == "evaluate":
            arrivals += [("evaluate", arrival[1]), ("tick",)]
    for clock_at in (1, 2):
        store = await InfluxStore.open(influxd.url, f"evaluated_{uuid.uuid4().hex[:8]}")
        try:
            await _scenario(store, tmp_path / str(clock_at), clock_at, arrivals)
        finally:
            await store.close()
