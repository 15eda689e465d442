"""Rollups of closed days (server/indicators/gather/rollups.py) give exactly what the raw
store gives: any order of arrivals — late transitions and readings, broadcast logs,
schedules, silences, manual entries, maintenance windows approved or deleted, excused
periods — with evaluations at random points in between, each evaluation with rollups
equal (every verdict, value, numerator, denominator and evidence item) to one from the
raw store with none.

The fixture inventory (tests/data/indicators-inventory.yaml): hoa with every kind of
device, dong and tay merging into moi on 16 September 2026. The period evaluated runs
10–20 September across the merger; the clock stands either mid-afternoon on the 18th
(the last days open, every trailing window starting mid-day: raw edges around the
rolled days) or at midnight after the period (every day closed).
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import tempfile
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import hypothesis.strategies as st
import msgspec
from hypothesis import HealthCheck, given, settings

from tests.paths import DATA
from xaso.inventory import InventoryIndex, load_inventory
from xaso.server.broadcasts.manual_entries import TABLE as MANUAL_TABLE
from xaso.server.broadcasts.manual_entries import ManualEntry
from xaso.server.broadcasts.playout_log import PlayoutSources
from xaso.server.broadcasts.reconcile import ReconcileRules
from xaso.server.broadcasts.schedule import Content, Schedule
from xaso.server.broadcasts.schedule_table import ScheduleTable
from xaso.server.broadcasts.silence import SilenceOrder
from xaso.server.database import ServerDatabase
from xaso.server.indicators.gather.evaluate import IndicatorSources, evaluate_communes
from xaso.server.indicators.gather.rollups import DayRollups
from xaso.server.indicators.period import parse_period
from xaso.server.indicators.profile import load_profiles
from xaso.server.indicators.rollup_table import RollupTable
from xaso.server.json_table import JsonTable
from xaso.server.monitoring.exclusion_history import Author
from xaso.server.monitoring.exclusions import ExclusionStore, ExcusedPeriod
from xaso.server.monitoring.maintenance import MaintenanceWindow
from xaso.server.monitoring.picture_state import series_owner
from xaso.server.records import BroadcastEventRecord, DeviceReadingRecord, TransitionRecord
from xaso.server.store.base import Store
from xaso.server.store.influx import InfluxStore
from xaso.server.store.sqlite import SqliteStore
from xaso.testbed.influxdb import InfluxServer

INVENTORY = DATA / "indicators-inventory.yaml"
TZ_NAME = "Asia/Ho_Chi_Minh"
H = 3_600_000
DAY = 24 * H
SEPT_FROM, _ = parse_period("2026-09", __import__("zoneinfo").ZoneInfo(TZ_NAME))
FROM, TO = SEPT_FROM + 9 * DAY, SEPT_FROM + 19 * DAY  # 10–19 September, whole days
CLOCKS = (SEPT_FROM + 17 * DAY + 15 * H, TO + DAY)
COMMUNES = ["hoa", "dong", "tay", "moi", "vang"]
ADMIN = Author("admin", "admin")
INDEX: InventoryIndex = load_inventory(INVENTORY).index()

DEVICES = ["hoa-rc-1", "hoa-rc-2", "hoa-rc-5", "hoa-cam-1", "hoa-cam-2", "hoa-vc-1"]
DEVICES += ["dong-rc-1", "tay-rc-1"]
CLUSTERS = ["hoa-rc-1", "hoa-rc-2", "dong-rc-1", "tay-rc-1"]
STATUSES = ["online", "offline", "unknown", "maintenance", "pending"]
# Minutes from 25 August (reached by the 30-day windows) to the end of the period.
MINUTES = st.integers(min_value=-16 * 24 * 60, max_value=21 * 24 * 60)
DAYS = st.integers(min_value=5, max_value=20)

# The cameras' picture series (server/monitoring/picture_state.py), read for C1, which
# the province's profile has judge cameras with their picture (``PICTURE_PROFILE``).
PICTURES = ["hoa-cam-1:picture", "hoa-cam-2:picture"]
PICTURE_STATUSES = ["usable", "unusable", "unknown", "maintenance"]
PICTURE_PROFILE = """schema: 1
name: Tỉnh Thử, camera có hình ảnh dùng được
area: prov
overrides:
  C1: {picture: required}
"""
transition = st.one_of(
    st.tuples(st.just("transition"), st.sampled_from(DEVICES), MINUTES, st.sampled_from(STATUSES)),
    st.tuples(
        st.just("transition"), st.sampled_from(PICTURES), MINUTES, st.sampled_from(PICTURE_STATUSES)
    ),
)
reading = st.tuples(st.just("reading"), st.sampled_from(DEVICES), MINUTES)
play = st.tuples(
    st.just("play"),
    st.sampled_from(CLUSTERS),
    DAYS,
    st.sampled_from(["bulletin", "drill"]),
    st.sampled_from(["played", "late", "failed", "cut", "silent"]),
)
schedule = st.tuples(
    st.just("schedule"),
    st.sampled_from(["hoa", "dong", "moi"]),
    st.sampled_from(["bulletin", "drill"]),
    DAYS,
)
silence = st.tuples(st.just("silence"), st.sampled_from(CLUSTERS), DAYS, st.integers(0, 23))
manual = st.tuples(st.just("manual"), st.sampled_from(["hoa", "moi"]), DAYS, st.integers(0, 23))
maintenance = st.tuples(
    st.just("maintenance"),
    st.sampled_from(
        [("device", "hoa-rc-1"), ("commune", "dong"), ("kind", "camera"), ("agent", "hoa-cctv-gw")]
    ),
    MINUTES,
    st.integers(min_value=30, max_value=4 * 24 * 60),
    st.sampled_from(["approved", "pending", "approved_later", "deleted"]),
)
excused = st.tuples(
    st.just("excused"), st.sampled_from(DEVICES), MINUTES, st.integers(30, 3 * 24 * 60)
)
evaluate = st.tuples(st.just("evaluate"), st.booleans())
# Evaluations weigh as much as the other arrivals together: each may roll days up that
# a later arrival must drop.
ARRIVALS = st.lists(
    st.one_of(
        st.one_of(transition, reading, play, schedule, silence, manual, maintenance, excused),
        evaluate,
    ),
    min_size=1,
    max_size=40,
)


class World:
    """A server's sources over a real store and a server database, with rollups."""

    def __init__(self, store: Store, db_path: Path, now_ms: int) -> None:
        self.store = store
        self.database = ServerDatabase(db_path)
        db = self.database.connection
        self.now_ms = now_ms

        def clock() -> int:
            return self.now_ms

        self.schedules = ScheduleTable(db, clock)
        self.silences = JsonTable(db, "broadcast_silence", SilenceOrder)
        self.manual = JsonTable(db, MANUAL_TABLE, ManualEntry)
        self.exclusions = ExclusionStore(db)
        self.rollups = DayRollups(RollupTable(db), INDEX)
        profiles = db_path.parent / "profiles"
        profiles.mkdir(parents=True, exist_ok=True)
        (profiles / "prov.yaml").write_text(PICTURE_PROFILE, encoding="utf-8")
        self.sources = IndicatorSources(
            index=INDEX,
            store=store,
            clock_ms=clock,
            profiles=load_profiles(profiles, INDEX),
            exclusions=self.exclusions,
            playout=PlayoutSources(
                INDEX,
                store,
                self.schedules,
                clock,
                ReconcileRules(),
                silences=self.silences,
                manual=self.manual,
            ),
            rollups=self.rollups,
        )
        self.seq = 0
        self.evaluations = 0

    def close(self) -> None:
        self.database.close()

    async def write(self, records: Sequence[Any]) -> None:
        await self.store.write(list(records))
        self.rollups.invalidate_for_records(records, self.now_ms)

    def _seq(self) -> int:
        self.seq += 1
        return self.seq

    async def arrive(self, arrival: tuple[Any, ...]) -> None:
        kind = arrival[0]
        if kind == "transition":
            _, device, minute, status = arrival
            ts = SEPT_FROM + minute * 60_000
            owner = series_owner(device)
            entry = INDEX.devices[owner]
            record = TransitionRecord(
                device_id=device,
                commune=INDEX.commune_on(owner, INDEX.day_of(ts)),
                kind="picture" if owner != device else entry.kind,
                ts_ms=ts,
                status=status,
                previous="",
                cause=f"cause-{status}-{minute % 3}",
            )
            await self.write([record])
        elif kind == "reading":
            _, device, minute = arrival
            ts = SEPT_FROM + minute * 60_000
            entry = INDEX.devices[device]
            await self.write(
                [
                    DeviceReadingRecord(
                        device_id=device,
                        agent_id=entry.agent_id,
                        commune=INDEX.commune_on(device, INDEX.day_of(ts)),
                        kind=entry.kind,
                        ts_ms=ts,
                        seq=self._seq(),
                        reachable=True,
                        detail={"camera.recording": True},
                    )
                ]
            )
        elif kind == "play":
            await self.write(self._play(*arrival[1:]))
        elif kind == "schedule":
            _, commune, what, day = arrival
            self.schedules.put(_schedule(commune, what, day), by="test")
        elif kind == "silence":
            _, cluster, day, hour = arrival
            start = SEPT_FROM + day * DAY + hour * H
            commune = INDEX.commune_on(cluster, INDEX.day_of(start))
            self.silences.put(
                SilenceOrder(
                    id=f"im-{uuid.uuid4().hex[:6]}",
                    commune=commune,
                    clusters=[cluster],
                    from_ms=start,
                    to_ms=start + 2 * H,
                )
            )
        elif kind == "manual":
            _, commune, day, hour = arrival
            start = SEPT_FROM + day * DAY + hour * H
            clusters = ["hoa-rc-1", "hoa-rc-2"] if commune == "hoa" else ["dong-rc-1"]
            self.manual.put(
                ManualEntry(
                    id=uuid.uuid4().hex[:8],
                    commune=commune,
                    clusters=clusters,
                    start_ms=start,
                    end_ms=start + 10 * 60_000,
                    title="Thông báo trực tiếp",
                )
            )
        elif kind == "maintenance":
            _, (scope, target), minute, minutes, state = arrival
            start = dt.datetime(2026, 9, 1) + dt.timedelta(minutes=minute)
            window = MaintenanceWindow(
                id=f"mw-{uuid.uuid4().hex[:6]}",
                scope=scope,
                target=target,
                start=start,
                duration_s=minutes * 60.0,
                reason="bảo trì",
            )
            tracked = self.exclusions.add_window(
                window, state="approved" if state != "pending" else "pending", by=ADMIN, at_ms=0
            )
            if state == "approved_later":
                # Proposed, then approved by a verifier once the days are rolled up.
                pending = self.exclusions.add_window(
                    msgspec.structs.replace(window, id=f"{window.id}-p"),
                    state="pending",
                    by=ADMIN,
                    at_ms=0,
                )
                self.exclusions.decide(
                    "maintenance", pending.item.id, "approved", ADMIN, self.now_ms, "đồng ý"
                )
            if state == "deleted":
                self.exclusions.delete(
                    "maintenance", tracked.item.id, ADMIN, self.now_ms - 3 * DAY, "xong"
                )
        elif kind == "excused":
            _, device, minute, minutes = arrival
            start = SEPT_FROM + minute * 60_000
            self.exclusions.add_excused(
                ExcusedPeriod(
                    id=f"ex-{uuid.uuid4().hex[:6]}",
                    scope="device",
                    target=device,
                    from_ms=start,
                    to_ms=start + minutes * 60_000,
                    cause="power_cut",
                ),
                state="approved",
                by=ADMIN,
                at_ms=0,
            )
        elif kind == "evaluate":
            await self.check(excused=arrival[1])

    def _play(self, cluster: str, day: int, what: str, fate: str) -> list[BroadcastEventRecord]:
        """One occurrence's log on one cluster: received beforehand, then its fate."""
        start_h = 6 if what == "bulletin" else 10
        occurrence = SEPT_FROM + day * DAY + start_h * H
        commune = INDEX.commune_on(cluster, INDEX.day_of(occurrence))
        schedule_id = f"{'bt' if what == 'bulletin' else 'kc'}-{commune}"
        agent = INDEX.devices[cluster].agent_id

        def event(name: str, ts: int, **extra: Any) -> BroadcastEventRecord:
            return BroadcastEventRecord(
                event_id=f"{agent}-{self._seq()}",
                agent_id=agent,
                cluster=cluster,
                commune=commune,
                event=name,
                ts_ms=ts,
                seq=self.seq,
                session=1,
                schedule=schedule_id,
                revision=1,
                priority="emergency" if what == "drill" else "normal",
                content_type="tts",
                content_duration_s=300.0,
                occurrence_ms=occurrence,
                planned_end_ms=occurrence + 300_000,
                content_title=schedule_id,
                **extra,
            )

        events = [event("received", occurrence - H)]
        delay = 90_000 if fate == "late" else 5_000
        started = occurrence + delay
        if fate == "failed":
            events.append(event("failed", started, error="player_error"))
        elif fate != "silent":
            events.append(event("started", started, started_ms=started))
            played = 300.0 if fate != "cut" else 100.0
            events.append(event("finished", started + int(played * 1000), played_s=played))
        return events

    async def check(self, *, excused: bool) -> None:
        rolled = await evaluate_communes(self.sources, COMMUNES, FROM, TO, excused=excused)
        raw_sources = dataclasses.replace(self.sources, rollups=None)
        raw = await evaluate_communes(raw_sources, COMMUNES, FROM, TO, excused=excused)
        assert rolled == raw
        self.evaluations += 1


def _schedule(commune: str, what: str, day: int) -> Schedule:
    if what == "bulletin":
        return Schedule(
            id=f"bt-{commune}",
            commune=commune,
            title="Bản tin sáng",
            content=Content(type="tts", duration_s=300.0, text="Kính thưa bà con"),
            start=dt.datetime(2026, 9, 1, 6, 0),
            rrule="FREQ=DAILY",
            timezone=TZ_NAME,
        )
    return Schedule(
        id=f"kc-{commune}",
        commune=commune,
        title="Diễn tập",
        content=Content(type="tts", duration_s=300.0, text="Diễn tập"),
        start=dt.datetime(2026, 9, 1 + day, 10, 0),
        timezone=TZ_NAME,
        priority="emergency",
    )


async def _scenario(store: Store, folder: Path, now_ms: int, arrivals: list[Any]) -> None:
    world = World(store, folder / "xaso.db", now_ms)
    try:
        for arrival in arrivals:
            await world.arrive(arrival)
        # And once more at the end, both ways: the full recomputation.
        await world.check(excused=False)
        await world.check(excused=True)
    finally:
        world.close()


async def _on_sqlite(now_ms: int, arrivals: list[Any]) -> None:
    with tempfile.TemporaryDirectory(prefix="xaso-rollups-") as tmp:
        store = await SqliteStore.open(str(Path(tmp) / "ts.db"))
        try:
            await _scenario(store, Path(tmp), now_ms, arrivals)
        finally:
            await store.close()


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(now_ms=st.sampled_from(CLOCKS), arrivals=ARRIVALS)
def test_any_order_of_arrivals_evaluates_as_the_raw_store(now_ms: int, arrivals: list[Any]) -> None:
    asyncio.run(_on_sqlite(now_ms, arrivals))


# One history, arriving in an order that reaches back over rolled days, on real InfluxDB.
INFLUX_ARRIVALS: list[Any] = [
    ("schedule", "hoa", "bulletin", 10),
    ("schedule", "moi", "bulletin", 10),
    ("transition", "hoa-rc-1", -3 * 24 * 60, "online"),
    ("transition", "hoa-cam-1", -3 * 24 * 60, "online"),
    ("transition", "hoa-cam-1:picture", -3 * 24 * 60, "usable"),
    ("transition", "dong-rc-1", -3 * 24 * 60, "online"),
    ("play", "hoa-rc-1", 11, "bulletin", "played"),
    ("play", "hoa-rc-2", 12, "bulletin", "late"),
    ("evaluate", False),
    ("transition", "hoa-rc-1", 12 * 24 * 60 + 30, "offline"),  # late, on a rolled day
    ("evaluate", False),
    ("transition", "hoa-rc-1", 13 * 24 * 60 + 90, "online"),
    ("reading", "hoa-cam-1", 14 * 24 * 60),
    ("transition", "hoa-cam-1:picture", 12 * 24 * 60 + 45, "unusable"),  # on a rolled day
    ("evaluate", False),
    ("transition", "hoa-cam-1:picture", 13 * 24 * 60, "usable"),
    ("maintenance", ("device", "hoa-rc-1"), 12 * 24 * 60, 600, "approved"),
    ("evaluate", True),
    ("play", "dong-rc-1", 17, "bulletin", "failed"),
    ("silence", "hoa-rc-1", 14, 5),
    ("manual", "moi", 17, 8),
    ("schedule", "hoa", "drill", 15),
    ("play", "hoa-rc-1", 15, "drill", "played"),
    ("evaluate", False),
    ("excused", "hoa-cam-1", 15 * 24 * 60, 600),
    ("maintenance", ("commune", "dong"), 11 * 24 * 60, 3000, "deleted"),
    ("evaluate", True),
]


async def test_late_arrivals_on_influxdb_evaluate_as_the_raw_store(
    influxd: InfluxServer, tmp_path: Path
) -> None:
    for now_ms in CLOCKS:
        store = await InfluxStore.open(influxd.url, f"rollup_{uuid.uuid4().hex[:8]}")
        try:
            await _scenario(store, tmp_path / str(now_ms), now_ms, INFLUX_ARRIVALS)
        finally:
            await store.close()
